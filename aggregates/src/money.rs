//! Money (金额): every amount Yangguang records is a whole number of fen (分), 1 元 = 100 分.
//!
//! [`Fen`] is the one type for it, so that an amount cannot be shown as if it were yuan, added
//! to a day count or printed through a float: people read it through [`Fen`]'s `Display`
//! (`65000元`, `1.5元`) or [`Fen::decimal`] (`650.00`), and amounts typed by people come in
//! through [`Fen::parse_yuan`]. On the wire it is the bare integer it always was
//! (`"amount_fen": 2000000`), so events, commands and the API are unchanged; a field of
//! this type in an API schema says `schema(value_type = u64)`, so the OpenAPI document shows the
//! integer it is.
use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of money in fen (分). 金额（分）
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub u64);

impl Fen {
    /// No money: a free item, or no fine (不予处罚).
    pub const ZERO: Fen = Fen(0);

    /// `yuan` whole yuan.
    pub const fn yuan(yuan: u64) -> Fen {
        Fen(yuan * 100)
    }

    /// The number of fen.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether this is no money at all.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The sum, or `None` past `u64::MAX` fen.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// The amount in yuan with two decimals and no unit, as on a receipt: `650.00`.
    pub fn decimal(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }

    /// Money as people type it, in yuan: `75000`, `75,000.50`, `75000元`, with full-width
    /// commas and spaces allowed; at most two decimals. `None` for anything else (empty,
    /// negative, letters, three decimals, more than `u64::MAX` fen).
    pub fn parse_yuan(text: &str) -> Option<Fen> {
        let text: String = text
            .trim()
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，' && *c != ' ')
            .collect();
        let (whole, cents) = text.split_once('.').unwrap_or((text.as_str(), ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || cents.len() > 2
            || !cents.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u64 = whole.parse().ok()?;
        let cents: u64 = match cents.len() {
            0 => 0,
            1 => cents.parse::<u64>().ok()? * 10,
            _ => cents.parse().ok()?,
        };
        whole.checked_mul(100)?.checked_add(cents).map(Fen)
    }
}

/// For people: `65000元`, `1234.5元`, `0.01元` (no trailing zero decimals).
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (yuan, cents) = (self.0 / 100, self.0 % 100);
        if cents == 0 {
            write!(f, "{yuan}元")
        } else if cents % 10 == 0 {
            write!(f, "{yuan}.{}元", cents / 10)
        } else {
            write!(f, "{yuan}.{cents:02}元")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Fen;

    #[test]
    fn amounts_are_shown_in_yuan_for_people() {
        assert_eq!(Fen(5_000_000).to_string(), "50000元");
        assert_eq!(Fen(150).to_string(), "1.5元");
        assert_eq!(Fen(1).to_string(), "0.01元");
        assert_eq!(Fen(1250).decimal(), "12.50");
        assert_eq!(Fen::ZERO.decimal(), "0.00");
        assert_eq!(Fen(5).decimal(), "0.05");
    }

    #[test]
    fn yuan_are_read_as_typed() {
        assert_eq!(Fen::parse_yuan("75000"), Some(Fen(7_500_000)));
        assert_eq!(Fen::parse_yuan(" 75,000.5 元"), Some(Fen(7_500_050)));
        assert_eq!(Fen::parse_yuan("7，500.05"), Some(Fen(750_005)));
        assert_eq!(Fen::parse_yuan("0.01"), Some(Fen(1)));
        for bad in [
            "",
            "元",
            "-5",
            "1.234",
            "1e5",
            ".5",
            "五百",
            "184467440737095516.16",
        ] {
            assert_eq!(Fen::parse_yuan(bad), None, "{bad:?}");
        }
        assert_eq!(Fen::parse_yuan(&"9".repeat(30)), None, "overflow");
    }

    #[test]
    fn on_the_wire_an_amount_is_the_bare_number_of_fen() {
        assert_eq!(serde_json::to_string(&Fen(2_000_000)).unwrap(), "2000000");
        assert_eq!(serde_json::from_str::<Fen>("150").unwrap(), Fen(150));
        assert!(serde_json::from_str::<Fen>("-1").is_err());
        assert!(serde_json::from_str::<Fen>("1.5").is_err());
    }
}
