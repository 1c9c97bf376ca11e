use chrono::{DateTime, FixedOffset};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::AlertSource;

/// What an alert is about: the rule that raised it. The serde names are a stored schema and part
/// of every alert id: never rename a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// 黄牌: a share of a case limit used (or a few working days left) while the case is open.
    YellowCard,
    /// 红牌: a case limit (statutory or promised) exceeded.
    RedCard,
    /// 环节超时: one step past its own limit while the case as a whole is not.
    StepOverdue,
    /// 岗位分离: the same person on two steps that must be done by different people.
    SeparationOfDuties,
    /// 异常流转: an exception transition (撤回, 终止 …) was taken.
    ExceptionTransition,
    /// 受理超时: the start step (受理/立案) completed after its limit.
    LateAcceptance,
    /// 事后补录: a step recorded long after the time it claims.
    BackFilled,
    /// 即收即办: received and concluded within seconds.
    InstantConclusion,
    /// 裁量偏离: a penalty decision outside its discretion band, a 从轻 band without its
    /// circumstance, or no penalty without listed grounds.
    DiscretionDeviation,
    /// 从重无据: a heavier (从重) band without any of its listed aggravating circumstances.
    HeavierWithoutCircumstance,
    /// 减轻无据: below the statutory minimum without a listed 减轻 ground, or on a ground but
    /// without the required approval.
    MitigationUnjustified,
    /// 违规收费: a fee above the published standard, on a free item, or not in the standard.
    FeeOffStandard,
    /// 群众投诉: a complaint from the public about the case.
    PublicComplaint,
    /// 差评: a bad rating (不满意 / 非常不满意) of a concluded case.
    BadRating,
    /// 公开超时: a penalty decision not published within its limit (7 working days by default).
    PublicationOverdue,
    /// 裁量异常模式: an officer whose decisions sit at the bottom of the band far more often than
    /// their peers' on the same power.
    DiscretionPattern,
    /// 咨询逾期未答复: a question from the public about a power left unanswered past the
    /// jurisdiction's limit (the alert's "case" is then the question's id).
    UnansweredQuestion,
    /// 督办逾期: a department did not reply to a supervision order (督办) by its due date, or
    /// replied after it (the alert's case is the order's case).
    OrderOverdue,
    /// 回访逾期: a bad rating or a complaint not called back within the jurisdiction's limit
    /// (1 working day by default).
    CallBackOverdue,
    /// 整改逾期: a bad rating or a complaint not rectified within the jurisdiction's limit (15
    /// working days by default).
    RectificationOverdue,
}

impl AlertRule {
    /// Every rule, in declaration order.
    pub const ALL: [AlertRule; 20] = [
        AlertRule::YellowCard,
        AlertRule::RedCard,
        AlertRule::StepOverdue,
        AlertRule::SeparationOfDuties,
        AlertRule::ExceptionTransition,
        AlertRule::LateAcceptance,
        AlertRule::BackFilled,
        AlertRule::InstantConclusion,
        AlertRule::DiscretionDeviation,
        AlertRule::HeavierWithoutCircumstance,
        AlertRule::MitigationUnjustified,
        AlertRule::FeeOffStandard,
        AlertRule::PublicComplaint,
        AlertRule::BadRating,
        AlertRule::PublicationOverdue,
        AlertRule::DiscretionPattern,
        AlertRule::UnansweredQuestion,
        AlertRule::OrderOverdue,
        AlertRule::CallBackOverdue,
        AlertRule::RectificationOverdue,
    ];

    /// The stable snake_case name, identical to the serde form (used in alert ids).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertRule::YellowCard => "yellow_card",
            AlertRule::RedCard => "red_card",
            AlertRule::StepOverdue => "step_overdue",
            AlertRule::SeparationOfDuties => "separation_of_duties",
            AlertRule::ExceptionTransition => "exception_transition",
            AlertRule::LateAcceptance => "late_acceptance",
            AlertRule::BackFilled => "back_filled",
            AlertRule::InstantConclusion => "instant_conclusion",
            AlertRule::DiscretionDeviation => "discretion_deviation",
            AlertRule::HeavierWithoutCircumstance => "heavier_without_circumstance",
            AlertRule::MitigationUnjustified => "mitigation_unjustified",
            AlertRule::FeeOffStandard => "fee_off_standard",
            AlertRule::PublicComplaint => "public_complaint",
            AlertRule::BadRating => "bad_rating",
            AlertRule::PublicationOverdue => "publication_overdue",
            AlertRule::DiscretionPattern => "discretion_pattern",
            AlertRule::UnansweredQuestion => "unanswered_question",
            AlertRule::OrderOverdue => "order_overdue",
            AlertRule::CallBackOverdue => "call_back_overdue",
            AlertRule::RectificationOverdue => "rectification_overdue",
        }
    }

    /// The rule's name in Chinese, for the inspector's pages.
    pub fn chinese(self) -> &'static str {
        match self {
            AlertRule::YellowCard => "黄牌预警",
            AlertRule::RedCard => "红牌超时",
            AlertRule::StepOverdue => "环节超时",
            AlertRule::SeparationOfDuties => "岗位分离",
            AlertRule::ExceptionTransition => "异常流转",
            AlertRule::LateAcceptance => "受理超时",
            AlertRule::BackFilled => "事后补录",
            AlertRule::InstantConclusion => "即收即办",
            AlertRule::DiscretionDeviation => "裁量偏离",
            AlertRule::HeavierWithoutCircumstance => "从重无据",
            AlertRule::MitigationUnjustified => "减轻无据",
            AlertRule::FeeOffStandard => "违规收费",
            AlertRule::PublicComplaint => "群众投诉",
            AlertRule::BadRating => "差评",
            AlertRule::PublicationOverdue => "公开超时",
            AlertRule::DiscretionPattern => "裁量异常模式",
            AlertRule::UnansweredQuestion => "咨询逾期未答复",
            AlertRule::OrderOverdue => "督办逾期",
            AlertRule::CallBackOverdue => "差评回访逾期",
            AlertRule::RectificationOverdue => "差评整改逾期",
        }
    }

    /// The rule named by its stable snake_case name.
    pub fn parse(name: &str) -> Option<AlertRule> {
        AlertRule::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for AlertRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For review; not in itself a fault (e.g. an exception path taken).
    Info,
    /// 黄牌: a warning.
    Yellow,
    /// 红牌: a breach.
    Red,
}

impl Severity {
    /// The stable snake_case name, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Yellow => "yellow",
            Severity::Red => "red",
        }
    }
}

/// An inspector's finding when resolving an alert (调查结论).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 情况属实但有正当理由: the handling was justified; no accountability.
    Justified,
    /// 违规: a violation; an accountability action (责任追究) is recorded.
    Violation,
}

/// A stored event an alert rests on (证据).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventRef {
    /// Aggregate type, e.g. `Case`.
    pub aggregate_type: String,
    /// Aggregate id, e.g. the case's tracking number.
    pub aggregate_id: String,
    /// The event's sequence number within that aggregate (from 1).
    pub sequence: i64,
}

/// Events of an alert. Variant names and `event_version`s are a stored schema: never rename.
///
/// The time of acknowledging, resolving and dismissing is the `recorded_at` of the event's
/// metadata (the server's clock), like every other actor-driven fact without a domain time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AlertEvent {
    /// 预警已生成.
    AlertRaised {
        /// Who raised it (the system).
        source: AlertSource,
        /// The rule.
        rule: AlertRule,
        /// How serious.
        severity: Severity,
        /// The case (tracking number).
        case_id: String,
        /// The case's department.
        department: String,
        /// The case's power code.
        power_code: String,
        /// Which threshold of the rule (part of the id).
        threshold: String,
        /// What the rule saw (a JSON object, rule-specific).
        details: serde_json::Value,
        /// When the rule raised it.
        raised_at: DateTime<FixedOffset>,
        /// The events it rests on.
        evidence: Vec<EventRef>,
    },
    /// 已签收: an inspector took the alert up.
    AlertAcknowledged {
        /// The inspector (subject id).
        by: String,
        /// Note.
        note: Option<String>,
    },
    /// 已办结: an inspector resolved the alert with a finding.
    AlertResolved {
        /// The inspector (subject id).
        by: String,
        /// The finding.
        finding: Finding,
        /// The accountability action (责任追究); present exactly when the finding is a violation.
        accountability: Option<String>,
        /// Note.
        note: Option<String>,
    },
    /// 已撤销: an inspector dismissed the alert (e.g. a false positive), with a reason.
    AlertDismissed {
        /// The inspector (subject id).
        by: String,
        /// Why.
        reason: String,
    },
}

impl DomainEvent for AlertEvent {
    fn event_type(&self) -> String {
        match self {
            AlertEvent::AlertRaised { .. } => "AlertRaised",
            AlertEvent::AlertAcknowledged { .. } => "AlertAcknowledged",
            AlertEvent::AlertResolved { .. } => "AlertResolved",
            AlertEvent::AlertDismissed { .. } => "AlertDismissed",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}
