use std::str::FromStr;
use std::time::Duration;

use cqrs_es::persist::SerializedEvent;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{ConnectOptions, Connection, PgPool, Postgres, QueryBuilder, Row};

use super::{Cursor, StoreError, StoredEvent};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A pooled connection idle this long is pinged before it is handed out.
const PING_WHEN_IDLE: Duration = Duration::from_secs(1);

pub(super) async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(StoreError::Connect)?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        // A connection that was used a moment ago is handed out as it is (a ping on every
        // acquire would add a round trip to every statement); one idle for a while is
        // checked first, so connections left over from before a server restart are replaced
        // rather than failing a request.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(StoreError::Connect)?;
    MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
    Ok(pool)
}

/// Creates the database named in `url` if it does not exist (connecting to `postgres`).
pub async fn ensure_database(url: &str) -> Result<(), StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(StoreError::Connect)?;
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut admin = options
        .clone()
        .database("postgres")
        .connect()
        .await
        .map_err(StoreError::Connect)?;
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await?;
    if exists.is_none() {
        let quoted = name.replace('"', "\"\"");
        if let Err(e) = sqlx::query(&format!("CREATE DATABASE \"{quoted}\""))
            .execute(&mut admin)
            .await
        {
            // Another process may have created it meanwhile: "already exists" (42P04), or,
            // when both inserted into the catalogue at once, its unique index (23505).
            let raced = matches!(&e, sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("42P04" | "23505")));
            if !raced {
                return Err(e.into());
            }
        }
    }
    admin.close().await.ok();
    Ok(())
}

const COLUMNS: &str = "position, tx, aggregate_type, aggregate_id, sequence, event_type, \
                       event_version, payload, metadata, recorded_at";
/// [`COLUMNS`] without the metadata (read as JSON null): the log's followers (views, the
/// alert raiser, the transparency log) and replays take payloads only.
const REPLAY_COLUMNS: &str = "position, tx, aggregate_type, aggregate_id, sequence, event_type, \
                              event_version, payload, 'null'::jsonb AS metadata, recorded_at";

fn row_to_event(row: PgRow) -> Result<StoredEvent, sqlx::Error> {
    let Json(payload) = row.try_get("payload")?;
    let Json(metadata) = row.try_get("metadata")?;
    Ok(StoredEvent {
        position: row.try_get("position")?,
        tx: row.try_get("tx")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload,
        metadata,
        recorded_at: row.try_get("recorded_at")?,
    })
}

pub(super) async fn aggregate_events(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
    after_sequence: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 \
         AND sequence > $3 ORDER BY sequence"
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
    pool: &PgPool,
    aggregate_type: &str,
    ids: &[String],
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE aggregate_type = $1 AND aggregate_id = ANY($2) \
         ORDER BY aggregate_id, sequence"
    ))
    .bind(aggregate_type)
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(row_to_event)
        .collect::<Result<_, _>>()?)
}

/// See [`super::EventRepo::stream_page`].
pub(super) async fn stream_page(
    pool: &PgPool,
    aggregate_type: &str,
    after: (&str, i64),
    upto: Cursor,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {REPLAY_COLUMNS} FROM events \
         WHERE aggregate_type = $1 AND (aggregate_id, sequence) > ($2, $3) \
           AND (tx, position) <= ($4, $5) \
         ORDER BY aggregate_id, sequence LIMIT $6"
    ))
    .bind(aggregate_type)
    .bind(after.0)
    .bind(after.1)
    .bind(upto.tx)
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
    pool: &PgPool,
    after: Cursor,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    // Only rows of transactions older than every transaction still running: those rows are
    // final, and any row committed later has a larger tx than every row read here.
    let rows = sqlx::query(&format!(
        "SELECT {REPLAY_COLUMNS} FROM events \
         WHERE (tx, position) > ($1, $2) \
           AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
         ORDER BY tx, position LIMIT $3"
    ))
    .bind(after.tx)
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
/// global order (from `RETURNING`, so the caller needs no second round trip to learn it).
pub(super) async fn append(
    pool: &PgPool,
    events: &[SerializedEvent],
) -> Result<Cursor, sqlx::Error> {
    let mut builder: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata) ",
    );
    builder.push_values(events, |mut b, e| {
        b.push_bind(&e.aggregate_type)
            .push_bind(&e.aggregate_id)
            .push_bind(e.sequence as i64)
            .push_bind(&e.event_type)
            .push_bind(&e.event_version)
            .push_bind(Json(&e.payload))
            .push_bind(Json(&e.metadata));
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
