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
use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use aggregates::alert::{Alert, AlertError, AlertRule, AlertSource, SYSTEM_ACTOR_ID};
use aggregates::case::{Case, CaseEvent, CaseStatus, china_offset};
use aggregates::feedback::Feedback;
use cqrs_es::{Aggregate, AggregateError};
use projections::alerts::{
    AlertCandidate, AlertPolicy, CaseEventRecord, DecisionSample, FeedbackEventRecord,
    discretion_pattern, evaluate, feedback_alerts,
};
use projections::cases::CaseDoc;
use serde::Deserialize;

use crate::engine::{CommandMeta, Engine};
use crate::store::tail::TailRead;
use crate::store::{Cursor, EventRepo, StoredEvent};

/// How often open cases are swept for time-driven alerts.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(60);
/// The checkpoint name of the event-driven part.
pub const CHECKPOINT: &str = "alert-raiser";
const BATCH: i64 = 500;
/// Documents of the `cases` view the deadline sweep reads at a time.
const SWEEP_PAGE: i64 = 1_000;
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
        EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
            Some(crate::store::lease::take(pool, CHECKPOINT).await?)
        }
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
    let mut streams = Streams::new(engine.cached_cases());
    loop {
        commits.borrow_and_update();
        let mut read = 0;
        loop {
            let TailRead {
                events,
                reached_head,
            } = engine.tail().read(cursor, BATCH).await?;
            let Some(last) = events.last() else { break };
            read += events.len();
            let touched = |kind: &str| -> BTreeSet<String> {
                events
                    .iter()
                    .filter(|e| e.aggregate_type == kind)
                    .map(|e| e.aggregate_id.clone())
                    .collect()
            };
            let _writing = engine.rounds().read().await;
            // Behind the head, a case's stream as followed so far may lack its later events (an
            // extension, its conclusion): the rules judge time only up to what is known, the
            // batch's last record; at the head, up to now.
            let as_of = (!reached_head).then(|| last.recorded_at.with_timezone(&china_offset()));
            raise_for_batch(engine, policy, &mut streams, &events, as_of).await?;
            for case_id in touched(Feedback::TYPE) {
                raise_for_feedback(engine, &case_id).await?;
            }
            cursor = last.cursor();
            engine.repo().save_checkpoint(CHECKPOINT, 1, cursor).await?;
            if reached_head {
                break;
            }
        }
        if tokio::time::Instant::now() >= next_sweep {
            let _writing = engine.rounds().read().await;
            // The sweep counts with the newest calendar (a year loaded by another server).
            engine.refresh_calendar().await?;
            sweep(engine, policy).await?;
            engine.note_deadline_sweep();
            next_sweep = tokio::time::Instant::now() + WATCH_INTERVAL;
        }
        let delay = crate::follow::projection::follow_delay(read);
        crate::follow::projection::next_commit(&mut commits, Duration::from_secs(1), delay).await;
    }
}

/// Whether time passing can still raise an alert on `case`: it is running, or it concluded
/// with a fine that is not yet published (nor revoked).
fn time_can_tell(case: &Case) -> bool {
    match case.status {
        CaseStatus::Open | CaseStatus::Paused => true,
        CaseStatus::Concluded => {
            case.publication.is_none()
                && case
                    .penalty
                    .as_ref()
                    .is_some_and(|p| !p.amount_fen.is_zero() && p.revoked.is_none())
        }
        _ => false,
    }
}

/// The deadline watcher's pass: every case time can still raise an alert on, evaluated now;
/// then the statistical discretion pattern over every final decision.
/// The `cases` view is read a page at a time: the sweep holds one page of documents, not
/// every case ever opened (about 2 kB each), and gives the other tasks their turn between pages.
async fn sweep(engine: &Engine, policy: &AlertPolicy) -> anyhow::Result<()> {
    // The cases the log held when this process started (or that it wrote since) are judged
    // too: a sweep right after a restart waits (bounded) for the view to include them.
    engine.wait_for_view("cases", Cursor::default()).await;
    let mut samples = Vec::new();
    let mut watched = Vec::new();
    let mut after = String::new();
    loop {
        let page = engine
            .repo()
            .view_docs_page("cases", &after, SWEEP_PAGE)
            .await?;
        let Some((last, _)) = page.last() else { break };
        after.clone_from(last);
        for (_, doc) in &page {
            let Ok(doc) = serde_json::from_str::<CaseDoc>(doc) else {
                continue;
            };
            if time_can_tell(&doc.case) {
                watched.push(doc.case.tracking_no.clone());
            }
            if let Some(sample) = decision_sample(&doc.case) {
                samples.push(sample);
            }
        }
        tokio::task::yield_now().await;
    }
    raise_for_cases(engine, policy, &watched).await?;
    raise_patterns(engine, policy, samples).await?;
    raise_for_questions(engine, policy).await?;
    raise_for_orders(engine).await?;
    raise_for_rectifications(engine, policy).await
}

/// 差评回访逾期 and 差评整改逾期: every open 整改 task (a bad rating or a complaint since the
/// last rectification) whose call back or rectification is past its limit in working days
/// (counted from the day after it began). Once per task start: the threshold is its date.
async fn raise_for_rectifications(engine: &Engine, policy: &AlertPolicy) -> anyhow::Result<()> {
    use projections::rectifications::RectificationDoc;
    engine
        .wait_for_view("rectifications", Cursor::default())
        .await;
    let docs: Vec<RectificationDoc> = engine.repo().view_docs("rectifications", None).await?;
    let today = aggregates::case::china_date(engine.now());
    let calendar = engine.calendar();
    for doc in docs {
        let Some(since) = doc.open_since else {
            continue;
        };
        let start = aggregates::case::china_date(since);
        let tasks = [
            (
                "call_back",
                policy.call_back_days,
                doc.call_back.is_none(),
                AlertRule::CallBackOverdue,
                aggregates::alert::Severity::Yellow,
            ),
            (
                "rectification",
                policy.rectification_days,
                true,
                AlertRule::RectificationOverdue,
                aggregates::alert::Severity::Red,
            ),
        ];
        for (task, limit, pending, rule, severity) in tasks {
            if limit == 0 || !pending {
                continue;
            }
            let Ok(due) = calendar.add_working_days(start, limit, &[]).map(|c| c.due) else {
                continue;
            };
            if today <= due {
                continue;
            }
            let candidate = AlertCandidate {
                case_id: doc.case_id.clone(),
                department: doc.department.clone(),
                power_code: doc.power_code.clone(),
                rule,
                severity,
                threshold: format!("{}", since.format("%Y%m%dT%H%M%S")),
                details: projections::alerts::AlertDetails::Rectification {
                    task: task.into(),
                    since,
                    limit_days: limit,
                    due,
                },
                evidence: vec![aggregates::alert::EventRef {
                    aggregate_type: "Feedback".into(),
                    aggregate_id: doc.case_id.clone(),
                    sequence: 1,
                }],
            };
            raise(engine, candidate).await?;
        }
    }
    Ok(())
}

/// 督办逾期: every supervision order whose current round was not answered by its due date, or
/// was answered after it — one red alert per order and round, on the order's case.
async fn raise_for_orders(engine: &Engine) -> anyhow::Result<()> {
    use projections::orders::{OrderDoc, OrderEntry};
    engine.wait_for_view("orders", Cursor::default()).await;
    let docs: Vec<OrderDoc> = engine.repo().view_docs("orders", None).await?;
    let today = aggregates::case::china_date(engine.now());
    for order in docs.into_iter().filter(|o| o.overdue_on(today)) {
        let Some(due) = order.due else { continue };
        let replied_at = match order.status {
            aggregates::order::OrderStatus::AwaitingReply => None,
            _ => order.history.iter().rev().find_map(|e| match e {
                OrderEntry::Replied { at, .. } => Some(*at),
                _ => None,
            }),
        };
        let candidate = AlertCandidate {
            case_id: order.subject.case_id.clone(),
            department: order.subject.department.clone(),
            power_code: order.subject.power_code.clone(),
            rule: AlertRule::OrderOverdue,
            severity: aggregates::alert::Severity::Red,
            threshold: format!("{}-{}", order.id, order.round),
            details: projections::alerts::AlertDetails::Order {
                order_id: order.id.clone(),
                round: order.round,
                due,
                replied_at,
            },
            evidence: vec![aggregates::alert::EventRef {
                aggregate_type: "SupervisionOrder".into(),
                aggregate_id: order.id.clone(),
                sequence: 1,
            }],
        };
        raise(engine, candidate).await?;
    }
    Ok(())
}

/// 咨询逾期未答复: every question from the public still unanswered after
/// `question_answer_days` working days (counted from the day after it was asked).
async fn raise_for_questions(engine: &Engine, policy: &AlertPolicy) -> anyhow::Result<()> {
    let limit = policy.question_answer_days;
    if limit == 0 {
        return Ok(());
    }
    engine.wait_for_view("questions", Cursor::default()).await;
    let docs: Vec<projections::questions::QuestionDoc> =
        engine.repo().view_docs("questions", None).await?;
    let today = aggregates::case::china_date(engine.now());
    let calendar = engine.calendar();
    for q in docs.into_iter().filter(|q| q.answer.is_none()) {
        let Some(asked_at) = q.asked_at else { continue };
        let asked = aggregates::case::china_date(asked_at);
        let Ok(days) = calendar.working_days_between(asked, today, &[]) else {
            continue;
        };
        if days <= limit {
            continue;
        }
        let candidate = AlertCandidate {
            case_id: q.id.clone(),
            department: q.department.clone(),
            power_code: q.power_code.clone(),
            rule: AlertRule::UnansweredQuestion,
            severity: aggregates::alert::Severity::Yellow,
            threshold: format!("{limit}d"),
            details: projections::alerts::AlertDetails::Question {
                power_name: q.power_name.clone(),
                asked_at,
                working_days: days,
                limit_days: limit,
            },
            evidence: vec![aggregates::alert::EventRef {
                aggregate_type: "Question".into(),
                aggregate_id: q.id.clone(),
                sequence: 1,
            }],
        };
        raise(engine, candidate).await?;
    }
    Ok(())
}

/// A concluded case's final decision inside its band, as a sample of where its officer fines.
fn decision_sample(case: &Case) -> Option<(chrono::DateTime<chrono::FixedOffset>, DecisionSample)> {
    if case.status != CaseStatus::Concluded {
        return None;
    }
    let decision = case.penalty.as_ref()?;
    let position = decision.band_position_permille()?;
    Some((
        case.closed_at?,
        DecisionSample {
            case_id: case.tracking_no.clone(),
            department: case.department.clone(),
            power_code: case.power_code.clone(),
            officer: decision.by.clone(),
            band_position_permille: position,
            // Filled in from the stored events when an alert is raised.
            sequence: 1,
        },
    ))
}

/// Raises the pattern alerts, once per officer and power: an officer already flagged on a power
/// (whichever case the alert names) is not flagged again.
async fn raise_patterns(
    engine: &Engine,
    policy: &AlertPolicy,
    mut samples: Vec<(chrono::DateTime<chrono::FixedOffset>, DecisionSample)>,
) -> anyhow::Result<()> {
    samples.sort_by(|a, b| (a.0, &a.1.case_id).cmp(&(b.0, &b.1.case_id)));
    let samples: Vec<DecisionSample> = samples.into_iter().map(|(_, s)| s).collect();
    let candidates = discretion_pattern(&samples, policy);
    if candidates.is_empty() {
        return Ok(());
    }
    let existing: BTreeSet<String> = engine
        .repo()
        .aggregate_ids(Alert::TYPE)
        .await?
        .into_iter()
        .filter_map(|id| {
            let mut parts = id.splitn(3, ':');
            let (_, rule, threshold) = (parts.next()?, parts.next()?, parts.next()?);
            (rule == AlertRule::DiscretionPattern.as_str()).then(|| threshold.to_string())
        })
        .collect();
    for mut candidate in candidates {
        // The alert's details name the power; the id names the officer: together once.
        if existing.contains(&candidate.threshold) && pattern_exists(engine, &candidate).await? {
            continue;
        }
        // The evidence is the case's final decision event.
        if let Some(e) = candidate.evidence.first_mut()
            && let Some(id) = aggregates::case::CaseId::parse(&e.aggregate_id)
            && let Some((_, stored)) = engine.load_case(&id).await?
        {
            e.sequence = stored
                .iter()
                .rev()
                .find(|s| s.event_type == "PenaltyDecisionRecorded")
                .map_or(1, |s| s.sequence);
        }
        raise(engine, candidate).await?;
    }
    Ok(())
}

/// Whether an alert of the pattern rule for the candidate's officer and power exists.
async fn pattern_exists(engine: &Engine, candidate: &AlertCandidate) -> anyhow::Result<bool> {
    let suffix = format!(
        ":{}:{}",
        AlertRule::DiscretionPattern.as_str(),
        candidate.threshold
    );
    for id in engine.repo().aggregate_ids(Alert::TYPE).await? {
        if !id.ends_with(&suffix) {
            continue;
        }
        for event in engine.repo().aggregate_events(Alert::TYPE, &id).await? {
            if event.payload["AlertRaised"]["power_code"] == candidate.power_code.as_str() {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Evaluates one case's public feedback and raises what it finds; returns how many were new.
pub async fn raise_for_feedback(engine: &Engine, case_id: &str) -> anyhow::Result<usize> {
    let records: Vec<FeedbackEventRecord> = engine
        .repo()
        .aggregate_events(Feedback::TYPE, case_id)
        .await?
        .into_iter()
        .map(|e| {
            Ok(FeedbackEventRecord {
                event: serde_json::from_value(e.payload)?,
                sequence: e.sequence,
            })
        })
        .collect::<Result<_, serde_json::Error>>()?;
    let mut raised = 0;
    for candidate in feedback_alerts(case_id, &records) {
        raised += raise(engine, candidate).await?;
    }
    Ok(raised)
}

/// Raises one candidate; 1 if it was new. An id already known to exist costs nothing.
async fn raise(engine: &Engine, candidate: AlertCandidate) -> anyhow::Result<usize> {
    let id = candidate.alert_id();
    if engine.known_alerts().contains(&id) {
        return Ok(0);
    }
    let now = engine.now();
    let meta = CommandMeta {
        actor: SYSTEM_ACTOR_ID.into(),
        role: "system".into(),
        department: None,
        request_id: format!("alerting-{}", uuid::Uuid::now_v7()),
    };
    let mut command = candidate.into_command(now);
    if let aggregates::alert::AlertCommand::RaiseAlert { source, rule, .. } = &mut command
        && matches!(rule, AlertRule::PublicComplaint | AlertRule::BadRating)
    {
        *source = AlertSource::Public;
    }
    let raised = match engine.execute_alert(&id, command, meta).await {
        Ok(events) => usize::from(!events.is_empty()),
        // Another process raised it at the same moment: it exists once, as it should.
        Err(AggregateError::AggregateConflict) => 0,
        Err(AggregateError::UserError(e @ AlertError::KeyMismatch { .. })) => {
            tracing::error!(alert = %id, error = %e, "alert id collision");
            0
        }
        Err(e) => return Err(anyhow::anyhow!("raising {id}: {e}")),
    };
    engine.known_alerts().insert(id);
    Ok(raised)
}

/// Evaluates the rules of each case now and raises what they find; returns how many were
/// new. The cases' events are read a chunk of cases per query, not a query per case.
pub async fn raise_for_cases(
    engine: &Engine,
    policy: &AlertPolicy,
    case_ids: &[String],
) -> anyhow::Result<usize> {
    let mut raised = 0;
    for chunk in case_ids.chunks(crate::store::EVENTS_OF_CHUNK) {
        for stored in engine
            .repo()
            .events_of(Case::TYPE, chunk)
            .await?
            .into_values()
        {
            raised += raise_on_events(engine, policy, stored).await?;
        }
    }
    Ok(raised)
}

/// Evaluates one case, given its stored events, and raises what its rules find.
async fn raise_on_events(
    engine: &Engine,
    policy: &AlertPolicy,
    stored: Vec<StoredEvent>,
) -> anyhow::Result<usize> {
    let records: Vec<CaseEventRecord> = stored
        .iter()
        .map(case_record)
        .collect::<Result<_, serde_json::Error>>()?;
    raise_on_records(engine, policy, &records, None).await
}

/// A stored case event as the rules take it.
fn case_record(e: &StoredEvent) -> Result<CaseEventRecord, serde_json::Error> {
    Ok(CaseEventRecord {
        event: CaseEvent::deserialize(&e.payload)?,
        recorded_at: e.recorded_at.with_timezone(&china_offset()),
        sequence: e.sequence,
    })
}

/// A case id with its events as the rules take them.
type CaseStream = (String, Vec<CaseEventRecord>);

/// The case streams the event-driven part has followed, by case id, as the rules take them.
/// The log brings every event once, in order, so the events of a batch extend the streams
/// kept; a case is read from the store only when it is met in the middle of its stream (after
/// a restart, or once dropped). Kept in a scan-resistant cache ([`crate::store::cache`]).
struct Streams(quick_cache::unsync::Cache<String, Vec<CaseEventRecord>>);

impl Streams {
    fn new(capacity: NonZeroUsize) -> Self {
        Streams(crate::store::cache::unsync(capacity.get()))
    }

    /// Extends the streams of the cases `events` touch: each case's whole stream so far, and
    /// the ids of those that must be read from the store instead.
    fn extend(
        &mut self,
        events: &[StoredEvent],
    ) -> Result<(Vec<CaseStream>, Vec<String>), serde_json::Error> {
        let mut batch: BTreeMap<&str, Vec<CaseEventRecord>> = BTreeMap::new();
        for e in events.iter().filter(|e| e.aggregate_type == Case::TYPE) {
            batch
                .entry(e.aggregate_id.as_str())
                .or_default()
                .push(case_record(e)?);
        }
        let mut ready = Vec::new();
        let mut unknown = Vec::new();
        for (id, new) in batch {
            let first = new.first().map_or(1, |r| r.sequence);
            // Taken out of its entry, not out of the cache: the entry stays, marked as used,
            // and `keep` puts the stream back in it (an empty stream reads as not followed).
            let kept = self
                .0
                .get_mut(id)
                .map(|mut kept| std::mem::take(&mut *kept))
                .unwrap_or_default();
            let next = kept.last().map_or(1, |r| r.sequence + 1);
            if first > next {
                // A gap: not followed from its start.
                unknown.push(id.to_string());
                continue;
            }
            let mut stream = kept;
            stream.extend(new.into_iter().filter(|r| r.sequence >= next));
            ready.push((id.to_string(), stream));
        }
        Ok((ready, unknown))
    }

    fn keep(&mut self, id: String, stream: Vec<CaseEventRecord>) {
        self.0.insert(id, stream);
    }
}

/// Evaluates the cases a batch of the log touches, on their streams as followed so far
/// (read from the store for those not followed from their start), and raises what the rules
/// find.
async fn raise_for_batch(
    engine: &Engine,
    policy: &AlertPolicy,
    streams: &mut Streams,
    events: &[StoredEvent],
    as_of: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> anyhow::Result<usize> {
    let (mut ready, unknown) = streams.extend(events)?;
    for (id, stored) in engine.repo().events_of(Case::TYPE, &unknown).await? {
        let stream = stored
            .iter()
            .map(case_record)
            .collect::<Result<Vec<_>, _>>()?;
        ready.push((id, stream));
    }
    let mut raised = 0;
    for (id, stream) in ready {
        raised += raise_on_records(engine, policy, &stream, as_of).await?;
        streams.keep(id, stream);
    }
    Ok(raised)
}

/// Evaluates one case, given its events as the rules take them, and raises what they find.
async fn raise_on_records(
    engine: &Engine,
    policy: &AlertPolicy,
    records: &[CaseEventRecord],
    as_of: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> anyhow::Result<usize> {
    // The pinned power is named by the opening event.
    let mut case = Case::default();
    if let Some(first) = records.first() {
        case.apply(first.event.clone());
    }
    let Some(power) = engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await?
    else {
        return Ok(0);
    };
    let now = as_of.unwrap_or_else(|| engine.now());
    let mut raised = 0;
    for candidate in evaluate(records, &power.flowchart, &engine.calendar(), policy, now) {
        raised += raise(engine, candidate).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, sequence: i64) -> StoredEvent {
        StoredEvent {
            position: sequence,
            tx: 1,
            aggregate_type: Case::TYPE.into(),
            aggregate_id: id.into(),
            sequence,
            event_type: "ClockPaused".into(),
            event_version: "1".into(),
            payload: serde_json::json!({"ClockPaused": {
                "reason": "r", "at": "2026-03-02T10:00:00+08:00", "by": "o", "step": null}}),
            metadata: serde_json::Value::Null,
            recorded_at: chrono::Utc::now(),
        }
    }

    fn sequences(ready: &[CaseStream]) -> Vec<(String, Vec<i64>)> {
        ready
            .iter()
            .map(|(id, s)| (id.clone(), s.iter().map(|r| r.sequence).collect()))
            .collect()
    }

    #[test]
    fn streams_are_followed_from_their_start_and_read_when_met_midway() {
        let mut streams = Streams::new(NonZeroUsize::new(2).unwrap());
        // A from its start; B met midway must be read.
        let (ready, unknown) = streams
            .extend(&[event("A", 1), event("B", 4), event("A", 2)])
            .unwrap();
        assert_eq!(sequences(&ready), [("A".to_string(), vec![1, 2])]);
        assert_eq!(unknown, ["B"]);
        for (id, s) in ready {
            streams.keep(id, s);
        }
        // Read from the store up to 5 (beyond the batch); the log then brings 4 to 6.
        let read: Vec<CaseEventRecord> = (1..=5)
            .map(|n| case_record(&event("B", n)).unwrap())
            .collect();
        streams.keep("B".into(), read);
        let (ready, unknown) = streams
            .extend(&[event("A", 3), event("B", 4), event("B", 5), event("B", 6)])
            .unwrap();
        assert!(unknown.is_empty());
        assert_eq!(
            sequences(&ready),
            [
                ("A".to_string(), vec![1, 2, 3]),
                ("B".to_string(), vec![1, 2, 3, 4, 5, 6])
            ]
        );
        for (id, s) in ready {
            streams.keep(id, s);
        }
        // Two kept at most: after C, one of A and B must be read again.
        let (ready, _) = streams.extend(&[event("C", 1)]).unwrap();
        for (id, s) in ready {
            streams.keep(id, s);
        }
        let (ready, unknown) = streams.extend(&[event("A", 4), event("B", 7)]).unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!(unknown.len(), 1);
    }
}
