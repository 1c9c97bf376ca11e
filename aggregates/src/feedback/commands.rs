use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::Actor;
use crate::case::CaseStatus;

/// What the server knows of the case a feedback is about, read from the case aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// The case's status (`New` when there is no such case).
    pub status: CaseStatus,
    /// Its department.
    pub department: String,
    /// Its power code.
    pub power_code: String,
}

/// Commands from the public on a case. Both are anonymous: the query code proves that the sender
/// holds the case's receipt; no name or contact is taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeedbackCommand {
    /// 投诉: a complaint about the handling of the case, 1 to 2000 characters.
    FileComplaint {
        /// The case.
        case: CaseFacts,
        /// The complaint.
        text: String,
        /// When received (the server's clock).
        at: DateTime<FixedOffset>,
    },
    /// 评价: rate the service of a concluded case, once: 1 (非常不满意) to 5 (非常满意).
    RateService {
        /// The case.
        case: CaseFacts,
        /// The score.
        score: u8,
        /// An optional comment, at most 500 characters.
        comment: Option<String>,
        /// When received (the server's clock).
        at: DateTime<FixedOffset>,
    },
    /// 回访: an officer or administrator of the case's department records the call back to the
    /// citizen after a bad rating or a complaint (a note, kept internal).
    RecordCallBack {
        /// Who.
        actor: Actor,
        /// What was said.
        note: String,
        /// When (the server's clock).
        at: DateTime<FixedOffset>,
    },
    /// 整改: the department records what it found and corrected; the reply is shown to the
    /// citizen on their tracking page, who may then give one follow-up rating.
    RecordRectification {
        /// Who.
        actor: Actor,
        /// The reply to the citizen.
        reply: String,
        /// When (the server's clock).
        at: DateTime<FixedOffset>,
    },
    /// 追评: the citizen's follow-up rating after the rectification, once.
    RateFollowUp {
        /// 1 to 5.
        score: u8,
        /// An optional comment, at most 500 characters.
        comment: Option<String>,
        /// When received (the server's clock).
        at: DateTime<FixedOffset>,
    },
}
