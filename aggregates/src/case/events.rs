use crate::money::Fen;
use chrono::{DateTime, FixedOffset};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{Channel, Contact, MitigationApproval, SubmittedMaterial, SupplementItem};
use crate::discretion::DiscretionCheck;
use crate::party::Party;

/// Events of a case. Variant names and `event_version`s are a stored schema: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CaseEvent {
    /// 已受理/已立案. Pins the power version and its content hash.
    CaseOpened {
        /// Tracking number (= case id).
        tracking_no: String,
        /// Power code.
        power_code: String,
        /// Pinned version.
        power_version: u32,
        /// Pinned content hash.
        content_hash: String,
        /// Power name, for views.
        power_name: String,
        /// Implementing department id.
        department: String,
        /// The party (personal data: never on public views).
        party: Party,
        /// Channel.
        channel: Channel,
        /// When received.
        received_at: DateTime<FixedOffset>,
        /// The flowchart's start step, where the case now stands.
        start_step: String,
        /// Its name.
        start_step_name: String,
        /// 法定时限 of the pinned version.
        statutory_limit_days: u32,
        /// 承诺时限 of the pinned version.
        promised_limit_days: Option<u32>,
        /// Query code salt (hex).
        query_code_salt: String,
        /// Query code hash (hex).
        query_code_hash: String,
        /// Who opened it (subject id; `applicant` for an online application).
        opened_by: String,
        /// How to reach the applicant, when they applied online (personal data).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<Contact>,
    },
    /// 提交材料: files the applicant submitted (online, with the application or a 补正).
    MaterialsSubmitted {
        /// The files, each for one of the pinned version's materials.
        materials: Vec<SubmittedMaterial>,
        /// When received.
        at: DateTime<FixedOffset>,
    },
    /// 一次性告知补正: the applicant was told, in one notice, everything to supplement. The
    /// `StepCompleted` to the waiting step follows.
    SupplementRequested {
        /// Everything asked for.
        items: Vec<SupplementItem>,
        /// The step the notice was given at.
        from_step: String,
        /// The step where the case waits for the answer.
        waiting_step: String,
        /// When.
        at: DateTime<FixedOffset>,
        /// Who (subject id).
        by: String,
    },
    /// 补发查询码: a new query code replaced the old one.
    QueryCodeReissued {
        /// Salt of the new code's hash (hex).
        query_code_salt: String,
        /// SHA-256 of salt and the new code (hex).
        query_code_hash: String,
        /// Why.
        reason: String,
        /// When.
        at: DateTime<FixedOffset>,
        /// Who (subject id).
        by: String,
    },
    /// 已出具决定书: the written decision, by its hash (the file is kept by the same hash).
    ResultDocumentIssued {
        /// Its title.
        title: String,
        /// SHA-256 of the PDF, lower-case hex.
        sha256: String,
        /// Its size in bytes.
        size: u64,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 环节已办结: the case moved along one edge of its flowchart.
    StepCompleted {
        /// The step completed.
        from: String,
        /// Its name.
        from_name: String,
        /// The outcome chosen.
        outcome: String,
        /// The step reached.
        to: String,
        /// Its name.
        to_name: String,
        /// Whether the edge is an exception path.
        exception: bool,
        /// When the step was taken.
        at: DateTime<FixedOffset>,
        /// Who took it (subject id).
        by: String,
        /// Note.
        note: Option<String>,
    },
    /// 计时已暂停.
    ClockPaused {
        /// Why.
        reason: String,
        /// When.
        at: DateTime<FixedOffset>,
        /// Who (subject id).
        by: String,
        /// The pausing step that stopped it, if it was not a manual pause.
        step: Option<String>,
    },
    /// 计时已恢复.
    ClockResumed {
        /// Why.
        reason: String,
        /// When.
        at: DateTime<FixedOffset>,
        /// Who (subject id).
        by: String,
        /// The pausing step that was left, if any.
        step: Option<String>,
    },
    /// 已办结: the case reached an end step.
    CaseConcluded {
        /// The end step.
        end_step: String,
        /// The result label.
        result: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 已记录处罚决定: the penalty decided, with the discretion check as it stood. A later one
    /// replaces it.
    PenaltyDecisionRecorded {
        /// The band chosen.
        band: Option<String>,
        /// The base amount, in fen.
        base_amount_fen: Option<Fen>,
        /// The fine, in fen.
        amount_fen: Fen,
        /// Ids of the circumstances found.
        circumstances: Vec<String>,
        /// Ids of the 减轻 or 不予处罚 grounds relied on.
        grounds: Vec<String>,
        /// The reasons given.
        justification: String,
        /// The check against the pinned discretion standard.
        check: DiscretionCheck,
        /// When decided.
        at: DateTime<FixedOffset>,
        /// Who recorded it (subject id).
        by: String,
        /// The 减轻 approval given with it (absent in events recorded before approvals existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approval: Option<MitigationApproval>,
    },
    /// 处罚决定已公开.
    PenaltyDecisionPublished {
        /// 决定书文号.
        document_no: String,
        /// 主要违法事实.
        violation: String,
        /// 处罚内容.
        penalty: String,
        /// 作出决定的机关: the implementing department's name.
        authority: String,
        /// When the decision was made (the case's conclusion).
        decided_at: DateTime<FixedOffset>,
        /// When published.
        at: DateTime<FixedOffset>,
        /// Who published it (subject id).
        by: String,
    },
    /// 处罚决定已撤销 (and its publication withdrawn, 撤回公示).
    PenaltyDecisionRevoked {
        /// Why (public).
        reason: String,
        /// When.
        at: DateTime<FixedOffset>,
        /// Who (subject id).
        by: String,
    },
    /// 已收费: a fee charged to the party.
    FeeCharged {
        /// The fee item's name.
        item: String,
        /// The amount charged, in fen.
        amount_fen: Fen,
        /// What the pinned version publishes for this item, in fen; `None` when it does not
        /// list the item.
        standard_fen: Option<Fen>,
        /// When charged.
        at: DateTime<FixedOffset>,
        /// Who recorded it (subject id).
        by: String,
        /// Note.
        note: Option<String>,
    },
    /// 已依法延长期限: the statutory limit (and the promised one, if any) grew by `days`
    /// working days, with the approval recorded.
    LimitExtended {
        /// Working days added.
        days: u32,
        /// Who approved it (批准人).
        approved_by: String,
        /// Why.
        reason: String,
        /// When approved.
        at: DateTime<FixedOffset>,
        /// Who recorded it (subject id).
        by: String,
        /// The flowchart step whose completion approved it, if it came with a step.
        step: Option<String>,
    },
    /// 已撤回/终止.
    CaseWithdrawn {
        /// Why.
        reason: String,
        /// When.
        at: DateTime<FixedOffset>,
        /// Who (subject id).
        by: String,
    },
}

impl DomainEvent for CaseEvent {
    fn event_type(&self) -> String {
        match self {
            CaseEvent::CaseOpened { .. } => "CaseOpened",
            CaseEvent::MaterialsSubmitted { .. } => "MaterialsSubmitted",
            CaseEvent::SupplementRequested { .. } => "SupplementRequested",
            CaseEvent::QueryCodeReissued { .. } => "QueryCodeReissued",
            CaseEvent::StepCompleted { .. } => "StepCompleted",
            CaseEvent::ClockPaused { .. } => "ClockPaused",
            CaseEvent::ClockResumed { .. } => "ClockResumed",
            CaseEvent::CaseConcluded { .. } => "CaseConcluded",
            CaseEvent::ResultDocumentIssued { .. } => "ResultDocumentIssued",
            CaseEvent::CaseWithdrawn { .. } => "CaseWithdrawn",
            CaseEvent::LimitExtended { .. } => "LimitExtended",
            CaseEvent::PenaltyDecisionRecorded { .. } => "PenaltyDecisionRecorded",
            CaseEvent::FeeCharged { .. } => "FeeCharged",
            CaseEvent::PenaltyDecisionPublished { .. } => "PenaltyDecisionPublished",
            CaseEvent::PenaltyDecisionRevoked { .. } => "PenaltyDecisionRevoked",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

impl CaseEvent {
    /// When the event says it happened.
    pub fn at(&self) -> DateTime<FixedOffset> {
        match self {
            CaseEvent::CaseOpened { received_at, .. } => *received_at,
            CaseEvent::StepCompleted { at, .. }
            | CaseEvent::MaterialsSubmitted { at, .. }
            | CaseEvent::SupplementRequested { at, .. }
            | CaseEvent::QueryCodeReissued { at, .. }
            | CaseEvent::ClockPaused { at, .. }
            | CaseEvent::ClockResumed { at, .. }
            | CaseEvent::CaseConcluded { at, .. }
            | CaseEvent::ResultDocumentIssued { at, .. }
            | CaseEvent::CaseWithdrawn { at, .. }
            | CaseEvent::LimitExtended { at, .. }
            | CaseEvent::PenaltyDecisionRecorded { at, .. }
            | CaseEvent::FeeCharged { at, .. }
            | CaseEvent::PenaltyDecisionPublished { at, .. }
            | CaseEvent::PenaltyDecisionRevoked { at, .. } => *at,
        }
    }
}
