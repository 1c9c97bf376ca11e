use super::VersionProblem;

/// Why a power command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PowerError {
    /// The actor may not act on this department's catalogue.
    #[error("only an administrator of department {department} may change this power")]
    NotAdminOfDepartment {
        /// The power's department.
        department: String,
    },
    /// The power code is malformed.
    #[error("power code {code:?} is invalid: use A-Z, 0-9 and -, at most 40 characters")]
    InvalidCode {
        /// The code given.
        code: String,
    },
    /// The department id is malformed.
    #[error("department id {department:?} is invalid: use a-z, 0-9 and -, at most 40 characters")]
    InvalidDepartment {
        /// The id given.
        department: String,
    },
    /// A required text is empty or too long.
    #[error("{field} is invalid: {message}")]
    InvalidText {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The code is already registered with other fields.
    #[error("power {code} is already registered with different details")]
    AlreadyRegistered {
        /// The code.
        code: String,
    },
    /// No power is registered under this id.
    #[error("no power is registered under this code")]
    NotRegistered,
    /// The version was refused; every problem is listed.
    #[error("the version has {} problem(s)", problems.len())]
    InvalidVersion {
        /// Every problem found.
        problems: Vec<VersionProblem>,
    },
    /// A revoked power cannot change.
    #[error("the power has been revoked")]
    Revoked,
    /// The state does not allow it (suspend a suspended power, reinstate an active one).
    #[error("the power is already {status}")]
    AlreadyInStatus {
        /// The current status.
        status: String,
    },
    /// A reason is required.
    #[error("a reason is required (1 to 500 characters)")]
    ReasonRequired,
}
