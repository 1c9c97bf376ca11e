//! 裁量基准 — the discretion standard a department publishes with a penalty power.
//!
//! A statute gives a range (e.g. 食品安全法第一百二十二条: for goods worth under 10,000 yuan a
//! fine of 50,000-100,000 yuan; from 10,000 yuan, 10-20 times the goods value). A discretion
//! standard splits each range into ordered bands (从轻 / 一般 / 从重, or 轻微 / 一般 / 较重 /
//! 严重), each justified by listed circumstances, and lists the grounds for going below the
//! statutory minimum (减轻, Administrative Penalty Law 2021 art. 32, with an approval) and for no
//! penalty at all (不予处罚 / 首违不罚, art. 33).
//!
//! [`DiscretionStandardSpec`] is the stored shape (YAML or JSON in catalogue files and events);
//! [`DiscretionStandard::parse`] turns it into a [`DiscretionStandard`] or reports every problem at
//! once. [`DiscretionStandard::check`] is the pure check of one proposed decision.
//!
//! Money is integer fen (分); multiples of a base are fixed-point thousandths written as decimal
//! strings (`"10"`, `"1.5"`), never floats. The module is pure: no I/O, no clock.

mod check;
#[cfg(feature = "openapi")]
mod schema;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use check::{DiscretionCheck, FenRange, PenaltyDecisionInput, Verdict, format_yuan};

/// Longest id (bases, regimes, bands, circumstances, grounds), in ASCII characters.
pub const MAX_ID_LEN: usize = 48;
/// Most regimes in one standard.
pub const MAX_REGIMES: usize = 20;
/// Most bands in one regime.
pub const MAX_BANDS: usize = 20;
/// Most circumstances, or grounds of one kind, in one standard.
pub const MAX_LISTED: usize = 100;

fn is_false(b: &bool) -> bool {
    !*b
}

/// Ids: `[a-z0-9_-]`, starting with a letter or digit, 1 to [`MAX_ID_LEN`] characters.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && id
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

// =============================================================================================
// Amounts
// =============================================================================================

/// A multiple of a base amount (e.g. 10 times the goods value), kept as thousandths: `"10"` is
/// 10000, `"1.5"` is 1500. Written as a decimal string with at most three decimals (a plain
/// integer is accepted too); floats are refused so no amount ever depends on rounding a binary
/// fraction.
// Its OpenAPI schema (what `parse` reads, exactly) is written by hand in `schema.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Multiple(u64);

impl Multiple {
    /// Thousandths per unit.
    pub const SCALE: u64 = 1000;

    /// A multiple from its thousandths.
    pub const fn from_thousandths(thousandths: u64) -> Self {
        Multiple(thousandths)
    }

    /// The multiple in thousandths.
    pub const fn thousandths(self) -> u64 {
        self.0
    }

    /// Parses `"10"`, `"12.5"`, `"0.125"`: digits, an optional point and at most three decimals.
    pub fn parse(text: &str) -> Result<Self, String> {
        let s = text.trim();
        let bad = || {
            format!(
                "{text:?} is not a multiple: write digits with at most three decimals, e.g. \"10\" or \"1.5\""
            )
        };
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) if !f.is_empty() => (i, f),
            Some(_) => return Err(bad()),
            None => (s, ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 3
        {
            return Err(bad());
        }
        let int: u64 = int.parse().map_err(|_| bad())?;
        let frac: u64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<3}").parse().map_err(|_| bad())?
        };
        int.checked_mul(Self::SCALE)
            .and_then(|v| v.checked_add(frac))
            .map(Multiple)
            .ok_or_else(bad)
    }

    /// `base_fen` times this multiple, rounded up to the fen (for minimums: an amount is only
    /// at or above "10 times" if it is not a fraction of a fen short of it).
    pub fn of_ceil(self, base_fen: u64) -> u64 {
        let exact = u128::from(self.0) * u128::from(base_fen);
        u64::try_from(exact.div_ceil(u128::from(Self::SCALE))).unwrap_or(u64::MAX)
    }

    /// `base_fen` times this multiple, rounded down to the fen (for maximums).
    pub fn of_floor(self, base_fen: u64) -> u64 {
        let exact = u128::from(self.0) * u128::from(base_fen);
        u64::try_from(exact / u128::from(Self::SCALE)).unwrap_or(u64::MAX)
    }
}

impl fmt::Display for Multiple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let int = self.0 / Self::SCALE;
        let frac = self.0 % Self::SCALE;
        if frac == 0 {
            write!(f, "{int}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{int}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Multiple {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Multiple {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Multiple;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a multiple as a decimal string, e.g. \"10\" or \"1.5\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Multiple, E> {
                Multiple::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Multiple, E> {
                v.checked_mul(Multiple::SCALE)
                    .map(Multiple)
                    .ok_or_else(|| E::custom("multiple too large"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Multiple, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a multiple cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Multiple, E> {
                Err(E::custom(
                    "write a fractional multiple as a string, e.g. \"1.5\" (floats are not accepted)",
                ))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One end of a range: a fixed amount in fen, or a multiple of the regime's base. Written as a
/// one-key map, `{fen: 5000000}` or `{times_base: "10"}`, in YAML and JSON alike.
// Its OpenAPI schema (a one-key object, no other members) is written by hand in `schema.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "snake_case",
    try_from = "AmountRepr",
    into = "AmountRepr"
)]
pub enum AmountSpec {
    /// A fixed amount in fen (分), e.g. `{fen: 5000000}` for 50,000 yuan.
    Fen(u64),
    /// A multiple of the regime's base, e.g. `{times_base: "10"}` for 10 times the goods value.
    TimesBase(Multiple),
}

/// The wire form of [`AmountSpec`]: YAML readers want tags (`!fen`) for enums, so the one-key
/// map is spelled out as a struct with exactly one member set.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fen: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times_base: Option<Multiple>,
}

impl TryFrom<AmountRepr> for AmountSpec {
    type Error = String;
    fn try_from(r: AmountRepr) -> Result<Self, String> {
        match (r.fen, r.times_base) {
            (Some(f), None) => Ok(AmountSpec::Fen(f)),
            (None, Some(m)) => Ok(AmountSpec::TimesBase(m)),
            _ => Err("an amount is either {fen: N} or {times_base: \"M\"}".into()),
        }
    }
}

impl From<AmountSpec> for AmountRepr {
    fn from(a: AmountSpec) -> Self {
        match a {
            AmountSpec::Fen(f) => AmountRepr {
                fen: Some(f),
                times_base: None,
            },
            AmountSpec::TimesBase(m) => AmountRepr {
                fen: None,
                times_base: Some(m),
            },
        }
    }
}

impl AmountSpec {
    /// The unit of the amount's kind (fen, or thousandths of the base): what the ordering
    /// checks compare.
    fn units(self) -> u64 {
        match self {
            AmountSpec::Fen(f) => f,
            AmountSpec::TimesBase(m) => m.thousandths(),
        }
    }

    fn is_multiple(self) -> bool {
        matches!(self, AmountSpec::TimesBase(_))
    }

    /// The amount in fen for a base (needed for multiples); minimums round up, maximums down.
    fn fen(self, base_fen: Option<u64>, round_up: bool) -> Option<u64> {
        match self {
            AmountSpec::Fen(f) => Some(f),
            AmountSpec::TimesBase(m) => base_fen.map(|b| {
                if round_up {
                    m.of_ceil(b)
                } else {
                    m.of_floor(b)
                }
            }),
        }
    }
}

impl fmt::Display for AmountSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountSpec::Fen(fen) => f.write_str(&format_yuan(*fen)),
            AmountSpec::TimesBase(m) => write!(f, "{m}倍"),
        }
    }
}

/// A closed range `[min, max]`; both ends of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// Lowest amount (inclusive).
    pub min: AmountSpec,
    /// Highest amount (inclusive).
    pub max: AmountSpec,
}

// =============================================================================================
// The stored shape
// =============================================================================================

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
    fn lower(&self) -> u64 {
        self.at_least_fen.unwrap_or(0)
    }

    /// Whether a base amount satisfies the condition.
    pub fn holds(&self, base_fen: u64) -> bool {
        base_fen >= self.lower() && self.below_fen.is_none_or(|b| base_fen < b)
    }

    fn describe(&self, base_name: &str) -> String {
        match (self.at_least_fen, self.below_fen) {
            (Some(lo), Some(hi)) => {
                format!("{base_name}{}以上不足{}", format_yuan(lo), format_yuan(hi))
            }
            (Some(lo), None) => format!("{base_name}{}以上", format_yuan(lo)),
            (None, Some(hi)) => format!("{base_name}不足{}", format_yuan(hi)),
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

    fn amounts(&self) -> impl Iterator<Item = AmountSpec> + '_ {
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

// =============================================================================================
// Problems
// =============================================================================================

/// Stable machine code of a [`DiscretionProblem`] (serde snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiscretionProblemCode {
    /// A required text is empty.
    EmptyText,
    /// A text is too long.
    TextTooLong,
    /// A text holds control characters.
    ControlCharacter,
    /// An id does not match `[a-z0-9][a-z0-9_-]*` of at most 48 characters.
    InvalidId,
    /// Two items (bases, regimes, bands, circumstances, grounds) share an id.
    DuplicateId,
    /// More regimes, bands, circumstances or grounds than allowed.
    TooMany,
    /// The standard has no regime.
    NoRegimes,
    /// A regime has no band.
    NoBands,
    /// A regime has no ordinary (一般) band.
    NoOrdinaryBand,
    /// A condition or regime names a base that is not declared.
    UnknownBase,
    /// A regime uses multiples but has no base to multiply.
    BaseRequired,
    /// A regime mixes fixed amounts and multiples.
    MixedAmountKinds,
    /// A range's minimum is above its maximum.
    RangeInverted,
    /// A band leaves the statutory range.
    BandOutsideStatutoryRange,
    /// A band's range is not above the previous band's.
    BandsOutOfOrder,
    /// Band kinds are not lighter, then ordinary, then heavier.
    BandKindsOutOfOrder,
    /// A band overlaps the band before it without `overlap_allowed`.
    BandsOverlap,
    /// Amounts between two bands belong to neither.
    BandGap,
    /// The bands do not reach the statutory minimum or maximum.
    RangeNotCovered,
    /// A heavier band lists no circumstance.
    HeavierBandWithoutCircumstances,
    /// A band lists a circumstance that is not declared.
    UnknownCircumstance,
    /// A band lists a circumstance of the wrong kind (a heavier band a mitigating one, ...).
    CircumstanceKindMismatch,
    /// Several regimes, and one has no `when`.
    RegimeConditionMissing,
    /// A condition selects no amount (`at_least_fen` not below `below_fen`).
    RegimeConditionEmpty,
    /// Regime conditions are on different bases.
    RegimesOnDifferentBases,
    /// Two regimes select the same base amount.
    RegimesOverlap,
    /// Some base amount is selected by no regime.
    RegimeGap,
    /// 减轻 or 不予处罚 is declared with no ground.
    NoGrounds,
}

/// One thing wrong with a discretion standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscretionProblem {
    /// Stable machine code.
    pub code: DiscretionProblemCode,
    /// The field concerned, inside the standard, e.g. `regimes[0].bands[2].range`.
    pub field: String,
    /// The regime concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regime: Option<String>,
    /// The band concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<String>,
    /// A plain sentence.
    pub message: String,
}

impl DiscretionProblemCode {
    /// The snake_case code.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

// =============================================================================================
// The parsed standard
// =============================================================================================

/// A discretion standard known to be well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscretionStandard {
    spec: DiscretionStandardSpec,
    /// Band id -> (regime index, band index).
    bands: HashMap<String, (usize, usize)>,
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

    fn base_name(&self, id: &str) -> String {
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

    fn circumstance(&self, id: &str) -> Option<&CircumstanceSpec> {
        self.spec.circumstances.iter().find(|c| c.id == id)
    }

    fn mitigation_ground(&self, id: &str) -> Option<&GroundSpec> {
        self.spec
            .mitigation
            .as_ref()
            .and_then(|m| m.grounds.iter().find(|g| g.id == id))
    }

    fn no_penalty_ground(&self, id: &str) -> Option<&GroundSpec> {
        self.spec
            .no_penalty
            .as_ref()
            .and_then(|m| m.grounds.iter().find(|g| g.id == id))
    }
}

// =============================================================================================
// Validation
// =============================================================================================

struct Validator<'a> {
    spec: &'a DiscretionStandardSpec,
    problems: Vec<DiscretionProblem>,
}

impl<'a> Validator<'a> {
    fn new(spec: &'a DiscretionStandardSpec) -> Self {
        Validator {
            spec,
            problems: Vec::new(),
        }
    }

    fn push(
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

    fn text(&mut self, field: &str, value: &str, max: usize, required: bool) {
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

    fn run(mut self) -> Vec<DiscretionProblem> {
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

    fn check_texts(&mut self) {
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
    fn ids(&self) -> Vec<(String, &'a str, Option<&'a str>)> {
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

    fn check_ids(&mut self) {
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

    fn check_counts(&mut self) {
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

    fn base_known(&self, id: &str) -> bool {
        self.spec.bases.iter().any(|b| b.id == id)
    }

    fn check_regime(&mut self, i: usize) {
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

    fn check_band_circumstances(&mut self, i: usize) {
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
    fn check_ranges(&mut self, i: usize) {
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
    fn check_conditions(&mut self) {
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
                format!(
                    "no regime covers base amounts below {}",
                    format_yuan(fw.lower())
                ),
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
                        format_yuan(nw.lower())
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
                        format_yuan(nw.lower())
                    ),
                ),
                Some(b) if nw.lower() > b => self.push(
                    C::RegimeGap,
                    format!("regimes[{ni}].when"),
                    Some(&nr.id),
                    None,
                    format!(
                        "no regime covers base amounts from {} below {}",
                        format_yuan(b),
                        format_yuan(nw.lower())
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
                format!(
                    "no regime covers base amounts of {} or more",
                    format_yuan(b)
                ),
            );
        }
    }

    fn check_grounds(&mut self) {
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
