use crate::text::{Bounded, TextProblem};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use super::{
    Category, PowerCommand, PowerError, PowerEvent, is_valid_department_id, is_valid_power_code,
};
use crate::{Actor, Role};

/// Whether a power accepts new cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerStatus {
    /// 有效.
    #[default]
    Active,
    /// 暂停.
    Suspended,
    /// 取消.
    Revoked,
}

impl std::fmt::Display for PowerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PowerStatus::Active => "active",
            PowerStatus::Suspended => "suspended",
            PowerStatus::Revoked => "revoked",
        })
    }
}

/// A published version as the aggregate remembers it: number and hash (the content lives in
/// the event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedVersionRef {
    /// Version number.
    pub version: u32,
    /// Content hash.
    pub content_hash: String,
}

/// A power in the catalogue (职权). Its id is its code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Power {
    /// Power code; empty until registered.
    pub code: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Option<Category>,
    /// Implementing department id.
    pub department: String,
    /// Implementing department name.
    pub department_name: String,
    /// Status.
    pub status: PowerStatus,
    /// Every published version, oldest first.
    pub versions: Vec<PublishedVersionRef>,
}

impl Power {
    fn registered(&self) -> bool {
        !self.code.is_empty()
    }

    fn check_admin(&self, actor: &Actor, department: &str) -> Result<(), PowerError> {
        if actor.role == Role::Admin && actor.department.as_deref() == Some(department) {
            Ok(())
        } else {
            Err(PowerError::NotAdminOfDepartment {
                department: department.to_string(),
            })
        }
    }

    fn check_change(&self, actor: &Actor) -> Result<(), PowerError> {
        if !self.registered() {
            return Err(PowerError::NotRegistered);
        }
        self.check_admin(actor, &self.department)?;
        if self.status == PowerStatus::Revoked {
            return Err(PowerError::Revoked);
        }
        Ok(())
    }
}

fn check_reason(reason: &str) -> Result<String, PowerError> {
    Bounded::line(500)
        .required(reason)
        .map(str::to_string)
        .map_err(|_| PowerError::ReasonRequired)
}

fn check_text(field: &str, value: &str, max: usize) -> Result<String, PowerError> {
    Bounded::line(max)
        .required(value)
        .map(str::to_string)
        .map_err(|problem| PowerError::InvalidText {
            field: field.into(),
            message: match problem {
                TextProblem::Empty { .. } => "must not be empty".into(),
                _ => format!("at most {max} characters, no control characters"),
            },
        })
}

impl Aggregate for Power {
    const TYPE: &'static str = "Power";
    type Command = PowerCommand;
    type Event = PowerEvent;
    type Error = PowerError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            PowerCommand::RegisterPower {
                actor,
                code,
                name,
                category,
                department,
                department_name,
            } => {
                if !is_valid_power_code(&code) {
                    return Err(PowerError::InvalidCode { code });
                }
                if !is_valid_department_id(&department) {
                    return Err(PowerError::InvalidDepartment { department });
                }
                self.check_admin(&actor, &department)?;
                let name = check_text("name", &name, 100)?;
                let department_name = check_text("department_name", &department_name, 100)?;
                if self.registered() {
                    let same = self.code == code
                        && self.name == name
                        && self.category == Some(category)
                        && self.department == department
                        && self.department_name == department_name;
                    return if same {
                        Ok(())
                    } else {
                        Err(PowerError::AlreadyRegistered { code })
                    };
                }
                sink.write(
                    PowerEvent::PowerRegistered {
                        code,
                        name,
                        category,
                        department,
                        department_name,
                    },
                    self,
                )
                .await;
            }
            PowerCommand::PublishPowerVersion { actor, content } => {
                self.check_change(&actor)?;
                content
                    .validate_new()
                    .map_err(|problems| PowerError::InvalidVersion { problems })?;
                let content_hash = content.content_hash();
                if self.versions.last().map(|v| v.content_hash.as_str()) == Some(&content_hash) {
                    return Ok(());
                }
                let version = self.versions.len() as u32 + 1;
                sink.write(
                    PowerEvent::PowerVersionPublished {
                        version,
                        content_hash,
                        content,
                    },
                    self,
                )
                .await;
            }
            PowerCommand::SuspendPower { actor, reason } => {
                self.check_change(&actor)?;
                let reason = check_reason(&reason)?;
                if self.status != PowerStatus::Active {
                    return Err(PowerError::AlreadyInStatus {
                        status: self.status.to_string(),
                    });
                }
                sink.write(PowerEvent::PowerSuspended { reason }, self)
                    .await;
            }
            PowerCommand::ReinstatePower { actor, reason } => {
                self.check_change(&actor)?;
                let reason = check_reason(&reason)?;
                if self.status != PowerStatus::Suspended {
                    return Err(PowerError::AlreadyInStatus {
                        status: self.status.to_string(),
                    });
                }
                sink.write(PowerEvent::PowerReinstated { reason }, self)
                    .await;
            }
            PowerCommand::RevokePower { actor, reason } => {
                self.check_change(&actor)?;
                let reason = check_reason(&reason)?;
                sink.write(PowerEvent::PowerRevoked { reason }, self).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            PowerEvent::PowerRegistered {
                code,
                name,
                category,
                department,
                department_name,
            } => {
                self.code = code;
                self.name = name;
                self.category = Some(category);
                self.department = department;
                self.department_name = department_name;
            }
            PowerEvent::PowerVersionPublished {
                version,
                content_hash,
                ..
            } => self.versions.push(PublishedVersionRef {
                version,
                content_hash,
            }),
            PowerEvent::PowerSuspended { .. } => self.status = PowerStatus::Suspended,
            PowerEvent::PowerReinstated { .. } => self.status = PowerStatus::Active,
            PowerEvent::PowerRevoked { .. } => self.status = PowerStatus::Revoked,
        }
    }
}
