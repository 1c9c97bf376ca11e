use serde::{Deserialize, Serialize};

use super::{Category, PowerVersionContent};
use crate::Actor;

/// Commands on a power. Each carries the actor; the department check happens in the aggregate
/// so it is atomic with the write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PowerCommand {
    /// 登记职权: register a power under a code. Registering the same power again with the same
    /// fields changes nothing.
    RegisterPower {
        /// Who registers it (an administrator of `department`).
        actor: Actor,
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
    /// 发布版本: publish a new immutable version. Content identical to the current version
    /// changes nothing.
    PublishPowerVersion {
        /// Who publishes.
        actor: Actor,
        /// The content.
        content: Box<PowerVersionContent>,
    },
    /// 暂停: no new cases may be opened; running cases go on.
    SuspendPower {
        /// Who suspends.
        actor: Actor,
        /// Why.
        reason: String,
    },
    /// 恢复: lift a suspension.
    ReinstatePower {
        /// Who reinstates.
        actor: Actor,
        /// Why.
        reason: String,
    },
    /// 取消: revoke for good; running cases go on under their pinned version.
    RevokePower {
        /// Who revokes.
        actor: Actor,
        /// Why.
        reason: String,
    },
}
