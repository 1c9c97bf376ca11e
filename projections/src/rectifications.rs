//! 好差评整改: one document per case whose public feedback opened a 整改 task (a bad rating or a
//! complaint), listed under the case's department — its inbox of call backs and
//! rectifications due — with what was done and the citizen's follow-up rating (追评).
use aggregates::feedback::{Feedback, FeedbackEvent, is_bad_rating};
use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{EventRecord, Fold, payload};

/// What the department did, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Act {
    /// The note (call back) or the reply to the citizen (rectification).
    pub text: String,
    /// Who (subject id).
    pub by: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A case's 整改 task as its department sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RectificationDoc {
    /// The case (tracking number).
    pub case_id: String,
    /// Its department.
    pub department: String,
    /// Its power.
    pub power_code: String,
    /// When the open task began (the bad rating or complaint); `None` when nothing waits.
    pub open_since: Option<DateTime<FixedOffset>>,
    /// The rating, if one was given (1 to 5).
    pub rating: Option<u8>,
    /// The rating's comment.
    pub rating_comment: Option<String>,
    /// Complaints received.
    pub complaints: u32,
    /// The open task's call back.
    pub call_back: Option<Act>,
    /// The last rectification (its text is what the citizen reads).
    pub rectification: Option<Act>,
    /// The citizen's follow-up rating (追评), 1 to 5.
    pub follow_up: Option<u8>,
    /// Whether a task was ever opened (good ratings alone open none).
    pub ever_opened: bool,
}

/// Folds feedback events into 整改 documents.
pub struct RectificationsProjection;

impl Fold for RectificationsProjection {
    type Doc = RectificationDoc;

    fn name(&self) -> &'static str {
        "rectifications"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Feedback::TYPE).then(|| event.aggregate_id.to_string())
    }

    fn stream_type(&self) -> Option<&'static str> {
        Some(Feedback::TYPE)
    }

    fn start(&self, first: &EventRecord) -> RectificationDoc {
        RectificationDoc {
            case_id: first.aggregate_id.to_string(),
            ..RectificationDoc::default()
        }
    }

    fn step(
        &self,
        doc: &mut RectificationDoc,
        event: &EventRecord,
    ) -> Result<(), crate::StepError> {
        match payload::<FeedbackEvent>(event)? {
            FeedbackEvent::ComplaintFiled {
                number,
                department,
                power_code,
                at,
                ..
            } => {
                doc.department = department;
                doc.power_code = power_code;
                doc.complaints = number;
                doc.open_since.get_or_insert(at);
                doc.ever_opened = true;
            }
            FeedbackEvent::ServiceRated {
                score,
                comment,
                department,
                power_code,
                at,
            } => {
                doc.department = department;
                doc.power_code = power_code;
                doc.rating = Some(score);
                doc.rating_comment = comment;
                if is_bad_rating(score) {
                    doc.open_since.get_or_insert(at);
                    doc.ever_opened = true;
                }
            }
            FeedbackEvent::CallBackRecorded { note, by, at } => {
                doc.call_back = Some(Act { text: note, by, at });
            }
            FeedbackEvent::RectificationRecorded { reply, by, at } => {
                doc.open_since = None;
                doc.call_back = None;
                doc.rectification = Some(Act {
                    text: reply,
                    by,
                    at,
                });
            }
            FeedbackEvent::FollowUpRated { score, .. } => doc.follow_up = Some(score),
        }
        Ok(())
    }

    fn part(&self, doc: &RectificationDoc) -> String {
        doc.department.clone()
    }
}
