use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{Category, PowerVersionContent};

/// Events of a power. The variant names and `event_version`s are a stored schema: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PowerEvent {
    /// 职权已登记.
    PowerRegistered {
        /// Power code.
        code: String,
        /// Name.
        name: String,
        /// Category.
        category: Category,
        /// Implementing department id.
        department: String,
        /// Implementing department name.
        department_name: String,
    },
    /// 版本已发布.
    PowerVersionPublished {
        /// Version number, from 1.
        version: u32,
        /// `sha256:` of the canonical content.
        content_hash: String,
        /// The content.
        content: Box<PowerVersionContent>,
    },
    /// 职权已暂停.
    PowerSuspended {
        /// Why.
        reason: String,
    },
    /// 职权已恢复.
    PowerReinstated {
        /// Why.
        reason: String,
    },
    /// 职权已取消.
    PowerRevoked {
        /// Why.
        reason: String,
    },
}

impl DomainEvent for PowerEvent {
    fn event_type(&self) -> String {
        match self {
            PowerEvent::PowerRegistered { .. } => "PowerRegistered",
            PowerEvent::PowerVersionPublished { .. } => "PowerVersionPublished",
            PowerEvent::PowerSuspended { .. } => "PowerSuspended",
            PowerEvent::PowerReinstated { .. } => "PowerReinstated",
            PowerEvent::PowerRevoked { .. } => "PowerRevoked",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}
