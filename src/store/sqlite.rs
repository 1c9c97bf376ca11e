use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cqrs_es::persist::SerializedEvent;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tokio::sync::oneshot;

use super::{Cursor, StoreError, StoredEvent, parse_json};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub(super) async fn open(path: &Path) -> Result<SqlitePool, StoreError> {
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
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(StoreError::Connect)?;
    MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
    Ok(pool)
}

const COLUMNS: &str = "position, tx, aggregate_type, aggregate_id, sequence, event_type, \
                       event_version, payload, metadata, recorded_at";

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
        payload: parse_json(&payload)?,
        metadata: parse_json(&metadata)?,
        recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    })
}

pub(super) async fn aggregate_events(
    pool: &SqlitePool,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE aggregate_type = ?1 AND aggregate_id = ?2 \
         ORDER BY sequence"
    ))
    .bind(aggregate_type)
    .bind(aggregate_id)
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
        "SELECT {COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2"
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

/// Appends one command's events; returns the place of the last one in the global order.
///
/// Group commit (成组提交): SQLite has one writer at a time and every durable commit costs an
/// fsync, so commands arriving together are written in one transaction. Each command queues
/// its events; whoever takes the writer lock next drains the queue and writes the whole batch
/// in a task of its own (so a caller that goes away cannot cut a batch short). Each command
/// gets a savepoint, so its optimistic-concurrency conflict (the unique key) or any other
/// failure rolls back only its own events and is answered to it alone; a command is answered
/// success only after the transaction holding it has committed (`synchronous=FULL`).
pub(super) async fn append(
    pool: &SqlitePool,
    events: &[SerializedEvent],
) -> Result<Cursor, sqlx::Error> {
    let group = group_of(pool);
    let (done, answer) = oneshot::channel();
    if let Ok(mut queue) = group.queue.lock() {
        queue.push(Queued {
            events: events.to_vec(),
            done,
        });
    }
    let writer = group.writer.clone().lock_owned().await;
    let batch = group
        .queue
        .lock()
        .map(|mut q| std::mem::take(&mut *q))
        .unwrap_or_default();
    if batch.is_empty() {
        // An earlier writer took this command with its batch.
        drop(writer);
    } else {
        let pool = pool.clone();
        tokio::spawn(async move {
            write_batch(&pool, batch).await;
            drop(writer);
        });
    }
    answer
        .await
        .unwrap_or_else(|_| Err(abandoned("the batch writer stopped")))
}

/// One command waiting in the group-commit queue.
struct Queued {
    events: Vec<SerializedEvent>,
    done: oneshot::Sender<Result<Cursor, sqlx::Error>>,
}

/// The group-commit queue and writer lock of one SQLite file.
#[derive(Default)]
struct Group {
    queue: std::sync::Mutex<Vec<Queued>>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

fn group_of(pool: &SqlitePool) -> Arc<Group> {
    static GROUPS: OnceLock<std::sync::Mutex<HashMap<PathBuf, Arc<Group>>>> = OnceLock::new();
    let path = pool.connect_options().get_filename().to_path_buf();
    let mut groups = GROUPS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    groups.entry(path).or_default().clone()
}

fn abandoned(why: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(why.to_string()))
}

/// Writes a batch in one transaction and answers every command in it.
async fn write_batch(pool: &SqlitePool, batch: Vec<Queued>) {
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            let why = e.to_string();
            for q in batch {
                let _ = q.done.send(Err(abandoned(&why)));
            }
            return;
        }
    };
    let mut results = Vec::with_capacity(batch.len());
    let mut waiting = Vec::with_capacity(batch.len());
    let mut broken = None;
    for q in batch {
        if broken.is_none() {
            match insert_one(&mut tx, &q.events).await {
                Ok(result) => results.push(result),
                Err(e) => broken = Some(e.to_string()),
            }
        }
        waiting.push(q.done);
    }
    if let Some(why) = broken {
        // A savepoint could not be taken, rolled back or released: nothing of the batch is
        // kept (dropping the transaction rolls it back) and every command is told so.
        drop(tx);
        for done in waiting {
            let _ = done.send(Err(abandoned(&why)));
        }
        return;
    }
    match tx.commit().await {
        Ok(()) => {
            for (done, result) in waiting.into_iter().zip(results) {
                let _ = done.send(result);
            }
        }
        Err(e) => {
            let why = e.to_string();
            for done in waiting {
                let _ = done.send(Err(abandoned(&why)));
            }
        }
    }
}

/// One command's events under a savepoint: all of them or none. The outer error means the
/// transaction itself is no longer usable; the inner one is this command's own answer.
async fn insert_one(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    events: &[SerializedEvent],
) -> Result<Result<Cursor, sqlx::Error>, sqlx::Error> {
    sqlx::query("SAVEPOINT command").execute(&mut **tx).await?;
    let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata) ",
    );
    builder.push_values(events, |mut b, e| {
        b.push_bind(&e.aggregate_type)
            .push_bind(&e.aggregate_id)
            .push_bind(e.sequence as i64)
            .push_bind(&e.event_type)
            .push_bind(&e.event_version)
            .push_bind(e.payload.to_string())
            .push_bind(e.metadata.to_string());
    });
    builder.push(" RETURNING tx, position");
    let inserted: Result<Vec<(i64, i64)>, sqlx::Error> =
        builder.build_query_as().fetch_all(&mut **tx).await;
    match inserted {
        Ok(rows) => {
            sqlx::query("RELEASE command").execute(&mut **tx).await?;
            Ok(Ok(rows
                .into_iter()
                .map(|(tx, position)| Cursor { tx, position })
                .max()
                .unwrap_or_default()))
        }
        Err(e) => {
            sqlx::query("ROLLBACK TO command")
                .execute(&mut **tx)
                .await?;
            sqlx::query("RELEASE command").execute(&mut **tx).await?;
            Ok(Err(e))
        }
    }
}
