use crate::text::Bounded;
use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use super::{FeedbackCommand, FeedbackError, FeedbackEvent};
use crate::case::CaseStatus;

/// Most complaints one case takes through this channel; beyond it the case is evidently under
/// attention and further ones go to the supervision office directly.
pub const MAX_COMPLAINTS: u32 = 20;

/// 差评: 不满意 (2) and 非常不满意 (1) are bad ratings (five-level 好差评 scale).
pub fn is_bad_rating(score: u8) -> bool {
    score <= 2
}

/// The rating given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// 1 to 5.
    pub score: u8,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// The public feedback on one case, and the department's 整改 task it opens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// Complaints received.
    pub complaints: u32,
    /// The rating, once given.
    pub rating: Option<Rating>,
    /// The case's department (from the first feedback).
    pub department: String,
    /// When the open 整改 task began (a bad rating or a complaint since the last
    /// rectification); `None` when nothing waits.
    pub task_since: Option<DateTime<FixedOffset>>,
    /// Whether the open task's call back is recorded.
    pub called_back: bool,
    /// When the department last recorded a rectification.
    pub rectified_at: Option<DateTime<FixedOffset>>,
    /// Whether the citizen gave the follow-up rating (追评).
    pub followed_up: bool,
}

impl Feedback {
    fn staff(&self, actor: &crate::Actor) -> Result<(), FeedbackError> {
        if !matches!(actor.role, crate::Role::Officer | crate::Role::Admin) {
            return Err(FeedbackError::NotDepartmentStaff);
        }
        // Another department's case is no case at all to them (nothing to probe).
        if self.department.is_empty() || actor.department.as_deref() != Some(&self.department) {
            return Err(FeedbackError::NoSuchCase);
        }
        if self.task_since.is_none() {
            return Err(FeedbackError::NothingToRectify);
        }
        Ok(())
    }
}

fn check_text(field: &str, text: &str, max: usize) -> Result<String, FeedbackError> {
    Bounded::lines(max)
        .required(text)
        .map(str::to_string)
        .map_err(|problem| FeedbackError::InvalidText {
            field: field.into(),
            message: problem.message(),
        })
}

impl Aggregate for Feedback {
    const TYPE: &'static str = "Feedback";
    type Command = FeedbackCommand;
    type Event = FeedbackEvent;
    type Error = FeedbackError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            FeedbackCommand::FileComplaint { case, text, at } => {
                if case.status == CaseStatus::New {
                    return Err(FeedbackError::NoSuchCase);
                }
                let text = check_text("text", &text, 2000)?;
                if self.complaints >= MAX_COMPLAINTS {
                    return Err(FeedbackError::TooManyComplaints {
                        max: MAX_COMPLAINTS,
                    });
                }
                sink.write(
                    FeedbackEvent::ComplaintFiled {
                        number: self.complaints + 1,
                        text,
                        department: case.department,
                        power_code: case.power_code,
                        at,
                    },
                    self,
                )
                .await;
            }
            FeedbackCommand::RateService {
                case,
                score,
                comment,
                at,
            } => {
                if case.status == CaseStatus::New {
                    return Err(FeedbackError::NoSuchCase);
                }
                if !(1..=5).contains(&score) {
                    return Err(FeedbackError::InvalidScore);
                }
                let comment = match comment {
                    Some(c) if !c.trim().is_empty() => Some(check_text("comment", &c, 500)?),
                    _ => None,
                };
                if case.status != CaseStatus::Concluded {
                    return Err(FeedbackError::NotConcluded);
                }
                if self.rating.is_some() {
                    return Err(FeedbackError::AlreadyRated);
                }
                sink.write(
                    FeedbackEvent::ServiceRated {
                        score,
                        comment,
                        department: case.department,
                        power_code: case.power_code,
                        at,
                    },
                    self,
                )
                .await;
            }
            FeedbackCommand::RecordCallBack { actor, note, at } => {
                self.staff(&actor)?;
                if self.called_back {
                    return Err(FeedbackError::AlreadyCalledBack);
                }
                let note = check_text("note", &note, 2000)?;
                sink.write(
                    FeedbackEvent::CallBackRecorded {
                        note,
                        by: actor.id,
                        at,
                    },
                    self,
                )
                .await;
            }
            FeedbackCommand::RecordRectification { actor, reply, at } => {
                self.staff(&actor)?;
                let reply = check_text("reply", &reply, 2000)?;
                sink.write(
                    FeedbackEvent::RectificationRecorded {
                        reply,
                        by: actor.id,
                        at,
                    },
                    self,
                )
                .await;
            }
            FeedbackCommand::RateFollowUp { score, comment, at } => {
                // The server checked the case and its query code: a stream without feedback
                // simply has no rectification to rate.
                if !(1..=5).contains(&score) {
                    return Err(FeedbackError::InvalidScore);
                }
                let comment = match comment {
                    Some(c) if !c.trim().is_empty() => Some(check_text("comment", &c, 500)?),
                    _ => None,
                };
                if self.rectified_at.is_none() {
                    return Err(FeedbackError::NoRectificationYet);
                }
                if self.followed_up {
                    return Err(FeedbackError::AlreadyFollowedUp);
                }
                sink.write(FeedbackEvent::FollowUpRated { score, comment, at }, self)
                    .await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            FeedbackEvent::ComplaintFiled {
                number,
                department,
                at,
                ..
            } => {
                self.complaints = number;
                self.department = department;
                self.task_since.get_or_insert(at);
            }
            FeedbackEvent::ServiceRated {
                score,
                at,
                department,
                ..
            } => {
                self.rating = Some(Rating { score, at });
                self.department = department;
                if is_bad_rating(score) {
                    self.task_since.get_or_insert(at);
                }
            }
            FeedbackEvent::CallBackRecorded { .. } => self.called_back = true,
            FeedbackEvent::RectificationRecorded { at, .. } => {
                self.task_since = None;
                self.called_back = false;
                self.rectified_at = Some(at);
            }
            FeedbackEvent::FollowUpRated { .. } => self.followed_up = true,
        }
    }
}
