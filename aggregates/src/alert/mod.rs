//! The alert aggregate (电子监察预警, yellow and red cards): a finding of the supervision rules
//! about one case, reviewed by discipline inspectors (纪检监察).
//!
//! Life cycle: `Raised` → `Acknowledged` → `Resolved` (a finding: justified or a violation with
//! its accountability action, 责任追究) — or `Dismissed` with a reason from `Raised` or
//! `Acknowledged`. Nothing is ever deleted: a closed alert stays, with who closed it and why.
//!
//! **Deduplication is the id.** An alert's aggregate id is [`alert_id`]`(case_id, rule,
//! threshold)` = `"{case_id}:{rule}:{threshold}"`, so the rules can propose the same alert on
//! every evaluation and the store keeps one: `RaiseAlert` on an alert that exists emits nothing.
//!
//! **Who acts.** Raising is done by the system (the rule runner and the deadline watcher), never
//! by a person: [`AlertCommand::RaiseAlert`] carries an [`AlertSource`] instead of an
//! [`Actor`](crate::Actor), whose only variant today is [`AlertSource::System`]; the server
//! records [`SYSTEM_ACTOR_ID`] as the actor in the event metadata, and no HTTP handler may build
//! the command from a request. Acknowledging, resolving and dismissing need an actor with
//! [`Role::Inspector`](crate::Role::Inspector).
mod aggregate;
mod commands;
mod error;
mod events;

pub use aggregate::{Acknowledgement, Alert, AlertStatus, Dismissal, Resolution};
pub use commands::{AlertCommand, AlertSource, SYSTEM_ACTOR_ID};
pub use error::AlertError;
pub use events::{AlertEvent, AlertRule, EventRef, Finding, Severity};

/// The aggregate id of the alert for `case_id`, `rule` and `threshold`:
/// `"{case_id}:{rule}:{threshold}"`, e.g. `YG20260313ABCD2345:red_card:statutory`.
///
/// One alert per case, rule and threshold: the same triple always names the same alert.
pub fn alert_id(case_id: &str, rule: AlertRule, threshold: &str) -> String {
    format!("{case_id}:{}:{threshold}", rule.as_str())
}

#[cfg(test)]
mod tests;
