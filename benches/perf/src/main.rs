//! Helpers of the benchmark harness (`benches/run`) for what no ready-made tool does:
//!
//! - `seed`: grows the log to N events by copying real, concluded cases (P4's data).
//! - `scan`: P4's baseline, a raw scan of `events` in pages ordered by (tx, position).
//! - `gap`: P5, concurrent writers appending commands while a server's projections tail the log;
//!   then every case's view is checked against what was written.
//! - `sqlite-baseline`: P6's baseline, one INSERT and one durable commit per event.
//!
//! Each prints one `RESULT key=value ...` line for the script.
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::types::Json;
use sqlx::{Connection, Postgres, QueryBuilder, Row};

/// `--key value` and `--flag` arguments after the subcommand.
struct Args(HashMap<String, String>);

impl Args {
    fn parse(args: &[String]) -> anyhow::Result<Args> {
        let mut map = HashMap::new();
        let mut it = args.iter().peekable();
        while let Some(a) = it.next() {
            let key = a
                .strip_prefix("--")
                .with_context(|| format!("unexpected argument {a}"))?;
            let value = match it.peek() {
                Some(v) if !v.starts_with("--") => it.next().unwrap().clone(),
                _ => "true".to_string(),
            };
            map.insert(key.to_string(), value);
        }
        Ok(Args(map))
    }

    fn get<T: FromStr>(&self, key: &str) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let v = self
            .0
            .get(key)
            .with_context(|| format!("--{key} is required"))?;
        v.parse().map_err(|e| anyhow::anyhow!("--{key} {v}: {e}"))
    }

    fn flag(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

fn main() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        bail!("usage: yangguang-bench seed|scan|gap|sqlite-baseline --key value ...");
    };
    let args = Args::parse(rest)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            match command.as_str() {
                "seed" => seed(&args.get::<String>("url")?, args.get("events")?).await,
                "scan" => scan(&args.get::<String>("url")?, args.get("page")?).await,
                "gap" => {
                    gap(
                        &args.get::<String>("url")?,
                        &args.get::<String>("template-url")?,
                        args.get("events")?,
                        args.get("writers")?,
                        args.flag("projection"),
                    )
                    .await
                }
                "sqlite-baseline" => {
                    sqlite_baseline(
                        &args.get::<String>("dir")?,
                        &args.get::<String>("schema")?,
                        args.get("seconds")?,
                    )
                    .await
                }
                other => bail!("unknown subcommand {other}"),
            }
        })
}

async fn pg(url: &str, max: u32) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(60))
        .connect(url)
        .await?)
}

/// Case ids with a `CaseConcluded` event: whole, real cases to copy.
const CONCLUDED: &str = "SELECT aggregate_id FROM events \
     WHERE aggregate_type = 'Case' AND event_type = 'CaseConcluded' \
     ORDER BY aggregate_id LIMIT 200";

async fn seed(url: &str, target: i64) -> anyhow::Result<()> {
    let pool = pg(url, 1).await?;
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    sqlx::query(&format!(
        "CREATE TEMP TABLE tpl AS SELECT aggregate_id, sequence, event_type, event_version, \
         payload::text AS payload, metadata FROM events \
         WHERE aggregate_type = 'Case' AND aggregate_id IN ({CONCLUDED})"
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
    // One transaction per block of about 100,000 events; inside a block the copies interleave
    // (every copy's first event, then every copy's second ...), as cases progress side by side.
    // The case id is replaced in the payload too (CaseOpened carries the tracking number).
    let mut copy: i64 = 0;
    while have < target {
        let copies = ((target - have) / per_copy).clamp(1, (100_000 / per_copy).max(1));
        let n = sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata) \
             SELECT 'Case', t.aggregate_id || '-' || g, t.sequence, t.event_type, \
                    t.event_version, \
                    replace(t.payload, t.aggregate_id, t.aggregate_id || '-' || g)::jsonb, \
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
    sqlx::query("VACUUM ANALYZE events")
        .execute(&mut *conn)
        .await?;
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
    let mut keys: u64 = 0;
    loop {
        // Every column, the JSON decoded, as any reader of the log has to.
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
            let _: String = row.try_get("aggregate_type")?;
            let _: String = row.try_get("aggregate_id")?;
            let _: i64 = row.try_get("sequence")?;
            let _: String = row.try_get("event_type")?;
            let _: String = row.try_get("event_version")?;
            let _: chrono::DateTime<chrono::Utc> = row.try_get("recorded_at")?;
            keys += (payload.as_object().map_or(0, |o| o.len())
                + metadata.as_object().map_or(0, |o| o.len())) as u64;
        }
        rows_read += rows.len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "RESULT rows={rows_read} seconds={secs:.3} per_second={:.1} keys={keys}",
        rows_read as f64 / secs
    );
    Ok(())
}

/// One event as a command writes it.
#[derive(Clone)]
struct Event {
    sequence: i64,
    event_type: String,
    event_version: String,
    /// JSON text.
    payload: String,
    /// JSON text.
    metadata: String,
}

/// A case to copy: its commands (the events each command wrote, grouped by request id).
struct Template {
    id: String,
    commands: Vec<Vec<Event>>,
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
        let event = Event {
            sequence: row.try_get("sequence")?,
            event_type: row.try_get("event_type")?,
            event_version: row.try_get("event_version")?,
            payload: payload.to_string(),
            metadata: metadata.to_string(),
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

/// Appends one command's events as the server's store does (src/store/postgres.rs: one
/// multi-row INSERT, one implicit transaction); returns the last row's (tx, position). The JSON
/// goes as text cast to jsonb (the server sends jsonb's binary form, which is the same text
/// behind a version byte), so this client spends little CPU on it.
async fn append(
    pool: &PgPool,
    template: &Template,
    command: &[Event],
    id: &str,
) -> Result<(i64, i64), sqlx::Error> {
    let payloads: Vec<String> = command
        .iter()
        .map(|e| e.payload.replace(&template.id, id))
        .collect();
    let mut builder: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata) ",
    );
    builder.push_values(command.iter().zip(&payloads), |mut b, (e, payload)| {
        b.push_bind("Case")
            .push_bind(id)
            .push_bind(e.sequence)
            .push_bind(&e.event_type)
            .push_bind(&e.event_version)
            .push_bind(payload)
            .push_unseparated("::jsonb")
            .push_bind(&e.metadata)
            .push_unseparated("::jsonb");
    });
    builder.push(" RETURNING tx, position");
    let rows: Vec<(i64, i64)> = builder.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().max().unwrap_or_default())
}

async fn checkpoint(pool: &PgPool) -> anyhow::Result<(i64, i64)> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT tx, position FROM projection_checkpoints WHERE name = 'cases'")
            .fetch_optional(pool)
            .await?;
    Ok(row.unwrap_or_default())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// FNV-1a over the sorted `id:count` lines: equal sets of cases and counts, equal sums.
fn checksum(m: &HashMap<String, u64>) -> String {
    let mut lines: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    lines.sort();
    let mut h: u64 = 0xcbf29ce484222325;
    for b in lines.concat().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

async fn gap(
    url: &str,
    template_url: &str,
    target: u64,
    writers: usize,
    projection: bool,
) -> anyhow::Result<()> {
    let templates = Arc::new(templates(template_url).await?);
    let pool = pg(url, writers as u32 + 4).await?;
    let watcher = pg(url, 2).await?;
    // Lag samples: (tx, position) of a command's last event and when it was acknowledged.
    let (samples_tx, mut samples_rx) =
        tokio::sync::mpsc::unbounded_channel::<((i64, i64), Instant)>();
    let lag_task = {
        let watcher = watcher.clone();
        tokio::spawn(async move {
            let mut pending: BTreeMap<(i64, i64), Vec<Instant>> = BTreeMap::new();
            let mut lags: Vec<f64> = Vec::new();
            let mut open = true;
            loop {
                while let Ok((c, t)) = samples_rx.try_recv() {
                    pending.entry(c).or_default().push(t);
                }
                if samples_rx.is_closed() && samples_rx.is_empty() {
                    open = false;
                }
                let reached = checkpoint(&watcher).await?;
                let now = Instant::now();
                let later = pending.split_off(&(reached.0, reached.1 + 1));
                for (_, ts) in std::mem::replace(&mut pending, later) {
                    lags.extend(ts.iter().map(|t| (now - *t).as_secs_f64()));
                }
                if !open && pending.is_empty() {
                    return Ok::<_, anyhow::Error>(lags);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    // Commits are announced as the engine announces its own (`engine::NOTIFY_EVERY`): one
    // notification at a time, at most one per 10 ms, each sent after the commits it covers.
    // The writers stand for the concurrent commands of one server.
    let wake = Arc::new(tokio::sync::Notify::new());
    let notifier = {
        let wake = wake.clone();
        let pool = pool.clone();
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                let _ = sqlx::query("SELECT pg_notify('yangguang_events', '')")
                    .execute(&pool)
                    .await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let reserved = Arc::new(AtomicU64::new(0));
    let run = format!("P5-{:x}", std::process::id());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..writers {
        let pool = pool.clone();
        let templates = templates.clone();
        let reserved = reserved.clone();
        let samples = samples_tx.clone();
        let run = run.clone();
        let wake = wake.clone();
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
                    let cursor = append(&pool, t, command, &id).await?;
                    let acked = Instant::now();
                    commands += 1;
                    // As the engine does after every commit: wake the projection runners of
                    // every process, without waiting for it.
                    wake.notify_one();
                    if projection && commands.is_multiple_of(16) {
                        let _ = samples.send((cursor, acked));
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
        "RESULT events={events} commands={commands} cases={} seconds={secs:.3} per_second={:.1}",
        expected.len(),
        events as f64 / secs
    );
    if projection {
        // Wait until the projection has passed the head of the log, then compare every case.
        let head: (i64, i64) = sqlx::query_as(
            "SELECT tx, position FROM events ORDER BY tx DESC, position DESC LIMIT 1",
        )
        .fetch_one(&watcher)
        .await?;
        let drain = Instant::now();
        while checkpoint(&watcher).await? < head {
            if drain.elapsed() > Duration::from_secs(600) {
                bail!("the cases projection did not reach the head of the log within 600 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let drain_secs = drain.elapsed().as_secs_f64();
        let mut lags = lag_task.await??;
        lags.sort_by(f64::total_cmp);
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT key, (doc->'case'->>'version')::bigint FROM view_docs \
             WHERE projection = 'cases' AND key LIKE $1",
        )
        .bind(format!("{run}-%"))
        .fetch_all(&watcher)
        .await?;
        // A case's `version` is the number of its events the fold applied.
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
        result += &format!(
            " missed={missed} duplicated={duplicated} checksum_written={} \
             checksum_projected={} lag_samples={} lag_p50={:.3} lag_p99={:.3} lag_max={:.3} \
             drain_seconds={drain_secs:.3}",
            checksum(&expected),
            checksum(&seen),
            lags.len(),
            percentile(&lags, 50.0),
            percentile(&lags, 99.0),
            lags.last().copied().unwrap_or(f64::NAN),
        );
    }
    notifier.abort();
    println!("{result}");
    Ok(())
}

async fn sqlite_baseline(dir: &str, schema: &str, seconds: f64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    // As the server opens its store (src/store/sqlite.rs): WAL, synchronous=FULL.
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{dir}/baseline.sqlite"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    sqlx::raw_sql(&std::fs::read_to_string(schema)?)
        .execute(&mut conn)
        .await?;
    let payload = json!({"StepCompleted": {
        "from": "apply", "from_name": "申请与受理", "outcome": "材料不齐全，一次告知补正",
        "to": "supplement", "to_name": "补正材料", "exception": false,
        "at": "2026-03-02T10:00:00+08:00", "by": "bench-officer", "note": null}})
    .to_string();
    let metadata = json!({"actor": "bench-officer", "role": "officer",
        "department": "pudong-amr", "request_id": "0f8e7c2a-5b64-4d1e-9a7b-3c2d1e0f9a8b",
        "recorded_at": "2026-03-02T10:00:00.123456+08:00"})
    .to_string();
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let mut n: u64 = 0;
    while Instant::now() < until {
        n += 1;
        // One statement, one implicit transaction: one durable commit per event.
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind("Case")
        .bind(format!("baseline-{n}"))
        .bind(2i64)
        .bind("StepCompleted")
        .bind("1.0")
        .bind(&payload)
        .bind(&metadata)
        .execute(&mut conn)
        .await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "RESULT events={n} seconds={secs:.3} per_second={:.1}",
        n as f64 / secs
    );
    Ok(())
}
