//! [`CaseId`]: what may name a case.
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// Longest case id, in bytes.
pub const MAX_CASE_ID_LEN: usize = 64;

/// A case's id (办件编号): its tracking number as drawn when the case was opened
/// (`YG20261207K3M9Q2XA`), or any id of 1 to 64 ASCII letters, digits, `-` and `_`.
///
/// Whatever names a case — a path, a form, an alert's reference — is checked once, where it
/// enters, with [`CaseId::parse`]; something that cannot be an id is "no such case" without a
/// read, and a power code or an alert id cannot be passed where a case id is meant. It reads
/// as the `&str` it is (`Deref`), and is the bare string on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId(String);

impl CaseId {
    /// The id, if `text` can be one.
    pub fn parse(text: &str) -> Option<CaseId> {
        let ok = (1..=MAX_CASE_ID_LEN).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| CaseId(text.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for CaseId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CaseId {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        CaseId::parse(&text)
            .ok_or_else(|| "a case id is 1 to 64 ASCII letters, digits, - and _".to_string())
    }
}

impl From<CaseId> for String {
    fn from(id: CaseId) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::CaseId;

    #[test]
    fn tracking_numbers_and_plain_ids_are_case_ids() {
        for ok in ["YG20261207K3M9Q2XA", "case-1", "a_b", &"x".repeat(64)] {
            assert_eq!(CaseId::parse(ok).as_deref(), Some(ok), "{ok}");
        }
    }

    #[test]
    fn nothing_else_is() {
        for bad in [
            "",
            "a b",
            "../etc",
            "办件1",
            "a/b",
            "a%2Fb",
            &"x".repeat(65),
            "a\n",
        ] {
            assert_eq!(CaseId::parse(bad), None, "{bad:?}");
        }
        assert!(serde_json::from_str::<CaseId>("\"a b\"").is_err());
        assert_eq!(
            serde_json::to_string(&CaseId::parse("YG1").unwrap()).unwrap(),
            "\"YG1\""
        );
    }
}
