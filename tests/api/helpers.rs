//! Spawning the real server on a random port over either store, tokens, and HTTP helpers.
#![allow(dead_code)]

use std::sync::Arc;

use aggregates::Role;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use yangguang::config::Settings;
use yangguang::engine::catalogue_file;
use yangguang::engine::{Engine, TestClock};
use yangguang::identity::tokens::TokenKeys;
use yangguang::startup;
use yangguang::store::{EventRepo, ensure_database};

/// The day every test's servers start on (Monday 2 November 2026, in a year whose notice is
/// built in): a test's dates never depend on the day it runs. Tests of other days set a
/// server's clock ([`TestApp::clock`]); on PostgreSQL they take a database of their own
/// ([`TestApp::spawn_isolated_pg`]), because the deadline watcher of whichever server holds
/// its lease sweeps every case of the database with that server's clock.
pub const TEST_START: &str = "2026-11-02T09:00:00+08:00";

/// The time on a test's clocks: [`TEST_START`] plus the real time since the test process
/// first asked, so that clocks of servers started later (restarts) never run backwards.
pub fn test_now() -> chrono::DateTime<chrono::FixedOffset> {
    static ANCHOR: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let elapsed = ANCHOR.get_or_init(std::time::Instant::now).elapsed();
    chrono::DateTime::parse_from_rfc3339(TEST_START).unwrap()
        + chrono::TimeDelta::from_std(elapsed).unwrap()
}

/// A clock for a new server, showing [`test_now`].
pub fn test_clock() -> Arc<TestClock> {
    Arc::new(TestClock::starting_at(test_now()))
}

/// Which event store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// The PostgreSQL database tests share (created if missing). PostgreSQL must be running: in
/// CI these tests never skip.
pub async fn pg_url() -> String {
    let url = std::env::var("YANGGUANG_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/yangguang_test".into());
    ensure_database(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {url}: {e}"));
    url
}

/// A fresh SQLite store in a temporary directory.
pub async fn sqlite_repo() -> (EventRepo, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let repo = EventRepo::open_sqlite(&dir.path().join("events.sqlite"))
        .await
        .unwrap();
    (repo, dir)
}

/// A PostgreSQL store on the shared test database.
pub async fn pg_repo() -> EventRepo {
    EventRepo::connect_postgres(&pg_url().await, 8)
        .await
        .unwrap()
}

/// A store of either kind (the temp dir, if any, must outlive it).
pub async fn repo(backend: Backend) -> (EventRepo, Option<TempDir>) {
    match backend {
        Backend::Sqlite => {
            let (r, d) = sqlite_repo().await;
            (r, Some(d))
        }
        Backend::Postgres => (pg_repo().await, None),
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub client: Client,
    pub keys: TokenKeys,
    pub settings: Settings,
    pub data_dir: Arc<TempDir>,
    /// A department id unique to this test, so tests sharing PostgreSQL do not meet.
    pub department: String,
    /// The server's engine: writes through it count as this server's own.
    pub engine: actix_web::web::Data<Engine>,
    /// The server's clock (its engine's): [`TEST_START`] on, unless a test sets it.
    pub clock: Arc<TestClock>,
    handle: actix_web::dev::ServerHandle,
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

impl TestApp {
    /// Starts the server on a random port.
    pub async fn spawn(backend: Backend) -> TestApp {
        let data_dir = Arc::new(tempfile::tempdir().unwrap());
        Self::spawn_in(backend, data_dir, unique("dept")).await
    }

    /// Starts a server over an existing data directory (a restart).
    pub async fn spawn_in(backend: Backend, data_dir: Arc<TempDir>, department: String) -> TestApp {
        let url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(pg_url().await),
        };
        Self::spawn_with_url(data_dir, department, url).await
    }

    /// Starts a server over a data directory and, if given, a PostgreSQL URL.
    pub async fn spawn_with_url(
        data_dir: Arc<TempDir>,
        department: String,
        database_url: Option<String>,
    ) -> TestApp {
        Self::spawn_with_url_on(data_dir, department, database_url, test_clock()).await
    }

    /// [`TestApp::spawn_with_url`] on this clock.
    pub async fn spawn_with_url_on(
        data_dir: Arc<TempDir>,
        department: String,
        database_url: Option<String>,
        clock: Arc<TestClock>,
    ) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            yangguang::telemetry::init(false, "info");
        }
        let backend = if database_url.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        // The servers of concurrent tests on the shared database take turns holding the log's
        // lease, like the processes of one deployment, and like them share one signing key.
        let shared_db = match &database_url {
            Some(url) => *url == pg_url().await,
            None => false,
        };
        let settings = Settings {
            log_key_file: shared_db.then(shared_log_key),
            bind: "127.0.0.1:0".into(),
            data_dir: data_dir.path().to_path_buf(),
            database_url,
            pg_max_connections: 8,
            // Every test talks from 127.0.0.1: only the rate-limit test sets a real limit.
            public_lookup_per_minute: 1_000_000,
            public_lookup_burst: 1_000_000,
            public_write_per_minute: 1_000_000,
            public_write_burst: 1_000_000,
            sign_in_per_minute: 1_000_000,
            sign_in_burst: 1_000_000,
            // Heads often, so tests see their events signed quickly; no read limit.
            log_sign_interval_ms: 100,
            log_reads_per_minute: 1_000_000,
            log_reads_burst: 1_000_000,
            ..Settings::default()
        };
        let _ = backend;
        Self::start_on(settings, data_dir, department, clock).await
    }

    /// Starts a server with these settings.
    pub async fn start(settings: Settings, data_dir: Arc<TempDir>, department: String) -> TestApp {
        Self::start_on(settings, data_dir, department, test_clock()).await
    }

    /// Starts a server with these settings on this clock.
    pub async fn start_on(
        settings: Settings,
        data_dir: Arc<TempDir>,
        department: String,
        clock: Arc<TestClock>,
    ) -> TestApp {
        let backend = if settings.database_url.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        // As the server builds it: store, calendar, alert policy, caches.
        let engine = startup::engine_with_clock(&settings, clock.clone())
            .await
            .unwrap();
        engine.note_head().await.unwrap();
        let keys = TokenKeys::load_or_create(&settings.token_key_path()).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let engine = actix_web::web::Data::new(engine);
        let server = startup::run_shared(
            listener,
            engine.clone(),
            Some(settings.transparency_log().unwrap()),
            keys.clone(),
            yangguang::web::rate_limit::Limits::from(&settings),
        )
        .unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            backend,
            client: Client::new(),
            keys,
            settings,
            data_dir,
            department,
            engine,
            clock,
            handle,
        }
    }

    /// The time on this server's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        aggregates::case::Clock::now(self.clock.as_ref())
    }

    /// Stops this server and starts a new one over the same store and data directory.
    pub async fn restart(self) -> TestApp {
        self.handle.stop(true).await;
        self.engine.stop_projections().await;
        TestApp::spawn_with_url_on(
            self.data_dir.clone(),
            self.department.clone(),
            self.settings.database_url.clone(),
            self.clock.clone(),
        )
        .await
    }

    /// Stops this server (its tasks and leases too); `TestApp::start` with what it returns
    /// starts it again, after a test changed the store behind its back.
    pub async fn stop(self) -> (Settings, Arc<TempDir>, String) {
        self.handle.stop(true).await;
        self.engine.stop_projections().await;
        (self.settings, self.data_dir, self.department)
    }

    /// Waits (at most 60 s) until the log has signed a head of at least `size` leaves.
    pub async fn wait_for_head(&self, size: u64) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let r = self.get("/api/v1/log/tree-head", None).await;
            if r.status() == StatusCode::OK {
                let head: Value = r.json().await.unwrap();
                if head["tree_size"].as_u64().unwrap() >= size {
                    return head;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no signed head of {size} leaves in time"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits (at most 60 s) until the case's result document is issued (by whichever server
    /// of the test database holds the documents lease); returns the public status.
    pub async fn wait_for_result_document(&self, id: &str, code: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let case: Value = self
                .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
                .await
                .json()
                .await
                .unwrap();
            if case["result_document"].is_object() {
                return case;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "case {id} got no result document in time: {case}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits (at most 60 s) until every event of a case is in a signed head; returns the
    /// public case JSON then.
    /// Waits (at most 60 s) until a concluded case's result document is issued, as its
    /// officer sees it; returns the case's version then.
    pub async fn wait_for_issued_document(&self, id: &str, officer: &str) -> u64 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let case: Value = self
                .get(&format!("/api/v1/cases/{id}"), Some(officer))
                .await
                .json()
                .await
                .unwrap();
            if case["result_document"].is_object() {
                return case["version"].as_u64().unwrap();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "case {id} got no result document in time: {case}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_for_case_in_log(&self, id: &str, code: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let case: Value = self
                .get(&format!("/api/v1/public/cases/{id}/log?code={code}"), None)
                .await
                .json()
                .await
                .unwrap();
            let size = case["log"]["tree_head"]["tree_size"].as_u64().unwrap_or(0);
            let events = case["log"]["events"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !events.is_empty()
                && events
                    .iter()
                    .all(|e| e["leaf_index"].as_u64().is_some_and(|i| i < size))
            {
                return case;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "case {id} not in a signed head in time: {case}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Stops this server and starts one with changed settings over the same store.
    pub async fn restart_with(self, change: impl FnOnce(&mut Settings)) -> TestApp {
        self.handle.stop(true).await;
        self.engine.stop_projections().await;
        let mut settings = self.settings.clone();
        change(&mut settings);
        TestApp::start_on(
            settings,
            self.data_dir.clone(),
            self.department.clone(),
            self.clock.clone(),
        )
        .await
    }

    /// Another server process on the same store (PostgreSQL), sharing the token key.
    pub async fn second_server(&self) -> TestApp {
        TestApp::spawn_with_url(
            self.data_dir.clone(),
            self.department.clone(),
            self.settings.database_url.clone(),
        )
        .await
    }

    pub fn token(&self, role: Role, department: Option<&str>, subject: &str) -> String {
        self.keys
            .issue(
                subject,
                role,
                department.map(str::to_owned),
                chrono::Duration::hours(1),
            )
            .unwrap()
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, Some(&self.department), "admin-1")
    }

    pub fn officer(&self, subject: &str) -> String {
        self.token(Role::Officer, Some(&self.department), subject)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self
            .client
            .post(format!("{}{path}", self.address))
            .json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// Registers and publishes the demo's 食品经营许可 flowchart under a fresh code in this
    /// test's department; returns the code.
    pub async fn licence_power(&self) -> String {
        self.demo_power("食品经营许可").await
    }

    /// The demo catalogue's power of this name, registered and published under a fresh code
    /// in this test's department; returns the code.
    pub async fn demo_power(&self, name: &str) -> String {
        let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).unwrap();
        let entry = file
            .powers
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no demo power {name}"))
            .clone();
        let code = unique("T").to_uppercase();
        let admin = self.admin();
        let r = self
            .post(
                "/api/v1/powers",
                Some(&admin),
                &json!({
                    "code": code, "name": entry.name, "category": entry.category,
                    "department": self.department, "department_name": "测试局",
                }),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let r = self
            .post(
                &format!("/api/v1/powers/{code}/versions"),
                Some(&admin),
                &serde_json::to_value(&entry.version).unwrap(),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        code
    }

    /// A licence case of `power` walked to its conclusion (准予许可): received and reviewed by
    /// `officer`, decided by `other` (岗位分离); returns its opening response body (tracking
    /// number, query code).
    pub async fn concluded_licence_case(&self, power: &str, officer: &str, other: &str) -> Value {
        let opened = self.open_case(power, officer).await;
        let id = opened["id"].as_str().unwrap().to_string();
        let v = opened["case"]["version"].as_u64().unwrap();
        self.walk(
            &id,
            v,
            &[
                (officer, "受理"),
                (officer, "书面审查符合条件"),
                (other, "准予许可"),
            ],
        )
        .await;
        opened
    }

    /// Opens a case of `power` as `officer`; returns the response body.
    pub async fn open_case(&self, power: &str, officer: &str) -> Value {
        let r = self
            .post(
                "/api/v1/cases",
                Some(officer),
                &json!({
                    "power_code": power,
                    "party": {
                        "kind": "person", "name": "张三丰", "id_number": "11010519491231002X",
                        "phone": "13912345678", "address": "上海市浦东新区世纪大道100号"
                    },
                    "channel": "window",
                    "received_at": self.now().to_rfc3339(),
                }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }

    /// Opens a case of `power` as `officer`, received at `received` (RFC 3339), for a person or
    /// an organisation; its id and query code.
    pub async fn open_case_at(
        &self,
        power: &str,
        officer: &str,
        received: &str,
        organisation: bool,
    ) -> (String, String) {
        let party = if organisation {
            json!({"kind": "organisation", "name": "上海某某餐饮有限公司", "id_number": "91350100M000100Y43"})
        } else {
            json!({"kind": "person", "name": "张三丰", "id_number": "11010519491231002X"})
        };
        let r = self
            .post(
                "/api/v1/cases",
                Some(officer),
                &json!({"power_code": power, "party": party, "channel": "window", "received_at": received}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let opened: Value = r.json().await.unwrap();
        (
            opened["id"].as_str().unwrap().to_string(),
            opened["query_code"].as_str().unwrap().to_string(),
        )
    }

    /// Waits (at most 30 s) until the statistics follower, in whichever server holds its
    /// lease, has counted every event written so far.
    pub async fn wait_for_statistics(&self) {
        let head = self.engine.repo().head().await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let counted = self.engine.repo().checkpoint("statistics").await.unwrap();
            if counted.is_some_and(|c| c.cursor.position >= head.position) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the statistics did not count up to {head} in time"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Walks case `id` from version `version` along `outcomes`, each taken by its officer's
    /// token; every step must be accepted. Returns the case's version after the last.
    pub async fn walk(&self, id: &str, version: u64, outcomes: &[(&str, &str)]) -> u64 {
        let mut v = version;
        for (who, outcome) in outcomes {
            let r = self.step(id, who, outcome, v).await;
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "{outcome}: {}",
                r.text().await.unwrap()
            );
            v = r.json::<Value>().await.unwrap()["version"]
                .as_u64()
                .unwrap();
        }
        v
    }

    /// Completes a step; returns the response.
    pub async fn step(&self, id: &str, token: &str, outcome: &str, version: u64) -> Response {
        self.post(
            &format!("/api/v1/cases/{id}/steps"),
            Some(token),
            &json!({"outcome": outcome, "expected_version": version}),
        )
        .await
    }
}

/// Asserts a problem+json response with a status and code; returns the body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    body
}

/// The transparency-log key file of every server on the shared test database.
fn shared_log_key() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap())
        .path()
        .join("log.key")
}

/// A PostgreSQL database of its own (for tests that need every projection lease to themselves).
pub async fn fresh_pg_url() -> String {
    let base = pg_url().await;
    let name = format!(
        "yangguang_t_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("unexpected database URL {base}"),
    };
    ensure_database(&url).await.unwrap();
    url
}

impl TestApp {
    /// Starts a server on its own PostgreSQL database.
    pub async fn spawn_isolated_pg() -> TestApp {
        let url = fresh_pg_url().await;
        let data_dir = Arc::new(tempfile::tempdir().unwrap());
        Self::spawn_with_url(data_dir, unique("dept"), Some(url)).await
    }
}

/// A browser's view of a console session: its cookie and the synchronizer token of its forms.
#[derive(Debug, Clone)]
pub struct Console {
    /// `yg_session=...`, ready for a `Cookie` header.
    pub cookie: String,
    /// The session's CSRF token, read from a page.
    pub csrf: String,
    /// The bare session id (a secret).
    pub session_id: String,
}

/// The value of `name` among a response's `Set-Cookie` headers.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let first = v.split(';').next()?;
            let (n, value) = first.split_once('=')?;
            (n.trim() == name).then(|| value.trim().to_string())
        })
}

/// The `value` of the hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Submits the sign-in form as a browser does (its double-submit token included); returns
/// the response (303 on success).
pub async fn post_sign_in(address: &str, username: &str, password: &str) -> Response {
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client
        .get(format!("{address}/sign-in"))
        .send()
        .await
        .unwrap();
    let token = set_cookie(&form, "yg_signin").expect("the form sets yg_signin");
    let html = form.text().await.unwrap();
    assert_eq!(
        hidden(&html, "signin_token").as_deref(),
        Some(token.as_str())
    );
    client
        .post(format!("{address}/sign-in"))
        .header("cookie", format!("yg_signin={token}"))
        .form(&[
            ("signin_token", token.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in and reads the session's CSRF token from the console home.
pub async fn sign_in(address: &str, username: &str, password: &str) -> Console {
    let r = post_sign_in(address, username, password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    let session_id = set_cookie(&r, "yg_session").expect("a session cookie");
    let cookie = format!("yg_session={session_id}");
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Each role's home has a form (the sign-out button at least).
    let mut page = String::new();
    for home in ["/officer/worklist", "/admin", "/inspector"] {
        page = client
            .get(format!("{address}{home}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains("name=\"csrf\"") {
            break;
        }
    }
    let csrf = hidden(&page, "csrf").expect("a console page with a form");
    Console {
        cookie,
        csrf,
        session_id,
    }
}

impl TestApp {
    /// Creates a console account with a fresh name; returns (name, password).
    pub async fn account(&self, role: Role, department: Option<&str>) -> (String, String) {
        let name = format!(
            "{}-{}",
            role.as_str(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        yangguang::identity::accounts::create_account(
            self.engine.repo(),
            yangguang::identity::accounts::NewAccount {
                id: name.clone(),
                display_name: Some(format!("测试 {name}")),
                role,
                department: department.map(str::to_owned),
            },
            &password,
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap();
        (name, password)
    }

    /// A GET of a page with a console session, no redirects followed.
    pub async fn page(&self, path: &str, console: Option<&Console>) -> Response {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut req = client.get(format!("{}{path}", self.address));
        if let Some(c) = console {
            req = req.header("cookie", &c.cookie);
        }
        req.send().await.unwrap()
    }

    /// A form POST with a console session (its CSRF token added unless `fields` has one).
    pub async fn form(
        &self,
        path: &str,
        console: Option<&Console>,
        fields: &[(&str, &str)],
    ) -> Response {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let mut req = client.post(format!("{}{path}", self.address));
        if let Some(c) = console {
            req = req.header("cookie", &c.cookie);
            if !fields.iter().any(|(k, _)| *k == "csrf") {
                all.push(("csrf", c.csrf.as_str()));
            }
        }
        req.form(&all).send().await.unwrap()
    }
}
