//! Query and form parameters: parsed leniently, checked for length and control characters,
//! and encoded back into links.

use super::*;

/// Longest text accepted in a free-text parameter, in characters.
pub(super) const MAX_PARAM_CHARS: usize = 200;

/// Query parameters, parsed leniently: the first value of each name counts.
pub(crate) struct Params {
    pub(super) pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a query string or a form body (`application/x-www-form-urlencoded`).
    pub(crate) fn parse(text: &str) -> Result<Params, ()> {
        web::Query::<Vec<(String, String)>>::from_query(text)
            .map(|q| Params {
                pairs: q.into_inner(),
            })
            .map_err(|_| ())
    }

    /// The first value of `name`, trimmed; `None` when absent or empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `name` (checkboxes), trimmed, empty ones left out.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The first value of `name` as sent (not trimmed), `""` when absent.
    pub(crate) fn raw(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The first value of `name` when it is usable text: at most [`MAX_PARAM_CHARS`]
    /// characters, no control characters. `Err` names what is wrong.
    pub(crate) fn text(&self, name: &str) -> Result<Option<&str>, TextProblem> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.chars().count() > MAX_PARAM_CHARS => Err(TextProblem::TooLong),
            Some(v) if v.chars().any(char::is_control) => Err(TextProblem::Control),
            Some(v) => Ok(Some(v)),
        }
    }
}

/// Why a text parameter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextProblem {
    TooLong,
    Control,
}

impl TextProblem {
    pub(super) fn message(self, lang: Lang, field: &str) -> String {
        match (self, lang) {
            (TextProblem::TooLong, Lang::Zh) => {
                format!("{field}过长（最多 {MAX_PARAM_CHARS} 个字符）。")
            }
            (TextProblem::TooLong, Lang::En) => {
                format!("{field} is too long (at most {MAX_PARAM_CHARS} characters).")
            }
            (TextProblem::Control, Lang::Zh) => format!("{field}含有控制字符，请重新输入。"),
            (TextProblem::Control, Lang::En) => {
                format!("{field} contains control characters; please type it again.")
            }
        }
    }
}

/// Percent-encodes one URL component (everything but unreserved characters).
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&k=v`, encoded.
pub(crate) fn encode_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}
