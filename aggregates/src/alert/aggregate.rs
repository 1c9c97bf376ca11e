use crate::case::{CaseId, MAX_CASE_ID_LEN};
use crate::text::Bounded;
use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use super::{
    AlertCommand, AlertError, AlertEvent, AlertRule, AlertSource, EventRef, Finding, Severity,
    alert_id,
};
use crate::power::{is_valid_department_id, is_valid_power_code};
use crate::{Actor, Role};

/// Where an alert stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Not raised (no events).
    #[default]
    New,
    /// 待签收.
    Raised,
    /// 已签收, under investigation.
    Acknowledged,
    /// 已办结 with a finding.
    Resolved,
    /// 已撤销 with a reason.
    Dismissed,
}

impl AlertStatus {
    /// The stable snake_case name, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::New => "new",
            AlertStatus::Raised => "raised",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
            AlertStatus::Dismissed => "dismissed",
        }
    }
}

impl std::fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who took the alert up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Acknowledgement {
    /// The inspector (subject id).
    pub by: String,
    /// Note.
    pub note: Option<String>,
}

/// How the alert was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    /// The inspector (subject id).
    pub by: String,
    /// The finding.
    pub finding: Finding,
    /// The accountability action (责任追究), for a violation.
    pub accountability: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// Why the alert was dismissed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dismissal {
    /// The inspector (subject id).
    pub by: String,
    /// Why.
    pub reason: String,
}

/// A supervision alert (电子监察预警). Its id is [`alert_id`]`(case_id, rule, threshold)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    /// Status.
    pub status: AlertStatus,
    /// Who raised it; `None` until raised.
    pub source: Option<AlertSource>,
    /// The rule; `None` until raised.
    pub rule: Option<AlertRule>,
    /// How serious; `None` until raised.
    pub severity: Option<Severity>,
    /// The case (tracking number).
    pub case_id: String,
    /// The case's department.
    pub department: String,
    /// The case's power code.
    pub power_code: String,
    /// Which threshold of the rule.
    pub threshold: String,
    /// What the rule saw.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
    /// When raised.
    pub raised_at: Option<DateTime<FixedOffset>>,
    /// The events it rests on.
    pub evidence: Vec<EventRef>,
    /// Who took it up.
    pub acknowledged: Option<Acknowledgement>,
    /// How it was resolved.
    pub resolution: Option<Resolution>,
    /// Why it was dismissed.
    pub dismissal: Option<Dismissal>,
}

/// Longest note, in characters.
const MAX_NOTE_CHARS: usize = 2000;
/// Longest reason or accountability action, in characters.
const MAX_REASON_CHARS: usize = 500;
/// Longest case id, in bytes (ASCII).
/// Longest threshold, in bytes (ASCII).
const MAX_THRESHOLD_LEN: usize = 100;
/// Largest `details`, serialized.
const MAX_DETAILS_BYTES: usize = 16 * 1024;
/// Deepest `details` nesting (stored events and views wrap it in a few more levels).
const MAX_DETAILS_DEPTH: usize = 16;
/// Most evidence references.
const MAX_EVIDENCE: usize = 100;

fn invalid(field: &str, message: &str) -> AlertError {
    AlertError::InvalidAlert {
        field: field.into(),
        message: message.into(),
    }
}

/// A required text: trimmed, 1 to `MAX_REASON_CHARS` characters, no control characters but
/// line breaks.
fn required_text(text: &str) -> Option<String> {
    Bounded::lines(MAX_REASON_CHARS)
        .required(text)
        .ok()
        .map(str::to_string)
}

/// An optional note: blank is none; otherwise trimmed, at most `MAX_NOTE_CHARS` characters.
fn optional_note(note: Option<String>) -> Result<Option<String>, AlertError> {
    Bounded::lines(MAX_NOTE_CHARS)
        .optional(note.as_deref())
        .map(|n| n.map(str::to_string))
        .map_err(|_| AlertError::InvalidText {
            field: "note".into(),
            message: format!("at most {MAX_NOTE_CHARS} characters, no control characters"),
        })
}

/// The nesting depth of arrays and objects in `value` (a scalar is 0), without recursion.
fn json_depth(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            serde_json::Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    deepest
}

fn check_case_id(case_id: &str) -> Result<(), AlertError> {
    CaseId::parse(case_id).map(|_| ()).ok_or_else(|| {
        invalid(
            "case_id",
            "use ASCII letters, digits, - and _, 1 to 64 characters",
        )
    })
}

fn check_threshold(threshold: &str) -> Result<(), AlertError> {
    let ok = (1..=MAX_THRESHOLD_LEN).contains(&threshold.len())
        && threshold
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'+'));
    ok.then_some(()).ok_or_else(|| {
        invalid(
            "threshold",
            "use ASCII letters, digits and _ - . +, 1 to 100 characters",
        )
    })
}

fn check_details(details: &serde_json::Value) -> Result<(), AlertError> {
    if !details.is_object() {
        return Err(invalid("details", "must be a JSON object"));
    }
    if json_depth(details) > MAX_DETAILS_DEPTH {
        return Err(invalid("details", "nested more than 16 levels deep"));
    }
    let size = serde_json::to_vec(details)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_DETAILS_BYTES {
        return Err(invalid("details", "larger than 16 KiB"));
    }
    Ok(())
}

fn check_evidence(evidence: &[EventRef]) -> Result<(), AlertError> {
    if evidence.len() > MAX_EVIDENCE {
        return Err(invalid("evidence", "at most 100 references"));
    }
    let ok = evidence.iter().all(|e| {
        e.sequence >= 1
            && !e.aggregate_type.is_empty()
            && e.aggregate_type.len() <= 40
            && e.aggregate_type.bytes().all(|b| b.is_ascii_alphanumeric())
            && (1..=MAX_CASE_ID_LEN).contains(&e.aggregate_id.len())
            && !e.aggregate_id.chars().any(|c| c.is_control() && c != '\n')
    });
    ok.then_some(()).ok_or_else(|| {
        invalid(
            "evidence",
            "each reference needs an aggregate type, an aggregate id and a sequence >= 1",
        )
    })
}

impl Alert {
    /// This alert's id, once raised.
    pub fn id(&self) -> Option<String> {
        self.rule
            .map(|rule| alert_id(&self.case_id, rule, &self.threshold))
    }

    /// Inspectors only, on a raised alert that is still open.
    fn check_inspector_on_open(&self, actor: &Actor) -> Result<(), AlertError> {
        if actor.role != Role::Inspector {
            return Err(AlertError::NotAnInspector);
        }
        match self.status {
            AlertStatus::New => Err(AlertError::NotRaised),
            AlertStatus::Resolved | AlertStatus::Dismissed => Err(AlertError::AlertClosed {
                status: self.status.to_string(),
            }),
            AlertStatus::Raised | AlertStatus::Acknowledged => Ok(()),
        }
    }
}

impl Aggregate for Alert {
    const TYPE: &'static str = "Alert";
    type Command = AlertCommand;
    type Event = AlertEvent;
    type Error = AlertError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            AlertCommand::RaiseAlert {
                source,
                rule,
                severity,
                case_id,
                department,
                power_code,
                threshold,
                details,
                raised_at,
                evidence,
            } => {
                check_case_id(&case_id)?;
                if !is_valid_department_id(&department) {
                    return Err(invalid(
                        "department",
                        "use a-z, 0-9 and -, at most 40 characters",
                    ));
                }
                if !is_valid_power_code(&power_code) {
                    return Err(invalid(
                        "power_code",
                        "use A-Z, 0-9 and -, at most 40 characters",
                    ));
                }
                check_threshold(&threshold)?;
                check_details(&details)?;
                check_evidence(&evidence)?;
                if let Some(existing) = self.id() {
                    // Idempotent: the first raise stands, whatever happened to it since.
                    return if existing == alert_id(&case_id, rule, &threshold) {
                        Ok(())
                    } else {
                        Err(AlertError::KeyMismatch { existing })
                    };
                }
                sink.write(
                    AlertEvent::AlertRaised {
                        source,
                        rule,
                        severity,
                        case_id,
                        department,
                        power_code,
                        threshold,
                        details,
                        raised_at,
                        evidence,
                    },
                    self,
                )
                .await;
            }
            AlertCommand::AcknowledgeAlert { actor, note } => {
                self.check_inspector_on_open(&actor)?;
                if self.status == AlertStatus::Acknowledged {
                    return Err(AlertError::AlreadyAcknowledged);
                }
                let note = optional_note(note)?;
                sink.write(AlertEvent::AlertAcknowledged { by: actor.id, note }, self)
                    .await;
            }
            AlertCommand::ResolveAlert {
                actor,
                finding,
                accountability,
                note,
            } => {
                self.check_inspector_on_open(&actor)?;
                if self.status != AlertStatus::Acknowledged {
                    return Err(AlertError::NotAcknowledged);
                }
                let accountability = accountability.filter(|a| !a.trim().is_empty());
                let accountability = match (finding, accountability) {
                    (Finding::Violation, None) => return Err(AlertError::AccountabilityRequired),
                    (Finding::Violation, Some(action)) => {
                        Some(required_text(&action).ok_or(AlertError::AccountabilityRequired)?)
                    }
                    (Finding::Justified, Some(_)) => {
                        return Err(AlertError::AccountabilityWithoutViolation);
                    }
                    (Finding::Justified, None) => None,
                };
                let note = optional_note(note)?;
                sink.write(
                    AlertEvent::AlertResolved {
                        by: actor.id,
                        finding,
                        accountability,
                        note,
                    },
                    self,
                )
                .await;
            }
            AlertCommand::DismissAlert { actor, reason } => {
                self.check_inspector_on_open(&actor)?;
                let reason = required_text(&reason).ok_or(AlertError::ReasonRequired)?;
                sink.write(
                    AlertEvent::AlertDismissed {
                        by: actor.id,
                        reason,
                    },
                    self,
                )
                .await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            AlertEvent::AlertRaised {
                source,
                rule,
                severity,
                case_id,
                department,
                power_code,
                threshold,
                details,
                raised_at,
                evidence,
            } => {
                self.status = AlertStatus::Raised;
                self.source = Some(source);
                self.rule = Some(rule);
                self.severity = Some(severity);
                self.case_id = case_id;
                self.department = department;
                self.power_code = power_code;
                self.threshold = threshold;
                self.details = details;
                self.raised_at = Some(raised_at);
                self.evidence = evidence;
            }
            AlertEvent::AlertAcknowledged { by, note } => {
                self.status = AlertStatus::Acknowledged;
                self.acknowledged = Some(Acknowledgement { by, note });
            }
            AlertEvent::AlertResolved {
                by,
                finding,
                accountability,
                note,
            } => {
                self.status = AlertStatus::Resolved;
                self.resolution = Some(Resolution {
                    by,
                    finding,
                    accountability,
                    note,
                });
            }
            AlertEvent::AlertDismissed { by, reason } => {
                self.status = AlertStatus::Dismissed;
                self.dismissal = Some(Dismissal { by, reason });
            }
        }
    }
}
