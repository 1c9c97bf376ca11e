use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cqrs_es::persist::SerializedEvent;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::{Cursor, StoreError, StoredEvent, decode_json};

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
        // A file connection does not go stale: no ping on every acquire.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(StoreError::Connect)?;
    MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
    Ok(pool)
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

/// Appends one command's events in one statement; returns the place of the last one in the
/// global order (from `RETURNING`).
pub(super) async fn append(
    pool: &SqlitePool,
    events: &[SerializedEvent],
) -> Result<Cursor, sqlx::Error> {
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
    // One statement, one implicit transaction: all events of a command or none.
    let rows: Vec<(i64, i64)> = builder.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(tx, position)| Cursor { tx, position })
        .max()
        .unwrap_or_default())
}
