use chrono::{DateTime, FixedOffset};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

/// Events of a case's public feedback. Variant names and versions are a stored schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeedbackEvent {
    /// 已收到投诉. The text may hold personal data of the sender: never on public views.
    ComplaintFiled {
        /// The complaint's number within the case (from 1).
        number: u32,
        /// The text.
        text: String,
        /// The case's department.
        department: String,
        /// The case's power code.
        power_code: String,
        /// When received.
        at: DateTime<FixedOffset>,
    },
    /// 已评价.
    ServiceRated {
        /// 1 to 5.
        score: u8,
        /// The comment.
        comment: Option<String>,
        /// The case's department.
        department: String,
        /// The case's power code.
        power_code: String,
        /// When received.
        at: DateTime<FixedOffset>,
    },
    /// 已回访: the department called the citizen back after a bad rating or a complaint.
    CallBackRecorded {
        /// What was said (internal; never on public views).
        note: String,
        /// Who (subject id).
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 已整改: the department's rectification, told to the citizen on their tracking page.
    RectificationRecorded {
        /// The reply to the citizen: what was found and corrected.
        reply: String,
        /// Who (subject id).
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 追评: the citizen's one follow-up rating after the rectification.
    FollowUpRated {
        /// 1 to 5.
        score: u8,
        /// The comment.
        comment: Option<String>,
        /// When received.
        at: DateTime<FixedOffset>,
    },
}

impl DomainEvent for FeedbackEvent {
    fn event_type(&self) -> String {
        match self {
            FeedbackEvent::ComplaintFiled { .. } => "ComplaintFiled",
            FeedbackEvent::ServiceRated { .. } => "ServiceRated",
            FeedbackEvent::CallBackRecorded { .. } => "CallBackRecorded",
            FeedbackEvent::RectificationRecorded { .. } => "RectificationRecorded",
            FeedbackEvent::FollowUpRated { .. } => "FollowUpRated",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}
