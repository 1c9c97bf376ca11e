//! The transparency log (透明日志), server side: a follower task that turns every event into a
//! leaf, stores the tree's complete subtrees and signs tree heads; and the reads the public API
//! serves (heads, proofs, leaves, a case's leaves). The pure logic is the `tlog` crate.
//!
//! Like the alerting task it follows the global order with its own checkpoint — the last leaf
//! itself (its `tx, position`), written in the same transaction as the leaves and nodes of each
//! batch, so the checkpoint and the tree can never disagree — and holds a lease on PostgreSQL,
//! so one process per deployment appends. Heads are signed at an interval when the tree grew,
//! and only if the stored tree still has the root the last signed head promised.
mod follower;
mod key_file;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tlog::head::{LogSigner, PublicKey, SignedTreeHead};
use tlog::leaf::EventRecord;
use tlog::tree::{self, ProofError};
use utoipa::ToSchema;

pub use follower::{LEASE, catch_up, spawn};

use crate::store::translog as store;
use crate::store::{EventRepo, StoreError, StoredEvent};

/// Leaves served per page at most.
pub const MAX_LEAVES_PAGE: u64 = 100;

/// The deployment's log: its key and settings.
pub struct Log {
    signer: LogSigner,
    public_key: PublicKey,
    sign_interval: Duration,
    /// Leaves appended so far by this process's follower (tests and benches wait on it).
    appended: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("key_id", &self.public_key.key_id())
            .finish()
    }
}

/// Settings of the log.
#[derive(Debug, Clone, Copy)]
pub struct LogLimits {
    /// How often a new head is signed at most (only when the tree grew).
    pub sign_interval: Duration,
}

impl Log {
    /// The log with the key in `key_file` (created with a fresh random key, mode 0600, if
    /// missing).
    pub fn load_or_create(key_file: &Path, limits: LogLimits) -> anyhow::Result<Self> {
        let seed = key_file::load_or_create(key_file)?;
        Self::from_seed(&seed, limits)
    }

    /// The log with a given Ed25519 seed.
    pub fn from_seed(seed: &[u8; 32], limits: LogLimits) -> anyhow::Result<Self> {
        let signer = LogSigner::from_seed(seed);
        Ok(Log {
            public_key: signer.public_key(),
            signer,
            sign_interval: limits.sign_interval,
            appended: tokio::sync::watch::Sender::new(0),
        })
    }

    /// The public key heads are signed with.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Changes whenever this process's follower appended leaves (the value is the log size).
    pub fn subscribe_appended(&self) -> tokio::sync::watch::Receiver<u64> {
        self.appended.subscribe()
    }
}

/// Errors of log reads.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A size beyond the log.
    #[error("the log has {log_size} leaves; there is no tree of size {asked}")]
    BeyondLog {
        /// Size asked for.
        asked: u64,
        /// Leaves in the log.
        log_size: u64,
    },
    /// A bad proof request, or the stored tree is incomplete.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// An inclusion proof (RFC 6962 audit path).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProof {
    /// The leaf.
    pub leaf_index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The leaf's bytes as stored (canonical JSON text); its RFC 6962 leaf hash is SHA-256(0x00 ‖ these bytes).
    pub leaf: String,
    /// The leaf hash, hex.
    pub leaf_hash: String,
    /// Sibling hashes from the leaf up to the root, hex.
    pub audit_path: Vec<String>,
}

/// A consistency proof (RFC 6962 2.1.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    /// The older size.
    pub first: u64,
    /// The newer size.
    pub second: u64,
    /// The proof's hashes, hex.
    pub proof: Vec<String>,
}

/// One stored leaf.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeafEntry {
    /// Its index.
    pub leaf_index: u64,
    /// Its bytes (canonical JSON text of the event's public form).
    pub leaf: String,
    /// Its RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
}

/// A page of leaves.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeafPage {
    /// Leaves in order, at most 100.
    pub leaves: Vec<LeafEntry>,
    /// Leaves in the log now.
    pub log_size: u64,
}

/// The public key of a log.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKeyView {
    /// Always `Ed25519`.
    pub algorithm: &'static str,
    /// The key, 32 bytes in hex.
    pub public_key: String,
    /// SHA-256 of the key, hex: each signed head names it.
    pub key_id: String,
}

async fn proof_nodes(repo: &EventRepo, ranges: &[tree::Range]) -> Result<Vec<String>, LogError> {
    let nodes = store::nodes(repo, &tree::needed_nodes(ranges)).await?;
    Ok(tree::assemble(ranges, &nodes)?
        .iter()
        .map(hex::encode)
        .collect())
}

async fn within_log(repo: &EventRepo, size: u64) -> Result<u64, LogError> {
    let log_size = store::size(repo).await?;
    if size > log_size {
        return Err(LogError::BeyondLog {
            asked: size,
            log_size,
        });
    }
    Ok(log_size)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves.
pub async fn inclusion(
    repo: &EventRepo,
    index: u64,
    size: u64,
) -> Result<InclusionProof, LogError> {
    let ranges = tree::inclusion_ranges(index, size)?;
    within_log(repo, size).await?;
    let leaf = store::leaves(repo, index, index + 1)
        .await?
        .pop()
        .ok_or(ProofError::MissingNode(tree::NodeId { level: 0, index }))?;
    Ok(InclusionProof {
        leaf_index: index,
        tree_size: size,
        leaf_hash: hex::encode(tree::leaf_hash(&leaf.bytes)),
        leaf: String::from_utf8_lossy(&leaf.bytes).into_owned(),
        audit_path: proof_nodes(repo, &ranges).await?,
    })
}

/// The consistency proof from `first` to `second` leaves.
pub async fn consistency(
    repo: &EventRepo,
    first: u64,
    second: u64,
) -> Result<ConsistencyProof, LogError> {
    let ranges = tree::consistency_ranges(first, second)?;
    within_log(repo, second).await?;
    Ok(ConsistencyProof {
        first,
        second,
        proof: proof_nodes(repo, &ranges).await?,
    })
}

/// Leaves from `start`, at most [`MAX_LEAVES_PAGE`], before `end` if given.
pub async fn leaves(repo: &EventRepo, start: u64, end: Option<u64>) -> Result<LeafPage, LogError> {
    let log_size = store::size(repo).await?;
    if start >= log_size {
        return Err(LogError::BeyondLog {
            asked: start.saturating_add(1),
            log_size,
        });
    }
    let end = end
        .unwrap_or(u64::MAX)
        .min(start.saturating_add(MAX_LEAVES_PAGE))
        .min(log_size);
    let rows = store::leaves(repo, start, end).await?;
    Ok(LeafPage {
        leaves: rows
            .into_iter()
            .map(|r| LeafEntry {
                leaf_index: r.leaf_index as u64,
                leaf_hash: hex::encode(tree::leaf_hash(&r.bytes)),
                leaf: String::from_utf8_lossy(&r.bytes).into_owned(),
            })
            .collect(),
        log_size,
    })
}

/// One event of a case in the log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseLeaf {
    /// Sequence within the case, from 1.
    pub sequence: i64,
    /// Event type.
    pub event_type: Option<String>,
    /// The leaf that holds it; null while the event is not yet in the log.
    pub leaf_index: Option<u64>,
    /// The event's public form, computed now from the event as stored: its canonical JSON
    /// (keys sorted, no spaces) is the leaf's bytes when the history is intact. Null if the log
    /// holds a leaf for this sequence but the event is gone.
    #[schema(value_type = Option<Object>)]
    pub leaf: Option<Value>,
    /// Where to fetch its inclusion proof at the current head's size.
    pub proof: Option<String>,
}

/// A case's place in the transparency log, shown with its public status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseLog {
    /// The newest signed tree head.
    pub tree_head: Option<SignedTreeHead>,
    /// The salt of the case id's commitment, hex: every leaf of this case shows
    /// `aggregate_id: {"commitment": hex(SHA-256("yangguang/aggregate-id/1" ‖ 0x00 ‖ salt ‖
    /// tracking number))}`.
    pub id_salt: Option<String>,
    /// Its events, by sequence.
    pub events: Vec<CaseLeaf>,
}

/// A stored event as the leaf encoder reads it.
pub fn record(e: &StoredEvent) -> EventRecord<'_> {
    EventRecord {
        position: e.position,
        aggregate_type: &e.aggregate_type,
        aggregate_id: &e.aggregate_id,
        sequence: e.sequence,
        event_type: &e.event_type,
        event_version: &e.event_version,
        recorded_at: e.recorded_at,
        payload: &e.payload,
    }
}

/// The case's events as leaves: each event's public form computed now from the event store,
/// next to the leaf the log holds for it. A verifier hashes the form and checks the leaf's
/// inclusion, so an event changed, removed or moved behind the log's back shows.
pub async fn case_log(repo: &EventRepo, case_id: &str) -> Result<CaseLog, LogError> {
    const CASE: &str = "Case";
    let events = repo.aggregate_events(CASE, case_id).await?;
    let leaves = store::aggregate_leaves(repo, CASE, case_id).await?;
    let secret = store::secrets(repo, &[(CASE.to_owned(), case_id.to_owned())])
        .await?
        .into_values()
        .next();
    let head = store::latest_head(repo).await?;
    let mut by_sequence: BTreeMap<i64, (Option<&StoredEvent>, Option<&store::LeafRow>)> =
        BTreeMap::new();
    for e in &events {
        by_sequence.entry(e.sequence).or_default().0 = Some(e);
    }
    for l in &leaves {
        by_sequence.entry(l.sequence).or_default().1 = Some(l);
    }
    let out = by_sequence
        .into_iter()
        .map(|(sequence, (event, leaf))| {
            let leaf_index = leaf.map(|l| l.leaf_index as u64);
            let form = match (event, &secret, leaf_index) {
                (Some(e), Some(s), Some(_)) => Some(tlog::leaf::public_form(&record(e), s)),
                _ => None,
            };
            let proof = match (leaf_index, &head) {
                (Some(i), Some(h)) if i < h.tree_size => Some(format!(
                    "/api/v1/log/proof/inclusion?leaf_index={i}&tree_size={}",
                    h.tree_size
                )),
                _ => None,
            };
            CaseLeaf {
                sequence,
                event_type: event.map(|e| e.event_type.clone()),
                leaf_index,
                leaf: form,
                proof,
            }
        })
        .collect();
    Ok(CaseLog {
        tree_head: head,
        id_salt: secret.map(|s| hex::encode(s.id_salt())),
        events: out,
    })
}

/// Node ids, for callers that read stored subtrees.
pub fn frontier_ids(size: u64) -> BTreeSet<tree::NodeId> {
    tlog::tree::Frontier::ids(size).into_iter().collect()
}

/// The public key view.
pub fn public_key_view(log: &Arc<Log>) -> PublicKeyView {
    PublicKeyView {
        algorithm: "Ed25519",
        public_key: log.public_key.to_hex(),
        key_id: log.public_key.key_id(),
    }
}

/// Times `samples` inclusion proofs (random leaves) and `samples` consistency proofs (random
/// older sizes) at the log's size, each assembled from the store as the API does, and checks
/// each against the root. Returns a `RESULT …` line (milliseconds).
pub async fn bench_proofs(repo: &EventRepo, samples: u64) -> anyhow::Result<String> {
    use rand::Rng;
    let size = store::size(repo).await?;
    anyhow::ensure!(size > 1, "the log is empty");
    let nodes = store::nodes(repo, &frontier_ids(size)).await?;
    let root = tree::root_from_nodes(size, &nodes)?;
    let mut rng = rand::rng();
    let mut inclusion_ms = Vec::new();
    let mut consistency_ms = Vec::new();
    for _ in 0..samples {
        let index = rng.random_range(0..size);
        let t = std::time::Instant::now();
        let proof = inclusion(repo, index, size).await?;
        inclusion_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let path: Vec<tlog::Hash> = proof
            .audit_path
            .iter()
            .map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok()))
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow::anyhow!("bad hash"))?;
        tree::verify_inclusion(&root, size, index, proof.leaf.as_bytes(), &path)?;
        let first = rng.random_range(1..size);
        let t = std::time::Instant::now();
        consistency(repo, first, size).await?;
        consistency_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    Ok(format!(
        "RESULT size={size} samples={samples} inclusion_p50={:.3} inclusion_p99={:.3} \
         consistency_p50={:.3} consistency_p99={:.3}",
        pct(&mut inclusion_ms, 0.5),
        pct(&mut inclusion_ms, 0.99),
        pct(&mut consistency_ms, 0.5),
        pct(&mut consistency_ms, 0.99),
    ))
}
