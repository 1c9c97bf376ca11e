//! Helpers of the benchmark harness (`benches/run`): the parts no ready-made tool does.
//!
//! - `open`: opens cases through the HTTP API (data loading, not a measurement).
//! - `seed`: grows the log to N events by copying real, concluded cases (rebuild data, P4).
//! - `scan`: the P4 baseline, a raw scan of `events` in pages ordered by (tx, position).
//! - `gap`: P5, 32 writers appending through the store while the projections tail the log.
//! - `sqlite-baseline`: the P6 baseline, one INSERT and one durable commit per event.
//!
//! Every subcommand prints one `RESULT key=value ...` line for the script to read.
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::types::Json;
use yangguang::store::{Cursor, EventRepo};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Open cases of the demo licence power for `seconds` (and at least `min`) with `clients`
    /// concurrent clients; writes `id<TAB>query_code` lines to `out`.
    Open {
        #[arg(long)]
        base: String,
        #[arg(long)]
        token: String,
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long)]
        seconds: f64,
        #[arg(long, default_value_t = 0)]
        min: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Copies concluded cases of the log (new ids, same events) until it holds `events` events.
    Seed {
        #[arg(long)]
        url: String,
        #[arg(long)]
        events: i64,
    },
    /// Reads every event in pages of `page` rows ordered by (tx, position).
    Scan {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1000)]
        page: i64,
    },
    /// Appends `events` events with `writers` concurrent writers (copies of the concluded cases
    /// of `template_url`, command by command) into the database `url`; with `--projection`
    /// the projection runners tail the log meanwhile and every case's view is checked.
    Gap {
        #[arg(long)]
        url: String,
        #[arg(long)]
        template_url: String,
        #[arg(long)]
        events: u64,
        #[arg(long, default_value_t = 32)]
        writers: usize,
        #[arg(long)]
        projection: bool,
    },
    /// One event per INSERT and commit into a fresh SQLite store (WAL, synchronous=FULL).
    SqliteBaseline {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        seconds: f64,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            match cli.command {
                Command::Open {
                    base,
                    token,
                    clients,
                    seconds,
                    min,
                    out,
                } => open(&base, &token, clients, seconds, min, &out).await,
                Command::Seed { url, events } => seed(&url, events).await,
                Command::Scan { url, page } => scan(&url, page).await,
                Command::Gap {
                    url,
                    template_url,
                    events,
                    writers,
                    projection,
                } => gap(&url, &template_url, events, writers, projection).await,
                Command::SqliteBaseline { dir, seconds } => sqlite_baseline(&dir, seconds).await,
            }
        })
}

async fn open(
    base: &str,
    token: &str,
    clients: usize,
    seconds: f64,
    min: u64,
    out: &PathBuf,
) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let opened = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let http = http.clone();
        let url = format!("{base}/api/v1/cases");
        let token = token.to_string();
        let opened = opened.clone();
        tasks.spawn(async move {
            let mut lines = Vec::new();
            while Instant::now() < until || opened.load(Ordering::SeqCst) < min {
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({
                        "power_code": "PD-SCJG-XK-001",
                        "channel": "window",
                        "received_at": chrono::Utc::now().to_rfc3339(),
                        "party": {"kind": "organisation", "name": "上海某某餐饮管理有限公司",
                                  "id_number": "91350100M000100Y43"},
                    }))
                    .send()
                    .await?;
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                if !status.is_success() {
                    bail!("opening a case: {status} {body}");
                }
                let id = body["id"].as_str().context("no id")?;
                let code = body["query_code"].as_str().context("no query_code")?;
                lines.push(format!("{id}\t{code}\n"));
                opened.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<_, anyhow::Error>(lines)
        });
    }
    let mut text = String::new();
    while let Some(done) = tasks.join_next().await {
        text.extend(done??);
    }
    std::fs::write(out, text)?;
    let n = opened.load(Ordering::SeqCst);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "RESULT opened={n} seconds={secs:.3} per_second={:.1}",
        n as f64 / secs
    );
    Ok(())
}

async fn pg(url: &str, max: u32) -> anyhow::Result<sqlx::PgPool> {
    Ok(sqlx::postgres::PgPoolOptions::new()
        .max_connections(max)
        .connect(url)
        .await?)
}

/// Case ids with a `CaseConcluded` event: whole, realistic cases to copy.
const CONCLUDED: &str = "SELECT aggregate_id FROM events \
     WHERE aggregate_type = 'Case' AND event_type = 'CaseConcluded' \
     ORDER BY aggregate_id LIMIT 200";

async fn seed(url: &str, target: i64) -> anyhow::Result<()> {
    let pool = pg(url, 2).await?;
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    sqlx::query(&format!(
        "CREATE TEMP TABLE tpl AS SELECT e.aggregate_id, e.sequence, e.event_type, \
         e.event_version, e.payload::text AS payload, e.metadata \
         FROM events e WHERE e.aggregate_type = 'Case' AND e.aggregate_id IN ({CONCLUDED})"
    ))
    .execute(&mut *conn)
    .await?;
    let (per_copy,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tpl")
        .fetch_one(&mut *conn)
        .await?;
    if per_copy == 0 {
        bail!("no concluded case to copy");
    }
    let (mut have,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
        .fetch_one(&mut *conn)
        .await?;
    let before = have;
    // One transaction per block of copies; inside a block the copies' events interleave
    // (every copy's first event, then every copy's second ...), as cases progress side by side.
    let mut copy: i64 = 0;
    while have < target {
        let copies = ((target - have) / per_copy).clamp(1, 100_000 / per_copy.max(1) + 1);
        let n = sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata) \
             SELECT 'Case', t.aggregate_id || '-' || g, t.sequence, t.event_type, \
                    t.event_version, replace(t.payload, t.aggregate_id, t.aggregate_id || '-' || g)::jsonb, \
                    t.metadata \
             FROM generate_series($1::bigint, $2::bigint) g CROSS JOIN tpl t \
             ORDER BY t.sequence, g, t.aggregate_id",
        )
        .bind(copy + 1)
        .bind(copy + copies)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        copy += copies;
        have += n as i64;
    }
    sqlx::query("ANALYZE events").execute(&mut *conn).await?;
    println!(
        "RESULT events={have} added={} seconds={:.3}",
        have - before,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn scan(url: &str, page: i64) -> anyhow::Result<()> {
    let pool = pg(url, 1).await?;
    let started = Instant::now();
    let (mut tx, mut position) = (0i64, 0i64);
    let mut rows_read: u64 = 0;
    let mut bytes: u64 = 0;
    loop {
        // Every column, JSON decoded, as a reader of the log must.
        let rows = sqlx::query(
            "SELECT position, tx, aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata, recorded_at FROM events \
             WHERE (tx, position) > ($1, $2) ORDER BY tx, position LIMIT $3",
        )
        .bind(tx)
        .bind(position)
        .bind(page)
        .fetch_all(&pool)
        .await?;
        let Some(last) = rows.last() else { break };
        tx = last.try_get("tx")?;
        position = last.try_get("position")?;
        for row in &rows {
            let Json(payload): Json<Value> = row.try_get("payload")?;
            let Json(metadata): Json<Value> = row.try_get("metadata")?;
            let id: String = row.try_get("aggregate_id")?;
            let _: chrono::DateTime<chrono::Utc> = row.try_get("recorded_at")?;
            bytes += (id.len()
                + payload.as_object().map_or(0, |o| o.len())
                + metadata.as_object().map_or(0, |o| o.len())) as u64;
        }
        rows_read += rows.len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "RESULT rows={rows_read} seconds={secs:.3} per_second={:.1} check={bytes}",
        rows_read as f64 / secs
    );
    Ok(())
}

/// A case to copy: its commands, each the events one command wrote.
struct Template {
    id: String,
    commands: Vec<Vec<SerializedEvent>>,
    events: u64,
}

async fn templates(url: &str) -> anyhow::Result<Vec<Template>> {
    let pool = pg(url, 1).await?;
    let rows = sqlx::query(&format!(
        "SELECT aggregate_id, sequence, event_type, event_version, payload, metadata \
         FROM events WHERE aggregate_type = 'Case' AND aggregate_id IN ({CONCLUDED}) \
         ORDER BY aggregate_id, sequence"
    ))
    .fetch_all(&pool)
    .await?;
    let mut out: Vec<Template> = Vec::new();
    let mut last_request = String::new();
    for row in rows {
        let id: String = row.try_get("aggregate_id")?;
        let Json(payload): Json<Value> = row.try_get("payload")?;
        let Json(metadata): Json<Value> = row.try_get("metadata")?;
        let request = metadata["request_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let event = SerializedEvent {
            aggregate_id: id.clone(),
            sequence: row.try_get::<i64, _>("sequence")? as usize,
            aggregate_type: "Case".into(),
            event_type: row.try_get("event_type")?,
            event_version: row.try_get("event_version")?,
            payload,
            metadata,
        };
        if out.last().is_none_or(|t| t.id != id) {
            out.push(Template {
                id,
                commands: Vec::new(),
                events: 0,
            });
            last_request.clear();
        }
        let t = out.last_mut().unwrap();
        if t.commands.is_empty() || request != last_request {
            t.commands.push(Vec::new());
            last_request = request;
        }
        t.commands.last_mut().unwrap().push(event);
        t.events += 1;
    }
    if out.is_empty() {
        bail!("the template database has no concluded case");
    }
    Ok(out)
}

/// A copy of a template case's command with the case id replaced.
fn copy_command(t: &Template, command: &[SerializedEvent], id: &str) -> Vec<SerializedEvent> {
    command
        .iter()
        .map(|e| {
            let payload = serde_json::to_string(&e.payload)
                .map(|s| s.replace(&t.id, id))
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_else(|| e.payload.clone());
            SerializedEvent {
                aggregate_id: id.to_string(),
                payload,
                ..e.clone()
            }
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn gap(
    url: &str,
    template_url: &str,
    target: u64,
    writers: usize,
    projection: bool,
) -> anyhow::Result<()> {
    let templates = Arc::new(templates(template_url).await?);
    yangguang::store::ensure_database(url).await?;
    let repo = EventRepo::connect_postgres(url, writers as u32 + 8).await?;
    let commits = Arc::new(tokio::sync::watch::Sender::new(0u64));
    let progress: Arc<yangguang::projection::Progress> =
        Arc::new(tokio::sync::watch::Sender::new(BTreeMap::new()));
    let runners = if projection {
        yangguang::projection::spawn_runners(repo.clone(), commits.subscribe(), progress.clone())
    } else {
        Vec::new()
    };
    // Lag samples: (cursor of a committed command, when it was acknowledged).
    let (samples_tx, mut samples_rx) = tokio::sync::mpsc::unbounded_channel::<(Cursor, Instant)>();
    let lag_task = {
        let mut rx = progress.subscribe();
        tokio::spawn(async move {
            let mut pending: BTreeMap<Cursor, Vec<Instant>> = BTreeMap::new();
            let mut lags: Vec<f64> = Vec::new();
            let mut open = true;
            loop {
                let reached = rx
                    .borrow_and_update()
                    .get("cases")
                    .copied()
                    .unwrap_or_default();
                let now = Instant::now();
                let later = pending.split_off(&Cursor {
                    tx: reached.tx,
                    position: reached.position + 1,
                });
                for (_, ts) in std::mem::replace(&mut pending, later) {
                    lags.extend(ts.iter().map(|t| (now - *t).as_secs_f64()));
                }
                if !open && pending.is_empty() {
                    return lags;
                }
                tokio::select! {
                    s = samples_rx.recv(), if open => match s {
                        Some((c, t)) => pending.entry(c).or_default().push(t),
                        None => open = false,
                    },
                    changed = rx.changed() => if changed.is_err() { return lags },
                    _ = tokio::time::sleep(Duration::from_millis(200)), if !open => {},
                }
            }
        })
    };
    let reserved = Arc::new(AtomicU64::new(0));
    let run = format!("P5{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..writers {
        let repo = repo.clone();
        let templates = templates.clone();
        let reserved = reserved.clone();
        let commits = commits.clone();
        let samples = samples_tx.clone();
        let run = run.clone();
        tasks.spawn(async move {
            let mut written: Vec<(String, u64)> = Vec::new();
            let mut commands: u64 = 0;
            let mut k = 0usize;
            loop {
                let t = &templates[(w + k * writers) % templates.len()];
                if reserved.fetch_add(t.events, Ordering::SeqCst) >= target {
                    break;
                }
                let id = format!("{run}-{w:02}-{k:06}");
                k += 1;
                for command in &t.commands {
                    let events = copy_command(t, command, &id);
                    repo.persist::<aggregates::case::Case>(&events, None)
                        .await
                        .map_err(|e| anyhow::anyhow!("append: {e}"))?;
                    let acked = Instant::now();
                    commands += 1;
                    commits.send_modify(|n| *n += 1);
                    if projection && commands % 16 == 0 {
                        let last = events.last().unwrap();
                        if let Some(c) = repo.cursor_of("Case", &id, last.sequence as i64).await? {
                            let _ = samples.send((c, acked));
                        }
                    }
                }
                written.push((id, t.events));
            }
            Ok::<_, anyhow::Error>((written, commands))
        });
    }
    drop(samples_tx);
    let mut expected: HashMap<String, u64> = HashMap::new();
    let mut commands = 0;
    while let Some(done) = tasks.join_next().await {
        let (w, c) = done??;
        commands += c;
        expected.extend(w);
    }
    let secs = started.elapsed().as_secs_f64();
    let events: u64 = expected.values().sum();
    let mut result = format!(
        "RESULT events={events} commands={commands} seconds={secs:.3} per_second={:.1}",
        events as f64 / secs
    );
    if projection {
        // Wait for the projection to reach the head of the log, then compare every case.
        let head = repo.head().await?;
        let drain = Instant::now();
        let mut rx = progress.subscribe();
        while rx
            .borrow_and_update()
            .get("cases")
            .is_none_or(|c| *c < head)
        {
            if drain.elapsed() > Duration::from_secs(300) {
                bail!("the cases projection did not reach the head within 300 s");
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), rx.changed()).await;
        }
        let drain_secs = drain.elapsed().as_secs_f64();
        let mut lags = lag_task.await?;
        lags.sort_by(f64::total_cmp);
        for r in &runners {
            r.abort();
        }
        let EventRepo::Postgres(pool) = &repo else {
            unreachable!()
        };
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT key, (doc->'case'->>'version')::bigint FROM view_docs \
             WHERE projection = 'cases' AND key LIKE $1",
        )
        .bind(format!("{run}-%"))
        .fetch_all(pool)
        .await?;
        let seen: HashMap<String, u64> = rows.into_iter().map(|(k, v)| (k, v as u64)).collect();
        let (mut missed, mut duplicated) = (0u64, 0u64);
        for (id, n) in &expected {
            let s = seen.get(id).copied().unwrap_or(0);
            missed += n.saturating_sub(s);
            duplicated += s.saturating_sub(*n);
        }
        for (id, s) in &seen {
            if !expected.contains_key(id) {
                duplicated += s;
            }
        }
        let checksum = |m: &HashMap<String, u64>| {
            let mut lines: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            lines.sort();
            hex::encode(&Sha256::digest(lines.join("\n").as_bytes())[..8])
        };
        let (want, got) = (checksum(&expected), checksum(&seen));
        result += &format!(
            " missed={missed} duplicated={duplicated} checksum_written={want} \
             checksum_projected={got} cases={} lag_samples={} lag_p50={:.3} lag_p99={:.3} \
             lag_max={:.3} drain_seconds={drain_secs:.3}",
            expected.len(),
            lags.len(),
            percentile(&lags, 50.0),
            percentile(&lags, 99.0),
            lags.last().copied().unwrap_or(f64::NAN),
        );
    }
    println!("{result}");
    Ok(())
}

async fn sqlite_baseline(dir: &std::path::Path, seconds: f64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let repo = EventRepo::open_sqlite(&dir.join("baseline.db")).await?;
    let payload = json!({"StepCompleted": {
        "from": "review", "from_name": "材料审查", "outcome": "书面审查符合条件",
        "to": "decide", "to_name": "许可决定", "exception": false,
        "at": "2026-03-02T10:00:00+08:00", "by": "bench-officer", "note": null}});
    let metadata = json!({"actor": "bench-officer", "role": "officer",
        "department": "pudong-amr", "request_id": uuid::Uuid::new_v4().to_string(),
        "recorded_at": "2026-03-02T10:00:00.000+08:00"});
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let mut n: u64 = 0;
    while Instant::now() < until {
        n += 1;
        let event = SerializedEvent {
            aggregate_id: format!("baseline-{n}"),
            sequence: 1,
            aggregate_type: "Case".into(),
            event_type: "StepCompleted".into(),
            event_version: "1.0".into(),
            payload: payload.clone(),
            metadata: metadata.clone(),
        };
        // One statement, one implicit transaction: one durable commit per event.
        repo.persist::<aggregates::case::Case>(std::slice::from_ref(&event), None)
            .await
            .map_err(|e| anyhow::anyhow!("append: {e}"))?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "RESULT events={n} seconds={secs:.3} per_second={:.1}",
        n as f64 / secs
    );
    Ok(())
}
