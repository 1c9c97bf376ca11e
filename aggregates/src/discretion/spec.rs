//! The stored shape of a discretion standard ([`DiscretionStandardSpec`]): what catalogue files
//! and events carry, read leniently and checked by [`DiscretionStandard::parse`].
use super::*;

/// 裁量基准 as written in a catalogue file or a published version.
///
/// This is the stored schema; it is only a candidate until [`DiscretionStandard::parse`]
/// accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DiscretionStandardSpec {
    /// The provision the standard applies, e.g. 食品安全法第一百二十二条第一款.
    pub article: String,
    /// A note on the standard (its status, what is the law's and what is local choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Measures imposed in every case besides the fine (e.g. 没收违法所得).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<String>,
    /// The amounts a fine may be computed from or a regime chosen by (货值金额, 违法所得).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<BaseSpec>,
    /// The statutory regimes (法定处罚幅度), each with its bands. With several regimes each
    /// has a `when` on the same base and together they cover every base amount once.
    pub regimes: Vec<RegimeSpec>,
    /// Circumstances (情节) that bands list as their justification.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circumstances: Vec<CircumstanceSpec>,
    /// 减轻处罚: below the statutory minimum, only on these grounds and with an approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigation: Option<MitigationSpec>,
    /// 不予处罚 (including 首违不罚): no penalty, only on these grounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_penalty: Option<NoPenaltySpec>,
    /// Fines from this amount are decided by a higher authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_authority: Option<DecisionAuthoritySpec>,
    /// Further notes (e.g. on hearing thresholds not yet checked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A declared base amount (计罚基数), e.g. 货值金额.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BaseSpec {
    /// Stable id, e.g. `goods_value`.
    pub id: String,
    /// Name, e.g. 货值金额.
    pub name: String,
    /// How it is established.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The condition selecting a regime: the base amount lies in `[at_least_fen, below_fen)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    /// The base's id.
    pub base: String,
    /// Lowest base amount, inclusive (以上 includes the figure); 0 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least_fen: Option<u64>,
    /// Base amounts must be below this (不足); unbounded when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_fen: Option<u64>,
}

impl ConditionSpec {
    pub(super) fn lower(&self) -> u64 {
        self.at_least_fen.unwrap_or(0)
    }

    /// Whether a base amount satisfies the condition.
    pub fn holds(&self, base_fen: u64) -> bool {
        base_fen >= self.lower() && self.below_fen.is_none_or(|b| base_fen < b)
    }

    pub(super) fn describe(&self, base_name: &str) -> String {
        match (self.at_least_fen, self.below_fen) {
            (Some(lo), Some(hi)) => {
                format!("{base_name}{}以上不足{}", Fen(lo), Fen(hi))
            }
            (Some(lo), None) => format!("{base_name}{}以上", Fen(lo)),
            (None, Some(hi)) => format!("{base_name}不足{}", Fen(hi)),
            (None, None) => format!("{base_name}任意"),
        }
    }
}

/// A statutory regime (法定处罚幅度): a range set by law for the cases its condition selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegimeSpec {
    /// Stable id, e.g. `under_10k`.
    pub id: String,
    /// Name, e.g. 货值金额不足一万元.
    pub name: String,
    /// Which cases it covers; required when there are several regimes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<ConditionSpec>,
    /// The base that `times_base` amounts multiply; defaults to the base of `when`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The range the law sets (法定幅度).
    pub statutory: RangeSpec,
    /// The bands, ascending: lighter first, heavier last.
    pub bands: Vec<BandSpec>,
}

impl RegimeSpec {
    /// The base multiples in this regime refer to.
    pub fn multiple_base(&self) -> Option<&str> {
        self.base
            .as_deref()
            .or(self.when.as_ref().map(|w| w.base.as_str()))
    }

    pub(super) fn amounts(&self) -> impl Iterator<Item = AmountSpec> + '_ {
        [self.statutory.min, self.statutory.max]
            .into_iter()
            .chain(self.bands.iter().flat_map(|b| [b.range.min, b.range.max]))
    }

    /// Whether any amount of the regime is a multiple of its base.
    pub fn uses_multiples(&self) -> bool {
        self.amounts().any(AmountSpec::is_multiple)
    }
}

/// Whether a band is lighter than, at, or heavier than the ordinary middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BandKind {
    /// 从轻 (or 轻微): below the middle; justified by a listed mitigating circumstance if the
    /// band lists any.
    #[serde(alias = "从轻")]
    Lighter,
    /// 一般: the default middle band.
    #[serde(alias = "一般")]
    Ordinary,
    /// 从重 (or 较重, 严重): only with a listed aggravating circumstance.
    #[serde(alias = "从重")]
    Heavier,
}

impl BandKind {
    /// The Chinese name of the kind.
    pub fn chinese(self) -> &'static str {
        match self {
            BandKind::Lighter => "从轻",
            BandKind::Ordinary => "一般",
            BandKind::Heavier => "从重",
        }
    }
}

/// One band (裁量档次) of a regime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BandSpec {
    /// Stable id, unique in the whole standard (a decision names only the band).
    pub id: String,
    /// Name, e.g. 从轻, 一般, 从重, 较重.
    pub name: String,
    /// Lighter, ordinary or heavier.
    pub kind: BandKind,
    /// The band's range, of the same kind as the regime's statutory range.
    pub range: RangeSpec,
    /// Ids of the circumstances (or 减轻 grounds, for lighter bands) that justify the band.
    /// Required on heavier bands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circumstances: Vec<String>,
    /// This band may overlap the band before it (said on purpose).
    #[serde(default, skip_serializing_if = "is_false")]
    pub overlap_allowed: bool,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether a circumstance weighs for a heavier or a lighter penalty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CircumstanceKind {
    /// 从重情节.
    #[serde(alias = "从重")]
    Aggravating,
    /// 从轻情节.
    #[serde(alias = "从轻")]
    Mitigating,
}

/// A circumstance (情节) a band may list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CircumstanceSpec {
    /// Stable id.
    pub id: String,
    /// What it is.
    pub name: String,
    /// Aggravating or mitigating.
    pub kind: CircumstanceKind,
    /// Where it comes from (an article, or "local choice").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// A legal ground (法定情形) for 减轻 or 不予处罚.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroundSpec {
    /// Stable id.
    pub id: String,
    /// The ground.
    pub name: String,
    /// The article and item it rests on, e.g. 行政处罚法第三十二条第（一）项.
    pub basis: String,
}

/// 减轻处罚: going below the statutory minimum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MitigationSpec {
    /// The approval a mitigated decision needs, e.g. 经行政机关负责人集体讨论决定.
    pub approval: String,
    /// The grounds (Administrative Penalty Law 2021 arts. 30-32).
    pub grounds: Vec<GroundSpec>,
    /// A note (e.g. on how far below the minimum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// 不予处罚 (including 首违不罚, Administrative Penalty Law 2021 art. 33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoPenaltySpec {
    /// The grounds.
    pub grounds: Vec<GroundSpec>,
    /// A note (e.g. the duty to educate the party).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Fines from `at_least_fen` are decided by a higher authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionAuthoritySpec {
    /// The threshold in fen (inclusive: 以上).
    pub at_least_fen: u64,
    /// Who decides then.
    pub authority: String,
    /// The article.
    pub basis: String,
}
