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

impl crate::refusal::Refusal for PowerError {
    fn code(&self) -> &'static str {
        match self {
            PowerError::NotAdminOfDepartment { .. } => "wrong_department",
            PowerError::InvalidCode { .. } => "invalid_code",
            PowerError::InvalidDepartment { .. } => "invalid_department",
            PowerError::InvalidText { .. } => "invalid_text",
            PowerError::AlreadyRegistered { .. } => "already_registered",
            PowerError::NotRegistered => "not_found",
            PowerError::InvalidVersion { .. } => "invalid_version",
            PowerError::Revoked => "power_revoked",
            PowerError::AlreadyInStatus { .. } => "status_unchanged",
            PowerError::ReasonRequired => "reason_required",
        }
    }

    fn kind(&self) -> crate::refusal::RefusalKind {
        use crate::refusal::RefusalKind as K;
        match self {
            PowerError::NotAdminOfDepartment { .. } => K::Forbidden,
            PowerError::NotRegistered => K::NotFound,
            PowerError::AlreadyRegistered { .. } => K::Conflict,
            _ => K::Rule,
        }
    }

    fn zh(&self) -> String {
        match self {
            PowerError::NotAdminOfDepartment { .. } => "您不是该事项所属部门的管理员。".into(),
            PowerError::InvalidCode { code } => {
                format!("事项编码“{code}”无效：只能使用 A-Z、0-9 和 -，最多 40 个字符。")
            }
            PowerError::InvalidDepartment { department } => {
                format!("部门标识“{department}”无效：只能使用 a-z、0-9 和 -，最多 40 个字符。")
            }
            PowerError::InvalidText { .. } => {
                "填写的文字有误：不能为空、不能超出长度，也不能含控制字符。".into()
            }
            PowerError::AlreadyRegistered { .. } => {
                "该编码已登记，名称、类别或部门与上传的不同。".into()
            }
            PowerError::NotRegistered => "没有以该编码登记的事项。".into(),
            PowerError::InvalidVersion { problems } => {
                format!("该版本有 {} 处问题，请逐项修改。", problems.len())
            }
            PowerError::Revoked => "该事项已取消，不能更改。".into(),
            PowerError::AlreadyInStatus { .. } => "事项已处于该状态。".into(),
            PowerError::ReasonRequired => "请填写原因（1 至 500 个字符）。".into(),
        }
    }

    fn en(&self) -> String {
        match self {
            PowerError::NotAdminOfDepartment { .. } => {
                "You are not an administrator of this power's department.".into()
            }
            PowerError::AlreadyRegistered { .. } => {
                "This code is registered with another name, category or department.".into()
            }
            PowerError::Revoked => "The power is revoked.".into(),
            PowerError::AlreadyInStatus { .. } => "The power is already in that status.".into(),
            PowerError::ReasonRequired => "A reason is required (1 to 500 characters).".into(),
            other => other.to_string(),
        }
    }
}
