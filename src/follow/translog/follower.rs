//! The task that appends every event to the log and signs tree heads.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use tlog::head::TreeHead;
use tlog::leaf::AggregateSecret;
use tlog::tree::{self, Frontier};
use tokio::time::Instant;

use super::{Log, record};
use crate::engine::Engine;
use crate::store::tail::TailRead;
use crate::store::translog::{self as store, NewLeaf};
use crate::store::{Cursor, EventRepo, StoredEvent};

/// The lease name (one appender per deployment).
pub const LEASE: &str = "transparency-log";
/// Events per batch (one transaction each).
const BATCH: i64 = 500;
/// The fallback poll when no commit wakes the task.
const POLL: Duration = Duration::from_secs(1);
/// Secrets kept in memory at most.
const SECRET_CACHE: usize = 50_000;

/// Starts the log's follower (it waits for its lease first on PostgreSQL).
pub fn spawn(engine: Arc<Engine>, log: Arc<Log>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run(&engine, &log).await {
                tracing::warn!(error = %e, "transparency log stopped; retrying");
                tokio::time::sleep(POLL).await;
            }
        }
    })
}

/// The in-memory side of the appender: the tree's right edge and the checkpoint.
struct Appender {
    frontier: Frontier,
    cursor: Cursor,
    secrets: HashMap<(String, String), AggregateSecret>,
    /// How many secrets `secrets` holds before it starts over ([`SECRET_CACHE`]).
    secrets_kept: usize,
}

impl Appender {
    async fn load(repo: &EventRepo) -> anyhow::Result<Self> {
        let stored = store::stored(repo).await?;
        let ids = super::frontier_ids(stored.size);
        let nodes = store::nodes(repo, &ids).await?;
        let frontier = Frontier::from_stored(stored.size, &nodes)
            .map_err(|e| anyhow::anyhow!("the stored log is incomplete: {e}"))?;
        Ok(Appender {
            frontier,
            cursor: stored.cursor,
            secrets: HashMap::new(),
            secrets_kept: SECRET_CACHE,
        })
    }

    /// Appends a batch in one transaction; the in-memory state moves only once it committed.
    async fn append(&mut self, repo: &EventRepo, events: &[StoredEvent]) -> anyhow::Result<()> {
        let mut keys: Vec<(String, String)> = events
            .iter()
            .map(|e| (e.aggregate_type.clone(), e.aggregate_id.clone()))
            .collect();
        keys.sort();
        keys.dedup();
        let unknown = keys
            .iter()
            .filter(|k| !self.secrets.contains_key(*k))
            .count();
        if self.secrets.len() + unknown > self.secrets_kept {
            // Start over; then every aggregate of the batch is looked up again (clearing after
            // choosing which to look up lost the secrets of those that were known).
            self.secrets.clear();
        }
        let missing: Vec<(String, String)> = keys
            .into_iter()
            .filter(|k| !self.secrets.contains_key(k))
            .collect();
        let found = store::secrets(repo, &missing).await?;
        let mut new_secrets = Vec::new();
        for key in missing {
            let secret = match found.get(&key) {
                Some(s) => s.clone(),
                None => {
                    let mut bytes = [0u8; 32];
                    rand::rng().fill_bytes(&mut bytes);
                    let s = AggregateSecret::from_bytes(bytes);
                    new_secrets.push((key.clone(), s.clone()));
                    s
                }
            };
            self.secrets.insert(key, secret);
        }
        let mut frontier = self.frontier.clone();
        let mut leaves = Vec::with_capacity(events.len());
        let mut nodes = Vec::with_capacity(events.len() * 2);
        for e in events {
            let secret = self
                .secrets
                .get(&(e.aggregate_type.clone(), e.aggregate_id.clone()))
                .ok_or_else(|| anyhow::anyhow!("no secret for an aggregate"))?;
            let bytes = tlog::leaf::encode(&tlog::leaf::public_form(&record(e), secret));
            let leaf_index = frontier.size() as i64;
            nodes.extend(frontier.push(tree::leaf_hash(&bytes)));
            leaves.push(NewLeaf {
                leaf_index,
                cursor: e.cursor(),
                aggregate_type: e.aggregate_type.clone(),
                aggregate_id: e.aggregate_id.clone(),
                sequence: e.sequence,
                bytes,
            });
        }
        if let Err(e) = store::append(repo, &leaves, &nodes, &new_secrets).await {
            // Secrets generated for this batch were not stored: forget them.
            for (key, _) in &new_secrets {
                self.secrets.remove(key);
            }
            return Err(e.into());
        }
        self.frontier = frontier;
        if let Some(last) = events.last() {
            self.cursor = last.cursor();
        }
        Ok(())
    }
}

async fn run(engine: &Engine, log: &Log) -> anyhow::Result<()> {
    let repo = engine.repo();
    let mut lease = match repo {
        EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
            Some(crate::store::lease::take(pool, LEASE).await?)
        }
        EventRepo::Sqlite(_) => None,
    };
    let mut appender = Appender::load(repo).await?;
    let mut last_head = store::latest_head(repo).await?;
    tracing::info!(
        size = appender.frontier.size(),
        "transparency log lease taken"
    );
    let mut commits = engine.subscribe_commits();
    let mut last_signed: Option<Instant> = None;
    let mut refused_at: Option<u64> = None;
    loop {
        commits.borrow_and_update();
        let mut read = 0;
        loop {
            let TailRead {
                events,
                reached_head,
            } = engine.tail().read(appender.cursor, BATCH).await?;
            if events.is_empty() {
                break;
            }
            read += events.len();
            let writing = engine.rounds().read().await;
            appender.append(repo, &events).await?;
            drop(writing);
            log.appended.send_replace(appender.frontier.size());
            if reached_head {
                break;
            }
        }
        let size = appender.frontier.size();
        log.appended.send_replace(size);
        let grown = last_head.as_ref().is_none_or(|h| size > h.tree_size);
        let mut wait = POLL;
        if grown {
            let due = last_signed.map_or(Duration::ZERO, |t| {
                log.sign_interval.saturating_sub(t.elapsed())
            });
            if due.is_zero() {
                let _writing = engine.rounds().read().await;
                if let Some(head) =
                    sign(engine, log, &appender, last_head.as_ref(), &mut refused_at).await?
                {
                    last_head = Some(head);
                }
                last_signed = Some(Instant::now());
            } else {
                wait = wait.min(due);
            }
        }
        if let Some(conn) = lease.as_mut() {
            // A dead lease connection means a lost lease: stop and take it again.
            crate::store::lease::check(conn).await?;
        }
        let delay = crate::follow::projection::follow_delay(read);
        crate::follow::projection::next_commit(&mut commits, wait, delay).await;
    }
}

/// Signs and stores a head for the whole tree, unless the stored tree no longer has the root
/// the last signed head promised (then it refuses, once per size, loudly).
async fn sign(
    engine: &Engine,
    log: &Log,
    appender: &Appender,
    last: Option<&tlog::head::SignedTreeHead>,
    refused_at: &mut Option<u64>,
) -> anyhow::Result<Option<tlog::head::SignedTreeHead>> {
    let repo = engine.repo();
    let size = appender.frontier.size();
    let mut timestamp = engine.now().timestamp_millis().max(0) as u64;
    if let Some(last) = last {
        let nodes = store::nodes(repo, &super::frontier_ids(last.tree_size)).await?;
        let stored_root = tree::root_from_nodes(last.tree_size, &nodes).ok();
        if last.tree_size > size || stored_root != last.root() {
            if *refused_at != Some(size) {
                tracing::error!(
                    last_signed_size = last.tree_size,
                    size,
                    "the stored tree does not match the last signed tree head: not signing"
                );
                *refused_at = Some(size);
            }
            return Ok(None);
        }
        timestamp = timestamp.max(last.timestamp + 1);
    }
    let head = TreeHead {
        tree_size: size,
        timestamp,
        root_hash: appender.frontier.root(),
    };
    let signed = log.signer.sign(&head);
    store::insert_head(repo, &signed, &head.root_hash).await?;
    tracing::debug!(size, "tree head signed");
    Ok(Some(signed))
}

/// Appends every event not yet in the log and signs a head for the result (the server must
/// not be appending: on PostgreSQL this waits for the lease). Returns the leaves appended and
/// the log's size.
pub async fn catch_up(engine: &Engine, log: &Log) -> anyhow::Result<(u64, u64)> {
    let repo = engine.repo();
    let _lease = match repo {
        EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
            Some(crate::store::lease::take(pool, LEASE).await?)
        }
        EventRepo::Sqlite(_) => None,
    };
    let mut appender = Appender::load(repo).await?;
    let start = appender.frontier.size();
    loop {
        let events = repo.read_after(appender.cursor, BATCH).await?;
        if events.is_empty() {
            break;
        }
        appender.append(repo, &events).await?;
    }
    let last = store::latest_head(repo).await?;
    if last
        .as_ref()
        .is_none_or(|h| appender.frontier.size() > h.tree_size)
    {
        sign(engine, log, &appender, last.as_ref(), &mut None).await?;
    }
    Ok((appender.frontier.size() - start, appender.frontier.size()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(position: i64, aggregate_id: &str) -> StoredEvent {
        StoredEvent {
            position,
            tx: 0,
            aggregate_type: "Feedback".into(),
            aggregate_id: aggregate_id.into(),
            sequence: 1,
            event_type: "Noted".into(),
            event_version: "1".into(),
            payload: serde_json::json!({"Noted": {"n": position}}),
            metadata: serde_json::Value::Null,
            recorded_at: chrono::Utc::now(),
        }
    }

    /// When the secrets kept are full, the appender starts over: a batch with an aggregate it
    /// knew and one it did not must look both up again (it lost the known one's secret, and
    /// failed with "no secret for an aggregate", when the lookup was chosen before the clear).
    #[tokio::test]
    async fn a_full_secret_cache_starts_over_without_losing_the_batch_s_secrets() {
        let (repo, _dir) = crate::store::test_sqlite().await;
        let mut appender = Appender::load(&repo).await.unwrap();
        appender.secrets_kept = 2;
        appender
            .append(&repo, &[event(1, "a"), event(2, "b")])
            .await
            .unwrap();
        let b_secret = appender.secrets[&("Feedback".to_string(), "b".to_string())].clone();
        appender
            .append(&repo, &[event(3, "b"), event(4, "c")])
            .await
            .unwrap();
        assert_eq!(appender.frontier.size(), 4);
        assert_eq!(
            appender.secrets.len(),
            2,
            "started over with the batch's two"
        );
        let stored = store::secrets(&repo, &[("Feedback".to_string(), "b".to_string())])
            .await
            .unwrap();
        let b = ("Feedback".to_string(), "b".to_string());
        assert!(stored[&b] == b_secret && appender.secrets[&b] == b_secret);
    }
}
