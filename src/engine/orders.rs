//! 督办: an inspector orders the department responsible for a case to explain and correct by a
//! date (working days on the server's calendar); the department replies; the inspector accepts
//! or returns with a new date. The deadline sweep escalates a missing or late reply as a red
//! alert (`order_overdue`, [`crate::follow::alerts`]).
use aggregates::Actor;
use aggregates::case::{CaseId, china_date};
use aggregates::order::{OrderCommand, OrderError, OrderSubject};
use chrono::NaiveDate;
use cqrs_es::AggregateError;

use super::{CommandMeta, Engine, LoadError};

/// Why an order command was not run.
#[derive(Debug)]
pub enum OrderCommandError {
    /// No such case (or the alert named is not about it).
    UnknownCase,
    /// The due date cannot be counted (no calendar for the days it needs).
    NoCalendar,
    /// Refused by the order.
    Refused(AggregateError<OrderError>),
    /// The case could not be read.
    Load(LoadError),
}

impl From<AggregateError<OrderError>> for OrderCommandError {
    fn from(e: AggregateError<OrderError>) -> Self {
        OrderCommandError::Refused(e)
    }
}

/// Whether `id` has the shape of an order id (`D`, 8 digits, 8 symbols).
pub fn is_order_id(id: &str) -> bool {
    id.len() == 17 && id.starts_with('D') && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Engine {
    /// The day `days` working days after today (the first day not counted, 民法典 第二百零一条).
    fn order_due(&self, days: u32) -> Result<NaiveDate, OrderCommandError> {
        if !(1..=aggregates::order::MAX_ORDER_DAYS).contains(&days) {
            return Err(OrderCommandError::Refused(AggregateError::UserError(
                OrderError::InvalidLimit,
            )));
        }
        self.calendar()
            .add_working_days(china_date(self.now()), days, &[])
            .map(|c| c.due)
            .map_err(|_| OrderCommandError::NoCalendar)
    }

    /// 发出督办 on case `case_id` (and, if given, its alert `alert_id`) to the case's
    /// department; answers with the order's id.
    pub async fn issue_order(
        &self,
        actor: Actor,
        case_id: &str,
        alert_id: Option<String>,
        instructions: String,
        limit_days: u32,
        meta: CommandMeta,
    ) -> Result<String, OrderCommandError> {
        let id = CaseId::parse(case_id).ok_or(OrderCommandError::UnknownCase)?;
        if alert_id
            .as_deref()
            .is_some_and(|a| !a.starts_with(&format!("{id}:")) || a.len() > 200)
        {
            return Err(OrderCommandError::UnknownCase);
        }
        let (case, _) = self
            .load_case(&id)
            .await
            .map_err(OrderCommandError::Load)?
            .ok_or(OrderCommandError::UnknownCase)?;
        let due = self.order_due(limit_days)?;
        let order = super::query_code::order_id(china_date(self.now()));
        let command = OrderCommand::IssueOrder {
            actor,
            subject: OrderSubject {
                case_id: case.tracking_no.clone(),
                alert_id,
                power_code: case.power_code.clone(),
                power_name: case.power_name.clone(),
                department: case.department.clone(),
            },
            instructions,
            limit_days,
            due,
            at: self.now(),
        };
        self.execute_order(&order, command, meta).await?;
        Ok(order)
    }

    /// 督办回复 by `actor` of the department.
    pub async fn reply_to_order(
        &self,
        id: &str,
        actor: Actor,
        explanation: String,
        corrective_action: String,
        meta: CommandMeta,
    ) -> Result<(), OrderCommandError> {
        if !is_order_id(id) {
            return Err(AggregateError::UserError(OrderError::NotFound).into());
        }
        let command = OrderCommand::ReplyToOrder {
            actor,
            explanation,
            corrective_action,
            at: self.now(),
        };
        self.execute_order(id, command, meta).await?;
        Ok(())
    }

    /// 认可回复: the inspector closes the order.
    pub async fn accept_order_reply(
        &self,
        id: &str,
        actor: Actor,
        note: Option<String>,
        meta: CommandMeta,
    ) -> Result<(), OrderCommandError> {
        if !is_order_id(id) {
            return Err(AggregateError::UserError(OrderError::NotFound).into());
        }
        let command = OrderCommand::AcceptReply {
            actor,
            note,
            at: self.now(),
        };
        self.execute_order(id, command, meta).await?;
        Ok(())
    }

    /// 退回重办 with `reason` and `limit_days` more working days.
    pub async fn return_order_reply(
        &self,
        id: &str,
        actor: Actor,
        reason: String,
        limit_days: u32,
        meta: CommandMeta,
    ) -> Result<(), OrderCommandError> {
        if !is_order_id(id) {
            return Err(AggregateError::UserError(OrderError::NotFound).into());
        }
        let due = self.order_due(limit_days)?;
        let command = OrderCommand::ReturnReply {
            actor,
            reason,
            limit_days,
            due,
            at: self.now(),
        };
        self.execute_order(id, command, meta).await?;
        Ok(())
    }
}
