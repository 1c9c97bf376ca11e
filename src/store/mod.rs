//! Event stores: SQLite (the embedded default) and PostgreSQL (production), one table shape.
//!
//! Both implement cqrs-es's `PersistedEventRepository`, so cqrs-es drives the aggregates over
//! either; [`EventRepo`] is an enum because that trait is not object-safe.
pub mod accounts;
pub mod cache;
pub mod calendar;
mod group;
pub mod idempotency;
pub mod lease;
pub mod materials;
pub mod notifications;
mod postgres;
mod sqlite;
pub mod statistics;
pub mod tail;
pub mod translog;
pub mod views;

/// The PostgreSQL channel commits are announced on across processes (`LISTEN`/`NOTIFY`).
pub const NOTIFY_CHANNEL: &str = "yangguang_events";

/// Announces a commit of the process tagged `tag` to the other processes (PostgreSQL).
pub async fn announce_commit(pool: &sqlx::PgPool, tag: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(NOTIFY_CHANNEL)
        .bind(tag)
        .execute(pool)
        .await
        .map(|_| ())
}

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::{Aggregate, DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use postgres::{PgStore, ensure_database};
pub use sqlite::{SqliteStore, WriteTurn};

/// The test database's store (`YANGGUANG_TEST_DATABASE_URL`, created if missing), for the
/// unit tests that need PostgreSQL.
#[cfg(test)]
pub(crate) async fn test_postgres() -> EventRepo {
    let url = std::env::var("YANGGUANG_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/yangguang_test".into());
    ensure_database(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {url}: {e}"));
    EventRepo::connect_postgres(&url, 2).await.unwrap()
}

/// A SQLite store in a temporary directory (kept while the guard lives), for the unit tests.
#[cfg(test)]
pub(crate) async fn test_sqlite() -> (EventRepo, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let repo = EventRepo::open_sqlite(&dir.path().join("events.db"))
        .await
        .unwrap();
    (repo, dir)
}

/// How many appends a store's group commit took and in how many transactions.
#[derive(Debug, Default)]
struct Counts {
    appends: std::sync::atomic::AtomicU64,
    transactions: std::sync::atomic::AtomicU64,
}

impl Counts {
    /// A batch of `appends` written in `transactions` more transactions.
    fn add(&self, appends: usize, transactions: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.appends.fetch_add(appends as u64, Relaxed);
        self.transactions.fetch_add(transactions, Relaxed);
    }

    fn read(&self) -> GroupCommits {
        use std::sync::atomic::Ordering::Relaxed;
        GroupCommits {
            appends: self.appends.load(Relaxed),
            transactions: self.transactions.load(Relaxed),
        }
    }
}

/// The group commit's figures since the store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCommits {
    /// Appends written (committed or refused).
    pub appends: u64,
    /// Transactions they were written in (a batch that conflicts counts again for each
    /// transaction of its appends written one by one).
    pub transactions: u64,
}

/// Where projections are in the global order: the pair (transaction, position). On SQLite the
/// transaction part is always 0, so this is just the position.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Cursor {
    /// Writing transaction id (PostgreSQL `pg_current_xact_id`), 0 on SQLite.
    pub tx: i64,
    /// Global position.
    pub position: i64,
}

impl std::fmt::Display for Cursor {
    /// `tx.position`, the form clients send back in `Yangguang-Min-Position`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.tx, self.position)
    }
}

impl std::str::FromStr for Cursor {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (tx, position) = s.split_once('.').ok_or("expected tx.position")?;
        Ok(Cursor {
            tx: tx.parse().map_err(|_| "tx is not a number")?,
            position: position.parse().map_err(|_| "position is not a number")?,
        })
    }
}

/// One event as stored, with its global position.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Global position (strictly increasing).
    pub position: i64,
    /// Writing transaction (0 on SQLite).
    pub tx: i64,
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence within the aggregate, from 1.
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// Event schema version.
    pub event_version: String,
    /// Payload.
    pub payload: Value,
    /// Metadata: actor, role, department, request id, recorded_at.
    pub metadata: Value,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
}

impl StoredEvent {
    /// The event as projections take it.
    pub fn record(&self) -> projections::EventRecord<'_> {
        projections::EventRecord {
            aggregate_type: &self.aggregate_type,
            aggregate_id: &self.aggregate_id,
            sequence: self.sequence,
            event_type: &self.event_type,
            payload: &self.payload,
            recorded_at: self.recorded_at,
        }
    }

    /// This event's place in the global order.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            tx: self.tx,
            position: self.position,
        }
    }
}

/// The configured event store.
#[derive(Clone, Debug)]
pub enum EventRepo {
    /// Embedded SQLite file.
    Sqlite(SqliteStore),
    /// PostgreSQL server.
    Postgres(PgStore),
}

/// Errors of opening a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Could not connect or open the file.
    #[error("cannot open the event store: {0}")]
    Connect(#[source] sqlx::Error),
    /// Migrations failed.
    #[error("cannot migrate the event store: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("event store query failed: {0}")]
    Query(#[from] sqlx::Error),
}

/// An append's failure as cqrs-es wants it: a lost optimistic check is a conflict (409).
fn append_failure(err: group::AppendError) -> PersistenceError {
    match err {
        group::AppendError::Conflict => PersistenceError::OptimisticLockError,
        group::AppendError::Database(e) => persistence(e),
    }
}

pub(crate) fn persistence(err: sqlx::Error) -> PersistenceError {
    match &err {
        sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => {
            PersistenceError::OptimisticLockError
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => PersistenceError::ConnectionError(Box::new(err)),
        _ => PersistenceError::UnknownError(Box::new(err)),
    }
}

/// Aggregates read per query by [`EventRepo::events_of`] (well under SQLite's limit of bound
/// parameters).
pub const EVENTS_OF_CHUNK: usize = 500;

/// How long a request waits for a PostgreSQL connection before it is answered 503. While
/// PostgreSQL is down every request waits this long (the pool retries connecting until then),
/// so it is short: an outage is reported fast, health checks included, and clients come back
/// after the 503's Retry-After.
const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

impl EventRepo {
    /// Opens (creating if needed) the SQLite store at `path`: WAL, synchronous=FULL.
    pub async fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        sqlite::open(path).await.map(EventRepo::Sqlite)
    }

    /// Connects to PostgreSQL and migrates.
    pub async fn connect_postgres(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        postgres::connect(url, max_connections, PG_ACQUIRE_TIMEOUT)
            .await
            .map(EventRepo::Postgres)
    }

    /// On SQLite, this process's turn at the single write lock (see
    /// [`SqliteStore::write_turn`]), to hold across a write outside the commands' appends;
    /// nothing on PostgreSQL.
    pub async fn write_turn(&self) -> Option<WriteTurn> {
        match self {
            EventRepo::Sqlite(store) => Some(store.write_turn().await),
            EventRepo::Postgres(_) => None,
        }
    }

    /// How many appends the store's group commit wrote in how many transactions.
    pub fn group_commits(&self) -> GroupCommits {
        match self {
            EventRepo::Sqlite(store) => store.group_commits(),
            EventRepo::Postgres(store) => store.group_commits(),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            EventRepo::Sqlite(_) => "sqlite",
            EventRepo::Postgres(_) => "postgres",
        }
    }

    /// Checks the store answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool.pool()).await?;
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Every event of one aggregate, in sequence order.
    pub async fn aggregate_events(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.aggregate_events_after(aggregate_type, aggregate_id, 0)
            .await
    }

    /// The events of one aggregate after sequence `after_sequence`, in sequence order (for a
    /// cached state brought up to date).
    pub async fn aggregate_events_after(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after_sequence: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        match self {
            EventRepo::Sqlite(pool) => {
                sqlite::aggregate_events(pool.pool(), aggregate_type, aggregate_id, after_sequence)
                    .await
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                postgres::aggregate_events(pool, aggregate_type, aggregate_id, after_sequence).await
            }
        }
    }

    /// The payloads of one aggregate's events, as JSON text, in sequence order: what a
    /// command needs to rebuild the aggregate's state (no metadata, no positions, no
    /// `serde_json::Value` in between).
    pub async fn payloads(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> =
            match self {
                EventRepo::Sqlite(store) => sqlx::query_as(
                    "SELECT payload FROM events WHERE aggregate_type = ?1 AND aggregate_id = ?2 \
                     ORDER BY sequence",
                )
                .bind(aggregate_type)
                .bind(aggregate_id)
                .fetch_all(store.pool())
                .await?,
                EventRepo::Postgres(PgStore { pool, .. }) => {
                    sqlx::query_as(
                        "SELECT payload::text FROM events WHERE aggregate_type = $1 \
                     AND aggregate_id = $2 ORDER BY sequence",
                    )
                    .bind(aggregate_type)
                    .bind(aggregate_id)
                    .fetch_all(pool)
                    .await?
                }
            };
        Ok(rows.into_iter().map(|(payload,)| payload).collect())
    }

    /// Every event of the aggregates `ids` of one type, grouped by aggregate (each in sequence
    /// order; an id with no events is absent). One query per [`EVENTS_OF_CHUNK`] ids.
    pub async fn events_of(
        &self,
        aggregate_type: &str,
        ids: &[String],
    ) -> Result<std::collections::BTreeMap<String, Vec<StoredEvent>>, StoreError> {
        let mut out: std::collections::BTreeMap<String, Vec<StoredEvent>> = Default::default();
        for chunk in ids.chunks(EVENTS_OF_CHUNK) {
            let events = match self {
                EventRepo::Sqlite(pool) => {
                    sqlite::events_of(pool.pool(), aggregate_type, chunk).await?
                }
                EventRepo::Postgres(PgStore { pool, .. }) => {
                    postgres::events_of(pool, aggregate_type, chunk).await?
                }
            };
            for e in events {
                out.entry(e.aggregate_id.clone()).or_default().push(e);
            }
        }
        Ok(out)
    }

    /// Ids of every aggregate of a type, in order of first appearance.
    pub async fn aggregate_ids(&self, aggregate_type: &str) -> Result<Vec<String>, StoreError> {
        let ids: Vec<(String,)> =
            match self {
                EventRepo::Sqlite(pool) => sqlx::query_as(
                    "SELECT aggregate_id FROM events WHERE aggregate_type = ?1 AND sequence = 1 \
                     ORDER BY position",
                )
                .bind(aggregate_type)
                .fetch_all(pool.pool())
                .await?,
                EventRepo::Postgres(PgStore { pool, .. }) => sqlx::query_as(
                    "SELECT aggregate_id FROM events WHERE aggregate_type = $1 AND sequence = 1 \
                     ORDER BY position",
                )
                .bind(aggregate_type)
                .fetch_all(pool)
                .await?,
            };
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    /// Up to `limit` events of one aggregate type after `after` (an aggregate id and sequence)
    /// in the order of (aggregate id, sequence), among the events at or before `upto` in the
    /// global order: a replay stream by stream up to a head read first (`("", 0)` starts it).
    /// The events' metadata is not read (it is JSON null): folds take payloads only.
    pub async fn stream_page(
        &self,
        aggregate_type: &str,
        after: (&str, i64),
        upto: Cursor,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        match self {
            EventRepo::Sqlite(pool) => {
                sqlite::stream_page(pool.pool(), aggregate_type, after, upto, limit).await
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                postgres::stream_page(pool, aggregate_type, after, upto, limit).await
            }
        }
    }

    /// Up to `limit` events after `after` in the global order, gap-safe: an event committed
    /// later never lands behind a cursor already handed out. For the log's followers, which
    /// take payloads only: the metadata is not read (it is JSON null).
    pub async fn read_after(
        &self,
        after: Cursor,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        match self {
            EventRepo::Sqlite(pool) => sqlite::read_after(pool.pool(), after, limit).await,
            EventRepo::Postgres(PgStore { pool, .. }) => {
                postgres::read_after(pool, after, limit).await
            }
        }
    }
}

/// An event as the stores write it: its columns, with its payload and metadata as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The aggregate's type.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: String,
    /// Its place in the aggregate's stream (from 1).
    pub sequence: i64,
    /// The event's type.
    pub event_type: String,
    /// The event's version.
    pub event_version: String,
    /// The payload, JSON text.
    pub payload: String,
    /// The metadata, JSON text.
    pub metadata: String,
    /// When it was recorded (the `recorded_at` column), as UTC text with milliseconds
    /// (`2026-11-02T01:00:00.000Z`, the form SQLite's default writes): the `recorded_at` of
    /// the metadata, which the engine takes from its clock, so that one clock dates a
    /// command's events and the rules that judge them; the system clock when it has none.
    pub recorded_at: String,
}

/// The `recorded_at` column's text for a metadata `recorded_at` (RFC 3339), or for now.
fn recorded_at_text(metadata_recorded_at: Option<&str>) -> String {
    metadata_recorded_at
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.with_timezone(&chrono::Utc))
        .unwrap_or_else(chrono::Utc::now)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl NewEvent {
    /// A command's event as it is written: serialized straight from the typed event to text
    /// (cqrs-es's `SerializedEvent` goes through a `serde_json::Value`, which the stores
    /// would then print again).
    pub fn of<A: Aggregate>(envelope: &EventEnvelope<A>) -> Result<Self, serde_json::Error> {
        Ok(NewEvent {
            aggregate_type: A::TYPE.to_string(),
            aggregate_id: envelope.aggregate_id.clone(),
            sequence: envelope.sequence as i64,
            event_type: envelope.payload.event_type(),
            event_version: envelope.payload.event_version(),
            payload: serde_json::to_string(&envelope.payload)?,
            metadata: serde_json::to_string(&envelope.metadata)?,
            recorded_at: recorded_at_text(envelope.metadata.get("recorded_at").map(String::as_str)),
        })
    }

    /// The unique key: aggregate type, aggregate id, sequence.
    fn key(&self) -> (&str, &str, i64) {
        (&self.aggregate_type, &self.aggregate_id, self.sequence)
    }
}

impl From<&SerializedEvent> for NewEvent {
    fn from(e: &SerializedEvent) -> Self {
        NewEvent {
            aggregate_type: e.aggregate_type.clone(),
            aggregate_id: e.aggregate_id.clone(),
            sequence: e.sequence as i64,
            event_type: e.event_type.clone(),
            event_version: e.event_version.clone(),
            payload: e.payload.to_string(),
            metadata: e.metadata.to_string(),
            recorded_at: recorded_at_text(e.metadata.get("recorded_at").and_then(|v| v.as_str())),
        }
    }
}

impl EventRepo {
    /// The newest committed event's cursor, whether or not every earlier transaction has
    /// committed yet (unlike the views' safe head): no position a command answered with is
    /// beyond it.
    pub async fn newest_committed(&self) -> Result<Cursor, StoreError> {
        let row: Option<(i64, i64)> = match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query_as("SELECT tx, position FROM events ORDER BY position DESC LIMIT 1")
                    .fetch_optional(pool.pool())
                    .await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(
                    "SELECT tx, position FROM events ORDER BY tx DESC, position DESC LIMIT 1",
                )
                .fetch_optional(pool)
                .await?
            }
        };
        Ok(row
            .map(|(tx, position)| Cursor { tx, position })
            .unwrap_or_default())
    }

    /// Appends one command's events atomically (the unique `(aggregate_type, aggregate_id,
    /// sequence)` key makes a concurrent writer's append fail with `OptimisticLockError`);
    /// returns the place of the last event in the global order.
    pub async fn append(&self, events: &[SerializedEvent]) -> Result<Cursor, PersistenceError> {
        self.append_new(events.iter().map(NewEvent::from).collect())
            .await
    }

    /// [`Self::append`] of events already in the form the stores write.
    pub async fn append_new(&self, events: Vec<NewEvent>) -> Result<Cursor, PersistenceError> {
        if events.is_empty() {
            return Ok(Cursor::default());
        }
        match self {
            EventRepo::Sqlite(pool) => sqlite::append(pool, events).await,
            EventRepo::Postgres(store) => postgres::append(store, events).await,
        }
        .map_err(append_failure)
    }
}

impl PersistedEventRepository for EventRepo {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.get_last_events::<A>(aggregate_id, 0).await
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let events = self
            .aggregate_events_after(A::TYPE, aggregate_id, last_sequence as i64)
            .await
            .map_err(|e| match e {
                StoreError::Query(q) => persistence(q),
                other => PersistenceError::UnknownError(Box::new(other)),
            })?;
        Ok(events
            .into_iter()
            .map(|e| SerializedEvent {
                aggregate_id: e.aggregate_id,
                sequence: e.sequence as usize,
                aggregate_type: e.aggregate_type,
                event_type: e.event_type,
                event_version: e.event_version,
                payload: e.payload,
                metadata: e.metadata,
            })
            .collect())
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        _aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        // Aggregates here are short event streams; no snapshots.
        Ok(None)
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        _snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        if events.is_empty() {
            return Ok(());
        }
        self.append(events).await.map(|_| ())
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let events = self.get_events::<A>(aggregate_id).await?;
        stream(events).await
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        let mut all = Vec::new();
        for id in self
            .aggregate_ids(A::TYPE)
            .await
            .map_err(|e| PersistenceError::UnknownError(Box::new(e)))?
        {
            all.extend(self.get_events::<A>(&id).await?);
        }
        stream(all).await
    }
}

async fn stream(events: Vec<SerializedEvent>) -> Result<ReplayStream, PersistenceError> {
    let (mut feed, stream) = ReplayStream::new(events.len().max(1));
    for event in events {
        feed.push(Ok(event)).await?;
    }
    Ok(stream)
}

/// Decodes stored JSON text into `T` (a view document, or a metadata/payload column that SQLite
/// stores as text); a failure is a decode error of the query that read it.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
