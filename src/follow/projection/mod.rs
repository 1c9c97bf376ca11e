//! The projection runner: each projection reads the global order after its checkpoint in
//! batches and stores its view changes with the new checkpoint in one transaction, so every
//! event takes effect exactly once and a crash resumes at the right place.
//!
//! On PostgreSQL several server processes may run: each projection holds a lease (a session
//! advisory lock on a dedicated connection) and runs in one process at a time; the others wait
//! to take over. A commit wakes the runners at once (in process through a watch channel, across
//! processes through `pg_notify`); a slow poll covers anything missed.
use crate::store::views;

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use projections::Projection;
use sqlx::PgConnection;
use tokio::sync::watch;

use views::Advance;
pub use views::{ApplyError, Checkpoint};

use crate::engine::Engine;
use crate::store::tail::{Tail, TailRead};
use crate::store::{Cursor, EventRepo};

/// Events read per batch.
pub const BATCH: i64 = 500;
/// Events read per batch by a rebuild (the server is not writing the view meanwhile: bigger
/// batches mean fewer transactions, and a document touched several times in a batch is
/// written once).
pub const REBUILD_BATCH: i64 = 5_000;
/// The fallback poll when no wake-up arrives.
const POLL: Duration = Duration::from_secs(1);
/// How often an idle runner checks that its lease connection is alive.
const LEASE_CHECK: Duration = Duration::from_secs(1);

/// How long a follower waits after a wake-up before it reads, when its last round read little:
/// the commits of that moment are then read, folded and checkpointed in one batch instead of
/// one transaction per commit for each of the process's followers (five views, the alert
/// raiser, the transparency log). Bounds the lag it adds; measured in `benches/` (P2, P5).
pub const FOLLOW_DELAY: Duration = Duration::from_millis(20);
/// The longest wait of a busy follower (see [`follow_delay`]).
pub const MAX_FOLLOW_DELAY: Duration = Duration::from_millis(200);
/// Events read in a round per step of [`FOLLOW_DELAY`] added to the wait.
const EVENTS_PER_STEP: usize = 50;

/// How long a follower waits after a wake-up, given how many events its last round read:
/// [`FOLLOW_DELAY`] when it read few, longer the more it read, up to [`MAX_FOLLOW_DELAY`].
/// Under a heavy load each round then takes more events, so a document touched by several of
/// them is read, decoded and written once for all, and the checkpoint once; a light load keeps
/// the short wait and its low lag.
pub fn follow_delay(read_last_round: usize) -> Duration {
    let steps = u32::try_from(1 + read_last_round / EVENTS_PER_STEP).unwrap_or(u32::MAX);
    FOLLOW_DELAY.saturating_mul(steps).min(MAX_FOLLOW_DELAY)
}

/// Waits up to `max` for a commit (of this process, or announced by another), then `delay`
/// ([`follow_delay`]). Commits that arrive meanwhile, or while a follower is reading, are
/// taken together by its next read. Whether a commit came.
pub async fn next_commit(
    commits: &mut watch::Receiver<u64>,
    max: Duration,
    delay: Duration,
) -> bool {
    if let Ok(Ok(())) = tokio::time::timeout(max, commits.changed()).await {
        tokio::time::sleep(delay).await;
        return true;
    }
    false
}

pub use crate::engine::{Progress, Rounds};
pub use crate::store::NOTIFY_CHANNEL;

/// Starts this process's projection runners (each takes its lease first); the engine keeps
/// them, so that [`Engine::stop_projections`] stops them between writes.
pub fn start(engine: &Engine) {
    let tasks = spawn_runners(
        projections::all(),
        engine.repo().clone(),
        Runners {
            tail: engine.shared_tail(),
            commits: engine.commit_signal(),
            progress: engine.shared_progress(),
            own_tag: Some(engine.process_tag().to_owned()),
            rounds: engine.rounds().clone(),
            cached_docs: engine.cached_cases(),
        },
    );
    for task in tasks {
        engine.adopt(task);
    }
}

/// Where applies go: the SQLite pool, or the PostgreSQL connection holding the lease; with the
/// documents this sink wrote last.
struct Sink {
    store: SinkStore,
    written: views::Written,
}

enum SinkStore {
    Sqlite(crate::store::SqliteStore),
    Postgres(PgConnection, views::Growth),
}

impl Sink {
    async fn acquire(
        repo: &EventRepo,
        lease_name: &str,
        cached_docs: NonZeroUsize,
    ) -> Result<Sink, sqlx::Error> {
        let store = match repo {
            EventRepo::Sqlite(pool) => SinkStore::Sqlite(pool.clone()),
            EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
                let mut conn = crate::store::lease::take(pool, lease_name).await?;
                views::relax_commits(&mut conn).await?;
                let growth = views::Growth::read(&mut conn).await?;
                SinkStore::Postgres(conn, growth)
            }
        };
        Ok(Sink {
            store,
            written: views::Written::new(cached_docs),
        })
    }

    async fn apply(
        &mut self,
        projection: &dyn Projection,
        target: &str,
        events: &[crate::store::StoredEvent],
        runs: &BTreeMap<String, Vec<usize>>,
        advance: Advance,
    ) -> Result<(), ApplyError> {
        let written = &mut self.written;
        let applied = match &mut self.store {
            SinkStore::Sqlite(pool) => {
                pool.relaxed(async |conn| {
                    views::apply_batch_sqlite(
                        conn, projection, target, events, runs, advance, written,
                    )
                    .await
                })
                .await
            }
            SinkStore::Postgres(conn, growth) => {
                match views::apply_batch_pg(
                    conn, projection, target, events, runs, advance, written,
                )
                .await
                {
                    Ok(new) => growth.add(conn, new).await.map_err(ApplyError::from),
                    Err(e) => Err(e),
                }
            }
        };
        if applied.is_err() {
            self.written.clear();
        }
        applied
    }

    /// Writes finished documents of a replay, and the checkpoint if given, in one transaction.
    async fn write(
        &mut self,
        target: &str,
        rows: &[views::DocRow],
        advance: Option<Advance>,
    ) -> Result<(), ApplyError> {
        use sqlx::Connection;
        // Written whole, outside what the cache follows.
        self.written.clear();
        match &mut self.store {
            SinkStore::Sqlite(pool) => {
                pool.relaxed(async |conn| {
                    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                    views::write_sqlite(&mut tx, target, rows, advance).await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }
            SinkStore::Postgres(conn, _) => {
                let mut tx = conn.begin().await?;
                views::write_pg(&mut tx, target, rows, advance).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }
}

/// How long a view's stored checkpoint may stay behind the events it has seen when those
/// events touched none of its documents (most views care about few event types: writing
/// their checkpoint after every batch would be a transaction per view per commit for
/// nothing). Events behind a stored checkpoint are folded again after a restart, and they
/// change nothing. A reader in another process that waits for this view to include its
/// write reads the stored checkpoint, so this also bounds what the deferral can add to its
/// wait; a runner with nothing more to read stores it at once.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Where a runner stands: the events it has seen, and its stored checkpoint.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// The last event seen (every document includes the events up to here).
    seen: Cursor,
    /// The stored checkpoint.
    stored: Cursor,
    /// When the checkpoint was last stored.
    stored_at: tokio::time::Instant,
}

impl Place {
    fn at(cursor: Cursor) -> Self {
        Place {
            seen: cursor,
            stored: cursor,
            stored_at: tokio::time::Instant::now(),
        }
    }

    fn stored(&mut self, cursor: Cursor) {
        self.seen = cursor;
        self.stored = cursor;
        self.stored_at = tokio::time::Instant::now();
    }
}

/// Catches `target` (the projection's own name, or a shadow name during a rebuild) up with the
/// log from where `place` stands; returns how many events it read. `on_batch` sees each
/// batch's size. A batch that touches no
/// document moves only the place seen, unless the stored checkpoint is [`CHECKPOINT_EVERY`]
/// old.
#[allow(clippy::too_many_arguments)]
async fn catch_up(
    tail: &Tail,
    rounds: &Rounds,
    sink: &mut Sink,
    projection: &dyn Projection,
    target: &str,
    place: &mut Place,
    batch: i64,
    mut on_batch: impl FnMut(usize, Cursor),
) -> anyhow::Result<usize> {
    let mut read = 0;
    loop {
        let TailRead {
            events,
            reached_head,
        } = tail.read(place.seen, batch).await?;
        let Some(last) = events.last() else {
            return Ok(read);
        };
        read += events.len();
        let cursor = last.cursor();
        let runs = views::runs(projection, &events);
        if runs.is_empty() && place.stored_at.elapsed() < CHECKPOINT_EVERY {
            place.seen = cursor;
        } else {
            let advance = Advance {
                version: projection.version(),
                from: place.stored,
                to: cursor,
            };
            let _writing = rounds.read().await;
            sink.apply(projection, target, &events, &runs, advance)
                .await?;
            place.stored(cursor);
        }
        on_batch(events.len(), cursor);
        if reached_head {
            return Ok(read);
        }
    }
}

/// Stores the checkpoint at the place seen, if it is behind.
async fn store_checkpoint(
    sink: &mut Sink,
    projection: &dyn Projection,
    target: &str,
    place: &mut Place,
) -> Result<(), ApplyError> {
    if place.stored != place.seen {
        let advance = Advance {
            version: projection.version(),
            from: place.stored,
            to: place.seen,
        };
        sink.write(target, &[], Some(advance)).await?;
        place.stored(place.seen);
    }
    Ok(())
}

/// What a process's runners share.
pub struct Runners {
    /// The log's tail, read once for all of them.
    pub tail: Arc<Tail>,
    /// Changes after every commit of this process (and of others, once the listener runs).
    pub commits: Arc<watch::Sender<u64>>,
    /// Where each runner stands.
    pub progress: Arc<Progress>,
    /// This process's tag on its own commit notifications (skipped by its listener).
    pub own_tag: Option<String>,
    /// Held around each write.
    pub rounds: Rounds,
    /// How many documents each runner keeps of those it wrote ([`views::Written`]).
    pub cached_docs: NonZeroUsize,
}

/// Runs `projections` until the process ends (restarting a projection's loop after errors),
/// woken by `commits`; on PostgreSQL also the listener that announces other processes'
/// commits on it.
pub fn spawn_runners(
    projections: Vec<Box<dyn Projection>>,
    repo: EventRepo,
    runners: Runners,
) -> Vec<tokio::task::JoinHandle<()>> {
    let Runners {
        tail,
        commits,
        progress,
        own_tag,
        rounds,
        cached_docs,
    } = runners;
    let mut tasks: Vec<tokio::task::JoinHandle<()>> = projections
        .into_iter()
        .map(|projection| {
            let repo = repo.clone();
            let tail = tail.clone();
            let mut commits = commits.subscribe();
            let progress = progress.clone();
            let rounds = rounds.clone();
            let projection: Arc<dyn Projection> = Arc::from(projection);
            tokio::spawn(async move {
                loop {
                    let shared = Shared {
                        tail: &tail,
                        rounds: &rounds,
                        progress: &progress,
                        cached_docs,
                    };
                    match run(&repo, shared, projection.as_ref(), &mut commits).await
                    {
                        Err(e) if matches!(e.downcast_ref::<ApplyError>(), Some(ApplyError::Moved)) => {
                            tracing::info!(projection = projection.name(), "checkpoint moved by another runner; reloading");
                        }
                        Err(e) => {
                            tracing::warn!(projection = projection.name(), error = %e, "projection stopped; retrying");
                            tokio::time::sleep(POLL).await;
                        }
                        Ok(()) => {}
                    }
                }
            })
        })
        .collect();
    if let EventRepo::Postgres(crate::store::PgStore { pool, .. }) = &repo {
        tasks.push(spawn_listener(pool.clone(), commits, own_tag));
    }
    tasks
}

/// A runner's part of [`Runners`].
#[derive(Clone, Copy)]
struct Shared<'a> {
    tail: &'a Tail,
    rounds: &'a Rounds,
    progress: &'a Progress,
    cached_docs: NonZeroUsize,
}

async fn run(
    repo: &EventRepo,
    shared: Shared<'_>,
    projection: &dyn Projection,
    commits: &mut watch::Receiver<u64>,
) -> anyhow::Result<()> {
    let Shared {
        tail,
        rounds,
        progress,
        cached_docs,
    } = shared;
    let name = projection.name();
    let mut sink = Sink::acquire(repo, name, cached_docs).await?;
    tracing::info!(projection = name, "projection lease taken");
    let start = match repo.checkpoint(name).await? {
        Some(cp) if cp.version == projection.version() => cp.cursor,
        Some(cp) => {
            tracing::info!(
                projection = name,
                from = cp.version,
                to = projection.version(),
                "projection version changed: rebuilding"
            );
            repo.reset_view(name).await?;
            Cursor::default()
        }
        None => Cursor::default(),
    };
    let mut place = Place::at(start);
    let mut lease_checked = tokio::time::Instant::now();
    loop {
        commits.borrow_and_update();
        let read = catch_up(
            tail,
            rounds,
            &mut sink,
            projection,
            name,
            &mut place,
            BATCH,
            |_, c| {
                progress.send_modify(|m| {
                    m.insert(name.to_string(), c);
                });
            },
        )
        .await?;
        progress.send_modify(|m| {
            m.insert(name.to_string(), place.seen);
        });
        if let SinkStore::Postgres(conn, _) = &mut sink.store
            && lease_checked.elapsed() >= LEASE_CHECK
        {
            // Keep the lease connection honest: a dead connection means a lost lease.
            crate::store::lease::check(conn).await?;
            lease_checked = tokio::time::Instant::now();
        }
        let delay = follow_delay(read);
        if place.stored == place.seen {
            next_commit(commits, POLL, delay).await;
        } else {
            // A deferred checkpoint: stored when no commit comes within what is left of
            // CHECKPOINT_EVERY (under a steady load, `catch_up` stores it at that age).
            let left = CHECKPOINT_EVERY.saturating_sub(place.stored_at.elapsed());
            if !next_commit(commits, left, delay).await {
                let _writing = rounds.read().await;
                store_checkpoint(&mut sink, projection, name, &mut place).await?;
            }
        }
    }
}

/// Runs the projections named (every one if none is) in this process, without serving: a
/// worker for views, beside servers on the same PostgreSQL (commits announced with
/// `pg_notify` wake it; on SQLite it polls every second). Takes each lease as servers do, so a
/// view is still run by one process at a time. Returns only on a bad name.
pub async fn follow(
    repo: EventRepo,
    names: Vec<String>,
    cached_docs: NonZeroUsize,
) -> anyhow::Result<()> {
    let mut chosen: Vec<Box<dyn Projection>> = projections::all();
    if !names.is_empty() {
        if let Some(unknown) = names
            .iter()
            .find(|n| !chosen.iter().any(|p| p.name() == *n))
        {
            anyhow::bail!(
                "no projection named {unknown} (known: {})",
                self::names().join(", ")
            );
        }
        chosen.retain(|p| names.iter().any(|n| n == p.name()));
    }
    let runners = Runners {
        tail: Arc::new(Tail::new(repo.clone(), crate::store::tail::KEEP_BATCHES)),
        commits: Arc::new(watch::channel(0_u64).0),
        progress: Arc::new(watch::channel(BTreeMap::new()).0),
        own_tag: None,
        rounds: Rounds::default(),
        cached_docs,
    };
    for task in spawn_runners(chosen, repo, runners) {
        task.await?;
    }
    Ok(())
}

/// Wakes this process's runners when another process announces a commit. Notifications
/// carrying `own_tag` (this engine's own commits, which woke the runners already) are skipped.
pub fn spawn_listener(
    pool: sqlx::PgPool,
    commits: Arc<watch::Sender<u64>>,
    own_tag: Option<String>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let listened = async {
                let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
                listener.listen(NOTIFY_CHANNEL).await?;
                loop {
                    let notification = listener.recv().await?;
                    if own_tag.as_deref() != Some(notification.payload()) {
                        commits.send_modify(|n| *n += 1);
                    }
                }
                #[allow(unreachable_code)]
                Ok::<(), sqlx::Error>(())
            }
            .await;
            if let Err(e) = listened {
                tracing::debug!(error = %e, "commit listener lost its connection; reconnecting");
            }
            tokio::time::sleep(POLL).await;
        }
    })
}

/// Status of one projection.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    /// Name.
    pub name: String,
    /// Version of the fold.
    pub version: i32,
    /// Checkpoint, if any.
    pub position: Option<i64>,
    /// Events in the log after the checkpoint.
    pub lag: i64,
}

/// The checkpoint and lag of every projection.
pub async fn status(repo: &EventRepo) -> anyhow::Result<Vec<Status>> {
    let mut out = Vec::new();
    for p in projections::all() {
        let cp = repo.checkpoint(p.name()).await?;
        let cursor = cp.as_ref().map(|c| c.cursor).unwrap_or_default();
        out.push(Status {
            name: p.name().to_string(),
            version: p.version(),
            position: cp.map(|c| c.cursor.position),
            lag: repo.count_after(cursor).await?,
        });
    }
    Ok(out)
}

/// Replays a projection from the start into a shadow view, then swaps it in atomically.
/// Holds the projection's lease meanwhile (on PostgreSQL it waits for a running server to let
/// go). `on_batch` reports progress (events applied, cursor).
pub async fn rebuild(
    repo: &EventRepo,
    name: &str,
    on_batch: impl FnMut(usize, Cursor),
) -> anyhow::Result<Cursor> {
    rebuild_paged(repo, name, REBUILD_BATCH, on_batch).await
}

/// [`rebuild`], reading `batch` events at a time (tests use small pages to make streams span
/// them).
pub async fn rebuild_paged(
    repo: &EventRepo,
    name: &str,
    batch: i64,
    mut on_batch: impl FnMut(usize, Cursor),
) -> anyhow::Result<Cursor> {
    let projection: Arc<dyn Projection> = projections::all()
        .into_iter()
        .find(|p| p.name() == name)
        .ok_or_else(|| anyhow::anyhow!("no projection named {name}"))?
        .into();
    let mut sink = Sink::acquire(repo, name, views::REBUILD_DOCS).await?;
    // One reader: nothing to share, nothing kept.
    let tail = Tail::new(repo.clone(), 0);
    let shadow = format!("{name}#rebuild");
    repo.reset_view(&shadow).await?;
    let from = match projection.stream_type() {
        Some(aggregate_type) => {
            replay_streams(
                repo,
                &mut sink,
                projection.clone(),
                aggregate_type,
                &shadow,
                batch,
                &mut on_batch,
            )
            .await?
        }
        None => Cursor::default(),
    };
    let mut place = Place::at(from);
    // Twice: the second pass takes the events that arrived during the first.
    let rounds = Rounds::default();
    for _ in 0..2 {
        catch_up(
            &tail,
            &rounds,
            &mut sink,
            projection.as_ref(),
            &shadow,
            &mut place,
            batch,
            &mut on_batch,
        )
        .await?;
    }
    // Then the swap; the lease keeps others out.
    store_checkpoint(&mut sink, projection.as_ref(), &shadow, &mut place).await?;
    let reached = place.seen;
    if reached == Cursor::default() {
        // An empty log: the view is simply empty.
        repo.reset_view(name).await?;
    } else {
        repo.swap_view(name, &shadow).await?;
    }
    Ok(reached)
}

/// Replays a view whose documents are streams ([`Projection::stream_type`]) stream by stream,
/// up to the head of the log read first: each document is folded from its whole stream at
/// once and written once, and no document is read back (in the global order, cases progress
/// side by side, so a batch touches each of its cases once and reads, decodes, encodes and
/// writes every document once per event). Returns the head, where it leaves the target's
/// checkpoint; the global order takes over from there. The default for an empty log.
async fn replay_streams(
    repo: &EventRepo,
    sink: &mut Sink,
    projection: Arc<dyn Projection>,
    aggregate_type: &str,
    target: &str,
    batch: i64,
    mut on_batch: impl FnMut(usize, Cursor),
) -> anyhow::Result<Cursor> {
    let head = repo.head().await?;
    if head == Cursor::default() {
        return Ok(head);
    }
    // A second task folds the pages a third one reads ahead, while this one writes: the store
    // reading, the fold and the store writing overlap.
    let (pages_tx, mut pages) = tokio::sync::mpsc::channel(2);
    let producer = {
        let repo = repo.clone();
        let aggregate_type = aggregate_type.to_string();
        let projection = projection.clone();
        tokio::spawn(async move {
            let folded = fold_streams(
                &repo,
                projection.as_ref(),
                &aggregate_type,
                head,
                batch,
                &pages_tx,
            )
            .await;
            if let Err(e) = folded {
                let _ = pages_tx.send(Err(e)).await;
            }
        })
    };
    let _stop_producer = AbortOnDrop(producer);
    while let Some(page) = pages.recv().await {
        match page? {
            FoldedPage::Docs { events, rows } => {
                sink.write(target, &rows, None).await?;
                on_batch(events, head);
            }
            FoldedPage::Last { rows } => {
                let advance = Advance {
                    version: projection.version(),
                    from: Cursor::default(),
                    to: head,
                };
                sink.write(target, &rows, Some(advance)).await?;
                return Ok(head);
            }
        }
    }
    anyhow::bail!("the replay's reader stopped before the end")
}

/// A page of a replay stream by stream, folded.
enum FoldedPage {
    /// Finished documents, and how many events the page held.
    Docs {
        events: usize,
        rows: Vec<views::DocRow>,
    },
    /// The last document, once every page is read.
    Last { rows: Vec<views::DocRow> },
}

/// Reads a replay's pages and folds each stream (see [`replay_streams`]).
async fn fold_streams(
    repo: &EventRepo,
    projection: &dyn Projection,
    aggregate_type: &str,
    head: Cursor,
    batch: i64,
    pages: &tokio::sync::mpsc::Sender<anyhow::Result<FoldedPage>>,
) -> anyhow::Result<()> {
    let name = projection.name();
    // A third task reads ahead.
    let (read_tx, mut read) = tokio::sync::mpsc::channel(2);
    let reader = {
        let repo = repo.clone();
        let aggregate_type = aggregate_type.to_string();
        tokio::spawn(async move {
            let mut after = (String::new(), 0_i64);
            loop {
                let page = repo
                    .stream_page(&aggregate_type, (&after.0, after.1), head, batch)
                    .await;
                let next = match &page {
                    Ok(events) => events.last().map(|l| (l.aggregate_id.clone(), l.sequence)),
                    Err(_) => None,
                };
                if read_tx.send(page).await.is_err() {
                    return;
                }
                match next {
                    Some(next) => after = next,
                    None => return,
                }
            }
        })
    };
    let _stop_reader = AbortOnDrop(reader);
    // The last document of a page may go on in the next page: it is carried, not written.
    let mut carry: Option<views::DocRow> = None;
    loop {
        let events = read
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("the replay's reader stopped before the end"))??;
        if events.is_empty() {
            let rows = carry.into_iter().collect();
            let _ = pages.send(Ok(FoldedPage::Last { rows })).await;
            return Ok(());
        }
        let mut rows: Vec<views::DocRow> = Vec::new();
        for stream in events.chunk_by(|a, b| a.aggregate_id == b.aggregate_id) {
            let id = &stream[0].aggregate_id;
            let mut records = Vec::with_capacity(stream.len());
            for e in stream {
                let record = e.record();
                match projection.key(&record) {
                    Some(key) if key == *id => records.push(record),
                    None => {}
                    Some(key) => anyhow::bail!(
                        "{name}: an event of stream {id} touches document {key}: not a view of streams"
                    ),
                }
            }
            let mut current = match carry.take() {
                Some(carried) if carried.0 == *id => Some(carried),
                Some(done) => {
                    rows.push(done);
                    None
                }
                None => None,
            };
            let prior = current.as_ref().map(|(_, _, doc)| doc.as_str());
            if let Some((part, doc)) = projection
                .apply_run(prior, &records)
                .map_err(|e| anyhow::anyhow!("{name} in stream {id}: {}", e.message))?
            {
                current = Some((id.clone(), part, doc));
            }
            rows.extend(current);
        }
        // The page's last document may go on: hold it back.
        carry = rows.pop();
        let page = FoldedPage::Docs {
            events: events.len(),
            rows,
        };
        if pages.send(Ok(page)).await.is_err() {
            return Ok(());
        }
    }
}

/// Aborts a task when dropped (a replay that stops early stops its producer).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Names of every projection.
pub fn names() -> Vec<&'static str> {
    projections::all().iter().map(|p| p.name()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follower_waits_longer_the_more_its_last_round_read() {
        assert_eq!(follow_delay(0), FOLLOW_DELAY);
        assert_eq!(follow_delay(EVENTS_PER_STEP - 1), FOLLOW_DELAY);
        assert_eq!(follow_delay(EVENTS_PER_STEP), FOLLOW_DELAY * 2);
        assert_eq!(follow_delay(4 * EVENTS_PER_STEP), FOLLOW_DELAY * 5);
        assert_eq!(follow_delay(usize::MAX), MAX_FOLLOW_DELAY);
        let mut last = Duration::ZERO;
        for read in (0..2_000).step_by(7) {
            let delay = follow_delay(read);
            assert!(delay >= last && delay <= MAX_FOLLOW_DELAY);
            last = delay;
        }
    }
}
