//! Rules over the public's feedback on a case (投诉, 好差评): every complaint raises an alert,
//! and so does a bad rating. The public's words stay in the case file (read by an inspector,
//! and that read recorded); the alert carries only the number and the time.
use aggregates::alert::{AlertRule, EventRef, Severity};
use aggregates::feedback::{Feedback, FeedbackEvent, is_bad_rating};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::{AlertCandidate, AlertDetails};

/// One stored feedback event with its sequence number in the case's feedback stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackEventRecord {
    /// The event.
    pub event: FeedbackEvent,
    /// Its sequence (from 1).
    pub sequence: i64,
}

/// **Complaint (群众投诉)** and **bad rating (差评)**: each complaint raises a yellow alert
/// (threshold `complaint-{n}`: one per complaint); a rating of 1 or 2 (不满意, 非常不满意)
/// raises one (threshold `rating`: a case is rated once). Why: improper demands reported by the
/// public are an e-supervision rule (FACTS.md), and bad ratings get a call back within one
/// working day — the inspector's queue is where that starts.
pub fn feedback_alerts(case_id: &str, records: &[FeedbackEventRecord]) -> Vec<AlertCandidate> {
    let evidence = |sequence| {
        vec![EventRef {
            aggregate_type: Feedback::TYPE.into(),
            aggregate_id: case_id.to_string(),
            sequence,
        }]
    };
    records
        .iter()
        .filter_map(|record| match &record.event {
            FeedbackEvent::ComplaintFiled {
                number,
                department,
                power_code,
                at,
                ..
            } => Some(AlertCandidate {
                case_id: case_id.to_string(),
                department: department.clone(),
                power_code: power_code.clone(),
                rule: AlertRule::PublicComplaint,
                severity: Severity::Yellow,
                threshold: format!("complaint-{number}"),
                details: AlertDetails::Complaint {
                    number: *number,
                    at: *at,
                },
                evidence: evidence(record.sequence),
            }),
            FeedbackEvent::ServiceRated {
                score,
                department,
                power_code,
                at,
                ..
            } if is_bad_rating(*score) => Some(AlertCandidate {
                case_id: case_id.to_string(),
                department: department.clone(),
                power_code: power_code.clone(),
                rule: AlertRule::BadRating,
                severity: Severity::Yellow,
                threshold: "rating".into(),
                details: AlertDetails::Rating {
                    score: *score,
                    at: *at,
                },
                evidence: evidence(record.sequence),
            }),
            // The department's acts and the follow-up rating raise nothing by themselves; a
            // task past its limits is the deadline sweep's (`call_back_overdue`,
            // `rectification_overdue`).
            FeedbackEvent::ServiceRated { .. }
            | FeedbackEvent::CallBackRecorded { .. }
            | FeedbackEvent::RectificationRecorded { .. }
            | FeedbackEvent::FollowUpRated { .. } => None,
        })
        .collect()
}
