//! [`DiscretionStandard::check`]: where one proposed penalty stands against the standard.
use serde::{Deserialize, Serialize};

use crate::money::Fen;

use super::{BandKind, BandSpec, DiscretionStandard, RegimeSpec};

/// A proposed penalty decision, as the check needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyDecisionInput {
    /// The band chosen (absent for 不予处罚, or for 减轻 below every band).
    pub band: Option<String>,
    /// The amount of the base the regime depends on (e.g. 货值金额), in fen.
    pub base_amount_fen: Option<Fen>,
    /// The fine, in fen; 0 is no fine (不予处罚).
    pub amount_fen: Fen,
    /// Ids of the standard's circumstances found in the case.
    pub circumstances: Vec<String>,
    /// Ids of the standard's 减轻 or 不予处罚 grounds relied on.
    pub grounds: Vec<String>,
}

/// Where a proposed penalty stands (serde snake_case; the same names are the API's codes when
/// recording is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Inside the chosen band, with its listed circumstance where one is required.
    InBand,
    /// Above the chosen band, within the statutory range. Recorded; supervision flags it.
    AboveBand,
    /// Below the chosen band, within the statutory range. Recorded; supervision flags it.
    BelowBand,
    /// A heavier (从重) band without any of its listed aggravating circumstances. Recorded;
    /// supervision flags it.
    HeavierWithoutCircumstance,
    /// A lighter (从轻) band that lists circumstances, without any of them. Recorded;
    /// supervision flags it.
    LighterWithoutCircumstance,
    /// 减轻: below the statutory minimum on a listed ground; needs the standard's approval.
    MitigatedWithGrounds,
    /// Below the statutory minimum without a listed 减轻 ground. Recorded; supervision flags it.
    BelowStatutoryMinimumWithoutGrounds,
    /// 不予处罚 on a listed ground (art. 33, 首违不罚).
    NoPenaltyWithGrounds,
    /// 不予处罚 without a listed ground. Recorded; supervision flags it.
    NoPenaltyWithoutGrounds,
    /// Above the statutory maximum: refused.
    AboveStatutoryMaximum,
    /// The band is not in the standard: refused.
    UnknownBand,
    /// A fine within the statutory range needs a band: refused.
    BandRequired,
    /// The regime needs the base amount (to be selected, or to multiply): refused.
    BaseAmountRequired,
    /// The band belongs to another regime than the base amount selects: refused.
    RegimeMismatch,
    /// A circumstance is not in the standard: refused.
    UnknownCircumstance,
    /// A ground is not in the standard: refused.
    UnknownGround,
}

impl Verdict {
    /// The Chinese label shown to officers.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::InBand => "在裁量档次内",
            Verdict::AboveBand => "高于所选裁量档次",
            Verdict::BelowBand => "低于所选裁量档次",
            Verdict::HeavierWithoutCircumstance => "从重处罚但未列明从重情节",
            Verdict::LighterWithoutCircumstance => "从轻处罚但未列明从轻情节",
            Verdict::MitigatedWithGrounds => "减轻处罚（有法定情形，须经审批）",
            Verdict::BelowStatutoryMinimumWithoutGrounds => "低于法定最低限且无减轻情形",
            Verdict::NoPenaltyWithGrounds => "不予处罚（有法定情形）",
            Verdict::NoPenaltyWithoutGrounds => "不予处罚但无法定情形",
            Verdict::AboveStatutoryMaximum => "超过法定最高限",
            Verdict::UnknownBand => "裁量档次不存在",
            Verdict::BandRequired => "未选择裁量档次",
            Verdict::BaseAmountRequired => "缺少计罚基数",
            Verdict::RegimeMismatch => "裁量档次与计罚基数不符",
            Verdict::UnknownCircumstance => "情节不在裁量基准内",
            Verdict::UnknownGround => "情形不在裁量基准内",
        }
    }

    /// The snake_case code (the serde name).
    pub fn code(self) -> &'static str {
        match self {
            Verdict::InBand => "in_band",
            Verdict::AboveBand => "above_band",
            Verdict::BelowBand => "below_band",
            Verdict::HeavierWithoutCircumstance => "heavier_without_circumstance",
            Verdict::LighterWithoutCircumstance => "lighter_without_circumstance",
            Verdict::MitigatedWithGrounds => "mitigated_with_grounds",
            Verdict::BelowStatutoryMinimumWithoutGrounds => {
                "below_statutory_minimum_without_grounds"
            }
            Verdict::NoPenaltyWithGrounds => "no_penalty_with_grounds",
            Verdict::NoPenaltyWithoutGrounds => "no_penalty_without_grounds",
            Verdict::AboveStatutoryMaximum => "above_statutory_maximum",
            Verdict::UnknownBand => "unknown_band",
            Verdict::BandRequired => "band_required",
            Verdict::BaseAmountRequired => "base_amount_required",
            Verdict::RegimeMismatch => "regime_mismatch",
            Verdict::UnknownCircumstance => "unknown_circumstance",
            Verdict::UnknownGround => "unknown_ground",
        }
    }

    /// Impossible input: a decision with this verdict is not recorded.
    pub fn is_refused(self) -> bool {
        matches!(
            self,
            Verdict::AboveStatutoryMaximum
                | Verdict::UnknownBand
                | Verdict::BandRequired
                | Verdict::BaseAmountRequired
                | Verdict::RegimeMismatch
                | Verdict::UnknownCircumstance
                | Verdict::UnknownGround
        )
    }

    /// Recorded, but a departure from the standard that supervision should look at.
    pub fn is_deviation(self) -> bool {
        matches!(
            self,
            Verdict::AboveBand
                | Verdict::BelowBand
                | Verdict::HeavierWithoutCircumstance
                | Verdict::LighterWithoutCircumstance
                | Verdict::BelowStatutoryMinimumWithoutGrounds
                | Verdict::NoPenaltyWithoutGrounds
        )
    }
}

/// A closed range of amounts in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FenRange {
    /// Lowest, in fen.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub min_fen: Fen,
    /// Highest, in fen.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub max_fen: Fen,
}

impl FenRange {
    fn describe(self) -> String {
        format!("{}至{}", self.min_fen, self.max_fen)
    }
}

/// The result of checking a proposed penalty against the standard: stored on the
/// `PenaltyDecisionRecorded` event and shown to the officer before they confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscretionCheck {
    /// Where the decision stands.
    pub verdict: Verdict,
    /// The verdict in Chinese.
    pub label: String,
    /// A sentence for the officer, with the figures.
    pub message: String,
    /// Whether recording this decision is refused (impossible input).
    #[serde(default)]
    pub refused: bool,
    /// Whether the decision departs from the standard (supervision looks at it).
    #[serde(default)]
    pub deviation: bool,
    /// The regime applied.
    #[serde(default)]
    pub regime: Option<String>,
    /// Its name.
    #[serde(default)]
    pub regime_name: Option<String>,
    /// The band chosen.
    #[serde(default)]
    pub band: Option<String>,
    /// Its name.
    #[serde(default)]
    pub band_name: Option<String>,
    /// Its kind.
    #[serde(default)]
    pub band_kind: Option<BandKind>,
    /// The statutory range for this base amount, in fen.
    #[serde(default)]
    pub statutory_range: Option<FenRange>,
    /// The band's range for this base amount, in fen.
    #[serde(default)]
    pub band_range: Option<FenRange>,
    /// The fine checked, in fen.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub amount_fen: Fen,
    /// The base amount given, in fen.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub base_amount_fen: Option<Fen>,
    /// The listed circumstances or grounds that support the decision.
    #[serde(default)]
    pub supported_by: Vec<String>,
    /// Circumstances or grounds sent that the standard does not list.
    #[serde(default)]
    pub unknown: Vec<String>,
    /// Whether the decision needs an approval (减轻).
    #[serde(default)]
    pub approval_required: bool,
    /// The approval needed.
    #[serde(default)]
    pub approval: Option<String>,
    /// The higher authority that decides a fine this large, if any.
    #[serde(default)]
    pub decision_authority: Option<String>,
}

impl DiscretionStandard {
    /// Checks a proposed penalty: the statutory range and the band's range for the base amount,
    /// and a verdict. Pure: the same input always gives the same check.
    pub fn check(&self, d: &PenaltyDecisionInput) -> DiscretionCheck {
        let mut c = DiscretionCheck {
            verdict: Verdict::InBand,
            label: String::new(),
            message: String::new(),
            refused: false,
            deviation: false,
            regime: None,
            regime_name: None,
            band: d.band.clone(),
            band_name: None,
            band_kind: None,
            statutory_range: None,
            band_range: None,
            amount_fen: d.amount_fen,
            base_amount_fen: d.base_amount_fen,
            supported_by: Vec::new(),
            unknown: Vec::new(),
            approval_required: false,
            approval: None,
            decision_authority: self.spec.decision_authority.as_ref().and_then(|a| {
                (d.amount_fen >= Fen(a.at_least_fen))
                    .then(|| format!("{}（{}）", a.authority, a.basis))
            }),
        };
        let verdict = self.verdict(d, &mut c);
        c.verdict = verdict;
        c.label = verdict.label().into();
        c.refused = verdict.is_refused();
        c.deviation = verdict.is_deviation();
        if c.message.is_empty() {
            c.message = verdict.label().into();
        }
        c
    }

    fn verdict(&self, d: &PenaltyDecisionInput, c: &mut DiscretionCheck) -> Verdict {
        let amount = d.amount_fen.to_string();
        c.unknown = d
            .circumstances
            .iter()
            .filter(|id| self.circumstance(id).is_none())
            .cloned()
            .collect();
        if !c.unknown.is_empty() {
            c.message = format!("裁量基准未列明情节：{}", c.unknown.join("、"));
            return Verdict::UnknownCircumstance;
        }
        c.unknown = d
            .grounds
            .iter()
            .filter(|id| {
                self.mitigation_ground(id).is_none() && self.no_penalty_ground(id).is_none()
            })
            .cloned()
            .collect();
        if !c.unknown.is_empty() {
            c.message = format!("裁量基准未列明减轻或不予处罚情形：{}", c.unknown.join("、"));
            return Verdict::UnknownGround;
        }
        let band: Option<(&RegimeSpec, &BandSpec)> = match &d.band {
            Some(id) => match self.band(id) {
                Some(found) => Some(found),
                None => {
                    c.message = format!("裁量基准中没有档次 {id}");
                    return Verdict::UnknownBand;
                }
            },
            None => None,
        };
        if let Some((_, b)) = band {
            c.band_name = Some(b.name.clone());
            c.band_kind = Some(b.kind);
        }
        let regime = match band {
            Some((r, _)) => {
                if let (Some(w), Some(base)) = (&r.when, d.base_amount_fen)
                    && !w.holds(base.get())
                {
                    let selected = self.regime_for(Some(base.get()));
                    c.regime = selected.map(|s| s.id.clone());
                    c.regime_name = selected.map(|s| s.name.clone());
                    c.message = format!(
                        "档次 {} 属于“{}”（{}），计罚基数 {} 不符",
                        d.band.as_deref().unwrap_or_default(),
                        r.name,
                        self.describe_condition(r).unwrap_or_default(),
                        base
                    );
                    return Verdict::RegimeMismatch;
                }
                Some(r)
            }
            None => self.regime_for(d.base_amount_fen.map(Fen::get)),
        };
        if let Some(r) = regime {
            c.regime = Some(r.id.clone());
            c.regime_name = Some(r.name.clone());
            let needs_base = r.uses_multiples() || self.spec.regimes.len() > 1;
            if !(needs_base && d.base_amount_fen.is_none()) {
                let base = d.base_amount_fen.map(Fen::get);
                c.statutory_range = range(r.statutory.min, r.statutory.max, base);
                if let Some((_, b)) = band {
                    c.band_range = range(b.range.min, b.range.max, base);
                }
            }
        }
        if d.amount_fen.is_zero() {
            c.supported_by = d
                .grounds
                .iter()
                .filter(|id| self.no_penalty_ground(id).is_some())
                .cloned()
                .collect();
            return if c.supported_by.is_empty() {
                c.message = "不予处罚，但未援引裁量基准列明的不予处罚情形".into();
                Verdict::NoPenaltyWithoutGrounds
            } else {
                c.message = format!("不予处罚，依据：{}", c.supported_by.join("、"));
                Verdict::NoPenaltyWithGrounds
            };
        }
        let Some(statutory) = c.statutory_range else {
            c.message = "须填写计罚基数（如货值金额）才能确定法定处罚幅度".into();
            return Verdict::BaseAmountRequired;
        };
        if d.amount_fen > statutory.max_fen {
            c.message = format!(
                "罚款{amount}超过法定最高限{}（法定幅度{}）",
                statutory.max_fen,
                statutory.describe()
            );
            return Verdict::AboveStatutoryMaximum;
        }
        if d.amount_fen < statutory.min_fen {
            c.supported_by = d
                .grounds
                .iter()
                .filter(|id| self.mitigation_ground(id).is_some())
                .cloned()
                .collect();
            if c.supported_by.is_empty() {
                c.message = format!(
                    "罚款{amount}低于法定最低限{}，且未援引减轻处罚情形",
                    statutory.min_fen
                );
                return Verdict::BelowStatutoryMinimumWithoutGrounds;
            }
            c.approval_required = true;
            c.approval = self.spec.mitigation.as_ref().map(|m| m.approval.clone());
            c.message = format!(
                "减轻处罚：罚款{amount}低于法定最低限{}，依据：{}；须{}",
                statutory.min_fen,
                c.supported_by.join("、"),
                c.approval.as_deref().unwrap_or("审批")
            );
            return Verdict::MitigatedWithGrounds;
        }
        let (Some((_, b)), Some(band_range)) = (band, c.band_range) else {
            c.message = format!(
                "罚款{amount}在法定幅度{}内，须选择裁量档次",
                statutory.describe()
            );
            return Verdict::BandRequired;
        };
        if d.amount_fen > band_range.max_fen {
            c.message = format!(
                "罚款{amount}高于“{}”档上限{}（该档{}，法定幅度{}）",
                b.name,
                band_range.max_fen,
                band_range.describe(),
                statutory.describe()
            );
            return Verdict::AboveBand;
        }
        if d.amount_fen < band_range.min_fen {
            c.message = format!(
                "罚款{amount}低于“{}”档下限{}（该档{}，法定幅度{}）",
                b.name,
                band_range.min_fen,
                band_range.describe(),
                statutory.describe()
            );
            return Verdict::BelowBand;
        }
        c.supported_by = b
            .circumstances
            .iter()
            .filter(|id| d.circumstances.contains(id) || d.grounds.contains(id))
            .cloned()
            .collect();
        let unjustified = c.supported_by.is_empty() && !b.circumstances.is_empty();
        match b.kind {
            BandKind::Heavier if unjustified => {
                c.message = format!(
                    "“{}”档须具备所列从重情节之一：{}",
                    b.name,
                    b.circumstances.join("、")
                );
                Verdict::HeavierWithoutCircumstance
            }
            BandKind::Lighter if unjustified => {
                c.message = format!(
                    "“{}”档须具备所列从轻情节之一：{}",
                    b.name,
                    b.circumstances.join("、")
                );
                Verdict::LighterWithoutCircumstance
            }
            _ => {
                c.message = format!(
                    "罚款{amount}在“{}”档（{}）内",
                    b.name,
                    band_range.describe()
                );
                Verdict::InBand
            }
        }
    }
}

fn range(min: super::AmountSpec, max: super::AmountSpec, base: Option<u64>) -> Option<FenRange> {
    Some(FenRange {
        min_fen: Fen(min.fen(base, true)?),
        max_fen: Fen(max.fen(base, false)?),
    })
}
