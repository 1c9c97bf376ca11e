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

impl crate::refusal::Refusal for AlertError {
    fn code(&self) -> &'static str {
        match self {
            AlertError::NotAnInspector => "not_an_inspector",
            AlertError::NotRaised => "not_found",
            AlertError::InvalidAlert { .. } | AlertError::KeyMismatch { .. } => "invalid_alert",
            AlertError::AlreadyAcknowledged => "already_acknowledged",
            AlertError::NotAcknowledged => "not_acknowledged",
            AlertError::AlertClosed { .. } => "alert_closed",
            AlertError::AccountabilityRequired => "accountability_required",
            AlertError::AccountabilityWithoutViolation => "accountability_without_violation",
            AlertError::ReasonRequired => "reason_required",
            AlertError::InvalidText { .. } => "invalid_text",
        }
    }

    fn kind(&self) -> crate::refusal::RefusalKind {
        use crate::refusal::RefusalKind as K;
        match self {
            AlertError::NotAnInspector => K::Forbidden,
            AlertError::NotRaised => K::NotFound,
            _ => K::Rule,
        }
    }

    fn zh(&self) -> String {
        match self {
            AlertError::NotAnInspector => "只有纪检监察人员可以处理预警。",
            AlertError::NotRaised => "没有这一预警。",
            AlertError::InvalidAlert { .. } | AlertError::KeyMismatch { .. } => "预警数据有误。",
            AlertError::AlreadyAcknowledged => "预警已签收。",
            AlertError::NotAcknowledged => "请先签收再办结。",
            AlertError::AlertClosed { .. } => "预警已办结或撤销。",
            AlertError::AccountabilityRequired => "认定违规的，须填写责任追究措施（500 字以内）。",
            AlertError::AccountabilityWithoutViolation => "认定有正当理由的，不填写责任追究。",
            AlertError::ReasonRequired => "撤销须说明理由（500 字以内）。",
            AlertError::InvalidText { .. } => "填写的文字有误：最多 500 个字符，不能含控制字符。",
        }
        .into()
    }

    fn en(&self) -> String {
        match self {
            AlertError::NotAnInspector => "Only inspectors handle alerts.".into(),
            AlertError::NotRaised => "No such alert.".into(),
            AlertError::AlreadyAcknowledged => "Already acknowledged.".into(),
            AlertError::NotAcknowledged => "Acknowledge the alert before resolving it.".into(),
            AlertError::AlertClosed { .. } => "The alert is closed.".into(),
            AlertError::AccountabilityRequired => {
                "A violation needs an accountability action (at most 500 characters).".into()
            }
            AlertError::AccountabilityWithoutViolation => {
                "A justified finding takes no accountability action.".into()
            }
            AlertError::ReasonRequired => "A reason is required (at most 500 characters).".into(),
            other => other.to_string(),
        }
    }
}
