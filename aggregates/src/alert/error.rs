/// Why an alert command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// Only discipline inspectors act on alerts.
    #[error("only inspectors may acknowledge, resolve or dismiss alerts")]
    NotAnInspector,
    /// A field of `RaiseAlert` is malformed.
    #[error("{field} is invalid: {message}")]
    InvalidAlert {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// `RaiseAlert` was sent to the id of another case, rule or threshold.
    #[error("this alert id belongs to {existing}")]
    KeyMismatch {
        /// The key (`case:rule:threshold`) of the alert stored under this id.
        existing: String,
    },
    /// No alert has been raised under this id.
    #[error("no alert has been raised under this id")]
    NotRaised,
    /// Acknowledging an alert that already is.
    #[error("the alert is already acknowledged")]
    AlreadyAcknowledged,
    /// Resolving an alert nobody has acknowledged yet.
    #[error("the alert must be acknowledged before it is resolved")]
    NotAcknowledged,
    /// The alert is resolved or dismissed: it no longer changes.
    #[error("the alert is already {status}")]
    AlertClosed {
        /// `resolved` or `dismissed`.
        status: String,
    },
    /// A violation needs its accountability action (责任追究).
    #[error("a violation needs an accountability action (1 to 500 characters)")]
    AccountabilityRequired,
    /// A justified finding carries no accountability action.
    #[error("a justified finding takes no accountability action")]
    AccountabilityWithoutViolation,
    /// Dismissing needs a reason.
    #[error("a reason is required (1 to 500 characters)")]
    ReasonRequired,
    /// A free text is too long or has control characters.
    #[error("{field} is invalid: {message}")]
    InvalidText {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
}
