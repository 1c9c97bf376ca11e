//! The problems [`DiscretionStandard::parse`] reports, every one at once.
use super::*;

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
