//! Supervision (电子监察): runs the alert rules of `projections::alerts` and raises alerts.
//!
//! One task per deployment (a lease on PostgreSQL, like the projections) does two things:
//! - follows the global order after its checkpoint and re-evaluates every case an event touched
//!   (event-driven rules: exception paths, separation of duties, back-filling, late steps);
//! - every [`WATCH_INTERVAL`] sweeps the open cases with the current time (the deadline
//!   watcher: yellow and red cards, overdue steps), so time passing raises alerts too.
//!
//! Raising is idempotent by construction: an alert's id is its case, rule and threshold, and
//! raising an existing alert appends nothing. So a crash between raising and saving the
//! checkpoint, a restart, or two processes racing can never raise an alert twice.
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aggregates::alert::{AlertError, SYSTEM_ACTOR_ID};
use aggregates::case::{Case, CaseStatus, china_offset};
use cqrs_es::{Aggregate, AggregateError};
use projections::alerts::{AlertPolicy, CaseEventRecord, evaluate};
use projections::cases::CaseDoc;

use crate::engine::{CommandMeta, Engine};
use crate::store::{Cursor, EventRepo};

/// How often open cases are swept for time-driven alerts.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(60);
/// The checkpoint name of the event-driven part.
pub const CHECKPOINT: &str = "alert-raiser";
const BATCH: i64 = 500;

/// Starts the alerting task (it waits for its lease first on PostgreSQL).
pub fn spawn(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let policy = engine.alert_policy().clone();
        loop {
            if let Err(e) = run(&engine, &policy).await {
                tracing::warn!(error = %e, "alerting stopped; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    })
}

async fn run(engine: &Engine, policy: &AlertPolicy) -> anyhow::Result<()> {
    // Hold the lease for as long as this loop runs (the connection is the lease).
    let _lease = match engine.repo() {
        EventRepo::Postgres(pool) => Some(crate::projection::take_lease(pool, CHECKPOINT).await?),
        EventRepo::Sqlite(_) => None,
    };
    tracing::info!("alerting lease taken");
    let mut commits = engine.subscribe_commits();
    let mut cursor = engine
        .repo()
        .checkpoint(CHECKPOINT)
        .await?
        .map(|c| c.cursor)
        .unwrap_or_default();
    let mut next_sweep = tokio::time::Instant::now();
    loop {
        commits.borrow_and_update();
        loop {
            let events = engine.repo().read_after(cursor, BATCH).await?;
            let Some(last) = events.last() else { break };
            let touched: BTreeSet<String> = events
                .iter()
                .filter(|e| e.aggregate_type == Case::TYPE)
                .map(|e| e.aggregate_id.clone())
                .collect();
            for case_id in touched {
                raise_for_case(engine, policy, &case_id).await?;
            }
            cursor = last.cursor();
            engine.repo().save_checkpoint(CHECKPOINT, 1, cursor).await?;
        }
        if tokio::time::Instant::now() >= next_sweep {
            sweep(engine, policy).await?;
            next_sweep = tokio::time::Instant::now() + WATCH_INTERVAL;
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), commits.changed()).await;
    }
}

/// The deadline watcher's pass: every open or paused case, evaluated now.
async fn sweep(engine: &Engine, policy: &AlertPolicy) -> anyhow::Result<()> {
    for doc in engine.repo().view_docs("cases", None).await? {
        let Ok(doc) = serde_json::from_value::<CaseDoc>(doc) else {
            continue;
        };
        if matches!(doc.case.status, CaseStatus::Open | CaseStatus::Paused) {
            raise_for_case(engine, policy, &doc.case.tracking_no).await?;
        }
    }
    Ok(())
}

/// Evaluates one case's rules now and raises what they find; returns how many were new.
pub async fn raise_for_case(
    engine: &Engine,
    policy: &AlertPolicy,
    case_id: &str,
) -> anyhow::Result<usize> {
    let Some((case, stored)) = engine.load_case(case_id).await? else {
        return Ok(0);
    };
    let Some(power) = engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await?
    else {
        return Ok(0);
    };
    let records: Vec<CaseEventRecord> = stored
        .into_iter()
        .map(|e| {
            Ok(CaseEventRecord {
                event: serde_json::from_value(e.payload)?,
                recorded_at: e.recorded_at.with_timezone(&china_offset()),
                sequence: e.sequence,
            })
        })
        .collect::<Result<_, serde_json::Error>>()?;
    let now = engine.now();
    let mut raised = 0;
    for candidate in evaluate(&records, &power.flowchart, engine.calendar(), policy, now) {
        let id = candidate.alert_id();
        let meta = CommandMeta {
            actor: SYSTEM_ACTOR_ID.into(),
            role: "system".into(),
            department: None,
            request_id: format!("alerting-{}", uuid::Uuid::now_v7()),
        };
        match engine
            .execute_alert(&id, candidate.into_command(now), meta)
            .await
        {
            Ok(events) => raised += usize::from(!events.is_empty()),
            // Another process raised it at the same moment: it exists once, as it should.
            Err(AggregateError::AggregateConflict) => {}
            Err(AggregateError::UserError(e @ AlertError::KeyMismatch { .. })) => {
                tracing::error!(alert = %id, error = %e, "alert id collision");
            }
            Err(e) => return Err(anyhow::anyhow!("raising {id}: {e}")),
        }
    }
    Ok(raised)
}

/// The cursor the event-driven part has reached.
pub async fn position(repo: &EventRepo) -> anyhow::Result<Cursor> {
    Ok(repo
        .checkpoint(CHECKPOINT)
        .await?
        .map(|c| c.cursor)
        .unwrap_or_default())
}
