//! The work that follows the event log in the background: the view runner (`projection`), the
//! alert raiser (`alerts`, 电子监察), the notifier (`notifier`, 办理通知), the documents follower
//! (`documents`, 决定书), the statistics follower (`statistics`, 考核评价公开) and the transparency log with its follower (`translog`).
use std::time::Duration;

use crate::engine::Engine;
use crate::store::tail::TailRead;
use crate::store::{Cursor, EventRepo, StoredEvent};

pub mod alerts;
pub mod documents;
pub mod notifier;
pub mod projection;
pub mod statistics;
pub mod translog;

/// Events read per batch.
const BATCH: i64 = 500;

/// What a follower does with the log.
#[async_trait::async_trait]
pub(crate) trait Follower: Send {
    /// Handles one batch of events, in the global order.
    async fn batch(&mut self, events: &[StoredEvent]) -> anyhow::Result<()>;
    /// Runs once the head is reached, before waiting for the next commit.
    async fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    /// The version of what the follower writes: a checkpoint saved under an older version is
    /// dropped ([`Follower::reset`]) and the log followed again from its start; one saved under
    /// a newer version (a newer release ran) stops this follower.
    fn version(&self) -> i32 {
        1
    }
    /// Forgets what the follower wrote, before it follows the log again from its start.
    async fn reset(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Whether `batch` saves the checkpoint itself, in the transaction of its own writes
    /// (else [`follow_log`] saves it after each batch).
    fn saves_checkpoint(&self) -> bool {
        false
    }
    /// Where following starts (the saved checkpoint, or the log's start): called before the
    /// first batch.
    fn start_at(&mut self, _cursor: Cursor) {}
}

/// Starts a follower of the log under the checkpoint (and lease) `name`: `make` builds it
/// afresh each time [`follow_log`] returns on a failure, which is logged and retried after a
/// second.
pub(crate) fn spawn_follower(
    engine: std::sync::Arc<Engine>,
    name: &'static str,
    poll: Duration,
    make: for<'a> fn(&'a Engine) -> Box<dyn Follower + 'a>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut follower = make(&engine);
            if let Err(e) = follow_log(&engine, name, poll, follower.as_mut()).await {
                tracing::warn!(error = %e, follower = name, "follower stopped; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    })
}

/// Follows the global order after the checkpoint `name`, one writer per deployment (the lease
/// `name` on PostgreSQL, held while this runs): hands each batch to the follower, saves the
/// checkpoint after it, and once at the head lets it run `idle` and waits for the next commit (at
/// most `poll`). Returns only on a failure; the caller starts it again.
pub(crate) async fn follow_log(
    engine: &Engine,
    name: &str,
    poll: Duration,
    follower: &mut dyn Follower,
) -> anyhow::Result<()> {
    let _lease = match engine.repo() {
        EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
            Some(crate::store::lease::take(pool, name).await?)
        }
        EventRepo::Sqlite(_) => None,
    };
    let mut commits = engine.subscribe_commits();
    let mut cursor: Cursor = match engine.repo().checkpoint(name).await? {
        Some(saved) if saved.version == follower.version() => saved.cursor,
        Some(saved) if saved.version > follower.version() => {
            // A newer release wrote it: counting again from here would undo its work.
            anyhow::bail!(
                "the checkpoint {name} is of version {}, newer than this server's {}",
                saved.version,
                follower.version()
            );
        }
        Some(saved) => {
            tracing::info!(
                follower = name,
                from = saved.version,
                to = follower.version(),
                "follower version changed; following the log again from its start"
            );
            follower.reset().await?;
            Cursor::default()
        }
        None => Cursor::default(),
    };
    follower.start_at(cursor);
    loop {
        commits.borrow_and_update();
        let mut read = 0;
        loop {
            let TailRead {
                events,
                reached_head,
            } = engine.tail().read(cursor, BATCH).await?;
            let Some(last) = events.last() else { break };
            read += events.len();
            follower.batch(&events).await?;
            cursor = last.cursor();
            if !follower.saves_checkpoint() {
                engine
                    .repo()
                    .save_checkpoint(name, follower.version(), cursor)
                    .await?;
            }
            if reached_head {
                break;
            }
        }
        follower.idle().await?;
        let delay = projection::follow_delay(read);
        projection::next_commit(&mut commits, poll, delay).await;
    }
}
