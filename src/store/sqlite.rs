use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions, QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::group::{self, AppendError, Pending, fail_all, failed};
use super::{Counts, Cursor, GroupCommits, NewEvent, StoreError, StoredEvent, decode_json};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite store: a pool for reads and for writes other than the commands' appends, and one
/// connection for the appends (see [`Writer`]).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Writer,
}

impl SqliteStore {
    /// The pool (reads, and writes outside the commands' appends).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// How many appends were written in how many transactions.
    pub fn group_commits(&self) -> GroupCommits {
        self.writer.counts.read()
    }

    /// Waits for this process's turn to write (see [`Writer`]). Take it before a pooled
    /// connection (every holder does: one order, no deadlock) and hold it across the write
    /// transaction. Not re-entrant: an append awaited while holding it never completes.
    pub async fn write_turn(&self) -> WriteTurn {
        WriteTurn(self.writer.conn.clone().lock_owned().await)
    }

    /// Runs `body` on a pooled connection under `synchronous = NORMAL`, in this process's turn
    /// to write (so the commands' group commits and every other writer queue in order instead
    /// of in SQLite's busy handler). The turn comes first, then the connection: a writer
    /// waiting for its turn holding a pooled connection would keep it from the requests' reads
    /// (measured: commands on SQLite 7,600/s → 4,700/s). For writes that need not wait for
    /// their own fsync: in WAL mode a commit at NORMAL stays consistent and becomes durable with
    /// the next commit at FULL (the WAL is written in order and synced whole); a power cut can
    /// lose the commits made since, each whole. Views' batches (derived state, folded again)
    /// and idempotency claims (see `store::idempotency`) are written so. The connection goes
    /// back to the pool at FULL; if it cannot be set back, or the caller drops this future
    /// before it could (a request whose client hung up), the connection is closed instead of
    /// going back at NORMAL.
    pub async fn relaxed<T, E: From<sqlx::Error>>(
        &self,
        body: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        let turn = self.write_turn().await;
        let mut conn = Relaxed(self.pool().acquire().await?, true);
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn.0)
            .await?;
        let out = body(&mut conn.0).await;
        drop(turn);
        if sqlx::query("PRAGMA synchronous = FULL")
            .execute(&mut *conn.0)
            .await
            .is_ok()
        {
            conn.1 = false;
        }
        out
    }
}

/// A pooled connection that may be at `synchronous = NORMAL` ([`SqliteStore::relaxed`]): while
/// the flag is set, dropping it closes the connection rather than return it to the pool.
struct Relaxed(sqlx::pool::PoolConnection<Sqlite>, bool);

impl Drop for Relaxed {
    fn drop(&mut self) {
        if self.1 {
            self.0.close_on_drop();
        }
    }
}

/// This process's turn at SQLite's single write lock, taken by [`SqliteStore::write_turn`].
pub struct WriteTurn(#[allow(dead_code)] OwnedMutexGuard<Option<SqliteConnection>>);

/// Creates the database file readable by its owner only (0600) if it does not exist yet, and
/// tightens an existing one: it holds parties' personal data. SQLite gives the `-wal` and
/// `-shm` files the database file's permissions.
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    // A write-ahead log or shared-memory file left by an earlier run keeps its old mode.
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        if std::path::Path::new(&side).exists() {
            std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

pub(super) async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
    owner_only(path).map_err(|e| StoreError::Connect(sqlx::Error::Io(e)))?;
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(StoreError::Connect)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit survives power loss, not only a process crash.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A file connection does not go stale: no ping on every acquire.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.clone())
        .await
        .map_err(StoreError::Connect)?;
    MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
    let conn = options.connect().await.map_err(StoreError::Connect)?;
    Ok(SqliteStore {
        pool,
        writer: Writer {
            conn: Arc::new(Mutex::new(Some(conn))),
            options: Arc::new(options),
            queue: Arc::default(),
            counts: Arc::default(),
        },
    })
}

/// Group commit of the commands' appends (SQLite has one writer at a time, and with
/// synchronous=FULL each commit waits for its fsync). An append queues its events and starts
/// a task that waits for the write connection; the task that gets it writes everything queued
/// by then, up to [`MAX_BATCH_ROWS`] events per statement: all of it in one `INSERT` (one
/// statement, one transaction, one fsync), or, when that fails on a constraint (some append's
/// optimistic check), each append in its own `INSERT` inside one transaction (a constraint
/// failure backs out that statement alone), and answers each once it is committed. The
/// connection's mutex is also this process's turn at the write lock: the followers (views,
/// the transparency log, the alert raiser's checkpoint) take it around their transactions
/// ([`SqliteStore::write_turn`]), so they and the appends queue here in order instead of in
/// SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries. (Rarer writers, such
/// as idempotency keys and accounts, still meet the lock there.) The writing task is spawned,
/// so a request dropped midway (a client gone) never leaves a batch half done; after an error
/// other than a constraint the connection is closed and the next batch opens a new one.
#[derive(Clone)]
struct Writer {
    conn: Arc<Mutex<Option<SqliteConnection>>>,
    options: Arc<SqliteConnectOptions>,
    queue: Arc<group::Queue>,
    counts: Arc<Counts>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// The most events written by one statement of the group commit (seven parameters each, under
/// SQLite's limit of 32,766).
const MAX_BATCH_ROWS: usize = 4_000;

impl Writer {
    async fn append(&self, rows: Vec<NewEvent>) -> Result<Cursor, AppendError> {
        let answer = self.queue.push(rows);
        let writer = self.clone();
        tokio::spawn(async move { writer.write_queued().await });
        group::answer(answer).await
    }

    /// Takes the write connection and writes batches until the queue is empty (it is already,
    /// when earlier tasks took this one's append along).
    async fn write_queued(&self) {
        let mut conn = self.conn.lock().await;
        loop {
            let batch = self.queue.next_batch(MAX_BATCH_ROWS);
            if batch.is_empty() {
                return;
            }
            self.counts.add(batch.len(), 1);
            let open = match conn.as_mut() {
                Some(open) => open,
                None => match self.options.connect().await {
                    Ok(open) => conn.insert(open),
                    Err(err) => {
                        fail_all(batch, &err);
                        continue;
                    }
                },
            };
            if !self.write(open, batch).await {
                // Closed on drop; the next batch opens another.
                *conn = None;
            }
        }
    }

    /// Writes one batch and answers each append; false when the connection should be closed
    /// (an error other than a constraint: its state is not known).
    async fn write(&self, conn: &mut SqliteConnection, batch: Vec<Pending>) -> bool {
        if batch.len() == 1 {
            let Pending { rows, reply } = batch.into_iter().next().expect("one");
            let result = insert(conn, &rows, true).await;
            let healthy = result.as_ref().map_or_else(is_constraint, |_| true);
            let _ = reply.send(result.map_err(AppendError::from));
            return healthy;
        }
        match insert_together(conn, &batch).await {
            Ok(cursors) => {
                for (p, cursor) in batch.into_iter().zip(cursors) {
                    let _ = p.reply.send(Ok(cursor));
                }
                true
            }
            // Some append conflicts: the statement wrote nothing; each is tried on its own.
            Err(err) if is_constraint(&err) => {
                self.counts.add(0, 1);
                write_one_by_one(conn, batch).await
            }
            Err(err) => {
                fail_all(batch, &err);
                false
            }
        }
    }
}

/// Whether SQLite refused a statement on a constraint (primary result code
/// `SQLITE_CONSTRAINT`): with the default `ABORT` it backs out that statement alone.
fn is_constraint(err: &sqlx::Error) -> bool {
    const SQLITE_CONSTRAINT: i32 = 19;
    match err {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == SQLITE_CONSTRAINT),
        _ => false,
    }
}

/// Every append of the batch in one `INSERT` (one statement is one transaction: one fsync, one
/// round trip to the connection's thread); each append's cursor, in the batch's order (rows
/// are matched by key: `RETURNING` promises no order). Fails whole if any append conflicts.
async fn insert_together(
    conn: &mut SqliteConnection,
    batch: &[Pending],
) -> Result<Vec<Cursor>, sqlx::Error> {
    let mut owner: HashMap<(&str, &str, i64), usize> = HashMap::new();
    for (i, p) in batch.iter().enumerate() {
        for r in &p.rows {
            owner.insert(r.key(), i);
        }
    }
    let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata, recorded_at) ",
    );
    builder.push_values(batch.iter().flat_map(|p| &p.rows), push_row);
    builder.push(" RETURNING aggregate_type, aggregate_id, sequence, tx, position");
    // Kept prepared, as sqlx does (its cache holds 100 statements per connection): batches
    // come in a few dozen sizes under load, and preparing one anew costs the writer more than
    // the insert.
    let written: Vec<(String, String, i64, i64, i64)> =
        builder.build_query_as().fetch_all(conn).await?;
    let mut cursors = vec![Cursor::default(); batch.len()];
    for (aggregate_type, aggregate_id, sequence, tx, position) in written {
        if let Some(&i) = owner.get(&(aggregate_type.as_str(), aggregate_id.as_str(), sequence)) {
            cursors[i] = cursors[i].max(Cursor { tx, position });
        }
    }
    Ok(cursors)
}

/// Writes a batch's appends one by one in one transaction; answers each once the transaction
/// is over (a refusal too: the append it clashed with may be one of this batch, which stands
/// only if the transaction commits). False when the connection should be closed. (A task
/// dropped midway, by a runtime shutting down, leaves the transaction to be rolled back before
/// the connection's next statement: sqlx's `Transaction` does so on drop.)
async fn write_one_by_one(conn: &mut SqliteConnection, batch: Vec<Pending>) -> bool {
    use sqlx::Connection;
    let mut tx = match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(err) => {
            fail_all(batch, &err);
            return false;
        }
    };
    let mut answers: Vec<(oneshot::Sender<_>, Result<Cursor, sqlx::Error>)> =
        Vec::with_capacity(batch.len());
    let mut batch = batch.into_iter();
    while let Some(Pending { rows, reply }) = batch.next() {
        match insert(&mut tx, &rows, false).await {
            Err(err) if !is_constraint(&err) => {
                let _ = tx.rollback().await;
                for (reply, _) in answers {
                    let _ = reply.send(Err(failed(&err).into()));
                }
                fail_all(batch, &err);
                let _ = reply.send(Err(err.into()));
                return false;
            }
            result => answers.push((reply, result)),
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (reply, result) in answers {
                let _ = reply.send(result.map_err(AppendError::from));
            }
            true
        }
        Err(err) => {
            for (reply, _) in answers {
                let _ = reply.send(Err(failed(&err).into()));
            }
            false
        }
    }
}

/// Binds one event's columns, as listed in the `INSERT`s here.
fn push_row<'a>(
    mut b: sqlx::query_builder::Separated<'_, 'a, Sqlite, &'static str>,
    r: &'a NewEvent,
) {
    b.push_bind(&r.aggregate_type)
        .push_bind(&r.aggregate_id)
        .push_bind(r.sequence)
        .push_bind(&r.event_type)
        .push_bind(&r.event_version)
        .push_bind(&r.payload)
        .push_bind(&r.metadata)
        .push_bind(&r.recorded_at);
}

/// One command's events in one statement; the place of the last one in the global order (from
/// `RETURNING`). `persistent`: keep the statement prepared (for the common sizes).
async fn insert(
    conn: &mut SqliteConnection,
    rows: &[NewEvent],
    persistent: bool,
) -> Result<Cursor, sqlx::Error> {
    let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata, recorded_at) ",
    );
    builder.push_values(rows, push_row);
    builder.push(" RETURNING tx, position");
    let rows: Vec<(i64, i64)> = builder
        .build_query_as()
        .persistent(persistent)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(tx, position)| Cursor { tx, position })
        .max()
        .unwrap_or_default())
}

const COLUMNS: &str = "position, tx, aggregate_type, aggregate_id, sequence, event_type, \
                       event_version, payload, metadata, recorded_at";
/// [`COLUMNS`] without the metadata (read as JSON null): the log's followers (views, the
/// alert raiser, the transparency log) and replays take payloads only.
const REPLAY_COLUMNS: &str = "position, tx, aggregate_type, aggregate_id, sequence, event_type, \
                              event_version, payload, 'null' AS metadata, recorded_at";

fn row_to_event(row: SqliteRow) -> Result<StoredEvent, sqlx::Error> {
    let payload: String = row.try_get("payload")?;
    let metadata: String = row.try_get("metadata")?;
    let recorded_at: String = row.try_get("recorded_at")?;
    Ok(StoredEvent {
        position: row.try_get("position")?,
        tx: row.try_get("tx")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload: decode_json(&payload)?,
        metadata: decode_json(&metadata)?,
        recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    })
}

pub(super) async fn aggregate_events(
    pool: &SqlitePool,
    aggregate_type: &str,
    aggregate_id: &str,
    after_sequence: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE aggregate_type = ?1 AND aggregate_id = ?2 \
         AND sequence > ?3 ORDER BY sequence"
    ))
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(after_sequence)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(row_to_event)
        .collect::<Result<_, _>>()?)
}

/// Every event of the aggregates `ids` of one type, by aggregate then sequence: one query.
pub(super) async fn events_of(
    pool: &SqlitePool,
    aggregate_type: &str,
    ids: &[String],
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {COLUMNS} FROM events WHERE aggregate_type = "
    ));
    q.push_bind(aggregate_type).push(" AND aggregate_id IN (");
    let mut ids_sep = q.separated(", ");
    for id in ids {
        ids_sep.push_bind(id);
    }
    q.push(") ORDER BY aggregate_id, sequence");
    let rows = q.build().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(row_to_event)
        .collect::<Result<_, _>>()?)
}

/// See [`super::EventRepo::stream_page`].
pub(super) async fn stream_page(
    pool: &SqlitePool,
    aggregate_type: &str,
    after: (&str, i64),
    upto: Cursor,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {REPLAY_COLUMNS} FROM events \
         WHERE aggregate_type = ?1 AND (aggregate_id, sequence) > (?2, ?3) AND position <= ?4 \
         ORDER BY aggregate_id, sequence LIMIT ?5"
    ))
    .bind(aggregate_type)
    .bind(after.0)
    .bind(after.1)
    .bind(upto.position)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(row_to_event)
        .collect::<Result<_, _>>()?)
}

pub(super) async fn read_after(
    pool: &SqlitePool,
    after: Cursor,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    // SQLite has one writer at a time and assigns positions inside the write lock, so a
    // committed position is never overtaken by a smaller one.
    let rows = sqlx::query(&format!(
        "SELECT {REPLAY_COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2"
    ))
    .bind(after.position)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(row_to_event)
        .collect::<Result<_, _>>()?)
}

/// Appends one command's events atomically, in a group commit with the appends queued beside
/// it (see [`Writer`]); returns the place of the last one in the global order.
pub(super) async fn append(
    store: &SqliteStore,
    events: Vec<NewEvent>,
) -> Result<Cursor, AppendError> {
    store.writer.append(events).await
}
