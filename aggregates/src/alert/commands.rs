use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{AlertRule, EventRef, Finding, Severity};
use crate::Actor;

/// The subject id the server records in the metadata of events raised by [`AlertSource::System`].
pub const SYSTEM_ACTOR_ID: &str = "system";

/// Who raises an alert. Alerts are raised by the system only — the rule runner over the event
/// stream and the deadline watcher — never by a person, so raising carries no [`Actor`] and needs
/// no role: the server builds [`AlertCommand::RaiseAlert`] in the rule runner only, never from an
/// HTTP request, and records [`SYSTEM_ACTOR_ID`] as the actor. A later source (e.g. complaints
/// from the public) becomes a new variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertSource {
    /// The supervision rules (电子监察系统自动预警).
    System,
    /// A complaint or a bad rating from the public (群众投诉/差评), turned into an alert by the
    /// system.
    Public,
}

/// Commands on an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AlertCommand {
    /// 生成预警: record an alert proposed by a rule. Send it to the aggregate with id
    /// [`alert_id`](super::alert_id)`(case_id, rule, threshold)`; on an alert that exists it
    /// changes nothing (the first raise stands), whatever its state.
    RaiseAlert {
        /// Who raises it.
        source: AlertSource,
        /// The rule.
        rule: AlertRule,
        /// How serious.
        severity: Severity,
        /// The case (tracking number): ASCII letters, digits, `-` and `_`, 1 to 64 characters.
        case_id: String,
        /// The case's department id.
        department: String,
        /// The case's power code.
        power_code: String,
        /// Which threshold of the rule: ASCII letters, digits and `_ - . +`, 1 to 100 characters.
        threshold: String,
        /// What the rule saw: a JSON object, at most 16 KiB and 16 levels deep.
        details: serde_json::Value,
        /// When the rule raised it.
        raised_at: DateTime<FixedOffset>,
        /// The events it rests on (at most 100).
        evidence: Vec<EventRef>,
    },
    /// 签收: an inspector takes the alert up.
    AcknowledgeAlert {
        /// The inspector.
        actor: Actor,
        /// Optional note, at most 2000 characters.
        note: Option<String>,
    },
    /// 办结: an inspector resolves an acknowledged alert with a finding.
    ResolveAlert {
        /// The inspector.
        actor: Actor,
        /// The finding.
        finding: Finding,
        /// The accountability action (责任追究, 1 to 500 characters): required for a violation,
        /// refused for a justified finding.
        accountability: Option<String>,
        /// Optional note, at most 2000 characters.
        note: Option<String>,
    },
    /// 撤销: an inspector dismisses a raised or acknowledged alert.
    DismissAlert {
        /// The inspector.
        actor: Actor,
        /// Why (required, 1 to 500 characters).
        reason: String,
    },
}
