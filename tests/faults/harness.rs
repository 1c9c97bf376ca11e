//! The real `yangguang` binary as a child process, private PostgreSQL clusters, tokens, and the
//! checks every fault test ends with: the log holds every acknowledged command exactly once, and
//! every view equals a full rebuild.
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use yangguang::store::EventRepo;

use crate::load::Record;

/// The demo power the load exercises, and its department.
pub const POWER: &str = "PD-SCJG-XK-001";
pub const DEPARTMENT: &str = "pudong-amr";

/// Every test's overall bound.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs a test body under [`TEST_TIMEOUT`]; guards inside it (servers, clusters) are dropped,
/// and so stopped, whichever way it ends.
pub async fn bounded<F: std::future::Future<Output = ()>>(name: &str, body: F) {
    if tokio::time::timeout(TEST_TIMEOUT, body).await.is_err() {
        panic!("{name}: did not finish within {TEST_TIMEOUT:?}");
    }
}

/// A port free on the loopback interface right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// A command line for the binary with a clean environment: only the flags given count.
fn command() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_yangguang"));
    for var in [
        "DATABASE_URL",
        "YANGGUANG_DATABASE_URL",
        "YANGGUANG_CONFIG",
        "YANGGUANG_DATA_DIR",
        "YANGGUANG_BIND",
        "YANGGUANG_DEMO",
        "YANGGUANG_TOKEN_KEY_FILE",
        "YANGGUANG_PG_MAX_CONNECTIONS",
    ] {
        cmd.env_remove(var);
    }
    // No ./yangguang.toml of the workspace may leak in.
    cmd.current_dir(std::env::temp_dir());
    cmd.env("RUST_LOG", "warn").env("NO_COLOR", "1");
    cmd
}

/// A running `yangguang serve`, killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `yangguang serve --demo` on a free port over `data_dir` (and PostgreSQL if a URL is
    /// given); its output goes to `log` (appended, so restarts share one file).
    pub fn spawn(data_dir: &Path, database_url: Option<&str>, log: &Path) -> Server {
        let port = free_port();
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .expect("server log");
        let err = out.try_clone().expect("server log");
        let mut cmd: std::process::Command = command().into_std();
        cmd.arg("serve")
            .arg("--demo")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir);
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("cannot start the yangguang binary");
        Server {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Waits until `/healthz` answers 200; returns how long it took.
    pub async fn wait_healthy(&mut self, within: Duration) -> Duration {
        let started = Instant::now();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        loop {
            assert!(
                self.is_running(),
                "the server exited during start-up:\n{}",
                self.log_tail()
            );
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "the server was not healthy within {within:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// kill -9.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` is SIGKILL on Unix.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits (SIGKILL after 20 s); asserts a clean exit.
    pub async fn terminate(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: signalling our own child process by its id.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the server did not stop on SIGTERM within 20 s");
                }
            }
        }
    }

    /// The last lines the server logged.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(6000)));
            let mut bytes = Vec::new();
            let _ = f.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() && self.child.is_some() {
            eprintln!("--- server log (tail) ---\n{}", self.log_tail());
        }
        self.kill9();
    }
}

/// Mints an officer token of the demo department with the binary (`token issue`).
pub async fn officer_token(data_dir: &Path, subject: &str) -> String {
    let out = command()
        .args([
            "token",
            "issue",
            "--role",
            "officer",
            "--department",
            DEPARTMENT,
        ])
        .arg("--subject")
        .arg(subject)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .await
        .expect("yangguang token issue");
    assert!(
        out.status.success(),
        "token issue failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The shared PostgreSQL server's URL with the database replaced by `name`.
pub fn shared_pg_url(name: &str) -> String {
    let base = std::env::var("YANGGUANG_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/yangguang_test".into());
    let (server, _) = base
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("unexpected database URL {base}"));
    format!("{server}/{name}")
}

/// A fresh database name.
pub fn fresh_db_name() -> String {
    format!(
        "yangguang_fault_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// Drops a database (after every process using it has stopped).
pub async fn drop_database(url: &str) {
    use sqlx::Connection;
    let (server, name) = url.rsplit_once('/').unwrap();
    if let Ok(mut admin) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
    }
}

/// A PostgreSQL cluster of the test's own (initdb in a temp dir, its own port), stopped and
/// removed when dropped. As root it runs as the `postgres` OS user (PostgreSQL refuses root).
pub struct PrivateCluster {
    bin: PathBuf,
    dir: TempDir,
    pub port: u16,
    as_postgres: bool,
}

impl PrivateCluster {
    /// initdb into a fresh directory.
    pub async fn create() -> PrivateCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
            .max_by_key(|p| {
                p.parent()
                    .and_then(|v| v.file_name())
                    .and_then(|v| v.to_str())
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0)
            })
            .expect("PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin");
        let dir = tempfile::Builder::new()
            .prefix("yg-fault-pg")
            .tempdir()
            .unwrap();
        // SAFETY: geteuid has no preconditions.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        if as_postgres {
            let (uid, gid) = postgres_ids().expect("no `postgres` user to run PostgreSQL as");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let cluster = PrivateCluster {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = cluster.data_dir();
        cluster
            .run(
                "initdb",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                ],
            )
            .await;
        cluster
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> tokio::process::Command {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = tokio::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            tokio::process::Command::new(exe)
        };
        cmd.current_dir(self.dir.path()).stdin(Stdio::null());
        cmd
    }

    async fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool)
            .args(args)
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts (or restarts) the cluster on its port and waits until it accepts connections.
    pub async fn start(&self) {
        let data = self.data_dir();
        let log = self.dir.path().join("postgres.log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=60",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "30",
                "start",
            ],
        )
        .await;
    }

    /// `pg_ctl stop -m immediate`: every backend killed at once, no checkpoint (crash recovery
    /// on the next start).
    pub async fn stop_immediate(&self) {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
        .await;
    }

    /// A URL for database `name` on this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            std::process::Command::new(exe)
        };
        let _ = cmd
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "stop"])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn postgres_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.first() == Some(&"postgres") && f.len() > 3)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
    })
}

/// What the log check found.
#[derive(Debug, Default)]
pub struct LogCheck {
    pub cases: usize,
    pub events: usize,
    pub acks: usize,
    /// Commands in the log that got no 2xx (in flight at a kill, or answered 503 after their
    /// commit).
    pub unacknowledged: usize,
}

/// GETs `path` until it answers 200 (a restarted server or a recovering store may 503 a while).
async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match http.get(url).bearer_auth(token).send().await {
            Ok(r) if r.status().is_success() => return r.json().await.unwrap(),
            Ok(r) if r.status() != reqwest::StatusCode::SERVICE_UNAVAILABLE => {
                panic!(
                    "GET {url}: {} {}",
                    r.status(),
                    r.text().await.unwrap_or_default()
                )
            }
            other => assert!(
                Instant::now() < deadline,
                "GET {url} kept failing: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The events one command wrote.
struct Command {
    request: String,
    first: u64,
    last: u64,
    opened: bool,
    steps: Vec<String>,
}

/// The outcome of a `StepCompleted` payload (cqrs-es stores the enum externally tagged).
fn outcome_of(payload: &Value) -> Option<&str> {
    payload
        .get("StepCompleted")
        .unwrap_or(payload)
        .get("outcome")
        .and_then(Value::as_str)
}

/// Through the API: every acknowledged command is in its case's log exactly once (sequences
/// 1..=n without gaps or repeats; the event at each acknowledged place is the command sent),
/// and every event in the log comes from a command a client sent. With `strict_tail`, at most
/// one command per case may have landed unacknowledged (the one in flight when the server died).
pub async fn check_log(base: &str, token: &str, records: &[Record], strict_tail: bool) -> LogCheck {
    let mut acks: BTreeMap<&str, Vec<&crate::load::Ack>> = BTreeMap::new();
    let mut sent: BTreeMap<&str, BTreeSet<(u64, &str)>> = BTreeMap::new();
    for r in records {
        for a in &r.acks {
            acks.entry(a.case.as_str()).or_default().push(a);
        }
        for s in &r.steps_sent {
            sent.entry(s.case.as_str())
                .or_default()
                .insert((s.expected, s.outcome.as_str()));
        }
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let mut check = LogCheck::default();
    let cases: Vec<(&str, Vec<&crate::load::Ack>)> = acks.into_iter().collect();
    // A few reads at a time.
    for chunk in cases.chunks(8) {
        let mut reads = tokio::task::JoinSet::new();
        for (i, (case, _)) in chunk.iter().enumerate() {
            let http = http.clone();
            let url = format!("{base}/api/v1/cases/{case}/events");
            let token = token.to_string();
            reads.spawn(async move { (i, get_json(&http, &url, &token).await) });
        }
        let mut logs = vec![Value::Null; chunk.len()];
        while let Some(done) = reads.join_next().await {
            let (i, log) = done.expect("a log read panicked");
            logs[i] = log;
        }
        for ((case, case_acks), log) in chunk.iter().zip(logs) {
            let events = log.as_array().expect("events array");
            let sequences: Vec<u64> = events
                .iter()
                .map(|e| e["sequence"].as_u64().unwrap())
                .collect();
            let n = sequences.len() as u64;
            assert_eq!(
                sequences,
                (1..=n).collect::<Vec<_>>(),
                "case {case}: sequences are not 1..=n"
            );
            // The events of one command share its request id and sit together.
            let mut commands: Vec<Command> = Vec::new();
            let mut documents = 0;
            for e in events {
                let seq = e["sequence"].as_u64().unwrap();
                // The result document is issued by the documents follower after the
                // conclusion, not by a client: once, after the case concluded.
                if e["event_type"] == "ResultDocumentIssued" {
                    documents += 1;
                    assert!(
                        events.iter().any(|c| c["event_type"] == "CaseConcluded"
                            && c["sequence"].as_u64() < Some(seq)),
                        "case {case}: a document before the conclusion"
                    );
                    continue;
                }
                let request = e["metadata"]["request_id"].as_str().unwrap_or_default();
                if commands.last().is_none_or(|c| c.request != request) {
                    assert!(
                        commands.iter().all(|c| c.request != request),
                        "case {case}: the events of request {request} are in the log twice"
                    );
                    commands.push(Command {
                        request: request.to_string(),
                        first: seq,
                        last: seq,
                        opened: false,
                        steps: Vec::new(),
                    });
                }
                let c = commands.last_mut().unwrap();
                c.last = seq;
                match e["event_type"].as_str() {
                    Some("CaseOpened") => c.opened = true,
                    Some("StepCompleted") => c
                        .steps
                        .push(outcome_of(&e["payload"]).unwrap_or_default().to_string()),
                    _ => {}
                }
            }
            assert!(documents <= 1, "case {case}: {documents} result documents");
            assert!(
                commands.first().is_some_and(|c| c.opened && c.first == 1),
                "case {case}: the log does not start with CaseOpened"
            );
            for c in &commands[1..] {
                assert!(!c.opened, "case {case}: opened twice");
                assert_eq!(
                    c.steps.len(),
                    1,
                    "case {case}: command at {} has steps {:?}",
                    c.first,
                    c.steps
                );
                assert!(
                    sent.get(case)
                        .is_some_and(|s| s.contains(&(c.first - 1, c.steps[0].as_str()))),
                    "case {case}: step {:?} at {} was never sent at version {}",
                    c.steps[0],
                    c.first,
                    c.first - 1
                );
            }
            let mut last_acked = 0;
            for a in case_acks {
                let found = commands
                    .iter()
                    .find(|c| c.first == a.from + 1)
                    .unwrap_or_else(|| {
                        panic!(
                            "case {case}: the command acknowledged at version {} is not in the \
                             log ({n} events)",
                            a.version
                        )
                    });
                assert_eq!(
                    found.last, a.version,
                    "case {case}: acknowledged version {}, logged up to {}",
                    a.version, found.last
                );
                match &a.outcome {
                    None => assert!(found.opened, "case {case}"),
                    Some(outcome) => assert_eq!(
                        &found.steps,
                        std::slice::from_ref(outcome),
                        "case {case}: the command at {} is not the acknowledged step",
                        found.first
                    ),
                }
                last_acked = last_acked.max(a.version);
            }
            let tail_commands = commands.iter().filter(|c| c.first > last_acked).count();
            if strict_tail {
                assert!(
                    tail_commands <= 1,
                    "case {case}: {tail_commands} unacknowledged commands landed after version \
                     {last_acked}"
                );
            }
            check.unacknowledged += commands.len() - case_acks.len();
            check.cases += 1;
            check.events += n as usize;
            check.acks += case_acks.len();
        }
    }
    check
}

/// Through the API, right after a restart: the worklist (a view) already shows every
/// acknowledged case at its acknowledged version or later.
pub async fn check_worklist(base: &str, token: &str, records: &[Record]) -> usize {
    let http = reqwest::Client::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for query in ["", "&status=concluded"] {
        let url = format!("{base}/api/v1/worklist?power={POWER}{query}");
        for item in get_json(&http, &url, token)
            .await
            .as_array()
            .expect("worklist array")
        {
            seen.insert(
                item["id"].as_str().unwrap().to_string(),
                item["version"].as_u64().unwrap(),
            );
        }
    }
    let mut wanted: BTreeMap<&str, u64> = BTreeMap::new();
    for a in records.iter().flat_map(|r| &r.acks) {
        let v = wanted.entry(a.case.as_str()).or_default();
        *v = (*v).max(a.version);
    }
    for (case, version) in &wanted {
        let shown = seen.get(*case).copied();
        assert!(
            shown.is_some_and(|s| s >= *version),
            "worklist right after restart shows case {case} at {shown:?}, acknowledged at {version}"
        );
    }
    wanted.len()
}

/// Every view's documents, by projection name.
async fn snapshot(repo: &EventRepo) -> BTreeMap<&'static str, Vec<Value>> {
    let mut out = BTreeMap::new();
    for name in yangguang::follow::projection::names() {
        out.insert(name, repo.view_docs(name, None).await.unwrap());
    }
    out
}

/// Waits until every projection has caught up with the log (lag 0).
pub async fn wait_caught_up(repo: &EventRepo, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let status = yangguang::follow::projection::status(repo).await;
        if let Ok(s) = &status
            && s.iter().all(|p| p.lag == 0 && p.position.is_some())
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "projections did not catch up within {within:?}: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until nothing more is coming: every view has caught up with the log, and so has the
/// alerting task (it writes alerts in answer to events, which the views then fold), with the
/// head unchanged between two looks. Returns the head.
pub async fn wait_quiet(repo: &EventRepo, within: Duration) -> yangguang::store::Cursor {
    let started = Instant::now();
    let mut last = None;
    loop {
        wait_caught_up(repo, within).await;
        let head = repo.head().await.unwrap();
        let alerting = repo
            .checkpoint(yangguang::follow::alerts::CHECKPOINT)
            .await
            .unwrap();
        let alerting_done = match &alerting {
            Some(cp) => repo.count_after(cp.cursor).await.unwrap() == 0,
            None => false,
        };
        if alerting_done && last == Some(head) {
            return head;
        }
        last = Some(head);
        assert!(
            started.elapsed() < within,
            "the log did not settle within {within:?} (alerting checkpoint {:?}, head {head:?})",
            alerting.map(|c| c.cursor)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// With the server caught up: snapshots every view, stops the server, rebuilds every view from
/// the log and asserts the rebuilt views equal the live ones. Returns the documents compared.
pub async fn check_views_equal_rebuild(server: &mut Server, repo: &EventRepo) -> usize {
    // Views and the alerting task (whose alerts the views fold too) both caught up.
    let head = wait_quiet(repo, Duration::from_secs(30)).await;
    let live = snapshot(repo).await;
    server.terminate().await;
    assert_eq!(
        repo.head().await.unwrap(),
        head,
        "something was written between the snapshot and the stop"
    );
    for name in yangguang::follow::projection::names() {
        yangguang::follow::projection::rebuild(repo, name, |_, _| {})
            .await
            .unwrap_or_else(|e| panic!("rebuild of {name} failed: {e:#}"));
    }
    let rebuilt = snapshot(repo).await;
    let mut docs = 0;
    for (name, live_docs) in &live {
        let new_docs = &rebuilt[name];
        assert_eq!(
            live_docs.len(),
            new_docs.len(),
            "view {name}: {} live documents, {} after a rebuild",
            live_docs.len(),
            new_docs.len()
        );
        for (a, b) in live_docs.iter().zip(new_docs) {
            assert_eq!(
                a, b,
                "view {name}: a live document differs from its rebuild"
            );
        }
        docs += live_docs.len();
    }
    docs
}
