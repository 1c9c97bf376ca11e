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

mod amounts;
mod check;
mod problems;
#[cfg(feature = "openapi")]
mod schema;
mod spec;
mod standard;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use amounts::*;
pub use check::{DiscretionCheck, FenRange, PenaltyDecisionInput, Verdict};
pub use problems::*;
pub use spec::*;
pub use standard::*;
#[allow(unused_imports)]
use validate::*;

use crate::money::Fen;

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
