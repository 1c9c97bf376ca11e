//! 督办: one document per supervision order, listed under the department ordered — the
//! department's inbox and the inspectors' list of orders — with every round of it (the order,
//! each reply, each return, the acceptance) in order.
use aggregates::order::{OrderEvent, OrderStatus, OrderSubject, SupervisionOrder};
use chrono::{DateTime, FixedOffset, NaiveDate};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{EventRecord, Fold, payload};

/// One entry of an order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderEntry {
    /// The order (or a return): what to do by when.
    Issued {
        /// What the department is to do.
        instructions: String,
        /// Working days given.
        limit_days: u32,
        /// The last day.
        due: NaiveDate,
        /// The inspector (subject id).
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// A reply.
    Replied {
        /// What happened and why.
        explanation: String,
        /// 整改措施.
        corrective_action: String,
        /// After its due date.
        late: bool,
        /// Who (subject id).
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// The reply returned.
    Returned {
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
    /// The reply accepted: closed.
    Accepted {
        /// A note.
        note: Option<String>,
        /// The inspector.
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

/// A supervision order as the department and the inspectors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderDoc {
    /// Its id.
    pub id: String,
    /// What it is about.
    #[schema(value_type = Object)]
    pub subject: OrderSubject,
    /// Where it stands.
    #[schema(value_type = String)]
    pub status: OrderStatus,
    /// The current last day to reply.
    pub due: Option<NaiveDate>,
    /// Which round (1 = the order; each return adds one).
    pub round: u32,
    /// When issued.
    pub issued_at: Option<DateTime<FixedOffset>>,
    /// Whether any reply came after its due date.
    pub replied_late: bool,
    /// Every entry, oldest first.
    pub history: Vec<OrderEntry>,
}

/// Folds supervision order events into their documents.
pub struct OrdersProjection;

impl Fold for OrdersProjection {
    type Doc = OrderDoc;

    fn name(&self) -> &'static str {
        "orders"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == SupervisionOrder::TYPE).then(|| event.aggregate_id.to_string())
    }

    fn stream_type(&self) -> Option<&'static str> {
        Some(SupervisionOrder::TYPE)
    }

    fn start(&self, first: &EventRecord) -> OrderDoc {
        OrderDoc {
            id: first.aggregate_id.to_string(),
            subject: OrderSubject {
                case_id: String::new(),
                alert_id: None,
                power_code: String::new(),
                power_name: String::new(),
                department: String::new(),
            },
            status: OrderStatus::New,
            due: None,
            round: 0,
            issued_at: None,
            replied_late: false,
            history: Vec::new(),
        }
    }

    fn step(&self, doc: &mut OrderDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        match payload::<OrderEvent>(event)? {
            OrderEvent::OrderIssued {
                subject,
                instructions,
                limit_days,
                due,
                by,
                at,
            } => {
                doc.subject = subject;
                doc.status = OrderStatus::AwaitingReply;
                doc.due = Some(due);
                doc.round = 1;
                doc.issued_at = Some(at);
                doc.history.push(OrderEntry::Issued {
                    instructions,
                    limit_days,
                    due,
                    by,
                    at,
                });
            }
            OrderEvent::OrderReplied {
                explanation,
                corrective_action,
                late,
                by,
                at,
            } => {
                doc.status = OrderStatus::Replied;
                doc.replied_late |= late;
                doc.history.push(OrderEntry::Replied {
                    explanation,
                    corrective_action,
                    late,
                    by,
                    at,
                });
            }
            OrderEvent::ReplyReturned {
                reason,
                limit_days,
                due,
                by,
                at,
            } => {
                doc.status = OrderStatus::AwaitingReply;
                doc.due = Some(due);
                doc.round += 1;
                doc.history.push(OrderEntry::Returned {
                    reason,
                    limit_days,
                    due,
                    by,
                    at,
                });
            }
            OrderEvent::ReplyAccepted { note, by, at } => {
                doc.status = OrderStatus::Closed;
                doc.history.push(OrderEntry::Accepted { note, by, at });
            }
        }
        Ok(())
    }

    fn part(&self, doc: &OrderDoc) -> String {
        doc.subject.department.clone()
    }
}

impl OrderDoc {
    /// The current round's reply, if it came after the round's due date, or none came and the
    /// due date is before `today`: the order is overdue (督办逾期).
    pub fn overdue_on(&self, today: NaiveDate) -> bool {
        let Some(due) = self.due else { return false };
        match self.status {
            OrderStatus::AwaitingReply => today > due,
            OrderStatus::Replied | OrderStatus::Closed => self
                .history
                .iter()
                .rev()
                .find_map(|e| match e {
                    OrderEntry::Replied { late, .. } => Some(*late),
                    _ => None,
                })
                .unwrap_or(false),
            OrderStatus::New => false,
        }
    }
}
