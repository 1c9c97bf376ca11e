/// Why a feedback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    /// No such case.
    #[error("no such case")]
    NoSuchCase,
    /// A text is empty, too long or holds control characters.
    #[error("{field}: {message}")]
    InvalidText {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The score is not 1 to 5.
    #[error("the score must be 1 to 5")]
    InvalidScore,
    /// Only a concluded case can be rated.
    #[error("only a concluded case can be rated")]
    NotConcluded,
    /// The case was rated already.
    #[error("this case has been rated already")]
    AlreadyRated,
    /// The case has as many complaints as one case may take.
    #[error("this case has {max} complaints already; contact the supervision office directly")]
    TooManyComplaints {
        /// The limit.
        max: u32,
    },
}
