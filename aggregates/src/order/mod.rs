//! 督办 (supervision orders): an inspector orders the department responsible for a case to
//! explain and correct something by a date; the department replies; the inspector accepts
//! the reply or returns it with a new date. 监督检查 → 限期整改, as events.
//!
//! One stream per order, its id drawn by the server (`D` + date + 8 symbols). The server fills
//! the case's facts and the due date (working days on its calendar) and `at` from its clock:
//! this aggregate reads neither. A reply after its due date is recorded as late (the
//! deadline sweep escalates late and missing replies as a red alert); nothing is deleted, a
//! returned reply stays in the stream.
use chrono::{DateTime, FixedOffset, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::case::china_date;
use crate::text::Bounded;
use crate::{Actor, Role};

/// Longest instruction, explanation, corrective action or reason, in characters.
pub const MAX_ORDER_TEXT_CHARS: usize = 2000;
/// Most working days an order may give.
pub const MAX_ORDER_DAYS: u32 = 60;

/// What an order is about: a case (and, where it came from one, an alert on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSubject {
    /// The case (tracking number).
    pub case_id: String,
    /// The alert it answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<String>,
    /// The case's power code.
    pub power_code: String,
    /// Its name.
    pub power_name: String,
    /// The department responsible (the case's).
    pub department: String,
}

/// Commands on a supervision order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderCommand {
    /// 发出督办: an inspector orders the department to act by `due`.
    IssueOrder {
        /// The inspector.
        actor: Actor,
        /// What it is about.
        subject: OrderSubject,
        /// What the department is to do.
        instructions: String,
        /// Working days given (1 to 60).
        limit_days: u32,
        /// The last day, `limit_days` working days after today (the server's calendar).
        due: NaiveDate,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 督办回复: an officer or administrator of the department replies.
    ReplyToOrder {
        /// Who.
        actor: Actor,
        /// What happened and why.
        explanation: String,
        /// What was done to correct it (整改措施).
        corrective_action: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 认可回复: the inspector accepts the reply; the order is closed.
    AcceptReply {
        /// The inspector.
        actor: Actor,
        /// A note, if any.
        note: Option<String>,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 退回重办: the inspector returns the reply with the reason and a new due date.
    ReturnReply {
        /// The inspector.
        actor: Actor,
        /// Why it is not enough.
        reason: String,
        /// Working days given again.
        limit_days: u32,
        /// The new last day.
        due: NaiveDate,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

/// What happened to a supervision order. Names and versions are a stored schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderEvent {
    /// 已发出督办.
    OrderIssued {
        /// What it is about.
        subject: OrderSubject,
        /// What the department is to do.
        instructions: String,
        /// Working days given.
        limit_days: u32,
        /// The last day to reply.
        due: NaiveDate,
        /// The inspector (subject id).
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 部门已回复.
    OrderReplied {
        /// What happened and why.
        explanation: String,
        /// What was done (整改措施).
        corrective_action: String,
        /// Whether it came after the due date (in China).
        late: bool,
        /// Who (subject id).
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 回复已认可: closed.
    ReplyAccepted {
        /// A note.
        note: Option<String>,
        /// The inspector.
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 回复已退回: to be answered again by the new date.
    ReplyReturned {
        /// Why.
        reason: String,
        /// Working days given again.
        limit_days: u32,
        /// The new last day.
        due: NaiveDate,
        /// The inspector.
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

impl DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        match self {
            OrderEvent::OrderIssued { .. } => "OrderIssued",
            OrderEvent::OrderReplied { .. } => "OrderReplied",
            OrderEvent::ReplyAccepted { .. } => "ReplyAccepted",
            OrderEvent::ReplyReturned { .. } => "ReplyReturned",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Not issued.
    #[default]
    New,
    /// 待回复: issued (or returned), waiting for the department.
    AwaitingReply,
    /// 待审核: replied, waiting for the inspector.
    Replied,
    /// 已办结: the reply accepted.
    Closed,
}

impl OrderStatus {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::AwaitingReply => "awaiting_reply",
            OrderStatus::Replied => "replied",
            OrderStatus::Closed => "closed",
        }
    }
}

/// Why a command on an order was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A text is empty, too long or holds control characters.
    #[error("{field}: 1 to 2000 characters without control characters")]
    InvalidText {
        /// The field.
        field: String,
    },
    /// The working days are outside 1-60.
    #[error("the working days given must be 1 to 60")]
    InvalidLimit,
    /// Only inspectors issue, accept and return.
    #[error("only discipline inspectors issue, accept and return supervision orders")]
    NotInspector,
    /// Only officers and administrators of the department reply.
    #[error("only officers and administrators of the department reply")]
    NotDepartmentStaff,
    /// No such order (or another department's).
    #[error("no such supervision order")]
    NotFound,
    /// The id is taken.
    #[error("a supervision order with this id exists")]
    AlreadyIssued,
    /// The order is not waiting for a reply.
    #[error("the order is not waiting for a reply")]
    NotAwaitingReply,
    /// The order has no reply to judge.
    #[error("the order has no reply waiting to be judged")]
    NoReplyToJudge,
}

impl crate::refusal::Refusal for OrderError {
    fn code(&self) -> &'static str {
        match self {
            OrderError::InvalidText { .. } => "invalid_text",
            OrderError::InvalidLimit => "invalid_limit_days",
            OrderError::NotInspector | OrderError::NotDepartmentStaff => "forbidden",
            OrderError::NotFound => "not_found",
            OrderError::AlreadyIssued => "already_issued",
            OrderError::NotAwaitingReply => "not_awaiting_reply",
            OrderError::NoReplyToJudge => "no_reply_to_judge",
        }
    }

    fn kind(&self) -> crate::refusal::RefusalKind {
        use crate::refusal::RefusalKind as K;
        match self {
            OrderError::NotFound => K::NotFound,
            OrderError::NotInspector | OrderError::NotDepartmentStaff => K::Forbidden,
            OrderError::AlreadyIssued
            | OrderError::NotAwaitingReply
            | OrderError::NoReplyToJudge => K::Conflict,
            _ => K::Rule,
        }
    }

    fn zh(&self) -> String {
        match self {
            OrderError::InvalidText { field } => format!(
                "{}为 1 至 2000 个字，不能含控制字符。",
                match field.as_str() {
                    "instructions" => "督办要求",
                    "explanation" => "情况说明",
                    "corrective_action" => "整改措施",
                    _ => "理由",
                }
            ),
            OrderError::InvalidLimit => "办理期限为 1 至 60 个工作日。".into(),
            OrderError::NotInspector => "只有纪检监察人员可以发出、认可或退回督办。".into(),
            OrderError::NotDepartmentStaff => "只有被督办部门的工作人员可以回复。".into(),
            OrderError::NotFound => "没有这份督办单。".into(),
            OrderError::AlreadyIssued => "督办单编号冲突，请重新提交。".into(),
            OrderError::NotAwaitingReply => "这份督办单不在待回复状态。".into(),
            OrderError::NoReplyToJudge => "这份督办单没有待审核的回复。".into(),
        }
    }

    fn en(&self) -> String {
        match self {
            OrderError::InvalidText { field } => {
                format!("{field}: 1 to 2000 characters, without control characters.")
            }
            OrderError::InvalidLimit => "The working days given must be 1 to 60.".into(),
            OrderError::NotInspector => {
                "Only discipline inspectors issue, accept and return supervision orders.".into()
            }
            OrderError::NotDepartmentStaff => "Only staff of the department ordered reply.".into(),
            OrderError::NotFound => "No such supervision order.".into(),
            OrderError::AlreadyIssued => "The order's id was taken; send it again.".into(),
            OrderError::NotAwaitingReply => "The order is not waiting for a reply.".into(),
            OrderError::NoReplyToJudge => "The order has no reply waiting to be judged.".into(),
        }
    }
}

/// An order as its events leave it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupervisionOrder {
    /// The department ordered; empty before it is issued.
    pub department: String,
    /// Where it stands.
    pub status: OrderStatus,
    /// The current last day to reply.
    pub due: Option<NaiveDate>,
}

fn text(field: &str, value: &str) -> Result<String, OrderError> {
    Bounded::lines(MAX_ORDER_TEXT_CHARS)
        .required(value)
        .map(str::to_string)
        .map_err(|_| OrderError::InvalidText {
            field: field.into(),
        })
}

fn inspector(actor: &Actor) -> Result<(), OrderError> {
    (actor.role == Role::Inspector)
        .then_some(())
        .ok_or(OrderError::NotInspector)
}

fn limit(days: u32) -> Result<(), OrderError> {
    (1..=MAX_ORDER_DAYS)
        .contains(&days)
        .then_some(())
        .ok_or(OrderError::InvalidLimit)
}

impl Aggregate for SupervisionOrder {
    const TYPE: &'static str = "SupervisionOrder";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let issued = self.status != OrderStatus::New;
        let event = match command {
            OrderCommand::IssueOrder {
                actor,
                subject,
                instructions,
                limit_days,
                due,
                at,
            } => {
                inspector(&actor)?;
                if issued {
                    return Err(OrderError::AlreadyIssued);
                }
                limit(limit_days)?;
                OrderEvent::OrderIssued {
                    subject,
                    instructions: text("instructions", &instructions)?,
                    limit_days,
                    due,
                    by: actor.id,
                    at,
                }
            }
            OrderCommand::ReplyToOrder {
                actor,
                explanation,
                corrective_action,
                at,
            } => {
                if !issued {
                    return Err(OrderError::NotFound);
                }
                if !matches!(actor.role, Role::Officer | Role::Admin) {
                    return Err(OrderError::NotDepartmentStaff);
                }
                if actor.department.as_deref() != Some(self.department.as_str()) {
                    return Err(OrderError::NotFound);
                }
                if self.status != OrderStatus::AwaitingReply {
                    return Err(OrderError::NotAwaitingReply);
                }
                OrderEvent::OrderReplied {
                    explanation: text("explanation", &explanation)?,
                    corrective_action: text("corrective_action", &corrective_action)?,
                    late: self.due.is_some_and(|due| china_date(at) > due),
                    by: actor.id,
                    at,
                }
            }
            OrderCommand::AcceptReply { actor, note, at } => {
                inspector(&actor)?;
                if !issued {
                    return Err(OrderError::NotFound);
                }
                if self.status != OrderStatus::Replied {
                    return Err(OrderError::NoReplyToJudge);
                }
                let note = match note.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(n) => Some(text("note", n)?),
                };
                OrderEvent::ReplyAccepted {
                    note,
                    by: actor.id,
                    at,
                }
            }
            OrderCommand::ReturnReply {
                actor,
                reason,
                limit_days,
                due,
                at,
            } => {
                inspector(&actor)?;
                if !issued {
                    return Err(OrderError::NotFound);
                }
                if self.status != OrderStatus::Replied {
                    return Err(OrderError::NoReplyToJudge);
                }
                limit(limit_days)?;
                OrderEvent::ReplyReturned {
                    reason: text("reason", &reason)?,
                    limit_days,
                    due,
                    by: actor.id,
                    at,
                }
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            OrderEvent::OrderIssued { subject, due, .. } => {
                self.department = subject.department;
                self.status = OrderStatus::AwaitingReply;
                self.due = Some(due);
            }
            OrderEvent::OrderReplied { .. } => self.status = OrderStatus::Replied,
            OrderEvent::ReplyAccepted { .. } => self.status = OrderStatus::Closed,
            OrderEvent::ReplyReturned { due, .. } => {
                self.status = OrderStatus::AwaitingReply;
                self.due = Some(due);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;

    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("{s}T10:00:00+08:00")).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn person(id: &str, role: Role, department: Option<&str>) -> Actor {
        Actor {
            id: id.into(),
            role,
            department: department.map(String::from),
        }
    }

    fn inspector() -> Actor {
        person("chen", Role::Inspector, None)
    }

    fn officer() -> Actor {
        person("wang", Role::Officer, Some("pudong-amr"))
    }

    fn subject() -> OrderSubject {
        OrderSubject {
            case_id: "YG20261102ABCDEFGH".into(),
            alert_id: Some("YG20261102ABCDEFGH:red_card:statutory".into()),
            power_code: "PD-SCJG-XK-001".into(),
            power_name: "食品经营许可".into(),
            department: "pudong-amr".into(),
        }
    }

    fn issued() -> OrderEvent {
        OrderEvent::OrderIssued {
            subject: subject(),
            instructions: "说明超期原因并整改".into(),
            limit_days: 5,
            due: d("2026-11-09"),
            by: "chen".into(),
            at: at("2026-11-02"),
        }
    }

    fn reply(day: &str) -> OrderCommand {
        OrderCommand::ReplyToOrder {
            actor: officer(),
            explanation: "承办人休假，未及时审查".into(),
            corrective_action: "已办结，建立 AB 岗".into(),
            at: at(day),
        }
    }

    fn replied(late: bool, day: &str) -> OrderEvent {
        OrderEvent::OrderReplied {
            explanation: "承办人休假，未及时审查".into(),
            corrective_action: "已办结，建立 AB 岗".into(),
            late,
            by: "wang".into(),
            at: at(day),
        }
    }

    #[test]
    fn an_inspector_issues_and_the_department_replies_on_time_or_late() {
        TestFramework::<SupervisionOrder>::with(())
            .given_no_previous_events()
            .when(OrderCommand::IssueOrder {
                actor: inspector(),
                subject: subject(),
                instructions: " 说明超期原因并整改 ".into(),
                limit_days: 5,
                due: d("2026-11-09"),
                at: at("2026-11-02"),
            })
            .then_expect_events(vec![issued()]);
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued()])
            .when(reply("2026-11-09"))
            .then_expect_events(vec![replied(false, "2026-11-09")]);
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued()])
            .when(reply("2026-11-10"))
            .then_expect_events(vec![replied(true, "2026-11-10")]);
    }

    #[test]
    fn a_returned_reply_is_answered_again_and_then_accepted() {
        let returned = OrderEvent::ReplyReturned {
            reason: "整改措施不具体".into(),
            limit_days: 3,
            due: d("2026-11-16"),
            by: "chen".into(),
            at: at("2026-11-11"),
        };
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued(), replied(true, "2026-11-10")])
            .when(OrderCommand::ReturnReply {
                actor: inspector(),
                reason: "整改措施不具体".into(),
                limit_days: 3,
                due: d("2026-11-16"),
                at: at("2026-11-11"),
            })
            .then_expect_events(vec![returned.clone()]);
        // The new date counts: a reply on the 16th is on time.
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![
                issued(),
                replied(true, "2026-11-10"),
                returned.clone(),
            ])
            .when(reply("2026-11-16"))
            .then_expect_events(vec![replied(false, "2026-11-16")]);
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![
                issued(),
                replied(true, "2026-11-10"),
                returned,
                replied(false, "2026-11-16"),
            ])
            .when(OrderCommand::AcceptReply {
                actor: inspector(),
                note: Some(" ".into()),
                at: at("2026-11-17"),
            })
            .then_expect_events(vec![OrderEvent::ReplyAccepted {
                note: None,
                by: "chen".into(),
                at: at("2026-11-17"),
            }]);
    }

    #[test]
    fn refusals_name_the_rule_broken() {
        let issue = |actor: Actor, days: u32, text: &str| OrderCommand::IssueOrder {
            actor,
            subject: subject(),
            instructions: text.into(),
            limit_days: days,
            due: d("2026-11-09"),
            at: at("2026-11-02"),
        };
        TestFramework::<SupervisionOrder>::with(())
            .given_no_previous_events()
            .when(issue(officer(), 5, "x"))
            .then_expect_error(OrderError::NotInspector);
        TestFramework::<SupervisionOrder>::with(())
            .given_no_previous_events()
            .when(issue(inspector(), 0, "x"))
            .then_expect_error(OrderError::InvalidLimit);
        TestFramework::<SupervisionOrder>::with(())
            .given_no_previous_events()
            .when(issue(inspector(), 61, "x"))
            .then_expect_error(OrderError::InvalidLimit);
        TestFramework::<SupervisionOrder>::with(())
            .given_no_previous_events()
            .when(issue(inspector(), 5, "  "))
            .then_expect_error(OrderError::InvalidText {
                field: "instructions".into(),
            });
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued()])
            .when(issue(inspector(), 5, "again"))
            .then_expect_error(OrderError::AlreadyIssued);
        // Another department's officer does not see it; an inspector does not reply.
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued()])
            .when(OrderCommand::ReplyToOrder {
                actor: person("li", Role::Officer, Some("pudong-tax")),
                explanation: "x".into(),
                corrective_action: "y".into(),
                at: at("2026-11-03"),
            })
            .then_expect_error(OrderError::NotFound);
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued()])
            .when(OrderCommand::ReplyToOrder {
                actor: inspector(),
                explanation: "x".into(),
                corrective_action: "y".into(),
                at: at("2026-11-03"),
            })
            .then_expect_error(OrderError::NotDepartmentStaff);
        // Nothing to judge before a reply; no second reply while one waits.
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued()])
            .when(OrderCommand::AcceptReply {
                actor: inspector(),
                note: None,
                at: at("2026-11-03"),
            })
            .then_expect_error(OrderError::NoReplyToJudge);
        TestFramework::<SupervisionOrder>::with(())
            .given(vec![issued(), replied(false, "2026-11-03")])
            .when(reply("2026-11-04"))
            .then_expect_error(OrderError::NotAwaitingReply);
        TestFramework::<SupervisionOrder>::with(())
            .given_no_previous_events()
            .when(reply("2026-11-04"))
            .then_expect_error(OrderError::NotFound);
    }
}
