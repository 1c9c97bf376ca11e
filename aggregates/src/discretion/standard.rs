//! The parsed standard ([`DiscretionStandard`]): regimes and bands in order, ready to check.
use super::*;

/// A discretion standard known to be well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscretionStandard {
    pub(super) spec: DiscretionStandardSpec,
    /// Band id -> (regime index, band index).
    pub(super) bands: HashMap<String, (usize, usize)>,
}

impl DiscretionStandard {
    /// Checks a spec: a valid standard, or every problem found.
    pub fn parse(spec: DiscretionStandardSpec) -> Result<Self, Vec<DiscretionProblem>> {
        let problems = Validator::new(&spec).run();
        if !problems.is_empty() {
            return Err(problems);
        }
        let bands = spec
            .regimes
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| {
                r.bands
                    .iter()
                    .enumerate()
                    .map(move |(bi, b)| (b.id.clone(), (ri, bi)))
            })
            .collect();
        Ok(DiscretionStandard { spec, bands })
    }

    /// The spec it was parsed from.
    pub fn spec(&self) -> &DiscretionStandardSpec {
        &self.spec
    }

    /// A band and its regime by the band's id.
    pub fn band(&self, id: &str) -> Option<(&RegimeSpec, &BandSpec)> {
        let &(ri, bi) = self.bands.get(id)?;
        let regime = &self.spec.regimes[ri];
        Some((regime, &regime.bands[bi]))
    }

    /// The regime a base amount selects (the only regime when there is one without `when`).
    pub fn regime_for(&self, base_fen: Option<u64>) -> Option<&RegimeSpec> {
        match self.spec.regimes.as_slice() {
            [only] if only.when.is_none() => Some(only),
            regimes => {
                let base = base_fen?;
                regimes
                    .iter()
                    .find(|r| r.when.as_ref().is_some_and(|w| w.holds(base)))
            }
        }
    }

    pub(super) fn base_name(&self, id: &str) -> String {
        self.spec
            .bases
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// A plain description of a regime's condition, e.g. 货值金额不足10000元.
    pub fn describe_condition(&self, regime: &RegimeSpec) -> Option<String> {
        regime
            .when
            .as_ref()
            .map(|w| w.describe(&self.base_name(&w.base)))
    }

    pub(super) fn circumstance(&self, id: &str) -> Option<&CircumstanceSpec> {
        self.spec.circumstances.iter().find(|c| c.id == id)
    }

    pub(super) fn mitigation_ground(&self, id: &str) -> Option<&GroundSpec> {
        self.spec
            .mitigation
            .as_ref()
            .and_then(|m| m.grounds.iter().find(|g| g.id == id))
    }

    pub(super) fn no_penalty_ground(&self, id: &str) -> Option<&GroundSpec> {
        self.spec
            .no_penalty
            .as_ref()
            .and_then(|m| m.grounds.iter().find(|g| g.id == id))
    }
}
