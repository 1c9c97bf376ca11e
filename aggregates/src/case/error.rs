use serde::{Deserialize, Serialize};

use crate::discretion::DiscretionCheck;
use crate::party::PartyProblem;

/// One outcome allowed from the current step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllowedOutcome {
    /// The outcome label to send.
    pub outcome: String,
    /// The step it leads to.
    pub to: String,
    /// That step's name.
    pub to_name: String,
    /// Whether it is an exception path.
    pub exception: bool,
}

/// Why a case command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// Only officers handle cases.
    #[error("only officers may handle cases")]
    NotAnOfficer,
    /// The officer belongs to another department.
    #[error("this case belongs to department {department}")]
    WrongDepartment {
        /// The case's department.
        department: String,
    },
    /// No published power under that code.
    #[error("no published power {code}")]
    UnknownPower {
        /// The code given.
        code: String,
    },
    /// The power is suspended or revoked.
    #[error("power {code} is {status}: no new cases")]
    PowerNotActive {
        /// The code.
        code: String,
        /// Its status.
        status: String,
    },
    /// The party was refused; every problem is listed.
    #[error("the party has {} problem(s)", problems.len())]
    InvalidParty {
        /// Every problem.
        problems: Vec<PartyProblem>,
    },
    /// A case with this tracking number exists.
    #[error("a case with this tracking number already exists")]
    AlreadyOpened,
    /// No case under this id.
    #[error("no such case")]
    NotOpened,
    /// The officer saw another version of the case.
    #[error("the case is at version {actual}, not {expected}: reload it")]
    StaleVersion {
        /// The version sent.
        expected: u64,
        /// The current version.
        actual: u64,
    },
    /// The outcome is not on an edge out of the current step.
    #[error("outcome {outcome:?} is not allowed at step {step}")]
    OutcomeNotAllowed {
        /// The current step.
        step: String,
        /// The outcome sent.
        outcome: String,
        /// What is allowed instead.
        allowed: Vec<AllowedOutcome>,
    },
    /// The same person did a step that must be done by someone else (岗位分离).
    #[error("step {step} must be done by someone other than who did {other}")]
    SeparationOfDuties {
        /// The step being completed.
        step: String,
        /// The step the same person did.
        other: String,
    },
    /// The case has concluded or been withdrawn.
    #[error("the case is {status}")]
    CaseClosed {
        /// Its status.
        status: String,
    },
    /// The clock is already paused.
    #[error("the clock is already paused")]
    AlreadyPaused,
    /// The clock is running.
    #[error("the clock is not paused")]
    NotPaused,
    /// The clock stands still because of the step the case waits at; it restarts when that
    /// step is completed.
    #[error("the clock is held by step {step}: complete that step to resume it")]
    ClockHeldByStep {
        /// The pausing step.
        step: String,
    },
    /// A time given is not acceptable.
    #[error("{0}")]
    InvalidTime(String),
    /// A text is missing or too long.
    #[error("{field}: {message}")]
    InvalidText {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A penalty decision on a power that is not a penalty power.
    #[error("power {code} is not a penalty power: no penalty decision")]
    NotAPenaltyPower {
        /// The power.
        code: String,
    },
    /// A penalty decision under a version without a discretion standard.
    #[error("version {version} of power {code} has no discretion standard")]
    NoDiscretionStandard {
        /// The power.
        code: String,
        /// The pinned version.
        version: u32,
    },
    /// The proposed penalty is impossible under the standard (unknown band, circumstance or
    /// ground, above the statutory maximum, base amount missing); the check says which.
    #[error("penalty decision refused: {}", check.message)]
    PenaltyDecisionRefused {
        /// The check, with its verdict.
        check: Box<DiscretionCheck>,
    },
    /// A fee of nothing.
    #[error("a fee must be more than 0 fen")]
    ZeroFee,
    /// Publishing or revoking needs a recorded penalty decision on a concluded case.
    #[error("the case has no concluded penalty decision")]
    NoConcludedDecision,
    /// The decision is already published.
    #[error("the penalty decision is already published as {document_no}")]
    AlreadyPublished {
        /// Its document number.
        document_no: String,
    },
    /// The decision is already revoked.
    #[error("the penalty decision was revoked")]
    DecisionRevoked,
    /// The 减轻 approver is the officer recording the decision.
    #[error("a 减轻 decision must be approved by someone other than the officer recording it")]
    SelfApproval,
    /// The pinned version allows no extension of its limits.
    #[error("version {version} of power {code} allows no extension of its limit")]
    ExtensionNotAllowed {
        /// The power.
        code: String,
        /// The pinned version.
        version: u32,
    },
    /// More days than the version still allows (or none).
    #[error("an extension of 1 to {remaining} working days is allowed")]
    ExtensionTooLong {
        /// Working days the version still allows.
        remaining: u32,
    },
    /// The statutory limit has passed: it can no longer be extended.
    #[error("the statutory limit has passed (due {due}): it can no longer be extended")]
    LimitAlreadyPassed {
        /// The due date that passed.
        due: String,
    },
    /// The power store could not be read.
    #[error("the catalogue is temporarily unavailable")]
    Unavailable,
}
