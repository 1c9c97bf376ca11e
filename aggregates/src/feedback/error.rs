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
    /// Only officers and administrators of the case's department record call backs and
    /// rectifications.
    #[error("only staff of the case's department record call backs and rectifications")]
    NotDepartmentStaff,
    /// Nothing to rectify: no bad rating or complaint waits for it.
    #[error("no bad rating or complaint waits for a call back or rectification")]
    NothingToRectify,
    /// The call back is recorded already for this task.
    #[error("the call back is recorded already")]
    AlreadyCalledBack,
    /// No rectification to rate yet.
    #[error("a follow-up rating comes after the department's rectification")]
    NoRectificationYet,
    /// The follow-up rating is given already.
    #[error("the follow-up rating has been given already")]
    AlreadyFollowedUp,
    /// The case has as many complaints as one case may take.
    #[error("this case has {max} complaints already; contact the supervision office directly")]
    TooManyComplaints {
        /// The limit.
        max: u32,
    },
}

impl crate::refusal::Refusal for FeedbackError {
    fn code(&self) -> &'static str {
        match self {
            FeedbackError::NoSuchCase => "not_found",
            FeedbackError::InvalidText { .. } => "invalid_text",
            FeedbackError::InvalidScore => "invalid_score",
            FeedbackError::NotConcluded => "case_not_concluded",
            FeedbackError::AlreadyRated => "already_rated",
            FeedbackError::TooManyComplaints { .. } => "too_many_complaints",
            FeedbackError::NotDepartmentStaff => "forbidden",
            FeedbackError::NothingToRectify => "nothing_to_rectify",
            FeedbackError::AlreadyCalledBack => "already_called_back",
            FeedbackError::NoRectificationYet => "no_rectification_yet",
            FeedbackError::AlreadyFollowedUp => "already_followed_up",
        }
    }

    fn kind(&self) -> crate::refusal::RefusalKind {
        use crate::refusal::RefusalKind as K;
        match self {
            FeedbackError::NoSuchCase => K::NotFound,
            FeedbackError::AlreadyRated
            | FeedbackError::AlreadyCalledBack
            | FeedbackError::AlreadyFollowedUp
            | FeedbackError::NothingToRectify => K::Conflict,
            FeedbackError::NotDepartmentStaff => K::Forbidden,
            _ => K::Rule,
        }
    }

    fn zh(&self) -> String {
        match self {
            FeedbackError::NoSuchCase => "办件不存在。",
            FeedbackError::InvalidText { .. } => "内容不能为空，且不能超过规定字数。",
            FeedbackError::InvalidScore => "请选择一项评价。",
            FeedbackError::NotConcluded => "办件办结后才能评价。",
            FeedbackError::AlreadyRated => "该办件已经评价过。",
            FeedbackError::TooManyComplaints { .. } => "该办件的投诉已达上限，请直接联系监督机构。",
            FeedbackError::NotDepartmentStaff => "只有办件所属部门的工作人员可以记录回访和整改。",
            FeedbackError::NothingToRectify => "该办件没有待回访或整改的差评、投诉。",
            FeedbackError::AlreadyCalledBack => "回访已记录。",
            FeedbackError::NoRectificationYet => "部门答复整改情况后才能追评。",
            FeedbackError::AlreadyFollowedUp => "已经追评过。",
        }
        .into()
    }

    fn en(&self) -> String {
        match self {
            FeedbackError::NoSuchCase => "No such case.",
            FeedbackError::InvalidText { .. } => {
                "The text must not be empty or longer than allowed."
            }
            FeedbackError::InvalidScore => "Please choose a rating.",
            FeedbackError::NotConcluded => "A case can be rated once it has concluded.",
            FeedbackError::AlreadyRated => "This case has been rated already.",
            FeedbackError::TooManyComplaints { .. } => {
                "This case has as many complaints as the form takes; please contact the \
                 supervision office."
            }
            FeedbackError::NotDepartmentStaff => {
                "Only staff of the case's department record call backs and rectifications."
            }
            FeedbackError::NothingToRectify => {
                "No bad rating or complaint on this case waits for a call back or rectification."
            }
            FeedbackError::AlreadyCalledBack => "The call back is recorded already.",
            FeedbackError::NoRectificationYet => {
                "A follow-up rating comes after the department's reply on its rectification."
            }
            FeedbackError::AlreadyFollowedUp => "The follow-up rating has been given already.",
        }
        .into()
    }
}
