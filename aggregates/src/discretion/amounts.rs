//! Amounts: fen, multiples of a base (fixed-point thousandths), their serde forms.
use super::*;

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
pub(super) struct AmountRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) fen: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) times_base: Option<Multiple>,
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
    pub(super) fn units(self) -> u64 {
        match self {
            AmountSpec::Fen(f) => f,
            AmountSpec::TimesBase(m) => m.thousandths(),
        }
    }

    pub(super) fn is_multiple(self) -> bool {
        matches!(self, AmountSpec::TimesBase(_))
    }

    /// The amount in fen for a base (needed for multiples); minimums round up, maximums down.
    pub(super) fn fen(self, base_fen: Option<u64>, round_up: bool) -> Option<u64> {
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
            AmountSpec::Fen(fen) => fmt::Display::fmt(&Fen(*fen), f),
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
