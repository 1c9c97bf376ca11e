use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Row as _};
use tokio::sync::Mutex;

use super::group::{self, AppendError, Pending, fail_all};
use super::{Counts, Cursor, GroupCommits, NewEvent, StoreError, StoredEvent};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A pooled connection idle this long is pinged before it is handed out.
const PING_WHEN_IDLE: Duration = Duration::from_secs(1);

/// The PostgreSQL store: a pool for reads and for every write but the commands' appends, and
/// the group commit of those ([`Writer`]).
#[derive(Clone, Debug)]
pub struct PgStore {
    /// The pool (reads, and writes outside the commands' appends).
    pub pool: PgPool,
    writer: Writer,
}

impl PgStore {
    /// How many appends were written in how many transactions.
    pub fn group_commits(&self) -> GroupCommits {
        self.writer.counts.read()
    }
}

pub(super) async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgStore, StoreError> {
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
        .connect_with(options.clone())
        .await
        .map_err(StoreError::Connect)?;
    MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
    Ok(PgStore {
        pool,
        writer: Writer {
            slots: (0..WRITERS).map(|_| Arc::default()).collect(),
            next_slot: Arc::default(),
            options: Arc::new(options),
            connect_timeout: acquire_timeout,
            queue: Arc::default(),
            counts: Arc::default(),
        },
    })
}

/// Group commit of the commands' appends (组提交). Each command's append is one transaction
/// of its own in PostgreSQL's eyes only if it is written alone; under concurrency that costs
/// PostgreSQL a statement, a transaction and a commit record per command, and the server a
/// round trip (and sqlx's ping of the pooled connection it returns). Instead an append queues
/// its events and starts a task that waits for one of [`WRITERS`] connections of the writer's
/// own (outside the pool); the task that gets one writes everything queued by then, up to
/// [`MAX_BATCH_ROWS`] events: all of it in one `INSERT … SELECT FROM unnest(…)` (one
/// statement, one transaction, one commit; one prepared shape whatever the batch's size), the
/// appends in the order of their first keys, so that two batches (of this process, or of
/// another) seldom wait on each other's keys in opposite orders (PostgreSQL would find such a
/// deadlock and fail one statement, which is then written again as below). When that statement fails on the database's side (some append's optimistic check:
/// a unique violation; or anything else), it wrote nothing, and each append is written again
/// alone, in its own statement, so it gets its own answer: committed, 409, or its own error.
/// Alone, a command waits for nothing: the task takes the queue as it is, so one client's
/// command is written at once. The task is spawned, so a request dropped midway (a client
/// gone) never leaves a batch half done. A connection that fails otherwise is closed, and the
/// next batch connects again; one idle for [`PING_WHEN_IDLE`] is pinged first, as the pool's
/// are.
#[derive(Clone)]
struct Writer {
    slots: Vec<Arc<Mutex<Option<Slot>>>>,
    next_slot: Arc<AtomicUsize>,
    options: Arc<PgConnectOptions>,
    connect_timeout: Duration,
    queue: Arc<group::Queue>,
    counts: Arc<Counts>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// A writer's connection and when it was last used.
struct Slot {
    conn: PgConnection,
    used_at: Instant,
}

/// How many batches of appends may be in flight at once: while one waits for its commit's
/// WAL flush the next can be written.
const WRITERS: usize = 2;

/// The most events written by one statement of the group commit.
const MAX_BATCH_ROWS: usize = 2_000;

impl Writer {
    async fn append(&self, rows: Vec<NewEvent>) -> Result<Cursor, AppendError> {
        let answer = self.queue.push(rows);
        let writer = self.clone();
        tokio::spawn(async move { writer.write_queued().await });
        group::answer(answer).await
    }

    /// Takes a writer's connection (the slots in turn) and writes batches until the queue is
    /// empty (it is already, when other tasks took this one's append along). Every append
    /// has a task of its own waiting for a slot, so none is left in the queue unwritten.
    async fn write_queued(&self) {
        let n = self.next_slot.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[n].lock().await;
        loop {
            let batch = self.queue.next_batch(MAX_BATCH_ROWS);
            if batch.is_empty() {
                return;
            }
            self.counts.add(batch.len(), 1);
            let conn = match self.ready(&mut slot).await {
                Ok(conn) => conn,
                Err(err) => {
                    *slot = None;
                    fail_all(batch, &err);
                    continue;
                }
            };
            if !self.write(conn, batch).await {
                // Closed on drop; the next batch connects again.
                *slot = None;
            } else if let Some(slot) = slot.as_mut() {
                slot.used_at = Instant::now();
            }
        }
    }

    /// The slot's connection, connected or checked first as needed.
    async fn ready<'s>(
        &self,
        slot: &'s mut Option<Slot>,
    ) -> Result<&'s mut PgConnection, sqlx::Error> {
        if let Some(open) = slot.as_mut()
            && open.used_at.elapsed() >= PING_WHEN_IDLE
            && open.conn.ping().await.is_err()
        {
            *slot = None;
        }
        if slot.is_none() {
            let conn = tokio::time::timeout(self.connect_timeout, self.options.connect())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)??;
            *slot = Some(Slot {
                conn,
                used_at: Instant::now(),
            });
        }
        Ok(&mut slot.as_mut().expect("connected above").conn)
    }

    /// Writes one batch and answers each append; false when the connection should be closed
    /// (an error not from the database: the connection's state is not known).
    ///
    /// Appends of the batch that claim a key an earlier append of the batch claims (two
    /// commands on one case from the same version) are held back: the earlier ones are written
    /// together first, and a held-back append whose rival was committed is refused (409)
    /// without a statement, as the store would refuse it; one whose rival was not is tried
    /// alone.
    async fn write(&self, conn: &mut PgConnection, batch: Vec<Pending>) -> bool {
        let mut claimed: HashMap<(&str, &str, i64), usize> = HashMap::new();
        let mut first = Vec::with_capacity(batch.len());
        let mut rivals: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, p) in batch.iter().enumerate() {
            let against: Vec<usize> = p
                .rows
                .iter()
                .filter_map(|r| claimed.get(&r.key()).copied())
                .collect();
            if against.is_empty() {
                for r in &p.rows {
                    claimed.insert(r.key(), i);
                }
                first.push(i);
            } else {
                rivals.push((i, against));
            }
        }
        let mut answers: Vec<Option<Result<Cursor, AppendError>>> =
            (0..batch.len()).map(|_| None).collect();
        let together: Vec<&Pending> = first.iter().map(|&i| &batch[i]).collect();
        let mut healthy = true;
        match insert(conn, &together).await {
            Ok(cursors) => {
                for (&i, cursor) in first.iter().zip(cursors) {
                    answers[i] = Some(Ok(cursor));
                }
            }
            // The statement wrote nothing: each append alone, for its own answer.
            Err(sqlx::Error::Database(_)) if first.len() > 1 => {
                for &i in &first {
                    self.counts.add(0, 1);
                    let result = insert(conn, &[&batch[i]]).await.map(|c| c[0]);
                    healthy = !matches!(&result, Err(e) if !is_database(e));
                    answers[i] = Some(result.map_err(AppendError::from));
                    if !healthy {
                        break;
                    }
                }
            }
            Err(err) => {
                healthy = is_database(&err);
                answers[first[0]] = Some(Err(err.into()));
            }
        }
        for (i, against) in rivals {
            if against.iter().any(|&j| matches!(answers[j], Some(Ok(_)))) {
                answers[i] = Some(Err(AppendError::Conflict));
            } else if healthy {
                self.counts.add(0, 1);
                let result = insert(conn, &[&batch[i]]).await.map(|c| c[0]);
                healthy = !matches!(&result, Err(e) if !is_database(e));
                answers[i] = Some(result.map_err(AppendError::from));
            }
        }
        // Appends left unwritten after the connection failed get that failure.
        let failure = answers.iter().find_map(|a| match a {
            Some(Err(e)) if !e.answered() => Some(e.to_string()),
            _ => None,
        });
        for (p, answer) in batch.into_iter().zip(answers) {
            let answer = answer.unwrap_or_else(|| {
                Err(sqlx::Error::Io(std::io::Error::other(format!(
                    "the group commit failed: {}",
                    failure.as_deref().unwrap_or("its connection was lost")
                )))
                .into())
            });
            let _ = p.reply.send(answer);
        }
        healthy
    }
}

fn is_database(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(_))
}

/// The appends' events in one statement, the appends in the order of their first keys (each
/// append's events in its own order); each append's cursor (its last
/// event's place in the global order), in the appends' order (rows are matched by key:
/// `RETURNING` promises no order). Writes nothing if any row is refused.
async fn insert(conn: &mut PgConnection, batch: &[&Pending]) -> Result<Vec<Cursor>, sqlx::Error> {
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_unstable_by_key(|&i| batch[i].rows.first().map(NewEvent::key));
    let rows: Vec<(&NewEvent, usize)> = order
        .into_iter()
        .flat_map(|i| batch[i].rows.iter().map(move |r| (r, i)))
        .collect();
    let owner: HashMap<(&str, &str, i64), usize> =
        rows.iter().map(|(r, i)| (r.key(), *i)).collect();
    macro_rules! column {
        ($f:tt) => {
            rows.iter().map(|(r, _)| &r.$f).collect::<Vec<_>>()
        };
    }
    let written: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata, recorded_at) \
         SELECT t, id, s, e, v, p::jsonb, m::jsonb, at::timestamptz \
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[]) WITH ORDINALITY AS r(t, id, s, e, v, p, m, at, n) ORDER BY n \
         RETURNING aggregate_type, aggregate_id, sequence, tx, position",
    )
    .bind(column!(aggregate_type))
    .bind(column!(aggregate_id))
    .bind(column!(sequence))
    .bind(column!(event_type))
    .bind(column!(event_version))
    .bind(column!(payload))
    .bind(column!(metadata))
    .bind(column!(recorded_at))
    .fetch_all(conn)
    .await?;
    let mut cursors = vec![Cursor::default(); batch.len()];
    for (aggregate_type, aggregate_id, sequence, tx, position) in written {
        if let Some(&i) = owner.get(&(aggregate_type.as_str(), aggregate_id.as_str(), sequence)) {
            cursors[i] = cursors[i].max(Cursor { tx, position });
        }
    }
    Ok(cursors)
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

/// Appends one command's events atomically, in a group commit with the appends queued beside
/// it (see [`Writer`]); returns the place of the last one in the global order.
pub(super) async fn append(store: &PgStore, events: Vec<NewEvent>) -> Result<Cursor, AppendError> {
    store.writer.append(events).await
}

#[cfg(test)]
mod tests {
    use tokio::sync::oneshot;

    use super::*;
    use crate::store::EventRepo;

    fn event(id: &str, sequence: i64) -> NewEvent {
        NewEvent {
            aggregate_type: "GroupTest".into(),
            aggregate_id: id.into(),
            sequence,
            event_type: "Happened".into(),
            event_version: "1".into(),
            payload: format!(r#"{{"Happened":{{"sequence":{sequence}}}}}"#),
            metadata: "{}".into(),
            recorded_at: "2026-11-02T01:00:00.000Z".into(),
        }
    }

    fn pending(rows: Vec<NewEvent>) -> (Pending, oneshot::Receiver<Result<Cursor, AppendError>>) {
        let (reply, answer) = oneshot::channel();
        (Pending { rows, reply }, answer)
    }

    async fn stored(conn: &mut PgConnection, id: &str) -> Vec<(i64, String)> {
        sqlx::query_as(
            "SELECT sequence, payload->'Happened'->>'sequence' FROM events \
             WHERE aggregate_type = 'GroupTest' AND aggregate_id = $1 ORDER BY sequence",
        )
        .bind(id)
        .fetch_all(conn)
        .await
        .unwrap()
    }

    fn refused(answer: Result<Cursor, AppendError>) -> bool {
        match answer {
            Err(AppendError::Conflict) => true,
            Err(AppendError::Database(sqlx::Error::Database(db))) => {
                db.kind() == sqlx::error::ErrorKind::UniqueViolation
            }
            _ => false,
        }
    }

    /// One group: a command alone (written), two commands on one case from the same version
    /// (the first written, the second refused without a statement), and a command whose
    /// sequence another process took (refused: the group is then written again command by
    /// command, and the others stand). Then a group where the command that claimed a key first
    /// is refused by the store, so the command held back behind it is tried alone, and wins.
    #[tokio::test]
    async fn a_group_answers_each_command_as_writing_it_alone_would() {
        let repo = crate::store::test_postgres().await;
        let EventRepo::Postgres(store) = &repo else {
            unreachable!("a PostgreSQL store")
        };
        let writer = &store.writer;
        let mut conn = store.pool.acquire().await.unwrap().detach();
        let fresh = |name: &str| format!("{name}-{}", uuid::Uuid::new_v4().simple());
        let (alone, pair, taken) = (fresh("alone"), fresh("pair"), fresh("taken"));
        // Another process took `taken`'s sequence 1.
        insert(&mut conn, &[&pending(vec![event(&taken, 1)]).0])
            .await
            .unwrap();
        let before = writer.counts.read();

        let (a, a_answer) = pending(vec![event(&alone, 1), event(&alone, 2)]);
        let (b, b_answer) = pending(vec![event(&pair, 1)]);
        let (c, c_answer) = pending(vec![event(&pair, 1), event(&pair, 2)]);
        let (d, d_answer) = pending(vec![event(&taken, 1)]);
        assert!(writer.write(&mut conn, vec![a, b, c, d]).await);
        let a_cursor = a_answer.await.unwrap().unwrap();
        let b_cursor = b_answer.await.unwrap().unwrap();
        assert!(
            refused(c_answer.await.unwrap()),
            "the second command on `pair`"
        );
        assert!(refused(d_answer.await.unwrap()), "the command on `taken`");
        assert_eq!(stored(&mut conn, &alone).await.len(), 2);
        // `c` had two events: `pair` holds one, `b`'s.
        assert_eq!(stored(&mut conn, &pair).await, vec![(1, "1".to_string())]);
        assert_eq!(stored(&mut conn, &taken).await.len(), 1);
        assert_ne!(a_cursor, b_cursor);
        // The group's statement failed on `taken`, then the three it held were written one by
        // one; the refused rival cost no statement.
        let after = writer.counts.read();
        assert_eq!(after.transactions - before.transactions, 3);

        // `first` claims `open` 1 too, but the store refuses it on `taken` 1; `second`, held
        // back behind it on `open` 1, is then tried alone and wins.
        let open = fresh("open");
        let (first, first_answer) = pending(vec![event(&taken, 1), event(&open, 1)]);
        let (second, second_answer) = pending(vec![event(&open, 1)]);
        assert!(writer.write(&mut conn, vec![first, second]).await);
        assert!(refused(first_answer.await.unwrap()));
        second_answer.await.unwrap().unwrap();
        assert_eq!(stored(&mut conn, &open).await, vec![(1, "1".to_string())]);
        assert_eq!(stored(&mut conn, &taken).await.len(), 1);
    }
}
