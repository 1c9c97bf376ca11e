//! The real server, in-process on a random port over a temporary SQLite store with the demo
//! catalogue, and one case opened and advanced over the HTTP API.
use std::sync::Arc;

use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;
use yangguang::config::Settings;
use yangguang::engine::catalogue_file;
use yangguang::identity::tokens::TokenKeys;
use yangguang::startup;

/// The demo power the case is opened under, and its department.
pub const POWER: &str = "PD-SCJG-XK-001";
pub const DEPARTMENT: &str = "pudong-amr";

/// Console accounts made for the scenarios: (name, role, department), all with
/// [`PASSWORD`]. Two officers (a step and its approval must be done by different people), an
/// administrator, and one account the lockout scenario locks.
pub const OFFICER_A: &str = "browser-officer-a";
pub const OFFICER_B: &str = "browser-officer-b";
pub const ADMIN: &str = "browser-admin";
pub const LOCKED: &str = "browser-locked";
/// A discipline inspector (no department).
pub const INSPECTOR: &str = "browser-inspector";
/// The people behind the accounts, as pages name them.
pub const OFFICER_A_NAME: &str = "张明";
pub const OFFICER_B_NAME: &str = "李华";
pub const INSPECTOR_NAME: &str = "陈纪检";
pub const PASSWORD: &str = "browser test passphrase";
/// The demo's penalty power (with a discretion standard), in the same department.
pub const PENALTY_POWER: &str = "PD-SCJG-CF-001";

/// The party of the seeded case: none of this may ever reach a public page.
pub const PARTY_NAME: &str = "欧阳测试";
pub const PARTY_ID_NUMBER: &str = "11010519491231002X";
pub const PARTY_PHONE: &str = "13912345678";
pub const PARTY_ADDRESS: &str = "上海市浦东新区世纪大道100号";

pub struct TestServer {
    pub address: String,
    pub tracking_no: String,
    pub query_code: String,
    handle: actix_web::dev::ServerHandle,
    _data_dir: Arc<TempDir>,
}

/// The day the scenarios' servers start on (Monday 2 November 2026, in a year whose notice
/// is built in), so that what the pages show does not depend on the day the tests run.
pub const TEST_START: &str = "2026-11-02T09:00:00+08:00";

impl TestServer {
    /// Starts the server on [`TEST_START`] and seeds a case whose current step is 材料审查.
    pub async fn spawn() -> TestServer {
        Self::spawn_at(TEST_START).await
    }

    /// Starts the server with its clock at `start` (RFC 3339) and seeds a case received then,
    /// whose current step is 材料审查.
    pub async fn spawn_at(start: &str) -> TestServer {
        Self::spawn_with(start, None).await
    }

    /// As [`TestServer::spawn_at`], mailing applicants through the SMTP relay `smtp_url`.
    pub async fn spawn_with(start: &str, smtp_url: Option<String>) -> TestServer {
        let start = chrono::DateTime::parse_from_rfc3339(start).unwrap();
        let clock = Arc::new(yangguang::engine::TestClock::starting_at(start));
        let data_dir = Arc::new(tempfile::tempdir().unwrap());
        let mut settings = Settings {
            bind: "127.0.0.1:0".into(),
            data_dir: data_dir.path().to_path_buf(),
            database_url: None,
            ..Settings::default()
        };
        settings.notifications.smtp_url = smtp_url;
        let engine = startup::engine_with_clock(&settings, clock.clone())
            .await
            .unwrap();
        let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).unwrap();
        catalogue_file::import(&engine, &file, "browser-test-loader")
            .await
            .unwrap();
        for (name, display_name, role) in [
            (OFFICER_A, OFFICER_A_NAME, Role::Officer),
            (OFFICER_B, OFFICER_B_NAME, Role::Officer),
            (ADMIN, "王芳", Role::Admin),
            (LOCKED, "赵强", Role::Officer),
        ] {
            yangguang::identity::accounts::create_account(
                engine.repo(),
                yangguang::identity::accounts::NewAccount {
                    id: name.into(),
                    display_name: Some(display_name.into()),
                    role,
                    department: Some(DEPARTMENT.into()),
                },
                PASSWORD,
                chrono::Utc::now().timestamp(),
            )
            .await
            .unwrap();
        }
        yangguang::identity::accounts::create_account(
            engine.repo(),
            yangguang::identity::accounts::NewAccount {
                id: INSPECTOR.into(),
                display_name: Some(INSPECTOR_NAME.into()),
                role: Role::Inspector,
                department: None,
            },
            PASSWORD,
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap();
        let keys = TokenKeys::load_or_create(&settings.token_key_path()).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Scenarios load /track often from 127.0.0.1: no lookup limit here.
        let limits = yangguang::web::rate_limit::Limits {
            public_lookup_per_minute: 1_000_000,
            public_lookup_burst: 1_000_000,
            public_write_per_minute: 1_000_000,
            public_write_burst: 1_000_000,
            sign_in_per_minute: 1_000_000,
            sign_in_burst: 1_000_000,
            ..Default::default()
        };
        let server = startup::run(listener, engine, None, keys.clone(), limits).unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        let address = format!("http://127.0.0.1:{port}");

        let officer = keys
            .issue(
                "browser-officer",
                Role::Officer,
                Some(DEPARTMENT.into()),
                chrono::Duration::hours(1),
            )
            .unwrap();
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{address}/api/v1/cases"))
            .bearer_auth(&officer)
            .json(&json!({
                "power_code": POWER,
                "party": {
                    "kind": "person", "name": PARTY_NAME, "id_number": PARTY_ID_NUMBER,
                    "phone": PARTY_PHONE, "address": PARTY_ADDRESS,
                },
                "channel": "window",
                "received_at": aggregates::case::Clock::now(clock.as_ref()).to_rfc3339(),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let opened: Value = r.json().await.unwrap();
        let tracking_no = opened["tracking_no"].as_str().unwrap().to_string();
        let query_code = opened["query_code"].as_str().unwrap().to_string();
        let r = http
            .post(format!("{address}/api/v1/cases/{tracking_no}/steps"))
            .bearer_auth(&officer)
            .json(&json!({"outcome": "受理", "expected_version": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["current_step"]["name"], "材料审查", "{case}");

        TestServer {
            address,
            tracking_no,
            query_code,
            handle,
            _data_dir: data_dir,
        }
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}
