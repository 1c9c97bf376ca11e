//! Texts people write into the record (理由、说明、备注、文号…): one rule for all of them.
//!
//! Every free text a command carries is trimmed, must not be blank where it is required, has
//! at most a set number of characters (counted as characters, not bytes: a Chinese reason of
//! 500 characters is 1,500 bytes) and holds no control characters — except line breaks in
//! texts of several lines. Each aggregate says which fields are which and maps a
//! [`TextProblem`] to its own error, so the rule is written once.

/// Whether a text may run over several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One line: no control character at all (names, ids, document numbers, reasons shown in
    /// a list).
    One,
    /// Several lines: line breaks allowed, other control characters not (justifications,
    /// notes, descriptions).
    Many,
}

/// A limit on a text: at most `max` characters, on one line or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded {
    /// Most characters.
    pub max: usize,
    /// One line or several.
    pub lines: Lines,
}

/// What is wrong with a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Blank (after trimming) where a text is required.
    Empty {
        /// The limit, for the message.
        max: usize,
    },
    /// More characters than allowed.
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A control character (a line break in a one-line text).
    ControlCharacter,
}

impl TextProblem {
    /// The message the API gives for a required text: `required, 1 to 500 characters` or
    /// `must not contain control characters`.
    pub fn message(self) -> String {
        match self {
            TextProblem::Empty { max } | TextProblem::TooLong { max } => {
                format!("required, 1 to {max} characters")
            }
            TextProblem::ControlCharacter => "must not contain control characters".into(),
        }
    }
}

impl Bounded {
    /// One line of at most `max` characters.
    pub const fn line(max: usize) -> Bounded {
        Bounded {
            max,
            lines: Lines::One,
        }
    }

    /// Several lines of at most `max` characters in all.
    pub const fn lines(max: usize) -> Bounded {
        Bounded {
            max,
            lines: Lines::Many,
        }
    }

    /// The text trimmed, if it is not blank and keeps to the limit.
    pub fn required(self, text: &str) -> Result<&str, TextProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TextProblem::Empty { max: self.max });
        }
        self.within(text)
    }

    /// `None` for an absent or blank text; otherwise the text trimmed, if it keeps to the limit.
    pub fn optional(self, text: Option<&str>) -> Result<Option<&str>, TextProblem> {
        match text.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => self.within(text).map(Some),
        }
    }

    fn within(self, text: &str) -> Result<&str, TextProblem> {
        if text.chars().count() > self.max {
            return Err(TextProblem::TooLong { max: self.max });
        }
        let allowed = |c: char| self.lines == Lines::Many && c == '\n';
        if text.chars().any(|c| c.is_control() && !allowed(c)) {
            return Err(TextProblem::ControlCharacter);
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::{Bounded, TextProblem};

    #[test]
    fn texts_are_trimmed_and_counted_in_characters() {
        assert_eq!(Bounded::line(3).required("  整改中 "), Ok("整改中"));
        assert_eq!(
            Bounded::line(3).required("整改完成"),
            Err(TextProblem::TooLong { max: 3 })
        );
        assert_eq!(
            Bounded::line(3).required(" \n "),
            Err(TextProblem::Empty { max: 3 })
        );
    }

    #[test]
    fn only_texts_of_several_lines_may_break_lines() {
        assert_eq!(
            Bounded::lines(20).required("第一，\n第二。"),
            Ok("第一，\n第二。")
        );
        assert_eq!(
            Bounded::line(20).required("第一，\n第二。"),
            Err(TextProblem::ControlCharacter)
        );
        for bad in ["a\u{0}b", "a\tb", "a\u{1b}b", "a\rb"] {
            assert_eq!(
                Bounded::lines(20).required(bad),
                Err(TextProblem::ControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_blank_optional_text_is_none() {
        assert_eq!(Bounded::lines(5).optional(None), Ok(None));
        assert_eq!(Bounded::lines(5).optional(Some("  ")), Ok(None));
        assert_eq!(Bounded::lines(5).optional(Some(" 备注 ")), Ok(Some("备注")));
        assert_eq!(
            Bounded::lines(1).optional(Some("备注")),
            Err(TextProblem::TooLong { max: 1 })
        );
    }

    #[test]
    fn the_message_names_the_limit() {
        assert_eq!(
            TextProblem::Empty { max: 500 }.message(),
            "required, 1 to 500 characters"
        );
        assert_eq!(
            TextProblem::ControlCharacter.message(),
            "must not contain control characters"
        );
    }
}
