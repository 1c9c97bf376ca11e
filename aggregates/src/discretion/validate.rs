//! Validation: from the stored shape to the parsed standard, or every problem found.
use super::*;

pub(super) struct Validator<'a> {
    pub(super) spec: &'a DiscretionStandardSpec,
    pub(super) problems: Vec<DiscretionProblem>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(spec: &'a DiscretionStandardSpec) -> Self {
        Validator {
            spec,
            problems: Vec::new(),
        }
    }

    pub(super) fn push(
        &mut self,
        code: DiscretionProblemCode,
        field: impl Into<String>,
        regime: Option<&str>,
        band: Option<&str>,
        message: impl Into<String>,
    ) {
        self.problems.push(DiscretionProblem {
            code,
            field: field.into(),
            regime: regime.map(str::to_owned),
            band: band.map(str::to_owned),
            message: message.into(),
        });
    }

    pub(super) fn text(&mut self, field: &str, value: &str, max: usize, required: bool) {
        use DiscretionProblemCode as C;
        if required && value.trim().is_empty() {
            self.push(
                C::EmptyText,
                field,
                None,
                None,
                format!("{field} must not be empty"),
            );
        } else if value.chars().count() > max {
            self.push(
                C::TextTooLong,
                field,
                None,
                None,
                format!("{field} must be at most {max} characters"),
            );
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.push(
                C::ControlCharacter,
                field,
                None,
                None,
                format!("{field} must not contain control characters"),
            );
        }
    }

    pub(super) fn run(mut self) -> Vec<DiscretionProblem> {
        self.check_texts();
        self.check_ids();
        self.check_counts();
        for i in 0..self.spec.regimes.len() {
            self.check_regime(i);
        }
        self.check_conditions();
        self.check_grounds();
        self.problems
    }

    pub(super) fn check_texts(&mut self) {
        let spec = self.spec;
        self.text("article", &spec.article, 200, true);
        if let Some(note) = &spec.note {
            self.text("note", note, 4000, false);
        }
        for (i, m) in spec.measures.iter().enumerate() {
            self.text(&format!("measures[{i}]"), m, 500, true);
        }
        for (i, n) in spec.notes.iter().enumerate() {
            self.text(&format!("notes[{i}]"), n, 2000, true);
        }
        for (i, b) in spec.bases.iter().enumerate() {
            self.text(&format!("bases[{i}].name"), &b.name, 100, true);
            if let Some(note) = &b.note {
                self.text(&format!("bases[{i}].note"), note, 1000, false);
            }
        }
        for (i, r) in spec.regimes.iter().enumerate() {
            self.text(&format!("regimes[{i}].name"), &r.name, 100, true);
            for (j, b) in r.bands.iter().enumerate() {
                self.text(&format!("regimes[{i}].bands[{j}].name"), &b.name, 100, true);
                if let Some(note) = &b.note {
                    self.text(&format!("regimes[{i}].bands[{j}].note"), note, 1000, false);
                }
            }
        }
        for (i, c) in spec.circumstances.iter().enumerate() {
            self.text(&format!("circumstances[{i}].name"), &c.name, 500, true);
            if let Some(basis) = &c.basis {
                self.text(&format!("circumstances[{i}].basis"), basis, 500, false);
            }
        }
        if let Some(m) = &spec.mitigation {
            self.text("mitigation.approval", &m.approval, 500, true);
            if let Some(note) = &m.note {
                self.text("mitigation.note", note, 2000, false);
            }
            for (i, g) in m.grounds.iter().enumerate() {
                self.text(&format!("mitigation.grounds[{i}].name"), &g.name, 500, true);
                self.text(
                    &format!("mitigation.grounds[{i}].basis"),
                    &g.basis,
                    500,
                    true,
                );
            }
        }
        if let Some(n) = &spec.no_penalty {
            if let Some(note) = &n.note {
                self.text("no_penalty.note", note, 2000, false);
            }
            for (i, g) in n.grounds.iter().enumerate() {
                self.text(&format!("no_penalty.grounds[{i}].name"), &g.name, 500, true);
                self.text(
                    &format!("no_penalty.grounds[{i}].basis"),
                    &g.basis,
                    500,
                    true,
                );
            }
        }
        if let Some(a) = &spec.decision_authority {
            self.text("decision_authority.authority", &a.authority, 200, true);
            self.text("decision_authority.basis", &a.basis, 1000, true);
        }
    }

    /// Every id in the standard with its field; ids are one namespace, because a decision names
    /// bands, circumstances and grounds by id alone.
    pub(super) fn ids(&self) -> Vec<(String, &'a str, Option<&'a str>)> {
        let spec = self.spec;
        let mut ids = Vec::new();
        for (i, b) in spec.bases.iter().enumerate() {
            ids.push((format!("bases[{i}].id"), b.id.as_str(), None));
        }
        for (i, r) in spec.regimes.iter().enumerate() {
            ids.push((format!("regimes[{i}].id"), r.id.as_str(), None));
            for (j, b) in r.bands.iter().enumerate() {
                ids.push((
                    format!("regimes[{i}].bands[{j}].id"),
                    b.id.as_str(),
                    Some(r.id.as_str()),
                ));
            }
        }
        for (i, c) in spec.circumstances.iter().enumerate() {
            ids.push((format!("circumstances[{i}].id"), c.id.as_str(), None));
        }
        if let Some(m) = &spec.mitigation {
            for (i, g) in m.grounds.iter().enumerate() {
                ids.push((format!("mitigation.grounds[{i}].id"), g.id.as_str(), None));
            }
        }
        if let Some(n) = &spec.no_penalty {
            for (i, g) in n.grounds.iter().enumerate() {
                ids.push((format!("no_penalty.grounds[{i}].id"), g.id.as_str(), None));
            }
        }
        ids
    }

    pub(super) fn check_ids(&mut self) {
        use DiscretionProblemCode as C;
        let mut seen = HashSet::new();
        for (field, id, regime) in self.ids() {
            let band = field.contains(".bands[").then_some(id);
            if !is_valid_id(id) {
                self.push(
                    C::InvalidId,
                    field.clone(),
                    regime,
                    band,
                    format!(
                        "id {id:?} must be 1 to {MAX_ID_LEN} of a-z, 0-9, _ and -, starting with a letter or digit"
                    ),
                );
            }
            if !seen.insert(id) {
                self.push(
                    C::DuplicateId,
                    field,
                    regime,
                    band,
                    format!("id {id:?} is used twice in the standard"),
                );
            }
        }
    }

    pub(super) fn check_counts(&mut self) {
        use DiscretionProblemCode as C;
        let spec = self.spec;
        if spec.regimes.is_empty() {
            self.push(
                C::NoRegimes,
                "regimes",
                None,
                None,
                "a discretion standard needs at least one statutory regime",
            );
        }
        if spec.regimes.len() > MAX_REGIMES {
            self.push(
                C::TooMany,
                "regimes",
                None,
                None,
                format!("at most {MAX_REGIMES} regimes"),
            );
        }
        for (i, r) in spec.regimes.iter().enumerate() {
            if r.bands.len() > MAX_BANDS {
                self.push(
                    C::TooMany,
                    format!("regimes[{i}].bands"),
                    Some(&r.id),
                    None,
                    format!("at most {MAX_BANDS} bands per regime"),
                );
            }
        }
        let lists = [
            ("circumstances", spec.circumstances.len()),
            ("bases", spec.bases.len()),
            (
                "mitigation.grounds",
                spec.mitigation.as_ref().map_or(0, |m| m.grounds.len()),
            ),
            (
                "no_penalty.grounds",
                spec.no_penalty.as_ref().map_or(0, |m| m.grounds.len()),
            ),
            ("measures", spec.measures.len()),
            ("notes", spec.notes.len()),
        ];
        for (field, n) in lists {
            if n > MAX_LISTED {
                self.push(
                    C::TooMany,
                    field,
                    None,
                    None,
                    format!("at most {MAX_LISTED} entries"),
                );
            }
        }
    }

    pub(super) fn base_known(&self, id: &str) -> bool {
        self.spec.bases.iter().any(|b| b.id == id)
    }

    pub(super) fn check_regime(&mut self, i: usize) {
        use DiscretionProblemCode as C;
        let r = &self.spec.regimes[i];
        let rid = Some(r.id.as_str());
        let field = format!("regimes[{i}]");
        if let Some(w) = &r.when {
            if !self.base_known(&w.base) {
                self.push(
                    C::UnknownBase,
                    format!("{field}.when.base"),
                    rid,
                    None,
                    format!(
                        "regime {} is selected by base {:?}, which is not declared in bases",
                        r.id, w.base
                    ),
                );
            }
            if let Some(below) = w.below_fen
                && w.lower() >= below
            {
                self.push(
                    C::RegimeConditionEmpty,
                    format!("{field}.when"),
                    rid,
                    None,
                    format!("regime {}: at_least_fen must be below below_fen", r.id),
                );
            }
        }
        if let Some(base) = &r.base
            && !self.base_known(base)
        {
            self.push(
                C::UnknownBase,
                format!("{field}.base"),
                rid,
                None,
                format!(
                    "regime {} multiplies base {base:?}, which is not declared in bases",
                    r.id
                ),
            );
        }
        if r.uses_multiples() && r.multiple_base().is_none() {
            self.push(
                C::BaseRequired,
                format!("{field}.base"),
                rid,
                None,
                format!(
                    "regime {} uses multiples (times_base) but names no base",
                    r.id
                ),
            );
        }
        if r.bands.is_empty() {
            self.push(
                C::NoBands,
                format!("{field}.bands"),
                rid,
                None,
                format!("regime {} has no band", r.id),
            );
        } else if !r.bands.iter().any(|b| b.kind == BandKind::Ordinary) {
            self.push(
                C::NoOrdinaryBand,
                format!("{field}.bands"),
                rid,
                None,
                format!("regime {} has no ordinary (一般) band, the default", r.id),
            );
        }
        self.check_band_circumstances(i);
        let mixed = {
            let mut kinds = r.amounts().map(AmountSpec::is_multiple);
            let first = kinds.next();
            kinds.any(|k| Some(k) != first)
        };
        if mixed {
            self.push(
                C::MixedAmountKinds,
                field,
                rid,
                None,
                format!(
                    "regime {}: write every amount either in fen or as times_base, not both",
                    r.id
                ),
            );
            return;
        }
        self.check_ranges(i);
    }

    pub(super) fn check_band_circumstances(&mut self, i: usize) {
        use DiscretionProblemCode as C;
        let spec = self.spec;
        let r = &spec.regimes[i];
        for (j, b) in r.bands.iter().enumerate() {
            let field = format!("regimes[{i}].bands[{j}].circumstances");
            if b.kind == BandKind::Heavier && b.circumstances.is_empty() {
                self.push(
                    C::HeavierBandWithoutCircumstances,
                    field.clone(),
                    Some(&r.id),
                    Some(&b.id),
                    format!(
                        "band {} is heavier (从重) and must list the aggravating circumstances that justify it",
                        b.id
                    ),
                );
            }
            for c in &b.circumstances {
                let circumstance = spec.circumstances.iter().find(|x| &x.id == c);
                let ground = spec
                    .mitigation
                    .as_ref()
                    .is_some_and(|m| m.grounds.iter().any(|g| &g.id == c));
                let fits = match (b.kind, circumstance) {
                    (_, None) if !ground => {
                        self.push(
                            C::UnknownCircumstance,
                            field.clone(),
                            Some(&r.id),
                            Some(&b.id),
                            format!("band {} lists {c:?}, which is neither a circumstance nor a 减轻 ground", b.id),
                        );
                        continue;
                    }
                    (BandKind::Heavier, Some(x)) => x.kind == CircumstanceKind::Aggravating,
                    (BandKind::Heavier, None) => false,
                    (BandKind::Lighter, Some(x)) => x.kind == CircumstanceKind::Mitigating,
                    (BandKind::Lighter, None) => true,
                    (BandKind::Ordinary, _) => true,
                };
                if !fits {
                    self.push(
                        C::CircumstanceKindMismatch,
                        field.clone(),
                        Some(&r.id),
                        Some(&b.id),
                        format!(
                            "band {} is {} but lists {c:?}, which weighs the other way",
                            b.id,
                            b.kind.chinese()
                        ),
                    );
                }
            }
        }
    }

    /// Ranges of a regime whose amounts are all of one kind.
    pub(super) fn check_ranges(&mut self, i: usize) {
        use DiscretionProblemCode as C;
        let r = &self.spec.regimes[i];
        let rid = Some(r.id.as_str());
        let st = r.statutory;
        let (smin, smax) = (st.min.units(), st.max.units());
        if smin > smax {
            self.push(
                C::RangeInverted,
                format!("regimes[{i}].statutory"),
                rid,
                None,
                format!(
                    "regime {}: statutory minimum {} is above its maximum {}",
                    r.id, st.min, st.max
                ),
            );
        }
        for (j, b) in r.bands.iter().enumerate() {
            let field = format!("regimes[{i}].bands[{j}].range");
            let (bmin, bmax) = (b.range.min.units(), b.range.max.units());
            if bmin > bmax {
                self.push(
                    C::RangeInverted,
                    field.clone(),
                    rid,
                    Some(&b.id),
                    format!(
                        "band {}: minimum {} is above maximum {}",
                        b.id, b.range.min, b.range.max
                    ),
                );
            }
            if bmin < smin || bmax > smax {
                self.push(
                    C::BandOutsideStatutoryRange,
                    field,
                    rid,
                    Some(&b.id),
                    format!(
                        "band {} ({} to {}) leaves the statutory range ({} to {})",
                        b.id, b.range.min, b.range.max, st.min, st.max
                    ),
                );
            }
        }
        for (j, pair) in r.bands.windows(2).enumerate() {
            let (prev, next) = (&pair[0], &pair[1]);
            let field = format!("regimes[{i}].bands[{}]", j + 1);
            let nid = Some(next.id.as_str());
            if next.kind < prev.kind {
                self.push(
                    C::BandKindsOutOfOrder,
                    format!("{field}.kind"),
                    rid,
                    nid,
                    format!(
                        "band {} ({}) comes after band {} ({}): list lighter, then ordinary, then heavier bands",
                        next.id,
                        next.kind.chinese(),
                        prev.id,
                        prev.kind.chinese()
                    ),
                );
            }
            let (pmin, pmax) = (prev.range.min.units(), prev.range.max.units());
            let (nmin, nmax) = (next.range.min.units(), next.range.max.units());
            if nmin < pmin || nmax < pmax {
                self.push(
                    C::BandsOutOfOrder,
                    format!("{field}.range"),
                    rid,
                    nid,
                    format!(
                        "band {} ({} to {}) is not above band {} ({} to {}): list bands in ascending order",
                        next.id, next.range.min, next.range.max, prev.id, prev.range.min, prev.range.max
                    ),
                );
            } else if nmin < pmax && !next.overlap_allowed {
                self.push(
                    C::BandsOverlap,
                    format!("{field}.range"),
                    rid,
                    nid,
                    format!(
                        "band {} starts at {}, inside band {} (up to {}); set overlap_allowed on {} if that is intended",
                        next.id, next.range.min, prev.id, prev.range.max, next.id
                    ),
                );
            } else if nmin > pmax.saturating_add(1) {
                // One unit (a fen, or a thousandth of a multiple) apart is contiguous:
                // "up to 64,999.99" then "from 65,000".
                self.push(
                    C::BandGap,
                    format!("{field}.range"),
                    rid,
                    nid,
                    format!(
                        "amounts between {} (top of band {}) and {} (bottom of band {}) fall in no band",
                        prev.range.max, prev.id, next.range.min, next.id
                    ),
                );
            }
        }
        if let (Some(first), Some(last)) = (r.bands.first(), r.bands.last()) {
            if first.range.min.units() > smin {
                self.push(
                    C::RangeNotCovered,
                    format!("regimes[{i}].bands[0].range.min"),
                    rid,
                    Some(&first.id),
                    format!(
                        "the lowest band {} starts at {}, above the statutory minimum {}",
                        first.id, first.range.min, st.min
                    ),
                );
            }
            if last.range.max.units() < smax {
                self.push(
                    C::RangeNotCovered,
                    format!("regimes[{i}].bands[{}].range.max", r.bands.len() - 1),
                    rid,
                    Some(&last.id),
                    format!(
                        "the highest band {} ends at {}, below the statutory maximum {}",
                        last.id, last.range.max, st.max
                    ),
                );
            }
        }
    }

    /// Regimes partition the base amounts: one without a condition, or conditions on one base
    /// covering every amount from 0 exactly once.
    pub(super) fn check_conditions(&mut self) {
        use DiscretionProblemCode as C;
        let regimes = &self.spec.regimes;
        if regimes.len() < 2 && regimes.iter().all(|r| r.when.is_none()) {
            return;
        }
        let mut conditioned = Vec::new();
        for (i, r) in regimes.iter().enumerate() {
            match &r.when {
                Some(w) => conditioned.push((i, r, w)),
                None => self.push(
                    C::RegimeConditionMissing,
                    format!("regimes[{i}].when"),
                    Some(&r.id),
                    None,
                    format!(
                        "with several regimes, regime {} must say when it applies",
                        r.id
                    ),
                ),
            }
        }
        if conditioned.len() < regimes.len() {
            return; // coverage means nothing until every regime says when it applies
        }
        let Some((_, _, first)) = conditioned.first() else {
            return;
        };
        let base = first.base.clone();
        if conditioned.iter().any(|(_, _, w)| w.base != base) {
            self.push(
                C::RegimesOnDifferentBases,
                "regimes",
                None,
                None,
                "every regime must be selected by the same base",
            );
            return;
        }
        if conditioned
            .iter()
            .any(|(_, _, w)| w.below_fen.is_some_and(|b| w.lower() >= b))
        {
            return; // already reported as empty conditions
        }
        conditioned.sort_by_key(|(_, _, w)| w.lower());
        let (fi, fr, fw) = conditioned[0];
        if fw.lower() > 0 {
            self.push(
                C::RegimeGap,
                format!("regimes[{fi}].when"),
                Some(&fr.id),
                None,
                format!("no regime covers base amounts below {}", Fen(fw.lower())),
            );
        }
        for pair in conditioned.windows(2) {
            let ((_, pr, pw), (ni, nr, nw)) = (pair[0], pair[1]);
            match pw.below_fen {
                None => self.push(
                    C::RegimesOverlap,
                    format!("regimes[{ni}].when"),
                    Some(&nr.id),
                    None,
                    format!(
                        "regimes {} and {} both cover {}",
                        pr.id,
                        nr.id,
                        Fen(nw.lower())
                    ),
                ),
                Some(b) if nw.lower() < b => self.push(
                    C::RegimesOverlap,
                    format!("regimes[{ni}].when"),
                    Some(&nr.id),
                    None,
                    format!(
                        "regimes {} and {} both cover {}",
                        pr.id,
                        nr.id,
                        Fen(nw.lower())
                    ),
                ),
                Some(b) if nw.lower() > b => self.push(
                    C::RegimeGap,
                    format!("regimes[{ni}].when"),
                    Some(&nr.id),
                    None,
                    format!(
                        "no regime covers base amounts from {} below {}",
                        Fen(b),
                        Fen(nw.lower())
                    ),
                ),
                Some(_) => {}
            }
        }
        let (li, lr, lw) = conditioned[conditioned.len() - 1];
        if let Some(b) = lw.below_fen {
            self.push(
                C::RegimeGap,
                format!("regimes[{li}].when"),
                Some(&lr.id),
                None,
                format!("no regime covers base amounts of {} or more", Fen(b)),
            );
        }
    }

    pub(super) fn check_grounds(&mut self) {
        use DiscretionProblemCode as C;
        if let Some(m) = &self.spec.mitigation
            && m.grounds.is_empty()
        {
            self.push(
                C::NoGrounds,
                "mitigation.grounds",
                None,
                None,
                "减轻 needs at least one listed ground (Administrative Penalty Law art. 32)",
            );
        }
        if let Some(n) = &self.spec.no_penalty
            && n.grounds.is_empty()
        {
            self.push(
                C::NoGrounds,
                "no_penalty.grounds",
                None,
                None,
                "不予处罚 needs at least one listed ground (Administrative Penalty Law art. 33)",
            );
        }
    }
}
