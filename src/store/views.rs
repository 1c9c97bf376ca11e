//! Storage of read models: documents by (projection, key), listed by part, and checkpoints.
//! A batch of document changes and the new checkpoint are written in one transaction.
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;

use projections::{EventRecord, Projection};
use serde::de::DeserializeOwned;
use sqlx::{QueryBuilder, Row, Sqlite};

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

/// One document as a batch leaves it: key, part, JSON.
pub(crate) type DocRow = (String, String, String);

/// How many documents a rebuild keeps of those it wrote ([`Written`]). A rebuild reads the log
/// in order, where a case's events mostly lie close together, so it needs fewer than a
/// running view's runner, which keeps `cached_cases` so that the documents of the cases being
/// worked are folded without being read back. (P4 of `benches/run`: 69-125 MiB peak at 16,384 in the full runs of 2026-11-28.)
pub(crate) const REBUILD_DOCS: NonZeroUsize = NonZeroUsize::new(16_384).unwrap();

/// Documents a runner wrote, as written (JSON), by key: the next batch that touches one folds
/// from here instead of reading it back from the store. Kept in a scan-resistant
/// cache ([`crate::store::cache`]).
/// Sound because a runner is
/// its view's only writer (PostgreSQL: it holds the lease), and every batch moves the
/// checkpoint by compare-and-set from where this runner left it: had anyone else written the
/// view, the batch fails with [`ApplyError::Moved`] and the runner starts over with an empty
/// cache. For a target other than the last one, or after a failed batch, it starts empty.
pub(crate) struct Written {
    target: String,
    docs: quick_cache::unsync::Cache<String, String>,
}

impl Written {
    pub(crate) fn new(capacity: NonZeroUsize) -> Self {
        Written {
            target: String::new(),
            docs: crate::store::cache::unsync(capacity.get()),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.docs.clear();
    }

    /// Copies the documents of `keys` it holds for `target` into `docs`; returns those it has
    /// not. The documents stay kept, marked as used: taking them out and putting them back
    /// would make each a newcomer to the cache every batch, and the cache would keep the first
    /// documents it ever met instead of those in use. (A document the batch leaves unchanged
    /// is still the stored one; a failed batch clears the cache.)
    fn take<'k>(
        &mut self,
        target: &str,
        keys: impl Iterator<Item = &'k String>,
        docs: &mut HashMap<String, String>,
    ) -> Vec<&'k str> {
        if self.target != target {
            self.docs.clear();
            self.target = target.to_string();
        }
        keys.filter(|k| match self.docs.get(k.as_str()) {
            Some(doc) => {
                docs.insert((*k).clone(), doc.clone());
                false
            }
            None => true,
        })
        .map(String::as_str)
        .collect()
    }

    /// Remembers what a committed batch wrote.
    fn keep(&mut self, rows: Vec<DocRow>) {
        for (key, _, doc) in rows {
            self.docs.insert(key, doc);
        }
    }
}

/// The documents a batch touches, each with the indices of its events in log order; by key
/// (the order rows are locked in).
pub(crate) fn runs(
    projection: &dyn Projection,
    events: &[StoredEvent],
) -> BTreeMap<String, Vec<usize>> {
    let mut runs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if let Some(key) = projection.key(&e.record()) {
            runs.entry(key).or_default().push(i);
        }
    }
    runs
}

/// Applies each document's run of events to it (`docs`: the stored JSON of those that exist):
/// pure, shared by both stores. A document's new state depends only on its old state and its
/// own events in order, so each run folds on its own, decoded once and encoded once.
pub(crate) fn fold(
    projection: &dyn Projection,
    events: &[StoredEvent],
    runs: &BTreeMap<String, Vec<usize>>,
    mut docs: HashMap<String, String>,
) -> Result<Vec<DocRow>, String> {
    let mut out = Vec::with_capacity(runs.len());
    for (key, indices) in runs {
        let records: Vec<EventRecord> = indices.iter().map(|&i| events[i].record()).collect();
        let stored = docs.remove(key);
        match projection.apply_run(stored.as_deref(), &records) {
            Ok(Some((part, doc))) => out.push((key.clone(), part, doc)),
            Ok(None) => {}
            Err(e) => {
                let position = indices.get(e.index).map_or(0, |&i| events[i].position);
                return Err(format!(
                    "{} at position {position}: {}",
                    projection.name(),
                    e.message
                ));
            }
        }
    }
    Ok(out)
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

/// Where a batch's checkpoint goes: `from` the cursor it was at (the default: none yet) `to`
/// the new one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Advance {
    /// The fold's version.
    pub version: i32,
    /// Where the checkpoint is now.
    pub from: Cursor,
    /// Where the batch takes it.
    pub to: Cursor,
}

/// Applies a batch on SQLite under an immediate write lock (a deferred transaction that reads
/// first would fail to upgrade when a command commits in between).
pub(crate) async fn apply_batch_sqlite(
    conn: &mut sqlx::SqliteConnection,
    projection: &dyn Projection,
    target: &str,
    events: &[StoredEvent],
    runs: &BTreeMap<String, Vec<usize>>,
    advance: Advance,
    written: &mut Written,
) -> Result<(), ApplyError> {
    use sqlx::Connection;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut docs: HashMap<String, String> = HashMap::new();
    let missing = written.take(target, runs.keys(), &mut docs);
    if !missing.is_empty() {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT key, doc FROM view_docs WHERE projection = ");
        q.push_bind(target).push(" AND key IN (");
        let mut sep = q.separated(", ");
        for k in missing {
            sep.push_bind(k);
        }
        q.push(")");
        for row in q.build().fetch_all(&mut *tx).await? {
            docs.insert(row.try_get("key")?, row.try_get("doc")?);
        }
    }
    let changed = fold(projection, events, runs, docs).map_err(ApplyError::Fold)?;
    write_sqlite(&mut tx, target, &changed, Some(advance)).await?;
    tx.commit().await?;
    written.keep(changed);
    Ok(())
}

/// Writes documents (inserted or replaced) and, if given, moves the checkpoint, inside the
/// caller's transaction; [`ApplyError::Moved`] if the checkpoint is not at `advance.from`.
pub(crate) async fn write_sqlite(
    tx: &mut sqlx::SqliteConnection,
    target: &str,
    rows: &[DocRow],
    advance: Option<Advance>,
) -> Result<(), ApplyError> {
    // 4 parameters a row, well under SQLite's limit of 32,766.
    for chunk in rows.chunks(5_000) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO view_docs (projection, key, part, doc) ");
        q.push_values(chunk, |mut b, (key, part, doc)| {
            b.push_bind(target)
                .push_bind(key)
                .push_bind(part)
                .push_bind(doc);
        });
        q.push(
            " ON CONFLICT (projection, key) DO UPDATE SET part = excluded.part, doc = excluded.doc",
        );
        q.build().execute(&mut *tx).await?;
    }
    let Some(Advance { version, from, to }) = advance else {
        return Ok(());
    };
    let moved = if from == Cursor::default() {
        sqlx::query(
            "INSERT INTO projection_checkpoints (name, version, tx, position) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(target)
        .bind(version)
        .bind(to.tx)
        .bind(to.position)
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE projection_checkpoints SET version = ?2, tx = ?3, position = ?4, \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE name = ?1 AND tx = ?5 AND position = ?6",
        )
        .bind(target)
        .bind(version)
        .bind(to.tx)
        .bind(to.position)
        .bind(from.tx)
        .bind(from.position)
        .execute(&mut *tx)
        .await?
    };
    if moved.rows_affected() != 1 {
        // Another runner moved the checkpoint since we read it: drop this batch.
        return Err(ApplyError::Moved);
    }
    Ok(())
}

/// A batch's one statement around its checkpoint step (`$1` the view; `$2`-`$4` the documents'
/// keys, parts and JSON; `$5`-`$7` the checkpoint's version and new cursor; `$8`-`$9` its
/// cursor now): the documents are written only if the step returned a row.
macro_rules! batch_statement {
    ($checkpoint:literal) => {
        concat!(
            "WITH moved AS (",
            $checkpoint,
            "), written AS ( \
             INSERT INTO view_docs (projection, key, part, doc) \
             SELECT $1, k, p, d::json \
             FROM unnest($2::text[], $3::text[], $4::text[]) AS r(k, p, d) \
             WHERE EXISTS (SELECT 1 FROM moved) \
             ON CONFLICT (projection, key) DO UPDATE SET part = excluded.part, doc = excluded.doc) \
             SELECT count(*) FROM moved"
        )
    };
}

/// Applies a batch on PostgreSQL over the connection that holds the projection's lease.
/// Returns how many of the documents it read were not there yet (new documents, for
/// [`Growth`]).
///
/// The documents and the checkpoint go in one statement (its own transaction): one round trip
/// a batch where `BEGIN`, the documents, the checkpoint and `COMMIT` took four. The
/// checkpoint's compare-and-set comes first in it and the documents are written only if it
/// moved, so a batch whose checkpoint another runner has moved writes nothing
/// ([`ApplyError::Moved`]).
pub(crate) async fn apply_batch_pg(
    conn: &mut sqlx::PgConnection,
    projection: &dyn Projection,
    target: &str,
    events: &[StoredEvent],
    runs: &BTreeMap<String, Vec<usize>>,
    advance: Advance,
    written: &mut Written,
) -> Result<usize, ApplyError> {
    let mut docs: HashMap<String, String> = HashMap::new();
    let keys = written.take(target, runs.keys(), &mut docs);
    let mut new = 0;
    if !keys.is_empty() {
        // The JSON as text: the fold decodes it straight into its document type. Read outside
        // the write (as it was, unlocked, inside a transaction at READ COMMITTED): the runner
        // holding the lease is the only writer, and a writer that had slipped in would have
        // moved the checkpoint, so the compare-and-set would fail and nothing be written.
        let rows = sqlx::query(
            "SELECT key, doc::text AS doc FROM view_docs WHERE projection = $1 AND key = ANY($2)",
        )
        .bind(target)
        .bind(&keys)
        .fetch_all(&mut *conn)
        .await?;
        new = keys.len() - rows.len();
        for row in rows {
            docs.insert(row.try_get("key")?, row.try_get("doc")?);
        }
    }
    let changed = fold(projection, events, runs, docs).map_err(ApplyError::Fold)?;
    write_batch_pg(conn, target, &changed, advance).await?;
    written.keep(changed);
    Ok(new)
}

/// Writes a batch's documents and moves its checkpoint in one statement (see
/// [`apply_batch_pg`]); [`ApplyError::Moved`], having written nothing, if the checkpoint is
/// not at `advance.from`.
async fn write_batch_pg(
    conn: &mut sqlx::PgConnection,
    target: &str,
    changed: &[DocRow],
    advance: Advance,
) -> Result<(), ApplyError> {
    let (keys, parts, docs) = doc_columns(changed);
    let Advance { version, from, to } = advance;
    // The checkpoint's step: the first one inserts it, later ones move it from where it was.
    let statement = if from == Cursor::default() {
        batch_statement!(
            "INSERT INTO projection_checkpoints (name, version, tx, position) \
             VALUES ($1, $5, $6, $7) ON CONFLICT (name) DO NOTHING RETURNING 1"
        )
    } else {
        batch_statement!(
            "UPDATE projection_checkpoints SET version = $5, tx = $6, position = $7, \
             updated_at = now() WHERE name = $1 AND tx = $8 AND position = $9 RETURNING 1"
        )
    };
    let (moved,): (i64,) = sqlx::query_as(statement)
        .bind(target)
        .bind(keys)
        .bind(parts)
        .bind(docs)
        .bind(version)
        .bind(to.tx)
        .bind(to.position)
        .bind(from.tx)
        .bind(from.position)
        .fetch_one(&mut *conn)
        .await?;
    if moved != 1 {
        // Another runner moved the checkpoint since we read it: nothing was written.
        return Err(ApplyError::Moved);
    }
    Ok(())
}

/// The documents as one array per column, for `unnest`.
fn doc_columns(rows: &[DocRow]) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    let mut keys = Vec::with_capacity(rows.len());
    let mut parts = Vec::with_capacity(rows.len());
    let mut docs = Vec::with_capacity(rows.len());
    for (key, part, doc) in rows {
        keys.push(key.as_str());
        parts.push(part.as_str());
        docs.push(doc.as_str());
    }
    (keys, parts, docs)
}

/// A view is derived state: its batches commit without waiting for the WAL flush. A crash can
/// lose the last batches, never part of one (the documents and the checkpoint commit together,
/// and the WAL keeps commit order), and the runner then folds those events again from the
/// checkpoint that survived.
pub(crate) async fn relax_commits(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET synchronous_commit = off")
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps PostgreSQL's statistics of `view_docs` up with a view that fills fast. A batch reads
/// its documents by key (`projection = $1 AND key = ANY($2)`); planned on statistics taken
/// when the table was a fraction of its size (autovacuum looks at most once a minute), that
/// read walked every document of the view and filtered: 16-50 ms for 250 keys where the
/// primary key takes 0.3 ms (`EXPLAIN ANALYZE`, a view of 25,000 documents analysed at 5).
/// So a runner analyses the table itself each time the documents it added reach the table's
/// size as last analysed (at least [`Growth::AT_LEAST`]): a few times while a view fills,
/// then rarely.
pub(crate) struct Growth {
    analysed: u64,
    added: u64,
}

impl Growth {
    const AT_LEAST: u64 = 5_000;

    /// Starts from the table's size as PostgreSQL last estimated it.
    pub(crate) async fn read(conn: &mut sqlx::PgConnection) -> Result<Self, sqlx::Error> {
        Ok(Growth {
            analysed: estimated_docs(conn).await?,
            added: 0,
        })
    }

    /// Counts `new` documents; analyses the table when they are enough.
    pub(crate) async fn add(
        &mut self,
        conn: &mut sqlx::PgConnection,
        new: usize,
    ) -> Result<(), sqlx::Error> {
        self.added += new as u64;
        if self.added >= self.analysed.max(Self::AT_LEAST) {
            sqlx::query("ANALYZE view_docs").execute(&mut *conn).await?;
            self.analysed = estimated_docs(conn).await?;
            self.added = 0;
        }
        Ok(())
    }
}

async fn estimated_docs(conn: &mut sqlx::PgConnection) -> Result<u64, sqlx::Error> {
    let (rows,): (f32,) =
        sqlx::query_as("SELECT reltuples FROM pg_class WHERE oid = 'view_docs'::regclass")
            .fetch_one(conn)
            .await?;
    // -1 for a table never analysed.
    Ok(rows.max(0.0) as u64)
}

/// As [`write_sqlite`], on PostgreSQL.
pub(crate) async fn write_pg(
    tx: &mut sqlx::PgConnection,
    target: &str,
    rows: &[DocRow],
    advance: Option<Advance>,
) -> Result<(), ApplyError> {
    // One array per column (`unnest`): the statement's text is the same for any number of
    // documents, so each connection prepares it once; a multi-row `VALUES` list is a new
    // statement, parsed and planned again, for each batch size.
    if !rows.is_empty() {
        let (keys, parts, docs) = doc_columns(rows);
        sqlx::query(
            "INSERT INTO view_docs (projection, key, part, doc) \
             SELECT $1, k, p, d::json FROM unnest($2::text[], $3::text[], $4::text[]) AS r(k, p, d) \
             ON CONFLICT (projection, key) DO UPDATE SET part = excluded.part, doc = excluded.doc",
        )
        .bind(target)
        .bind(keys)
        .bind(parts)
        .bind(docs)
        .execute(&mut *tx)
        .await?;
    }
    let Some(Advance { version, from, to }) = advance else {
        return Ok(());
    };
    let moved = if from == Cursor::default() {
        sqlx::query(
            "INSERT INTO projection_checkpoints (name, version, tx, position) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(target)
        .bind(version)
        .bind(to.tx)
        .bind(to.position)
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE projection_checkpoints SET version = $2, tx = $3, position = $4, updated_at = now() \
             WHERE name = $1 AND tx = $5 AND position = $6",
        )
        .bind(target)
        .bind(version)
        .bind(to.tx)
        .bind(to.position)
        .bind(from.tx)
        .bind(from.position)
        .execute(&mut *tx)
        .await?
    };
    if moved.rows_affected() != 1 {
        // Another runner moved the checkpoint since we read it: drop this batch.
        return Err(ApplyError::Moved);
    }
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
                .fetch_optional(pool.pool())
                .await?
            }
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
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
            EventRepo::Sqlite(store) => {
                let _turn = store.write_turn().await;
                let mut conn = store.pool().acquire().await?;
                sqlx::query(
                    "INSERT INTO projection_checkpoints (name, version, tx, position) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (name) DO UPDATE SET version = excluded.version, tx = excluded.tx, \
                     position = excluded.position, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                )
                .bind(name)
                .bind(version)
                .bind(cursor.tx)
                .bind(cursor.position)
                .execute(&mut *conn)
                .await?;
            }
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
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

    /// One document of a view, decoded straight from its stored text into `T`.
    pub async fn view_doc<T: DeserializeOwned>(
        &self,
        projection: &str,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        self.view_doc_text(projection, key)
            .await?
            .map(|d| crate::store::decode_json(&d))
            .transpose()
            .map_err(StoreError::from)
    }

    /// Every document of a view, or those of one part, by key, each decoded into `T` (the
    /// first that does not decode fails the whole read).
    pub async fn view_docs<T: DeserializeOwned>(
        &self,
        projection: &str,
        part: Option<&str>,
    ) -> Result<Vec<T>, StoreError> {
        self.view_docs_text(projection, part)
            .await?
            .iter()
            .map(|d| crate::store::decode_json(d))
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }

    /// One document of a view as stored (JSON text): no intermediate `serde_json::Value`.
    pub async fn view_doc_text(
        &self,
        projection: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query_as("SELECT doc FROM view_docs WHERE projection = ?1 AND key = ?2")
                    .bind(projection)
                    .bind(key)
                    .fetch_optional(pool.pool())
                    .await?
            }
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
                sqlx::query_as("SELECT doc::text FROM view_docs WHERE projection = $1 AND key = $2")
                    .bind(projection)
                    .bind(key)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(row.map(|(d,)| d))
    }

    /// Every document of a view, or those of one part, by key, as stored (JSON text).
    pub async fn view_docs_text(
        &self,
        projection: &str,
        part: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> =
            match self {
                EventRepo::Sqlite(pool) => sqlx::query_as(
                    "SELECT doc FROM view_docs WHERE projection = ?1 AND (?2 IS NULL OR part = ?2) \
                     ORDER BY key",
                )
                .bind(projection)
                .bind(part)
                .fetch_all(pool.pool())
                .await?,
                EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
                    sqlx::query_as(
                        "SELECT doc::text FROM view_docs WHERE projection = $1 \
                     AND ($2::text IS NULL OR part = $2) ORDER BY key",
                    )
                    .bind(projection)
                    .bind(part)
                    .fetch_all(pool)
                    .await?
                }
            };
        Ok(rows.into_iter().map(|(d,)| d).collect())
    }

    /// Up to `limit` documents of a view whose keys follow `after` (`""`: from the first; no
    /// view has an empty key), in key order, as (key, document as stored: JSON text): a reader
    /// of a whole view takes it a page at a time, holding one page, and starts the next after
    /// the last key it got.
    pub async fn view_docs_page(
        &self,
        projection: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String)> = match self {
            EventRepo::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT key, doc FROM view_docs WHERE projection = ?1 AND key > ?2 \
                     ORDER BY key LIMIT ?3",
                )
                .bind(projection)
                .bind(after)
                .bind(limit)
                .fetch_all(pool.pool())
                .await?
            }
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
                sqlx::query_as(
                    "SELECT key, doc::text FROM view_docs WHERE projection = $1 AND key > $2 \
                     ORDER BY key LIMIT $3",
                )
                .bind(projection)
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows)
    }

    /// Drops a view's documents and checkpoint (before a rebuild from zero).
    pub async fn reset_view(&self, name: &str) -> Result<(), StoreError> {
        match self {
            EventRepo::Sqlite(pool) => {
                let mut tx = pool.pool().begin_with("BEGIN IMMEDIATE").await?;
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
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
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
                let mut tx = pool.pool().begin_with("BEGIN IMMEDIATE").await?;
                for (sql, both) in statements {
                    let sql = sql.replace("{name}", "?1").replace("{shadow}", "?2");
                    let q = sqlx::query(&sql).bind(name);
                    let q = if both { q.bind(shadow) } else { q };
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
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
                    .fetch_optional(pool.pool())
                    .await?
            }
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
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
                    .fetch_one(pool.pool())
                    .await?
            }
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
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
            .fetch_optional(pool.pool())
            .await?,
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => sqlx::query_as(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, doc: &str) -> DocRow {
        (key.to_string(), "part".to_string(), doc.to_string())
    }

    /// A batch whose checkpoint another runner moved writes nothing, on PostgreSQL: the
    /// documents and the checkpoint go in one statement that writes the documents only if the
    /// checkpoint moved from where the batch found it.
    #[tokio::test]
    async fn a_postgres_batch_writes_nothing_when_its_checkpoint_moved() {
        let repo = crate::store::test_postgres().await;
        let EventRepo::Postgres(crate::store::PgStore { pool, .. }) = &repo else {
            unreachable!("a PostgreSQL store")
        };
        let mut conn = pool.acquire().await.unwrap();
        let target = format!("moved-test-{}", uuid::Uuid::new_v4().simple());
        let at = |position| Cursor { tx: 7, position };
        let docs = async |conn: &mut sqlx::PgConnection| -> Vec<(String, String)> {
            sqlx::query_as(
                "SELECT key, doc::text FROM view_docs WHERE projection = $1 ORDER BY key",
            )
            .bind(&target)
            .fetch_all(conn)
            .await
            .unwrap()
        };
        let advance = |from, to| Advance {
            version: 1,
            from,
            to,
        };

        // The first batch inserts the checkpoint with its documents.
        write_batch_pg(
            &mut conn,
            &target,
            &[row("a", "1"), row("b", "2")],
            advance(Cursor::default(), at(10)),
        )
        .await
        .unwrap();
        // A second "first" batch finds a checkpoint there: nothing written.
        let refused = write_batch_pg(
            &mut conn,
            &target,
            &[row("a", "99"), row("z", "99")],
            advance(Cursor::default(), at(11)),
        )
        .await;
        assert!(matches!(refused, Err(ApplyError::Moved)), "{refused:?}");
        // The next batch moves it from where it is, replacing and adding documents.
        write_batch_pg(
            &mut conn,
            &target,
            &[row("b", "3"), row("c", "4")],
            advance(at(10), at(20)),
        )
        .await
        .unwrap();
        // A batch that found the checkpoint at 10 (another runner has moved it to 20 since):
        // refused, nothing written.
        let refused = write_batch_pg(
            &mut conn,
            &target,
            &[row("a", "5"), row("d", "6")],
            advance(at(10), at(30)),
        )
        .await;
        assert!(matches!(refused, Err(ApplyError::Moved)), "{refused:?}");
        // A batch with no documents still moves the checkpoint.
        write_batch_pg(&mut conn, &target, &[], advance(at(20), at(25)))
            .await
            .unwrap();

        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, d)| (k.to_string(), d.to_string()))
                .collect()
        };
        assert_eq!(
            docs(&mut conn).await,
            pairs(&[("a", "1"), ("b", "3"), ("c", "4")])
        );
        let checkpoint = repo.checkpoint(&target).await.unwrap().unwrap();
        assert_eq!(checkpoint.cursor, at(25));
        sqlx::query("DELETE FROM view_docs WHERE projection = $1")
            .bind(&target)
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM projection_checkpoints WHERE name = $1")
            .bind(&target)
            .execute(&mut *conn)
            .await
            .unwrap();
    }

    /// A view read a page at a time gives each of its documents once, in key order, and none
    /// of another view's; on both stores.
    #[tokio::test]
    async fn a_view_read_in_pages_gives_every_document_once() {
        let (sqlite, _dir) = crate::store::test_sqlite().await;
        for repo in [sqlite, crate::store::test_postgres().await] {
            let view = format!("pages-test-{}", uuid::Uuid::new_v4().simple());
            let other = format!("{view}-other");
            // Keys whose text order differs from the order they were written in.
            let rows: Vec<DocRow> = (0..7)
                .map(|i| row(&format!("k{}", (i * 3) % 7), &i.to_string()))
                .collect();
            let write = async |target: &str, rows: &[DocRow]| match &repo {
                EventRepo::Sqlite(pool) => {
                    let mut conn = pool.pool().acquire().await.unwrap();
                    write_sqlite(&mut conn, target, rows, None).await.unwrap();
                }
                EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
                    let mut conn = pool.acquire().await.unwrap();
                    write_pg(&mut conn, target, rows, None).await.unwrap();
                }
            };
            write(&view, &rows).await;
            write(&other, &[row("k0", "99"), row("k9", "99")]).await;

            let mut read = Vec::new();
            let mut after = String::new();
            let mut pages = 0;
            loop {
                let page = repo.view_docs_page(&view, &after, 3).await.unwrap();
                let Some((last, _)) = page.last() else { break };
                assert!(page.len() <= 3);
                after.clone_from(last);
                read.extend(page);
                pages += 1;
            }
            assert_eq!(pages, 3);
            let mut expected: Vec<(String, String)> =
                rows.into_iter().map(|(k, _, d)| (k, d)).collect();
            expected.sort();
            assert_eq!(read, expected);
            for target in [&view, &other] {
                repo.reset_view(target).await.unwrap();
            }
        }
    }

    #[test]
    fn written_documents_are_kept_for_their_target_and_bounded() {
        let mut written = Written::new(NonZeroUsize::new(2).unwrap());
        let keys = ["a".to_string(), "b".to_string(), "c".to_string()];
        let mut docs = HashMap::new();
        // Nothing written yet: every key is read from the store.
        assert_eq!(
            written.take("cases", keys.iter(), &mut docs),
            ["a", "b", "c"]
        );
        written.keep(vec![row("a", "1"), row("b", "2"), row("c", "3")]);
        // Two kept at most.
        let missing: Vec<String> = written
            .take("cases", keys.iter(), &mut docs)
            .into_iter()
            .map(str::to_string)
            .collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(docs.len(), 2);
        for (key, doc) in [("a", "1"), ("b", "2"), ("c", "3")] {
            assert_eq!(
                docs.get(key).map(String::as_str),
                (key != missing[0]).then_some(doc)
            );
        }
        // Taken documents stay kept, and a document written again replaces the one kept.
        let kept = docs.keys().next().unwrap().clone();
        written.keep(vec![row(&kept, "9")]);
        let mut again = HashMap::new();
        assert_eq!(written.take("cases", keys.iter(), &mut again).len(), 1);
        assert_eq!(again.get(&kept).map(String::as_str), Some("9"));
        // Another target starts empty.
        written.keep(vec![row("a", "1")]);
        assert_eq!(
            written.take("cases#rebuild", keys.iter(), &mut HashMap::new()),
            ["a", "b", "c"]
        );
        written.keep(vec![row("a", "1")]);
        written.clear();
        assert_eq!(
            written.take("cases#rebuild", keys.iter(), &mut HashMap::new()),
            ["a", "b", "c"]
        );
    }

    /// The documents in use change over time (cases conclude, new ones open): the cache must
    /// follow them, not keep the first documents it met.
    #[test]
    fn written_documents_follow_a_working_set_that_moves() {
        let mut written = Written::new(NonZeroUsize::new(1_000).unwrap());
        let batch = |written: &mut Written, keys: &[String]| {
            let mut found = 0;
            for chunk in keys.chunks(50) {
                let mut docs = HashMap::new();
                found += chunk.len() - written.take("cases", chunk.iter(), &mut docs).len();
                written.keep(chunk.iter().map(|k| row(k, "{}")).collect());
            }
            found
        };
        // Documents worked once and never again (concluded cases).
        let old: Vec<String> = (0..2_000).map(|i| format!("old-{i}")).collect();
        batch(&mut written, &old);
        // A new working set, smaller than the cache, worked round after round.
        let new: Vec<String> = (0..600).map(|i| format!("new-{i}")).collect();
        batch(&mut written, &new);
        let found = (0..3).map(|_| batch(&mut written, &new)).last().unwrap();
        assert!(found >= 550, "found {found} of 600 documents in use");
    }

    /// Batches that go round more documents than are kept, as steps on many open cases do:
    /// least-recently-used eviction would drop each document just before it is next needed
    /// and find none; the cache keeps a steady share and finds those.
    #[test]
    fn written_documents_resist_rounds_over_more_than_they_keep() {
        let mut written = Written::new(NonZeroUsize::new(1_000).unwrap());
        let keys: Vec<String> = (0..1_500).map(|i| format!("case-{i}")).collect();
        let (mut found, mut asked) = (0, 0);
        for round in 0..4 {
            for chunk in keys.chunks(50) {
                let mut docs = HashMap::new();
                let missing = written.take("cases", chunk.iter(), &mut docs).len();
                if round > 0 {
                    asked += chunk.len();
                    found += chunk.len() - missing;
                }
                written.keep(chunk.iter().map(|k| row(k, "{}")).collect());
            }
        }
        // 1,000 of 1,500 is the most any cache of 1,000 can find in a round; least recently
        // used eviction finds none.
        let share = found as f64 / asked as f64;
        assert!(
            (0.4..=0.67).contains(&share),
            "found {share:.2} of the documents"
        );
    }
}
