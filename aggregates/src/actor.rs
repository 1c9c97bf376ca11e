//! Who acts: the person or program behind a command, carried into each event.
use serde::{Deserialize, Serialize};

/// A role a token or account grants (角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Catalogue administrator of one department (职权目录管理员).
    Admin,
    /// Officer of one department who handles cases (承办人员).
    Officer,
    /// Discipline inspector (纪检监察人员), all departments of the jurisdiction.
    Inspector,
}

impl Role {
    /// The stored name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Inspector => "inspector",
        }
    }
}

/// The one acting on a command (经办人): a stable subject id, their role and department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable subject id (token subject or account id), never a display name.
    pub id: String,
    /// The role the actor acted in.
    pub role: Role,
    /// Department id the actor belongs to; `None` for jurisdiction-wide roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}
