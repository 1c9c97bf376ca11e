//! `yangguang log verify`: audits a Yangguang server's transparency log from outside, over
//! HTTP only.
//!
//! 1. Fetches the log's public key: the one given with `--public-key`, else the one pinned in
//!    the state file, else trusted on first use (and pinned). A changed key is a failure.
//! 2. Fetches the newest signed tree head and checks its signature.
//! 3. Checks it is consistent with every head seen before: the one in the state file and those
//!    in other verifiers' state files (`--peer-state`). A smaller log, a second head for one
//!    size (a fork shown to different verifiers: split view), a head no longer served, or a
//!    consistency proof that does not hold is a failure.
//! 4. With `--tracking-no` and `--code`: fetches the case's public status, re-encodes each
//!    event's public form as the log's canonical leaf, checks it belongs to this case and is
//!    included in the signed head (RFC 6962 inclusion proof), and that the public timeline is
//!    the logged one.
//! 5. Saves the head (and the key) in the state file, only if everything held.
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tlog::Hash;
use tlog::head::{PublicKey, SignedTreeHead};
use tlog::tree;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct VerifyArgs {
    /// The server's base URL.
    pub url: String,
    /// A case to check, with its query code.
    pub case: Option<(String, String)>,
    /// Where the last verified head is kept.
    pub state: Option<PathBuf>,
    /// The log's public key (hex), instead of trust on first use.
    pub public_key: Option<String>,
    /// Other verifiers' state files to compare with.
    pub peer_states: Vec<PathBuf>,
}

/// Why verification did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The log or the server's data failed a check: evidence of tampering or a broken log.
    Mismatch(String),
    /// The check could not be done (network, bad arguments, unreadable state).
    Unable(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Mismatch(m) => write!(f, "log verification FAILED: {m}"),
            Failure::Unable(m) => write!(f, "log verify could not check: {m}"),
        }
    }
}

fn mismatch(m: impl Into<String>) -> Failure {
    Failure::Mismatch(m.into())
}

fn unable(m: impl Into<String>) -> Failure {
    Failure::Unable(m.into())
}

/// What a verifier keeps between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    /// Always `yangguang-log-verifier/1`.
    pub format: String,
    /// The server it was verified against.
    pub url: String,
    /// The pinned public key, hex.
    pub public_key: String,
    /// The last head that verified.
    pub head: SignedTreeHead,
}

const STATE_FORMAT: &str = "yangguang-log-verifier/1";

fn read_state(path: &Path) -> Result<Option<State>, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| unable(format!("state file {} is unreadable: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unable(format!("cannot read {}: {e}", path.display()))),
    }
}

fn write_state(path: &Path, state: &State) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(state).map_err(|e| unable(e.to_string()))?;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| unable(format!("cannot write {}: {e}", path.display())))
}

struct Server {
    client: reqwest::Client,
    base: String,
}

impl Server {
    /// GET a JSON document; `Ok(None)` for a 404. Waits out 429s (bounded).
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Failure> {
        let url = format!("{}{path}", self.base);
        for _ in 0..6 {
            let response = self
                .client
                .get(&url)
                .send()
                .await
                .map_err(|e| unable(format!("GET {url}: {e}")))?;
            let status = response.status();
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(60);
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            if status == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(unable(format!("GET {url}: {status} {body}")));
            }
            return response
                .json()
                .await
                .map(Some)
                .map_err(|e| unable(format!("GET {url}: unexpected answer: {e}")));
        }
        Err(unable(format!(
            "GET {url}: still rate-limited after retries"
        )))
    }

    async fn head_at(&self, size: u64) -> Result<Option<SignedTreeHead>, Failure> {
        self.get(&format!("/api/v1/log/tree-head?size={size}"))
            .await
    }
}

#[derive(Deserialize)]
struct KeyView {
    public_key: String,
}

#[derive(Deserialize)]
struct ConsistencyView {
    proof: Vec<String>,
}

#[derive(Deserialize)]
struct InclusionView {
    leaf: String,
    audit_path: Vec<String>,
}

fn hashes(hex_list: &[String]) -> Result<Vec<Hash>, Failure> {
    hex_list
        .iter()
        .map(|h| {
            hex::decode(h)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| mismatch(format!("the server sent a malformed hash {h:?}")))
        })
        .collect()
}

fn root_of(head: &SignedTreeHead) -> Result<Hash, Failure> {
    head.root()
        .ok_or_else(|| mismatch("a tree head has a malformed root hash"))
}

/// Runs the checks; returns the lines of the report.
pub async fn verify(args: &VerifyArgs) -> Result<Vec<String>, Failure> {
    let base = args.url.trim_end_matches('/').to_owned();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(unable(format!(
            "--url must start with http:// or https://: {base}"
        )));
    }
    let server = Server {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("yangguang-log-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| unable(e.to_string()))?,
        base: base.clone(),
    };
    let mut report = Vec::new();
    let state = match &args.state {
        Some(path) => read_state(path)?,
        None => None,
    };
    // A log is known by its key, not its address: the same log may be served by several
    // processes or move, so a state saved against another URL still applies.
    if let Some(s) = &state
        && s.url.trim_end_matches('/') != base
    {
        report.push(format!("(the state file was saved against {})", s.url));
    }

    // 1. The key.
    let served: KeyView = server
        .get("/api/v1/log/public-key")
        .await?
        .ok_or_else(|| unable("the server publishes no transparency log key"))?;
    let served_key = PublicKey::from_hex(&served.public_key)
        .map_err(|e| mismatch(format!("the published key is malformed: {e}")))?;
    let key = match (&args.public_key, &state) {
        (Some(given), _) => {
            let given =
                PublicKey::from_hex(given).map_err(|e| unable(format!("--public-key: {e}")))?;
            if given != served_key {
                return Err(mismatch(format!(
                    "the server publishes key {}, not the key given ({})",
                    served_key.to_hex(),
                    given.to_hex()
                )));
            }
            report.push(format!("public key {} (given)", given.to_hex()));
            given
        }
        (None, Some(s)) => {
            let pinned = PublicKey::from_hex(&s.public_key)
                .map_err(|e| unable(format!("the state file's key: {e}")))?;
            if pinned != served_key {
                return Err(mismatch(format!(
                    "the log's public key changed: {} is pinned in the state file, the server \
                     now publishes {}",
                    pinned.to_hex(),
                    served_key.to_hex()
                )));
            }
            report.push(format!("public key {} (pinned)", pinned.to_hex()));
            pinned
        }
        (None, None) => {
            report.push(format!(
                "public key {} (trusted on first use)",
                served_key.to_hex()
            ));
            served_key
        }
    };

    // 2. The newest head.
    let head: SignedTreeHead = server
        .get("/api/v1/log/tree-head")
        .await?
        .ok_or_else(|| unable("the log has not signed a tree head yet"))?;
    head.verify(&key).map_err(|e| {
        mismatch(format!(
            "the newest tree head (size {}): {e}",
            head.tree_size
        ))
    })?;
    let root = root_of(&head)?;
    report.push(format!(
        "tree head: size {}, root {}, signed {}",
        head.tree_size, head.root_hash, head.issued_at
    ));

    // 3. Consistency with every head seen before.
    let mut seen: Vec<(String, SignedTreeHead)> = Vec::new();
    if let Some(s) = &state {
        seen.push(("the head this verifier saw before".into(), s.head.clone()));
    }
    for path in &args.peer_states {
        let peer = read_state(path)?
            .ok_or_else(|| unable(format!("peer state {} does not exist", path.display())))?;
        seen.push((format!("the head in {}", path.display()), peer.head));
    }
    for (what, old) in &seen {
        old.verify(&key)
            .map_err(|e| mismatch(format!("{what} (size {}): {e}", old.tree_size)))?;
        let old_root = root_of(old)?;
        if old.tree_size > head.tree_size {
            return Err(mismatch(format!(
                "the log shrank: {what} has size {} (signed {}), the newest head has size {}",
                old.tree_size, old.issued_at, head.tree_size
            )));
        }
        if old.tree_size == head.tree_size && old_root != root {
            return Err(mismatch(format!(
                "two different signed heads for tree size {}: root {} ({what}, signed {}) and \
                 root {} (now, signed {}) — the log forked or shows different histories to \
                 different verifiers (split view)",
                head.tree_size, old.root_hash, old.issued_at, head.root_hash, head.issued_at
            )));
        }
        match server.head_at(old.tree_size).await? {
            Some(again) if again.root_hash != old.root_hash => {
                return Err(mismatch(format!(
                    "two different signed heads for tree size {}: root {} ({what}) and root {} \
                     (served now) — split view",
                    old.tree_size, old.root_hash, again.root_hash
                )));
            }
            Some(_) => {}
            None if old.tree_size > 0 => {
                return Err(mismatch(format!(
                    "{what} (size {}, signed {}) is no longer served: signed heads are \
                     append-only",
                    old.tree_size, old.issued_at
                )));
            }
            None => {}
        }
        if old.tree_size > 0 && old.tree_size < head.tree_size {
            let proof: ConsistencyView = server
                .get(&format!(
                    "/api/v1/log/proof/consistency?first={}&second={}",
                    old.tree_size, head.tree_size
                ))
                .await?
                .ok_or_else(|| {
                    mismatch(format!(
                        "the server gives no consistency proof from size {} to {}",
                        old.tree_size, head.tree_size
                    ))
                })?;
            tree::verify_consistency(
                old.tree_size,
                &old_root,
                head.tree_size,
                &root,
                &hashes(&proof.proof)?,
            )
            .map_err(|_| {
                mismatch(format!(
                    "the newest head (size {}) is not consistent with {what} (size {}, signed \
                     {}): the log's history was rewritten",
                    head.tree_size, old.tree_size, old.issued_at
                ))
            })?;
        }
        report.push(format!("consistent with {what} (size {})", old.tree_size));
    }

    // 4. The case.
    if let Some((tracking_no, code)) = &args.case {
        report.extend(verify_case(&server, tracking_no, code, &head, &root).await?);
    }

    // 5. Keep what verified.
    if let Some(path) = &args.state {
        write_state(
            path,
            &State {
                format: STATE_FORMAT.into(),
                url: base,
                public_key: key.to_hex(),
                head: head.clone(),
            },
        )?;
        report.push(format!("head saved in {}", path.display()));
    }
    report.push("OK".into());
    Ok(report)
}

#[derive(Deserialize)]
struct CaseView {
    timeline: Vec<Value>,
    log: Option<CaseLogView>,
}

#[derive(Deserialize)]
struct CaseLogView {
    id_salt: Option<String>,
    events: Vec<CaseLeafView>,
}

#[derive(Deserialize)]
struct CaseLeafView {
    sequence: i64,
    leaf_index: Option<u64>,
    leaf: Option<Value>,
}

async fn verify_case(
    server: &Server,
    tracking_no: &str,
    code: &str,
    head: &SignedTreeHead,
    root: &Hash,
) -> Result<Vec<String>, Failure> {
    let path = format!(
        "/api/v1/public/cases/{}/log?code={}",
        percent(tracking_no),
        percent(code)
    );
    let case: CaseView = server
        .get(&path)
        .await?
        .ok_or_else(|| unable("no case matches this tracking number and query code"))?;
    let log = case
        .log
        .ok_or_else(|| unable("the server shows no transparency log for this case"))?;
    let id_salt: Option<Hash> = log
        .id_salt
        .as_deref()
        .map(|s| {
            hex::decode(s)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| mismatch("the case's id salt is malformed"))
        })
        .transpose()?;
    let expected_id = id_salt.map(|s| tlog::leaf::id_commitment(&s, tracking_no));
    let (mut included, mut pending) = (0usize, 0usize);
    let mut logged_steps: Vec<Value> = Vec::new();
    for (i, event) in log.events.iter().enumerate() {
        let s = event.sequence;
        if s != i as i64 + 1 {
            return Err(mismatch(format!(
                "event {} of case {tracking_no} is missing from its history (the server shows \
                 sequence {s} in its place)",
                i + 1
            )));
        }
        match (&event.leaf_index, &event.leaf) {
            (None, _) => pending += 1,
            (Some(index), None) => {
                return Err(mismatch(format!(
                    "the log holds leaf {index} as event {s} of case {tracking_no}, but the \
                     event store no longer has that event: it was deleted or moved"
                )));
            }
            (Some(index), Some(form)) => {
                if form.get("sequence").and_then(Value::as_i64) != Some(s)
                    || form.get("aggregate_type").and_then(Value::as_str) != Some("Case")
                    || tlog::leaf::committed_id(form) != expected_id.as_deref()
                {
                    return Err(mismatch(format!(
                        "leaf {index} shown as event {s} of case {tracking_no} is not that \
                         event of this case"
                    )));
                }
                if *index >= head.tree_size {
                    pending += 1;
                    continue;
                }
                let bytes = tlog::leaf::encode(form);
                let proof: InclusionView = server
                    .get(&format!(
                        "/api/v1/log/proof/inclusion?leaf_index={index}&tree_size={}",
                        head.tree_size
                    ))
                    .await?
                    .ok_or_else(|| {
                        mismatch(format!(
                            "the server gives no inclusion proof for leaf {index} at size {}",
                            head.tree_size
                        ))
                    })?;
                let event_type = form
                    .get("event_type")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                if proof.leaf.as_bytes() != bytes.as_slice() {
                    return Err(mismatch(format!(
                        "event {s} ({event_type}) of case {tracking_no} as the server shows it \
                         now differs from leaf {index} that the log signed: the event was \
                         changed after it was logged"
                    )));
                }
                tree::verify_inclusion(
                    root,
                    head.tree_size,
                    *index,
                    &bytes,
                    &hashes(&proof.audit_path)?,
                )
                .map_err(|_| {
                    mismatch(format!(
                        "event {s} ({event_type}) of case {tracking_no} is not leaf {index} \
                             of the signed tree of size {}: the inclusion proof fails",
                        head.tree_size
                    ))
                })?;
                if event_type == "StepCompleted" {
                    logged_steps.push(form["payload"].clone());
                }
                included += 1;
            }
        }
    }
    // The public timeline must be the logged steps, in order.
    if logged_steps.len() > case.timeline.len() {
        return Err(mismatch(format!(
            "the log holds {} steps of case {tracking_no}, its public timeline shows {}",
            logged_steps.len(),
            case.timeline.len()
        )));
    }
    for (n, (logged, shown)) in logged_steps.iter().zip(&case.timeline).enumerate() {
        let same_time = match (
            logged["at"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
            shown["at"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        if !same_time
            || logged["from_name"] != shown["step"]
            || logged["outcome"] != shown["outcome"]
            || logged["to_name"] != shown["next"]
        {
            return Err(mismatch(format!(
                "step {} of case {tracking_no}'s public timeline is not the logged step",
                n + 1
            )));
        }
    }
    Ok(vec![format!(
        "case {tracking_no}: {} events, {included} proven included in the signed head, \
         {pending} not yet signed",
        log.events.len()
    )])
}

/// Percent-encodes a path segment or query value.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
