//! 拒绝 — how every refusal of the domain is described, in one place per error: a stable code
//! for programs, a kind for the transport (each kind is one HTTP status, mapped once in the
//! web layer), and words for people in Chinese and English. The API sends the code, the
//! status of the kind and the error's `Display` (written for developers); pages show
//! [`Refusal::zh`] or [`Refusal::en`].

/// What kind of refusal it is: what the caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The caller may not do this (403).
    Forbidden,
    /// There is no such thing (404).
    NotFound,
    /// The thing exists already or changed meanwhile: reload and decide again (409).
    Conflict,
    /// Understood, and refused by a rule (422).
    Rule,
    /// Something the domain needs did not answer: try again (503).
    Unavailable,
}

/// A refusal of the domain.
pub trait Refusal: std::error::Error {
    /// The stable code, snake_case: clients match on it, it is never reworded.
    fn code(&self) -> &'static str;
    /// Its kind.
    fn kind(&self) -> RefusalKind;
    /// For people, in Chinese (简体中文).
    fn zh(&self) -> String;
    /// For people, in English (by default the error's own text).
    fn en(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{Refusal, RefusalKind};
    use crate::alert::AlertError;
    use crate::case::CaseError;
    use crate::feedback::FeedbackError;
    use crate::power::PowerError;

    fn check(all: &[&dyn Refusal]) {
        for e in all {
            let code = e.code();
            assert!(
                !code.is_empty()
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{e}: code {code:?} is not snake_case"
            );
            let zh = e.zh();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{e}: {zh:?} is not Chinese"
            );
            assert!(!e.en().is_empty(), "{e}: no English words");
        }
    }

    #[test]
    fn every_refusal_has_a_stable_code_and_words_in_both_languages() {
        let text = |field: &str| (field.to_string(), "too long".to_string());
        let (f, m) = text("note");
        check(&[
            &CaseError::NotAnOfficer,
            &CaseError::WrongDepartment {
                department: "d".into(),
            },
            &CaseError::UnknownPower { code: "X".into() },
            &CaseError::PowerNotActive {
                code: "X".into(),
                status: "revoked".into(),
            },
            &CaseError::InvalidParty { problems: vec![] },
            &CaseError::AlreadyOpened,
            &CaseError::NotOpened,
            &CaseError::StaleVersion {
                expected: 1,
                actual: 2,
            },
            &CaseError::OutcomeNotAllowed {
                step: "a".into(),
                outcome: "b".into(),
                allowed: vec![],
            },
            &CaseError::SeparationOfDuties {
                step: "a".into(),
                other: "b".into(),
            },
            &CaseError::CaseClosed {
                status: "concluded".into(),
            },
            &CaseError::AlreadyPaused,
            &CaseError::NotPaused,
            &CaseError::ClockHeldByStep { step: "a".into() },
            &CaseError::InvalidTime("later".into()),
            &CaseError::InvalidText {
                field: f,
                message: m,
            },
            &CaseError::NotAPenaltyPower { code: "X".into() },
            &CaseError::NoDiscretionStandard {
                code: "X".into(),
                version: 1,
            },
            &CaseError::ZeroFee,
            &CaseError::NoConcludedDecision,
            &CaseError::AlreadyPublished {
                document_no: "1".into(),
            },
            &CaseError::DecisionRevoked,
            &CaseError::SelfApproval,
            &CaseError::ExtensionNotAllowed {
                code: "X".into(),
                version: 1,
            },
            &CaseError::ExtensionTooLong { remaining: 3 },
            &CaseError::LimitAlreadyPassed {
                due: "2026-01-01".into(),
            },
            &CaseError::Unavailable,
            &PowerError::NotAdminOfDepartment {
                department: "d".into(),
            },
            &PowerError::InvalidCode { code: "x".into() },
            &PowerError::InvalidDepartment {
                department: "X".into(),
            },
            &PowerError::InvalidText {
                field: "name".into(),
                message: "empty".into(),
            },
            &PowerError::AlreadyRegistered { code: "X".into() },
            &PowerError::NotRegistered,
            &PowerError::InvalidVersion { problems: vec![] },
            &PowerError::Revoked,
            &PowerError::AlreadyInStatus {
                status: "active".into(),
            },
            &PowerError::ReasonRequired,
            &AlertError::NotAnInspector,
            &AlertError::InvalidAlert {
                field: "id".into(),
                message: "bad".into(),
            },
            &AlertError::KeyMismatch {
                existing: "c".into(),
            },
            &AlertError::NotRaised,
            &AlertError::AlreadyAcknowledged,
            &AlertError::NotAcknowledged,
            &AlertError::AlertClosed {
                status: "resolved".into(),
            },
            &AlertError::AccountabilityRequired,
            &AlertError::AccountabilityWithoutViolation,
            &AlertError::ReasonRequired,
            &AlertError::InvalidText {
                field: "note".into(),
                message: "long".into(),
            },
            &FeedbackError::NoSuchCase,
            &FeedbackError::InvalidText {
                field: "text".into(),
                message: "empty".into(),
            },
            &FeedbackError::InvalidScore,
            &FeedbackError::NotConcluded,
            &FeedbackError::AlreadyRated,
            &FeedbackError::TooManyComplaints { max: 3 },
        ]);
    }

    #[test]
    fn kinds_say_what_the_caller_can_do() {
        assert_eq!(CaseError::NotAnOfficer.kind(), RefusalKind::Forbidden);
        assert_eq!(CaseError::NotOpened.kind(), RefusalKind::NotFound);
        assert_eq!(
            CaseError::StaleVersion {
                expected: 1,
                actual: 2
            }
            .kind(),
            RefusalKind::Conflict
        );
        assert_eq!(CaseError::ZeroFee.kind(), RefusalKind::Rule);
        assert_eq!(CaseError::Unavailable.kind(), RefusalKind::Unavailable);
        assert_eq!(FeedbackError::AlreadyRated.kind(), RefusalKind::Conflict);
        assert_eq!(PowerError::NotRegistered.kind(), RefusalKind::NotFound);
    }
}
