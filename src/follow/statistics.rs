//! 考核评价公开: keeps the public statistics as running counts per department, power and month.
//!
//! One task per deployment (a lease on PostgreSQL) follows the global order after its
//! checkpoint and adds what each batch of events counts, with the checkpoint, in one
//! transaction (`store::statistics`), moving the checkpoint on only from where the batch
//! started: every event counts exactly once, a crash resumes at the right place, and a process
//! that lost its lease (whose batch another process counts) writes nothing. What counts, and under which month (China time):
//!
//! - `CaseOpened`: a case received, in the month it was received (`received_at`);
//! - `CaseConcluded`: a case concluded, in the month it concluded, with the working days it used
//!   (pauses excluded, counted on the calendar) and whether they stayed within its statutory
//!   limit and any lawful extension; and its end step, by the party's kind;
//! - `CaseWithdrawn`: a case withdrawn, in its month;
//! - `FeeCharged`: the fee, in fen, in the month charged;
//! - cases received, concluded (by end step) and withdrawn are counted by the party's kind too;
//! - `ServiceRated`: a rating (好差评) by score; `ComplaintFiled`: a complaint;
//! - `OrderIssued`: a 督办 issued; `OrderReplied`: a reply, by its due date or after it.
//!
//! Conclusions, withdrawals and fees read their case's events up to that event (for the department,
//! the power and the clock); replies read their order's first event (for its department and
//! power). Changing what is counted bumps [`VERSION`]: the counts are then dropped and the log
//! counted again from its start.
use std::sync::Arc;
use std::time::Duration;

use aggregates::case::{Case, CaseEvent, china_date};
use aggregates::feedback::FeedbackEvent;
use aggregates::order::{OrderEvent, SupervisionOrder};
use cqrs_es::Aggregate;
use projections::statistics::month_of;

use crate::engine::Engine;
use crate::store::statistics::{CountKey, Tally};
use crate::store::{Cursor, StoredEvent};

/// The checkpoint (and lease) name.
pub const CHECKPOINT: &str = "statistics";
/// The version of what is counted (see the module's documentation).
pub const VERSION: i32 = 1;

/// Starts the statistics follower (it waits for its lease first on PostgreSQL).
pub fn spawn(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    crate::follow::spawn_follower(engine, CHECKPOINT, Duration::from_secs(5), |engine| {
        Box::new(Statistics {
            engine,
            from: Cursor::default(),
        })
    })
}

struct Statistics<'a> {
    engine: &'a Engine,
    /// Where the next batch starts: the checkpoint it moves the counts on from.
    from: Cursor,
}

#[async_trait::async_trait]
impl crate::follow::Follower for Statistics<'_> {
    async fn batch(&mut self, events: &[StoredEvent]) -> anyhow::Result<()> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        let mut tally = Tally::default();
        for stored in events {
            self.count(stored, &mut tally).await?;
        }
        let to = last.cursor();
        if !self
            .engine
            .repo()
            .add_statistics(&tally, CHECKPOINT, VERSION, self.from, to)
            .await?
        {
            anyhow::bail!(
                "the statistics checkpoint moved on from {} in another process; following again",
                self.from
            );
        }
        self.from = to;
        Ok(())
    }

    fn start_at(&mut self, cursor: Cursor) {
        self.from = cursor;
    }

    fn version(&self) -> i32 {
        VERSION
    }

    async fn reset(&mut self) -> anyhow::Result<()> {
        self.engine.repo().reset_statistics(CHECKPOINT).await?;
        Ok(())
    }

    fn saves_checkpoint(&self) -> bool {
        true
    }
}

fn key(at: chrono::DateTime<chrono::FixedOffset>, department: &str, power: &str) -> CountKey {
    CountKey {
        month: month_of(china_date(at)),
        department: department.to_string(),
        power_code: power.to_string(),
    }
}

impl Statistics<'_> {
    async fn count(&self, stored: &StoredEvent, tally: &mut Tally) -> anyhow::Result<()> {
        match (stored.aggregate_type.as_str(), stored.event_type.as_str()) {
            (Case::TYPE, "CaseOpened") => {
                if let CaseEvent::CaseOpened {
                    department,
                    power_code,
                    received_at,
                    party,
                    ..
                } = serde_json::from_value(stored.payload.clone())?
                {
                    let key = key(received_at, &department, &power_code);
                    tally.at(key.clone()).received += 1;
                    tally.by_party(key, "received", None, Some(party.kind));
                }
            }
            (Case::TYPE, "CaseConcluded") => {
                let CaseEvent::CaseConcluded {
                    end_step,
                    result,
                    at,
                } = serde_json::from_value(stored.payload.clone())?
                else {
                    return Ok(());
                };
                let case = self.case_until(stored).await?;
                let key = key(at, &case.department, &case.power_code);
                let counts = tally.at(key.clone());
                counts.concluded += 1;
                // A year the calendar does not hold leaves the case concluded but untimed.
                if let Ok(used) = case.used_working_days(&self.engine.calendar(), china_date(at)) {
                    counts.timed += 1;
                    counts.working_days += i64::from(used);
                    if case.within_statutory_limit(used) {
                        counts.concluded_on_time += 1;
                    }
                }
                tally.by_party(
                    key,
                    "concluded",
                    Some((end_step, result)),
                    case.party.map(|p| p.kind),
                );
            }
            (Case::TYPE, "CaseWithdrawn") => {
                let case = self.case_until(stored).await?;
                let at = case
                    .closed_at
                    .unwrap_or_else(|| stored.recorded_at.fixed_offset());
                let key = key(at, &case.department, &case.power_code);
                tally.at(key.clone()).withdrawn += 1;
                tally.by_party(key, "withdrawn", None, case.party.map(|p| p.kind));
            }
            (Case::TYPE, "FeeCharged") => {
                if let CaseEvent::FeeCharged { amount_fen, at, .. } =
                    serde_json::from_value(stored.payload.clone())?
                {
                    let case = self.case_until(stored).await?;
                    tally
                        .at(key(at, &case.department, &case.power_code))
                        .fees_fen += i64::try_from(amount_fen.0).unwrap_or(i64::MAX);
                }
            }
            ("Feedback", "ServiceRated" | "ComplaintFiled") => {
                match serde_json::from_value(stored.payload.clone())? {
                    FeedbackEvent::ServiceRated {
                        score,
                        department,
                        power_code,
                        at,
                        ..
                    } if (1..=5).contains(&score) => {
                        tally.at(key(at, &department, &power_code)).ratings
                            [usize::from(score) - 1] += 1;
                    }
                    FeedbackEvent::ComplaintFiled {
                        department,
                        power_code,
                        at,
                        ..
                    } => {
                        tally.at(key(at, &department, &power_code)).complaints += 1;
                    }
                    _ => {}
                }
            }
            (SupervisionOrder::TYPE, "OrderIssued") => {
                if let OrderEvent::OrderIssued { subject, at, .. } =
                    serde_json::from_value(stored.payload.clone())?
                {
                    tally
                        .at(key(at, &subject.department, &subject.power_code))
                        .orders_issued += 1;
                }
            }
            (SupervisionOrder::TYPE, "OrderReplied") => {
                let OrderEvent::OrderReplied { late, at, .. } =
                    serde_json::from_value(stored.payload.clone())?
                else {
                    return Ok(());
                };
                let issued = self
                    .engine
                    .repo()
                    .aggregate_events(SupervisionOrder::TYPE, &stored.aggregate_id)
                    .await?;
                let Some(first) = issued.first() else {
                    return Ok(());
                };
                if let OrderEvent::OrderIssued { subject, .. } =
                    serde_json::from_value(first.payload.clone())?
                {
                    let counts = tally.at(key(at, &subject.department, &subject.power_code));
                    if late {
                        counts.orders_replied_late += 1;
                    } else {
                        counts.orders_replied_on_time += 1;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The case as it stood after `stored`, one of its events.
    async fn case_until(&self, stored: &StoredEvent) -> anyhow::Result<Case> {
        let events = self
            .engine
            .repo()
            .aggregate_events(Case::TYPE, &stored.aggregate_id)
            .await?;
        let mut case = Case::default();
        for e in events.iter().take_while(|e| e.sequence <= stored.sequence) {
            case.apply(serde_json::from_value(e.payload.clone())?);
        }
        Ok(case)
    }
}
