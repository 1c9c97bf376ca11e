//! Executes commands on aggregates over the configured store and reads the catalogue.
//!
//! cqrs-es's `CqrsFramework::execute` returns nothing; callers here need the committed events
//! (to answer with the new version), so [`Engine::execute`] does the same three steps itself:
//! load the aggregate, `handle` into a sink, commit through the store's optimistic check.
pub mod application;
pub(crate) mod cache;
pub mod catalogue_file;
pub mod document;
pub mod forms;
pub mod orders;
pub mod pdf;
pub mod query_code;
pub mod questions;
pub mod spot_checks;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aggregates::access::DataAccess;
use aggregates::alert::Alert;
use aggregates::calendar::WorkingCalendar;
use aggregates::case::{Case, CaseId, CaseServices, Clock, LookupError, PowerLookup};
use aggregates::feedback::Feedback;
use aggregates::order::SupervisionOrder;
use aggregates::power::{Power, PowerCommand, PowerEvent, PowerStatus, PublishedPower};
use aggregates::question::Question;
use aggregates::spot_check::SpotCheck;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{PersistedEventStore, PersistenceError};
use cqrs_es::{Aggregate, AggregateError, EventEnvelope, EventStore};
use serde::Serialize;

use crate::store::{Cursor, EventRepo, NewEvent, StoreError, StoredEvent};

/// How applicants are told of their cases (`[notifications]` in the config file): e-mail through
/// an SMTP relay, text messages through a gateway (for now one that logs, masked), an address
/// for the tracking page in the notices.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// The SMTP relay as a URL: `smtp://host:25` (plain, for a relay on the same network),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://user:password@host`
    /// (TLS). None: no e-mail is sent (nor queued).
    pub smtp_url: Option<String>,
    /// The sender of the e-mails.
    pub from: String,
    /// The address of the tracking page (`https://…/track`), named in every notice.
    pub track_url: Option<String>,
    /// Whether text messages are queued for applicants who gave a mobile number (sent through
    /// the gateway, which for now only logs a masked line).
    pub sms: bool,
}

impl NotifySettings {
    /// The address of the page that checks documents (`…/verify`), beside the tracking page.
    pub fn verify_url(&self) -> Option<String> {
        let track = self.track_url.as_deref()?;
        let base = track.trim_end_matches('/').strip_suffix("/track")?;
        Some(format!("{base}/verify"))
    }
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            smtp_url: None,
            from: "阳光政务 <noreply@yangguang.invalid>".into(),
            track_url: None,
            sms: true,
        }
    }
}

/// Where each view run by this process stands (its runners send; reads that must see a
/// position wait on it).
pub type Progress = tokio::sync::watch::Sender<std::collections::BTreeMap<String, Cursor>>;

/// Taken (shared) by a process's followers (views, the alert raiser, the transparency log)
/// around each of their writes, and whole by [`Engine::stop_projections`]: a follower is
/// stopped between writes, never in the middle of a transaction (an aborted task's SQLite
/// transaction could keep the write lock until its connection is cleaned up, and the next
/// process's followers would wait for it).
pub type Rounds = Arc<tokio::sync::RwLock<()>>;

/// Who did it and under which request: goes into every event's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct CommandMeta {
    /// Subject id.
    pub actor: String,
    /// Role.
    pub role: String,
    /// Department, if any.
    pub department: Option<String>,
    /// Request id.
    pub request_id: String,
}

impl CommandMeta {
    /// A member of the public, without an account (a complaint, a rating, a question).
    pub fn public(request_id: impl ToString) -> CommandMeta {
        CommandMeta {
            actor: "public".into(),
            role: "public".into(),
            department: None,
            request_id: request_id.to_string(),
        }
    }

    fn into_map(self, recorded_at: String) -> HashMap<String, String> {
        let mut map = HashMap::new();
        map.insert("actor".into(), self.actor);
        map.insert("role".into(), self.role);
        if let Some(d) = self.department {
            map.insert("department".into(), d);
        }
        map.insert("request_id".into(), self.request_id);
        map.insert("recorded_at".into(), recorded_at);
        map
    }
}

/// The system clock in China Standard Time.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        chrono::Utc::now().with_timezone(&aggregates::case::china_offset())
    }
}

/// A clock for tests (测试时钟): it starts at a chosen instant and runs on with real time, and
/// a test may move it ([`TestClock::set`]), so that a test's dates never depend on the day it
/// runs. Only tests build one (`startup::engine_with_clock`): no setting or flag reaches it,
/// so no deployment can run on a clock other than the system's.
pub struct TestClock {
    /// (the instant the clock showed, the real instant it showed it at).
    anchor: std::sync::Mutex<(chrono::DateTime<chrono::FixedOffset>, std::time::Instant)>,
}

impl TestClock {
    /// A clock showing `at` now.
    pub fn starting_at(at: chrono::DateTime<chrono::FixedOffset>) -> Self {
        TestClock {
            anchor: std::sync::Mutex::new((at, std::time::Instant::now())),
        }
    }

    /// Moves the clock: it shows `at` now, and runs on from there.
    pub fn set(&self, at: chrono::DateTime<chrono::FixedOffset>) {
        let mut anchor = self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        *anchor = (at, std::time::Instant::now());
    }
}

impl Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        let (at, since) = *self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = chrono::TimeDelta::from_std(since.elapsed()).unwrap_or_default();
        (at + elapsed).with_timezone(&aggregates::case::china_offset())
    }
}

/// Commands and catalogue reads over one store.
pub struct Engine {
    repo: EventRepo,
    powers: PersistedEventStore<EventRepo, Power>,
    alerts: PersistedEventStore<EventRepo, Alert>,
    feedback: PersistedEventStore<EventRepo, Feedback>,
    questions: PersistedEventStore<EventRepo, Question>,
    orders: PersistedEventStore<EventRepo, SupervisionOrder>,
    spot_checks: PersistedEventStore<EventRepo, SpotCheck>,
    access: PersistedEventStore<EventRepo, DataAccess>,
    case_services: CaseServices,
    catalogue: Arc<Catalogue>,
    /// The calendar in force: `base_calendar` plus the years loaded into the store (shared
    /// with the case aggregate's services).
    calendar: Arc<CalendarCell>,
    /// The built-in years and the deployment's files, with the policy for other years.
    base_calendar: WorkingCalendar,
    /// What the calendar in force was built from: the loaded years' row count and newest id
    /// (see [`EventRepo::calendar_version`]).
    calendar_version: std::sync::atomic::AtomicI64,
    /// Refreshes one at a time, so an older read never replaces a newer calendar.
    calendar_refresh: tokio::sync::Mutex<()>,
    /// Deadline sweeps this process's alert raiser has finished (the deadline watcher).
    deadline_sweeps: std::sync::atomic::AtomicU64,
    clock: Arc<dyn Clock>,
    /// Bumped after every commit: wakes this process's projection runners.
    commits: Arc<tokio::sync::watch::Sender<u64>>,
    /// The newest event this process wrote, for read-your-writes on views.
    written: std::sync::Mutex<Cursor>,
    /// Where this process's projection runners stand.
    progress: Arc<Progress>,
    /// This process's projection tasks.
    runners: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Taken by the projection tasks around their writes (see [`Rounds`]).
    rounds: Rounds,
    /// The jurisdiction's supervision rules (yellow-card threshold, tolerances).
    alert_policy: projections::alerts::AlertPolicy,
    /// How applicants are told of their cases (the notifier reads it when it starts).
    notify: NotifySettings,
    /// The transparency log (透明日志), when this server runs one.
    /// Announces commits to other processes (PostgreSQL), coalescing bursts.
    notifier: Notifier,
    /// The log's tail, read once for all of this process's followers.
    tail: Arc<crate::store::tail::Tail>,
    /// Alert ids known to exist, so that raising them again costs no command.
    known_alerts: crate::engine::cache::KnownAlerts,
    /// Cases as this process's last commands on them left them.
    recent_cases: RecentCases,
    /// How many cases each cache of case state keeps (`cached_cases`).
    cached_cases: std::num::NonZeroUsize,
}

/// How many cases a process keeps by default (`cached_cases`): in [`RecentCases`] for its
/// commands, and in each view runner's and the alert raiser's caches. Memory grows with the
/// cases worked, about 8 KB a case in all. Measured with `OPEN_SECONDS=10 benches/profile`
/// (44,589-46,502 cases opened, then steps on them at 32 connections): 16,384 → 65,536 kept
/// took the server's RSS from 280 to 509 MiB, and the steps from 17,034 to 36,692 in 5 s, CPU
/// per step (server + PostgreSQL) from 0.526 to 0.209 ms, as commands and followers stopped
/// reading cases back from the store.
pub const CACHED_CASES: std::num::NonZeroUsize = std::num::NonZeroUsize::new(65_536).unwrap();

/// Cases as this process's last commands on them left them, with the sequence of their last
/// event: the next command on one starts from here instead of reading its stream again. Never
/// trusted alone: an append carries the sequence it follows, so if any process appended since,
/// the store refuses it (unique sequence per stream) and the command is decided again from the
/// stream.
///
/// Kept in a scan-resistant cache with sharded locks ([`crate::store::cache`]).
struct RecentCases(quick_cache::sync::Cache<String, (Case, usize)>);

impl RecentCases {
    fn new(capacity: usize) -> Self {
        RecentCases(crate::store::cache::sync(capacity))
    }

    fn get(&self, id: &str) -> Option<(Case, usize)> {
        self.0.get(id)
    }

    fn keep(&self, id: &str, case: &Case, sequence: usize) {
        self.0.insert(id.to_string(), (case.clone(), sequence));
    }

    fn forget(&self, id: &str) {
        self.0.remove(id);
    }
}

/// The shortest interval between two commit notifications of one process. Every listening
/// process takes each notification (PostgreSQL signals its session, which sends it on), so one
/// per commit made a busy log pay for thousands a second; followers wait
/// [`FOLLOW_DELAY`](crate::follow::projection::FOLLOW_DELAY) after a wake-up anyway, so announcing a
/// burst 10 ms late costs them nothing.
pub const NOTIFY_EVERY: std::time::Duration = std::time::Duration::from_millis(10);

/// Sends `pg_notify` after commits, one at a time and at most one per [`NOTIFY_EVERY`]:
/// commits made while a notification is on its way, or within that interval after it, are
/// announced together by the next one. Every commit is still followed by a notification sent
/// after it (the wake-up permit is taken before sending), so another process's runners never
/// miss one; they read the log itself, not the notification.
struct Notifier {
    /// Sent as each notification's payload, so that this engine's own listener can tell its
    /// own commits (which already woke its runners) from other processes'.
    tag: String,
    wake: Arc<tokio::sync::Notify>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            tag: uuid::Uuid::new_v4().simple().to_string(),
            wake: Default::default(),
            task: Default::default(),
        }
    }
}

impl Notifier {
    fn wake(&self, pool: &sqlx::PgPool) {
        if let Ok(mut task) = self.task.lock()
            && task.as_ref().is_none_or(|t| t.is_finished())
        {
            let wake = self.wake.clone();
            let pool = pool.clone();
            let tag = self.tag.clone();
            *task = Some(tokio::spawn(async move {
                loop {
                    wake.notified().await;
                    let _ = crate::store::announce_commit(&pool, &tag).await;
                    tokio::time::sleep(NOTIFY_EVERY).await;
                }
            }));
        }
        self.wake.notify_one();
    }
}

/// The calendar in force, replaced whole when a year is loaded; commands and reads take the
/// one in force when they start.
pub struct CalendarCell(std::sync::RwLock<Arc<WorkingCalendar>>);

impl aggregates::case::CalendarSource for CalendarCell {
    fn calendar(&self) -> Arc<WorkingCalendar> {
        self.0
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }
}

/// How often a server looks for calendar years another server of the deployment loaded.
pub const CALENDAR_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// Keeps a server's calendar in step with the years loaded into the store.
pub fn spawn_calendar_refresh(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CALENDAR_REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(error) = engine.refresh_calendar().await {
                tracing::warn!(%error, "the calendar's loaded years could not be read");
            }
        }
    })
}

/// How long a read waits for a view to catch up with this process's own writes.
const VIEW_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

impl Engine {
    /// An engine over `repo`.
    pub fn new(repo: EventRepo, calendar: WorkingCalendar, clock: Arc<dyn Clock>) -> Self {
        let calendar_cell = Arc::new(CalendarCell(std::sync::RwLock::new(Arc::new(
            calendar.clone(),
        ))));
        let catalogue = Arc::new(Catalogue {
            repo: repo.clone(),
            versions: RwLock::new(HashMap::new()),
            records: RwLock::new(HashMap::new()),
        });
        Engine {
            powers: PersistedEventStore::new_event_store(repo.clone()),
            alerts: PersistedEventStore::new_event_store(repo.clone()),
            feedback: PersistedEventStore::new_event_store(repo.clone()),
            questions: PersistedEventStore::new_event_store(repo.clone()),
            orders: PersistedEventStore::new_event_store(repo.clone()),
            spot_checks: PersistedEventStore::new_event_store(repo.clone()),
            access: PersistedEventStore::new_event_store(repo.clone()),
            case_services: CaseServices {
                powers: catalogue.clone(),
                clock: clock.clone(),
                calendar: calendar_cell.clone(),
            },
            catalogue,
            calendar: calendar_cell,
            base_calendar: calendar,
            calendar_version: std::sync::atomic::AtomicI64::new(0),
            calendar_refresh: tokio::sync::Mutex::new(()),
            deadline_sweeps: std::sync::atomic::AtomicU64::new(0),
            clock,
            commits: Arc::new(tokio::sync::watch::Sender::new(0)),
            written: std::sync::Mutex::new(Cursor::default()),
            progress: Arc::new(tokio::sync::watch::Sender::new(Default::default())),
            runners: std::sync::Mutex::new(Vec::new()),
            rounds: Default::default(),
            alert_policy: projections::alerts::AlertPolicy::default(),
            notify: NotifySettings::default(),
            notifier: Notifier::default(),
            tail: Arc::new(crate::store::tail::Tail::new(
                repo.clone(),
                crate::store::tail::KEEP_BATCHES,
            )),
            known_alerts: Default::default(),
            recent_cases: RecentCases::new(CACHED_CASES.get()),
            cached_cases: CACHED_CASES,
            repo,
        }
    }

    /// The same engine keeping `cases` cases in each of its caches of case state: its
    /// commands', each view runner's, the alert raiser's. Set it before the followers start
    /// ([`Engine::start_projections`] and the alert raiser take it when they start).
    pub fn with_cached_cases(mut self, cases: std::num::NonZeroUsize) -> Self {
        self.cached_cases = cases;
        self.recent_cases = RecentCases::new(cases.get());
        self
    }

    /// How many cases each cache of case state keeps.
    pub fn cached_cases(&self) -> std::num::NonZeroUsize {
        self.cached_cases
    }

    /// The same engine with this jurisdiction's alert policy.
    pub fn with_alert_policy(mut self, policy: projections::alerts::AlertPolicy) -> Self {
        self.alert_policy = policy;
        self
    }

    /// The alert policy in force.
    pub fn alert_policy(&self) -> &projections::alerts::AlertPolicy {
        &self.alert_policy
    }

    /// The same engine telling applicants of their cases as `notify` says.
    pub fn with_notify(mut self, notify: NotifySettings) -> Self {
        self.notify = notify;
        self
    }

    /// How applicants are told of their cases.
    pub fn notify(&self) -> &NotifySettings {
        &self.notify
    }

    /// Keeps a background task with the projection tasks (stopped with them).
    pub fn adopt(&self, task: tokio::task::JoinHandle<()>) {
        if let Ok(mut runners) = self.runners.lock() {
            runners.push(task);
        }
    }

    /// Stops this process's projection tasks (their leases go with their connections), each
    /// between two of its writes (see [`Rounds`]); returns once they ended.
    pub async fn stop_projections(&self) {
        let _between_writes = self.rounds.write().await;
        let tasks: Vec<_> = match self.runners.lock() {
            Ok(mut runners) => runners.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for task in &tasks {
            task.abort();
        }
        for task in tasks {
            let _ = task.await;
        }
    }

    /// Held by the followers around each write (see [`Rounds`]).
    pub fn rounds(&self) -> &Rounds {
        &self.rounds
    }

    /// The log's tail this process's followers share.
    pub fn shared_tail(&self) -> Arc<crate::store::tail::Tail> {
        self.tail.clone()
    }

    /// Sent after every commit of this process (and of others, once the listener runs).
    pub fn commit_signal(&self) -> Arc<tokio::sync::watch::Sender<u64>> {
        self.commits.clone()
    }

    /// Where this process's view runners stand, for the runners to send to.
    pub fn shared_progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// This process's tag in commit announcements (its own are not news to it).
    pub fn process_tag(&self) -> &str {
        &self.notifier.tag
    }

    /// A receiver that changes after every commit of this process (and, on PostgreSQL, of
    /// other processes once the listener runs).
    pub fn subscribe_commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// Where this process's runners stand.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Makes reads wait until views include everything logged before this process started:
    /// a restarted server never serves views older than the log it found.
    pub async fn note_head(&self) -> Result<(), StoreError> {
        let head = self.repo.head().await?;
        if let Ok(mut w) = self.written.lock() {
            *w = (*w).max(head);
        }
        Ok(())
    }

    /// The newest event this process wrote.
    pub fn last_written(&self) -> Cursor {
        self.written.lock().map(|c| *c).unwrap_or_default()
    }

    /// Records a commit: remembers its cursor (returned by the append itself), wakes runners
    /// here and, through the notifier, in other processes.
    fn committed(&self, cursor: Cursor) {
        if let Ok(mut w) = self.written.lock() {
            *w = (*w).max(cursor);
        }
        self.commits.send_modify(|n| *n += 1);
        if let EventRepo::Postgres(crate::store::PgStore { pool, .. }) = &self.repo {
            self.notifier.wake(pool);
        }
    }

    /// Waits (bounded) until view `name` has applied everything this process wrote and
    /// `asked` (a position the caller has seen, or [`Cursor::default`]). Returns false if it
    /// did not catch up in time; the caller then serves what is there.
    pub async fn wait_for_view(&self, name: &str, asked: Cursor) -> bool {
        let target = self.last_written().max(asked);
        if target == Cursor::default() {
            return true;
        }
        let deadline = tokio::time::Instant::now() + VIEW_WAIT;
        let mut rx = self.progress.subscribe();
        loop {
            let local = rx.borrow_and_update().get(name).copied();
            let reached = match local {
                Some(c) => c >= target,
                // Run by another process: read its checkpoint.
                None => self
                    .repo
                    .checkpoint(name)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|cp| cp.cursor >= target),
            };
            if reached {
                return true;
            }
            let wait = if local.is_some() {
                tokio::time::timeout_at(deadline, rx.changed())
                    .await
                    .is_ok()
            } else {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                tokio::time::Instant::now() < deadline
            };
            if !wait || tokio::time::Instant::now() >= deadline {
                return false;
            }
        }
    }

    /// Alert ids this process knows exist (see [`crate::engine::cache::KnownAlerts`]).
    pub fn known_alerts(&self) -> &crate::engine::cache::KnownAlerts {
        &self.known_alerts
    }

    /// The store.
    pub fn repo(&self) -> &EventRepo {
        &self.repo
    }

    /// The log's tail as this process's followers read it.
    pub fn tail(&self) -> &crate::store::tail::Tail {
        &self.tail
    }

    /// The working-day calendar in force.
    pub fn calendar(&self) -> Arc<WorkingCalendar> {
        aggregates::case::CalendarSource::calendar(self.calendar.as_ref())
    }

    /// Deadline sweeps finished by this process (every open case judged against the clock).
    pub fn deadline_sweeps(&self) -> u64 {
        self.deadline_sweeps
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Counts a finished deadline sweep.
    pub(crate) fn note_deadline_sweep(&self) {
        self.deadline_sweeps
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Rebuilds the calendar in force when the store's loaded years changed (another server
    /// loaded one): the built-in years and files, then each loaded year. A stored year that no
    /// longer fits is skipped and logged. Returns whether anything changed.
    pub async fn refresh_calendar(&self) -> Result<bool, crate::store::StoreError> {
        use std::sync::atomic::Ordering;
        let _one_at_a_time = self.calendar_refresh.lock().await;
        let version = self.repo.calendar_version().await?;
        if version == self.calendar_version.load(Ordering::Acquire) {
            return Ok(false);
        }
        let mut calendar = self.base_calendar.clone();
        for stored in self.repo.calendar_years().await? {
            let added = WorkingCalendar::parse_year(&stored.content)
                .and_then(|year| calendar.add_year(year));
            if let Err(error) = added {
                tracing::error!(year = stored.year, %error, "a loaded calendar year was skipped");
            }
        }
        if let Ok(mut current) = self.calendar.0.write() {
            *current = Arc::new(calendar);
        }
        self.calendar_version.store(version, Ordering::Release);
        Ok(true)
    }

    /// Checks a year to load (导入年度节假日安排) against the calendar in force: every problem
    /// of the file, a missing source URL, and a date that contradicts a neighbouring year.
    /// Returns the calendar it would make.
    pub fn check_calendar_year(
        &self,
        year: &aggregates::calendar::CalendarYear,
    ) -> Result<WorkingCalendar, Vec<aggregates::calendar::YearProblem>> {
        use aggregates::calendar::{CalendarError, YearProblem};
        let mut problems = Vec::new();
        if year
            .source
            .url
            .as_deref()
            .is_none_or(|u| u.trim().is_empty())
        {
            problems.push(YearProblem::NoUrl);
        }
        let mut calendar = (*self.calendar()).clone();
        match calendar.add_year(year.clone()) {
            Ok(()) => {}
            Err(CalendarError::InvalidData { problems: found }) => problems.extend(found),
            Err(other) => {
                tracing::error!(error = %other, "unexpected calendar error");
                problems.push(YearProblem::YearOutOfRange(year.year));
            }
        }
        if problems.is_empty() {
            Ok(calendar)
        } else {
            Err(problems)
        }
    }

    /// Loads a year (checked with [`Engine::check_calendar_year`]) into the store, for every
    /// server of the deployment, and into this server's calendar at once.
    pub async fn load_calendar_year(
        &self,
        year: &aggregates::calendar::CalendarYear,
        loaded_by: &str,
    ) -> anyhow::Result<()> {
        // JSON (a YAML document too): every string quoted, so nothing in a year's text can
        // read back as YAML syntax.
        let content = serde_json::to_string(year)?;
        WorkingCalendar::parse_year(&content)?;
        self.repo
            .add_calendar_year(year.year, &content, loaded_by, self.now().timestamp())
            .await?;
        self.refresh_calendar().await?;
        Ok(())
    }

    /// Now.
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.clock.now()
    }

    /// Published powers.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Runs a power command.
    pub async fn execute_power(
        &self,
        code: &str,
        command: <Power as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<Vec<EventEnvelope<Power>>, AggregateError<<Power as Aggregate>::Error>> {
        // A version's forms must have been uploaded: checked against the store here, with the
        // version's own problems, all at once.
        if let PowerCommand::PublishPowerVersion { content, .. } = &command {
            let unstored = self
                .unstored_forms(content)
                .await
                .map_err(|e| AggregateError::UnexpectedError(Box::new(e)))?;
            if !unstored.is_empty() {
                let mut problems = content.validate_new().err().unwrap_or_default();
                problems.extend(unstored);
                return Err(AggregateError::UserError(
                    aggregates::power::PowerError::InvalidVersion { problems },
                ));
            }
        }
        let recorded = self.now().to_rfc3339();
        let (events, _) = self
            .execute(&self.powers, code, command, &(), meta.into_map(recorded))
            .await?;
        Ok(events)
    }

    /// Runs an alert command (raised by the system, handled by inspectors).
    pub async fn execute_alert(
        &self,
        id: &str,
        command: <Alert as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<Vec<EventEnvelope<Alert>>, AggregateError<<Alert as Aggregate>::Error>> {
        self.execute_plain(&self.alerts, id, command, meta).await
    }

    /// Runs a feedback command (complaints and ratings from the public) on case `id`'s feedback.
    pub async fn execute_feedback(
        &self,
        id: &CaseId,
        command: <Feedback as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<Vec<EventEnvelope<Feedback>>, AggregateError<<Feedback as Aggregate>::Error>> {
        self.execute_plain(&self.feedback, id, command, meta).await
    }

    /// Runs a command on question `id` (网上咨询).
    pub async fn execute_question(
        &self,
        id: &str,
        command: <Question as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<Vec<EventEnvelope<Question>>, AggregateError<<Question as Aggregate>::Error>> {
        self.execute_plain(&self.questions, id, command, meta).await
    }

    /// Runs a command on supervision order `id` (督办).
    pub async fn execute_order(
        &self,
        id: &str,
        command: <SupervisionOrder as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<
        Vec<EventEnvelope<SupervisionOrder>>,
        AggregateError<<SupervisionOrder as Aggregate>::Error>,
    > {
        self.execute_plain(&self.orders, id, command, meta).await
    }

    /// Runs a command on spot check `id` (抽查).
    pub async fn execute_spot_check(
        &self,
        id: &str,
        command: <SpotCheck as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<Vec<EventEnvelope<SpotCheck>>, AggregateError<<SpotCheck as Aggregate>::Error>>
    {
        self.execute_plain(&self.spot_checks, id, command, meta)
            .await
    }

    /// Records that `actor` read the personal data of case `case_id` (a stream of its own).
    pub async fn record_personal_data_read(
        &self,
        actor: aggregates::Actor,
        case_id: &CaseId,
        purpose: &str,
        meta: CommandMeta,
    ) -> Result<(), AggregateError<aggregates::access::DataAccessError>> {
        // `{case}:{uuid}`: the read's own stream, named so that views find its case by id.
        let id = format!("{case_id}:{}", uuid::Uuid::new_v4());
        let command = aggregates::access::DataAccessCommand::RecordRead {
            actor,
            case_id: case_id.to_string(),
            purpose: purpose.into(),
            at: self.now(),
        };
        let recorded = self.now().to_rfc3339();
        self.execute(&self.access, &id, command, &(), meta.into_map(recorded))
            .await?;
        Ok(())
    }

    /// Runs a case command.
    pub async fn execute_case(
        &self,
        id: &CaseId,
        command: <Case as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<Vec<EventEnvelope<Case>>, AggregateError<<Case as Aggregate>::Error>> {
        self.execute_case_with_state(id, command, meta)
            .await
            .map(|(events, _)| events)
    }

    /// Runs a case command; also answers with the case as the command left it (its loaded
    /// state with the new events applied), so the caller need not read it again.
    ///
    /// A case this process worked on recently starts from its state as the last command left
    /// it ([`RecentCases`]) instead of reading its stream again. If another process has
    /// appended since, the append conflicts; a refusal, or an outcome that appends nothing
    /// (and so is checked against nothing), may also come from a stale state: in each case the
    /// command is decided again on the stream read from the store, whose answer stands.
    pub async fn execute_case_with_state(
        &self,
        id: &CaseId,
        command: <Case as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<(Vec<EventEnvelope<Case>>, Case), AggregateError<<Case as Aggregate>::Error>> {
        let recent = self.recent_cases.get(id);
        self.decide_case(id, command, meta, recent).await
    }

    /// Runs a case command on a case id nobody has used yet (a freshly drawn tracking number):
    /// decided on an empty stream without reading it. Had the id been taken after all, the
    /// append conflicts and the command is decided again on the stream (which refuses a
    /// second opening).
    pub async fn execute_new_case(
        &self,
        id: &CaseId,
        command: <Case as Aggregate>::Command,
        meta: CommandMeta,
    ) -> Result<(Vec<EventEnvelope<Case>>, Case), AggregateError<<Case as Aggregate>::Error>> {
        self.decide_case(id, command, meta, Some((Case::default(), 0)))
            .await
    }

    /// Decides a case command on `recent` if given, else on the stream read from the store;
    /// a conflict, a refusal or an empty outcome on `recent` is decided again on the stream.
    async fn decide_case(
        &self,
        id: &str,
        command: <Case as Aggregate>::Command,
        meta: CommandMeta,
        mut recent: Option<(Case, usize)>,
    ) -> Result<(Vec<EventEnvelope<Case>>, Case), AggregateError<<Case as Aggregate>::Error>> {
        let recorded = self.now().to_rfc3339();
        let metadata = meta.into_map(recorded);
        loop {
            let from_recent = recent.is_some();
            let (case, sequence) = match recent.take() {
                Some(kept) => kept,
                None => self.load_case_state(id).await?,
            };
            let decided = self
                .decide(
                    case,
                    sequence,
                    id,
                    command.clone(),
                    &self.case_services,
                    metadata.clone(),
                )
                .await;
            match decided {
                // Nothing appended, so nothing checked the kept state against the stream:
                // decide again on the stream.
                Ok((events, _)) if from_recent && events.is_empty() => {
                    self.recent_cases.forget(id);
                }
                Ok(done) => {
                    let sequence = sequence + done.0.len();
                    if sequence > 0 {
                        self.recent_cases.keep(id, &done.1, sequence);
                    }
                    return Ok(done);
                }
                // Decided on a state that may be stale: decide again on the stream.
                Err(AggregateError::AggregateConflict | AggregateError::UserError(_))
                    if from_recent =>
                {
                    self.recent_cases.forget(id);
                }
                // The stream's answer, or the store failed (whether an append landed is then
                // not known: answered as such, never tried again).
                Err(e) => {
                    self.recent_cases.forget(id);
                    return Err(e);
                }
            }
        }
    }

    /// Loads the aggregate from its stream and [decides](Self::decide) the command.
    async fn execute<A>(
        &self,
        store: &PersistedEventStore<EventRepo, A>,
        id: &str,
        command: A::Command,
        services: &A::Services,
        metadata: HashMap<String, String>,
    ) -> Result<(Vec<EventEnvelope<A>>, A), AggregateError<A::Error>>
    where
        A: Aggregate,
    {
        let context = store.load_aggregate(id).await?;
        self.decide(
            context.aggregate,
            context.current_sequence,
            id,
            command,
            services,
            metadata,
        )
        .await
    }

    /// Runs `command` on stream `id` of `store` for an aggregate that needs no services, with
    /// `meta` recorded at the server's now: the shape every command but a case's and a power's
    /// takes.
    async fn execute_plain<A>(
        &self,
        store: &PersistedEventStore<EventRepo, A>,
        id: &str,
        command: A::Command,
        meta: CommandMeta,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>>
    where
        A: Aggregate<Services = ()>,
    {
        let recorded = self.now().to_rfc3339();
        let (events, _) = self
            .execute(store, id, command, &(), meta.into_map(recorded))
            .await?;
        Ok(events)
    }

    /// Handles the command on `aggregate` (whose last event is `sequence`) and appends its
    /// events with the store's optimistic check (as cqrs-es's `commit`, but the append returns
    /// the position written, so recording the commit costs no further round trip). Returns the
    /// events and the aggregate with them applied (by the sink, as the handler wrote them).
    async fn decide<A>(
        &self,
        mut aggregate: A,
        sequence: usize,
        id: &str,
        command: A::Command,
        services: &A::Services,
        metadata: HashMap<String, String>,
    ) -> Result<(Vec<EventEnvelope<A>>, A), AggregateError<A::Error>>
    where
        A: Aggregate,
    {
        let sink = EventSink::default();
        aggregate
            .handle(command, services, &sink)
            .await
            .map_err(AggregateError::UserError)?;
        let events = sink.collect().await;
        // `EventSink::write` applies each event as the handler writes it: this is the
        // aggregate as the command leaves it.
        let state = aggregate;
        if events.is_empty() {
            return Ok((Vec::new(), state));
        }
        let envelopes: Vec<EventEnvelope<A>> = events
            .into_iter()
            .zip(sequence + 1..)
            .map(|(payload, sequence)| EventEnvelope {
                aggregate_id: id.to_string(),
                sequence,
                payload,
                metadata: metadata.clone(),
            })
            .collect();
        let rows = envelopes
            .iter()
            .map(NewEvent::of)
            .collect::<Result<Vec<_>, _>>()
            .map_err(PersistenceError::from)?;
        let cursor = self.repo.append_new(rows).await?;
        self.committed(cursor);
        Ok((envelopes, state))
    }

    /// A case's state and the sequence of its last event, folded from its stream's payloads
    /// (a case that does not exist is `Case::default()` at 0).
    async fn load_case_state(&self, id: &str) -> Result<(Case, usize), PersistenceError> {
        let payloads = self
            .repo
            .payloads(Case::TYPE, id)
            .await
            .map_err(|e| match e {
                StoreError::Query(q) => crate::store::persistence(q),
                other => PersistenceError::UnknownError(Box::new(other)),
            })?;
        let mut case = Case::default();
        for payload in &payloads {
            case.apply(serde_json::from_str(payload)?);
        }
        Ok((case, payloads.len()))
    }

    /// Loads a case with its stored events; `None` if it does not exist.
    pub async fn load_case(
        &self,
        id: &CaseId,
    ) -> Result<Option<(Case, Vec<StoredEvent>)>, LoadError> {
        let events = self.repo.aggregate_events(Case::TYPE, id).await?;
        if events.is_empty() {
            return Ok(None);
        }
        let mut case = Case::default();
        for e in &events {
            case.apply(serde_json::from_value(e.payload.clone())?);
        }
        Ok(Some((case, events)))
    }
}

/// A stored aggregate could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored payload did not match its type.
    #[error("stored event does not decode: {0}")]
    Decode(#[from] serde_json::Error),
}

/// The catalogue as the case aggregate and the API read it. Versions are immutable and cached
/// forever. A power's record (status, versions) is cached with the sequence of its last event
/// and brought up to date on every read by the events after it (usually none: one small
/// indexed query), so a suspension takes effect at once, whichever process wrote it.
pub struct Catalogue {
    repo: EventRepo,
    versions: RwLock<HashMap<(String, u32), Arc<PublishedPower>>>,
    records: RwLock<HashMap<String, (i64, PowerRecord)>>,
}

/// A power with every version, as read from its events.
#[derive(Debug, Clone)]
pub struct PowerRecord {
    /// The aggregate state.
    pub power: Power,
    /// Every version, oldest first.
    pub versions: Vec<Arc<PublishedPower>>,
}

impl PowerRecord {
    /// The current (latest) version with the power's current status.
    pub fn current(&self) -> Option<PublishedPower> {
        self.versions.last().map(|v| PublishedPower {
            status: self.power.status,
            ..(**v).clone()
        })
    }
}

impl Catalogue {
    /// Reads a power and all its versions; `None` if not registered.
    pub async fn load(&self, code: &str) -> Result<Option<PowerRecord>, LoadError> {
        let cached = self.records.read().ok().and_then(|m| m.get(code).cloned());
        let after = cached.as_ref().map_or(0, |(sequence, _)| *sequence);
        let events = self
            .repo
            .aggregate_events_after(Power::TYPE, code, after)
            .await?;
        let Some(last) = events.last().map(|e| e.sequence) else {
            return Ok(cached.map(|(_, record)| record));
        };
        let (mut power, mut versions) = cached
            .map(|(_, r)| (r.power, r.versions))
            .unwrap_or_default();
        for stored in events {
            let event: PowerEvent = serde_json::from_value(stored.payload)?;
            if let PowerEvent::PowerVersionPublished {
                version,
                content_hash,
                content,
            } = &event
            {
                let cached = self
                    .versions
                    .read()
                    .ok()
                    .and_then(|m| m.get(&(code.to_string(), *version)).cloned());
                let published = match cached {
                    Some(p) => p,
                    None => {
                        let flowchart = content.validate().map_err(|problems| {
                            serde_json::Error::io(std::io::Error::other(format!(
                                "stored version {version} of {code} no longer validates: {problems:?}"
                            )))
                        })?;
                        let p = Arc::new(PublishedPower {
                            code: power.code.clone(),
                            name: power.name.clone(),
                            category: power.category.unwrap_or(aggregates::power::Category::Other),
                            department: power.department.clone(),
                            department_name: power.department_name.clone(),
                            status: PowerStatus::Active,
                            version: *version,
                            content_hash: content_hash.clone(),
                            content: (**content).clone(),
                            flowchart,
                        });
                        if let Ok(mut m) = self.versions.write() {
                            m.insert((code.to_string(), *version), p.clone());
                        }
                        p
                    }
                };
                versions.push(published);
            }
            power.apply(event);
        }
        let record = PowerRecord { power, versions };
        if let Ok(mut m) = self.records.write()
            && m.get(code).is_none_or(|(sequence, _)| *sequence < last)
        {
            m.insert(code.to_string(), (last, record.clone()));
        }
        Ok(Some(record))
    }

    /// One version of a power (cached: versions never change).
    pub async fn version_of(
        &self,
        code: &str,
        version: u32,
    ) -> Result<Option<Arc<PublishedPower>>, LoadError> {
        if let Some(p) = self
            .versions
            .read()
            .ok()
            .and_then(|m| m.get(&(code.to_string(), version)).cloned())
        {
            return Ok(Some(p));
        }
        Ok(self
            .load(code)
            .await?
            .and_then(|r| r.versions.iter().find(|v| v.version == version).cloned()))
    }

    /// Every registered power, in order of registration.
    pub async fn all(&self) -> Result<Vec<PowerRecord>, LoadError> {
        let mut out = Vec::new();
        for code in self.repo.aggregate_ids(Power::TYPE).await? {
            if let Some(record) = self.load(&code).await? {
                out.push(record);
            }
        }
        Ok(out)
    }
}

#[async_trait::async_trait]
impl PowerLookup for Catalogue {
    async fn current(&self, code: &str) -> Result<Option<Arc<PublishedPower>>, LookupError> {
        let record = self
            .load(code)
            .await
            .map_err(|e| LookupError(Box::new(e)))?;
        Ok(record.and_then(|r| r.current()).map(Arc::new))
    }

    async fn version(
        &self,
        code: &str,
        version: u32,
    ) -> Result<Option<Arc<PublishedPower>>, LookupError> {
        self.version_of(code, version)
            .await
            .map_err(|e| LookupError(Box::new(e)))
    }
}
