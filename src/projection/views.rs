//! Storage of read models: documents by (projection, key), listed by part, and checkpoints.
//! A batch of document changes and the new checkpoint are written in one transaction.
use std::collections::HashMap;

use projections::{EventRecord, Projection};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite, SqlitePool};

use crate::store::{Cursor, EventRepo, StoreError, StoredEvent};

/// A projection's checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Projection name.
    pub name: String,
    /// Version of the fold that wrote it.
    pub version: i32,
    /// Place in the global order.
    pub cursor: Cursor,
}

/// Applies `events` to the documents they touch: pure, shared by both stores.
pub(crate) fn fold(
    projection: &dyn Projection,
    events: &[StoredEvent],
    mut docs: HashMap<String, Option<Value>>,
) -> Result<HashMap<String, (String, Value)>, String> {
    let mut changed: HashMap<String, (String, Value)> = HashMap::new();
    for stored in events {
        let record = EventRecord {
            aggregate_type: stored.aggregate_type.clone(),
            aggregate_id: stored.aggregate_id.clone(),
            sequence: stored.sequence,
            event_type: stored.event_type.clone(),
            payload: stored.payload.clone(),
            recorded_at: stored.recorded_at,
        };
        let Some(key) = projection.key(&record) else {
            continue;
        };
        let current = docs.remove(&key).flatten();
        let (part, doc) = projection
            .apply(current, &record)
            .map_err(|e| format!("{} at position {}: {e}", projection.name(), stored.position))?;
        docs.insert(key.clone(), Some(doc.clone()));
        changed.insert(key, (part, doc));
    }
    Ok(changed)
}

fn keys_of(projection: &dyn Projection, events: &[StoredEvent]) -> Vec<String> {
    let mut keys: Vec<String> = events
        .iter()
        .filter_map(|e| {
            projection.key(&EventRecord {
                aggregate_type: e.aggregate_type.clone(),
                aggregate_id: e.aggregate_id.clone(),
                sequence: e.sequence,
                event_type: e.event_type.clone(),
                payload: Value::Null,
                recorded_at: e.recorded_at,
            })
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Why a batch could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    /// The checkpoint is not where this runner left it (another runner advanced it); the
    /// batch was rolled back.
    #[error("the checkpoint moved under this runner")]
    Moved,
    /// An event did not fold (a bug or a payload the fold does not know).
    #[error("projection failed: {0}")]
    Fold(String),
}

/// Applies a batch on SQLite under an immediate write lock (a deferred transaction that reads
/// first would fail to upgrade when a command commits in between).
pub(crate) async fn apply_batch_sqlite(
    pool: &SqlitePool,
    projection: &dyn Projection,
    target: &str,
    events: &[StoredEvent],
    from: Cursor,
    cursor: Cursor,
) -> Result<(), ApplyError> {
    // A view is derived state: its batches need not wait for their own fsync (WAL with
    // synchronous=NORMAL stays consistent; a power cut can lose the last batches, documents
    // and checkpoint together, and the runner folds those events again). The connection goes
    // back to the pool at FULL, or is closed.
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA synchronous = NORMAL")
        .execute(&mut *conn)
        .await?;
    let applied = apply_batch_sqlite_on(&mut conn, projection, target, events, from, cursor).await;
    if sqlx::query("PRAGMA synchronous = FULL")
        .execute(&mut *conn)
        .await
        .is_err()
    {
        conn.close_on_drop();
    }
    applied
}

async fn apply_batch_sqlite_on(
    conn: &mut sqlx::SqliteConnection,
    projection: &dyn Projection,
    target: &str,
    events: &[StoredEvent],
    from: Cursor,
    cursor: Cursor,
) -> Result<(), ApplyError> {
    use sqlx::Connection;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let keys = keys_of(projection, events);
    let mut docs: HashMap<String, Option<Value>> = keys.iter().map(|k| (k.clone(), None)).collect();
    if !keys.is_empty() {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT key, doc FROM view_docs WHERE projection = ");
        q.push_bind(target).push(" AND key IN (");
        let mut sep = q.separated(", ");
        for k in &keys {
            sep.push_bind(k);
        }
        q.push(")");
        for row in q.build().fetch_all(&mut *tx).await? {
            let key: String = row.try_get("key")?;
            let doc: String = row.try_get("doc")?;
            docs.insert(key, Some(crate::store::parse_json(&doc)?));
        }
    }
    let changed = fold(projection, events, docs).map_err(ApplyError::Fold)?;
    if !changed.is_empty() {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO view_docs (projection, key, part, doc) ");
        q.push_values(changed.iter(), |mut b, (key, (part, doc))| {
            b.push_bind(target)
                .push_bind(key)
                .push_bind(part)
                .push_bind(doc.to_string());
        });
        q.push(
            " ON CONFLICT (projection, key) DO UPDATE SET part = excluded.part, doc = excluded.doc",
        );
        q.build().execute(&mut *tx).await?;
    }
    let moved = if from == Cursor::default() {
        sqlx::query(
            "INSERT INTO projection_checkpoints (name, version, tx, position) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(target)
        .bind(projection.version())
        .bind(cursor.tx)
        .bind(cursor.position)
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE projection_checkpoints SET version = ?2, tx = ?3, position = ?4, \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE name = ?1 AND tx = ?5 AND position = ?6",
        )
        .bind(target)
        .bind(projection.version())
        .bind(cursor.tx)
        .bind(cursor.position)
        .bind(from.tx)
        .bind(from.position)
        .execute(&mut *tx)
        .await?
    };
    if moved.rows_affected() != 1 {
        // Another runner moved the checkpoint since we read it: drop this batch.
        return Err(ApplyError::Moved);
    }
    tx.commit().await?;
    Ok(())
}

/// Applies a batch on PostgreSQL over the connection that holds the projection's lease, so a
/// lost lease (a dropped connection) also aborts the transaction.
pub(crate) async fn apply_batch_pg(
    conn: &mut sqlx::PgConnection,
    projection: &dyn Projection,
    target: &str,
    events: &[StoredEvent],
    from: Cursor,
    cursor: Cursor,
) -> Result<(), ApplyError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let keys = keys_of(projection, events);
    let mut docs: HashMap<String, Option<Value>> = keys.iter().map(|k| (k.clone(), None)).collect();
    if !keys.is_empty() {
        let rows = sqlx::query(
            "SELECT key, doc FROM view_docs WHERE projection = $1 AND key = ANY($2) FOR UPDATE",
        )
        .bind(target)
        .bind(&keys)
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let key: String = row.try_get("key")?;
            let Json(doc): Json<Value> = row.try_get("doc")?;
            docs.insert(key, Some(doc));
        }
    }
    let changed = fold(projection, events, docs).map_err(ApplyError::Fold)?;
    if !changed.is_empty() {
        let mut q: QueryBuilder<Postgres> =
            QueryBuilder::new("INSERT INTO view_docs (projection, key, part, doc) ");
        q.push_values(changed.iter(), |mut b, (key, (part, doc))| {
            b.push_bind(target)
                .push_bind(key)
                .push_bind(part)
                .push_bind(Json(doc));
        });
        q.push(
            " ON CONFLICT (projection, key) DO UPDATE SET part = excluded.part, doc = excluded.doc",
        );
        q.build().execute(&mut *tx).await?;
    }
    let moved = if from == Cursor::default() {
        sqlx::query(
            "INSERT INTO projection_checkpoints (name, version, tx, position) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(target)
        .bind(projection.version())
        .bind(cursor.tx)
        .bind(cursor.position)
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE projection_checkpoints SET version = $2, tx = $3, position = $4, updated_at = now() \
             WHERE name = $1 AND tx = $5 AND position = $6",
        )
        .bind(target)
        .bind(projection.version())
        .bind(cursor.tx)
        .bind(cursor.position)
        .bind(from.tx)
        .bind(from.position)
        .execute(&mut *tx)
        .await?
    };
    if moved.rows_affected() != 1 {
        // Another runner moved the checkpoint since we read it: drop this batch.
        return Err(ApplyError::Moved);
    }
    tx.commit().await?;
    Ok(())
}

impl EventRepo {
    /// A projection's checkpoint, if it has one.
    pub async fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, StoreError> {
        let row: Option<(i32, i64, i64)> = match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT version, tx, position FROM projection_checkpoints WHERE name = ?1",
                )
                .bind(name)
                .fetch_optional(pool)
                .await?
            }
            EventRepo::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT version, tx, position FROM projection_checkpoints WHERE name = $1",
                )
                .bind(name)
                .fetch_optional(pool)
                .await?
            }
        };
        Ok(row.map(|(version, tx, position)| Checkpoint {
            name: name.to_string(),
            version,
            cursor: Cursor { tx, position },
        }))
    }

    /// Saves a checkpoint outside any view batch (consumers that only raise commands, whose
    /// effects are idempotent).
    pub async fn save_checkpoint(
        &self,
        name: &str,
        version: i32,
        cursor: Cursor,
    ) -> Result<(), StoreError> {
        match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO projection_checkpoints (name, version, tx, position) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (name) DO UPDATE SET version = excluded.version, tx = excluded.tx, \
                     position = excluded.position, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                )
                .bind(name)
                .bind(version)
                .bind(cursor.tx)
                .bind(cursor.position)
                .execute(pool)
                .await?;
            }
            EventRepo::Postgres(pool) => {
                // Committed without waiting for the WAL flush (`set_config(.., true)` holds
                // for this statement's own transaction): a checkpoint lost in a crash only
                // makes its consumer raise the same idempotent commands again.
                sqlx::query(
                    "INSERT INTO projection_checkpoints (name, version, tx, position) \
                     SELECT $1, $2, $3, $4 \
                     FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed \
                     ON CONFLICT (name) DO UPDATE SET version = excluded.version, tx = excluded.tx, \
                     position = excluded.position, updated_at = now()",
                )
                .bind(name)
                .bind(version)
                .bind(cursor.tx)
                .bind(cursor.position)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// One document of a view.
    pub async fn view_doc(&self, projection: &str, key: &str) -> Result<Option<Value>, StoreError> {
        Ok(match self {
            EventRepo::Sqlite(pool) => {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT doc FROM view_docs WHERE projection = ?1 AND key = ?2")
                        .bind(projection)
                        .bind(key)
                        .fetch_optional(pool)
                        .await?;
                row.map(|(d,)| crate::store::parse_json(&d)).transpose()?
            }
            EventRepo::Postgres(pool) => {
                let row: Option<(Json<Value>,)> =
                    sqlx::query_as("SELECT doc FROM view_docs WHERE projection = $1 AND key = $2")
                        .bind(projection)
                        .bind(key)
                        .fetch_optional(pool)
                        .await?;
                row.map(|(Json(d),)| d)
            }
        })
    }

    /// Every document of a view, or those of one part, by key.
    pub async fn view_docs(
        &self,
        projection: &str,
        part: Option<&str>,
    ) -> Result<Vec<Value>, StoreError> {
        Ok(match self {
            EventRepo::Sqlite(pool) => {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT doc FROM view_docs WHERE projection = ?1 AND (?2 IS NULL OR part = ?2) \
                     ORDER BY key",
                )
                .bind(projection)
                .bind(part)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|(d,)| crate::store::parse_json(d))
                    .collect::<Result<_, _>>()?
            }
            EventRepo::Postgres(pool) => {
                let rows: Vec<(Json<Value>,)> = sqlx::query_as(
                    "SELECT doc FROM view_docs WHERE projection = $1 AND ($2::text IS NULL OR part = $2) \
                     ORDER BY key",
                )
                .bind(projection)
                .bind(part)
                .fetch_all(pool)
                .await?;
                rows.into_iter().map(|(Json(d),)| d).collect()
            }
        })
    }

    /// Drops a view's documents and checkpoint (before a rebuild from zero).
    pub async fn reset_view(&self, name: &str) -> Result<(), StoreError> {
        match self {
            EventRepo::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query("DELETE FROM view_docs WHERE projection = ?1")
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM projection_checkpoints WHERE name = ?1")
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            EventRepo::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("DELETE FROM view_docs WHERE projection = $1")
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM projection_checkpoints WHERE name = $1")
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Replaces view `name` by the rebuilt view `shadow` in one transaction.
    pub async fn swap_view(&self, name: &str, shadow: &str) -> Result<(), StoreError> {
        // (sql, binds shadow too)
        let statements: [(&str, bool); 4] = [
            ("DELETE FROM view_docs WHERE projection = {name}", false),
            (
                "UPDATE view_docs SET projection = {name} WHERE projection = {shadow}",
                true,
            ),
            (
                "DELETE FROM projection_checkpoints WHERE name = {name}",
                false,
            ),
            (
                "UPDATE projection_checkpoints SET name = {name} WHERE name = {shadow}",
                true,
            ),
        ];
        match self {
            EventRepo::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                for (sql, both) in statements {
                    let sql = sql.replace("{name}", "?1").replace("{shadow}", "?2");
                    let q = sqlx::query(&sql).bind(name);
                    let q = if both { q.bind(shadow) } else { q };
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            EventRepo::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                for (sql, both) in statements {
                    let sql = sql.replace("{name}", "$1").replace("{shadow}", "$2");
                    let q = sqlx::query(&sql).bind(name);
                    let q = if both { q.bind(shadow) } else { q };
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The newest cursor in the log that readers may see now (the head for lag figures).
    pub async fn head(&self) -> Result<Cursor, StoreError> {
        let row: Option<(i64, i64)> = match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query_as("SELECT tx, position FROM events ORDER BY position DESC LIMIT 1")
                    .fetch_optional(pool)
                    .await?
            }
            EventRepo::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT tx, position FROM events \
                     WHERE tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
                     ORDER BY tx DESC, position DESC LIMIT 1",
                )
                .fetch_optional(pool)
                .await?
            }
        };
        Ok(row
            .map(|(tx, position)| Cursor { tx, position })
            .unwrap_or_default())
    }

    /// Number of events strictly after `cursor` (for lag and progress).
    pub async fn count_after(&self, cursor: Cursor) -> Result<i64, StoreError> {
        let (n,): (i64,) = match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query_as("SELECT COUNT(*) FROM events WHERE position > ?1")
                    .bind(cursor.position)
                    .fetch_one(pool)
                    .await?
            }
            EventRepo::Postgres(pool) => {
                sqlx::query_as("SELECT COUNT(*) FROM events WHERE (tx, position) > ($1, $2)")
                    .bind(cursor.tx)
                    .bind(cursor.position)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(n)
    }

    /// The cursor of one stored event.
    pub async fn cursor_of(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
    ) -> Result<Option<Cursor>, StoreError> {
        let row: Option<(i64, i64)> = match self {
            EventRepo::Sqlite(pool) => sqlx::query_as(
                "SELECT tx, position FROM events WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND sequence = ?3",
            )
            .bind(aggregate_type)
            .bind(aggregate_id)
            .bind(sequence)
            .fetch_optional(pool)
            .await?,
            EventRepo::Postgres(pool) => sqlx::query_as(
                "SELECT tx, position FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3",
            )
            .bind(aggregate_type)
            .bind(aggregate_id)
            .bind(sequence)
            .fetch_optional(pool)
            .await?,
        };
        Ok(row.map(|(tx, position)| Cursor { tx, position }))
    }
}
