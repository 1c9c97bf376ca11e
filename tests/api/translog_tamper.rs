//! Tampering behind the server's back, directly in the database, on both stores — each caught
//! by the real `yangguang log verify` binary talking to the real server over HTTP:
//! edit one payload, delete an event, swap two events, truncate the tail, re-sign with another
//! key, show two different heads for one size to two verifiers. An untouched log verifies.
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;
use tempfile::TempDir;
use tlog::head::{LogSigner, TreeHead};
use yangguang::store::EventRepo;

use crate::helpers::{BACKENDS, Backend, TestApp};

/// A server on a store of its own (tampering must not disturb other tests), with a case walked
/// three steps and the verifier's state directory.
struct Scene {
    app: TestApp,
    power: String,
    id: String,
    code: String,
    states: TempDir,
}

/// The result of one run of the verifier binary.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Scene {
    async fn new(backend: Backend) -> Scene {
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let power = app.licence_power().await;
        let officer = app.officer("officer-t");
        let opened = app.open_case(&power, &officer).await;
        let id = opened["id"].as_str().unwrap().to_string();
        let code = opened["query_code"].as_str().unwrap().to_string();
        assert_eq!(
            app.step(&id, &officer, "受理", 1).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            app.step(&id, &officer, "书面审查符合条件", 2)
                .await
                .status(),
            StatusCode::OK
        );
        app.wait_for_case_in_log(&id, &code).await;
        Scene {
            app,
            power,
            id,
            code,
            states: tempfile::tempdir().unwrap(),
        }
    }

    fn state(&self, name: &str) -> PathBuf {
        self.states.path().join(name)
    }

    /// Runs `yangguang log verify` against the server, with the case, and `extra` arguments.
    async fn verify(&self, state: &Path, extra: &[&str]) -> Run {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_yangguang"))
            .args(["log", "verify", "--url", &self.app.address])
            .args(["--tracking-no", &self.id, "--code", &self.code])
            .arg("--state")
            .arg(state)
            .args(extra)
            .output()
            .await
            .unwrap();
        Run {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    async fn verifies(&self, state: &Path, extra: &[&str]) -> Run {
        let run = self.verify(state, extra).await;
        assert_eq!(
            run.status, 0,
            "expected success: {}{}",
            run.stdout, run.stderr
        );
        assert!(run.stdout.contains("proven included"), "{}", run.stdout);
        assert!(run.stdout.trim_end().ends_with("OK"), "{}", run.stdout);
        run
    }

    async fn detects(&self, state: &Path, extra: &[&str], words: &str) -> Run {
        let run = self.verify(state, extra).await;
        assert_eq!(
            run.status, 1,
            "expected a detected mismatch: {}{}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains("log verification FAILED") && run.stderr.contains(words),
            "expected {words:?} in: {}",
            run.stderr
        );
        run
    }

    fn repo(&self) -> &EventRepo {
        self.app.engine.repo()
    }

    /// Runs one statement on the store behind the server's back (`$n` placeholders).
    async fn exec(&self, sql: &str, binds: &[Bind<'_>]) {
        exec(self.repo(), sql, binds).await;
    }
}

#[derive(Clone, Copy)]
enum Bind<'a> {
    Text(&'a str),
    Int(i64),
    Bytes(&'a [u8]),
}

async fn exec(repo: &EventRepo, sql: &str, binds: &[Bind<'_>]) {
    macro_rules! bound {
        ($q:expr) => {{
            let mut q = $q;
            for b in binds {
                q = match *b {
                    Bind::Text(t) => q.bind(t.to_owned()),
                    Bind::Int(i) => q.bind(i),
                    Bind::Bytes(b) => q.bind(b.to_vec()),
                };
            }
            q
        }};
    }
    match repo {
        EventRepo::Sqlite(pool) => {
            let sql = yangguang::store::translog::sqlite_placeholders(sql);
            bound!(sqlx::query(&sql))
                .execute(pool.pool())
                .await
                .unwrap();
        }
        EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) => {
            bound!(sqlx::query(sql)).execute(pool).await.unwrap();
        }
    };
}

/// Sets a case event's note (a committed field) as the store keeps JSON.
fn set_note_sql(repo: &EventRepo) -> &'static str {
    match repo {
        EventRepo::Sqlite(_) => {
            "UPDATE events SET payload = json_set(payload, '$.StepCompleted.note', $1) \
             WHERE aggregate_id = $2 AND sequence = $3"
        }
        EventRepo::Postgres(_) => {
            "UPDATE events SET payload = jsonb_set(payload, '{StepCompleted,note}', to_jsonb($1::text)) \
             WHERE aggregate_id = $2 AND sequence = $3"
        }
    }
}

async fn log_size(repo: &EventRepo) -> i64 {
    let q = "SELECT COUNT(*) FROM log_leaves";
    match repo {
        EventRepo::Sqlite(pool) => sqlx::query(q).fetch_one(pool.pool()).await.unwrap().get(0),
        EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) => {
            sqlx::query(q).fetch_one(pool).await.unwrap().get(0)
        }
    }
}

#[tokio::test]
async fn an_untouched_log_verifies_again_and_again() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        let first = scene.verifies(&a, &[]).await;
        assert!(
            first.stdout.contains("trusted on first use"),
            "{}",
            first.stdout
        );
        assert!(
            first.stdout.contains("3 proven included"),
            "{}",
            first.stdout
        );
        // The log grows; the next run proves the new head consistent with the saved one.
        let other = scene.app.officer("officer-t2");
        assert_eq!(
            scene
                .app
                .step(&scene.id, &other, "准予许可", 3)
                .await
                .status(),
            StatusCode::OK
        );
        // The conclusion brings the result document's event after it.
        scene
            .app
            .wait_for_result_document(&scene.id, &scene.code)
            .await;
        scene.app.wait_for_case_in_log(&scene.id, &scene.code).await;
        let second = scene.verifies(&a, &[]).await;
        assert!(second.stdout.contains("(pinned)"), "{}", second.stdout);
        assert!(
            second
                .stdout
                .contains("consistent with the head this verifier saw before")
        );
        assert!(
            second.stdout.contains("6 proven included"),
            "{}",
            second.stdout
        );
        // A second verifier compares with the first one's view.
        let b = scene.state("b.json");
        let key = serde_json::from_str::<Value>(&std::fs::read_to_string(&a).unwrap()).unwrap()
            ["public_key"]
            .as_str()
            .unwrap()
            .to_owned();
        scene
            .verifies(
                &b,
                &["--public-key", &key, "--peer-state", a.to_str().unwrap()],
            )
            .await;
        // A wrong key given by hand is refused.
        let wrong = LogSigner::from_seed(&[5; 32]).public_key().to_hex();
        let c = scene.state("c.json");
        scene
            .detects(&c, &["--public-key", &wrong], "not the key given")
            .await;
    }
}

#[tokio::test]
async fn an_edited_payload_is_detected() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        scene.verifies(&a, &[]).await;
        // The note is personal data: only its salted commitment is in the leaf, and still the
        // edit shows.
        scene
            .exec(
                set_note_sql(scene.repo()),
                &[
                    Bind::Text("事后补写的说明"),
                    Bind::Text(&scene.id),
                    Bind::Int(2),
                ],
            )
            .await;
        scene.detects(&a, &[], "event 2 (StepCompleted)").await;
        // A verifier that never saw the log before catches it too: the signed leaf differs.
        scene
            .detects(
                &scene.state("fresh.json"),
                &[],
                "changed after it was logged",
            )
            .await;
    }
}

#[tokio::test]
async fn a_deleted_event_is_detected() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        scene.verifies(&a, &[]).await;
        scene
            .exec(
                "DELETE FROM events WHERE aggregate_id = $1 AND sequence = $2",
                &[Bind::Text(&scene.id), Bind::Int(3)],
            )
            .await;
        scene.detects(&a, &[], "no longer has that event").await;
    }
}

#[tokio::test]
async fn two_swapped_events_are_detected() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        scene.verifies(&a, &[]).await;
        // Swap the payloads of events 2 and 3 (the sequence numbers are a unique key).
        scene
            .exec(
                "UPDATE events SET sequence = -sequence WHERE aggregate_id = $1 AND sequence IN (2, 3)",
                &[Bind::Text(&scene.id)],
            )
            .await;
        scene
            .exec(
                "UPDATE events SET sequence = CASE sequence WHEN -2 THEN 3 ELSE 2 END \
                 WHERE aggregate_id = $1 AND sequence IN (-2, -3)",
                &[Bind::Text(&scene.id)],
            )
            .await;
        scene.detects(&a, &[], "changed after it was logged").await;
    }
}

#[tokio::test]
async fn a_truncated_tail_is_detected() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        scene.verifies(&a, &[]).await;
        let Scene {
            app,
            power,
            id,
            code,
            states,
        } = scene;
        // Stop the server, cut the last two events from the history and the log's tail with
        // them (leaves, every subtree reaching past the cut, the heads), start it again.
        let (settings, data_dir, department) = app.stop().await;
        let repo = yangguang::startup::open_store(&settings).await.unwrap();
        let size = log_size(&repo).await;
        let keep = size - 2;
        exec(
            &repo,
            "DELETE FROM events WHERE position IN \
             (SELECT position FROM log_leaves WHERE leaf_index >= $1)",
            &[Bind::Int(keep)],
        )
        .await;
        exec(
            &repo,
            "DELETE FROM log_leaves WHERE leaf_index >= $1",
            &[Bind::Int(keep)],
        )
        .await;
        exec(
            &repo,
            "DELETE FROM log_nodes WHERE ((idx + 1) << level) > $1",
            &[Bind::Int(keep)],
        )
        .await;
        exec(
            &repo,
            "DELETE FROM log_heads WHERE tree_size > $1",
            &[Bind::Int(keep)],
        )
        .await;
        let app = TestApp::start(settings, data_dir, department).await;
        let scene = Scene {
            app,
            power,
            id,
            code,
            states,
        };
        scene.app.wait_for_head(keep as u64).await;
        scene.detects(&a, &[], "the log shrank").await;
        // The history is then rewritten past the old size: still caught.
        let officer = scene.app.officer("officer-t");
        for _ in 0..3 {
            scene.app.open_case(&scene.power, &officer).await;
        }
        scene.app.wait_for_head(size as u64 + 1).await;
        let run = scene.detects(&a, &[], "").await;
        assert!(
            run.stderr.contains("no longer served")
                || run.stderr.contains("two different signed heads"),
            "{}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn heads_re_signed_with_another_key_are_detected() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        scene.verifies(&a, &[]).await;
        // Every stored head re-signed with a key that is not the log's.
        let other = LogSigner::from_seed(&[0x42; 32]);
        let heads: Vec<(i64, i64, Vec<u8>)> = match scene.repo() {
            EventRepo::Sqlite(pool) => {
                sqlx::query_as("SELECT tree_size, timestamp_ms, root_hash FROM log_heads")
                    .fetch_all(pool.pool())
                    .await
                    .unwrap()
            }
            EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) => {
                sqlx::query_as("SELECT tree_size, timestamp_ms, root_hash FROM log_heads")
                    .fetch_all(pool)
                    .await
                    .unwrap()
            }
        };
        assert!(!heads.is_empty());
        for (size, ts, root) in heads {
            let signed = other.sign(&TreeHead {
                tree_size: size as u64,
                timestamp: ts as u64,
                root_hash: root.try_into().unwrap(),
            });
            let signature = hex::decode(&signed.signature).unwrap();
            scene
                .exec(
                    "UPDATE log_heads SET key_id = $1, signature = $2 WHERE tree_size = $3",
                    &[
                        Bind::Text(&signed.key_id),
                        Bind::Bytes(&signature),
                        Bind::Int(size),
                    ],
                )
                .await;
        }
        scene.detects(&a, &[], "not the log's key").await;
        scene
            .detects(&scene.state("fresh.json"), &[], "not the log's key")
            .await;
    }
}

#[tokio::test]
async fn a_replaced_signing_key_is_detected_by_a_verifier_that_pinned_the_old_one() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        scene.verifies(&a, &[]).await;
        let Scene {
            app,
            power,
            id,
            code,
            states,
        } = scene;
        let (settings, data_dir, department) = app.stop().await;
        std::fs::write(settings.log_key_path(), hex::encode([0x17u8; 32])).unwrap();
        let app = TestApp::start(settings, data_dir, department).await;
        let scene = Scene {
            app,
            power,
            id,
            code,
            states,
        };
        scene.detects(&a, &[], "public key changed").await;
    }
}

#[tokio::test]
async fn two_heads_for_one_size_shown_to_two_verifiers_are_detected() {
    for backend in BACKENDS {
        let scene = Scene::new(backend).await;
        let a = scene.state("a.json");
        scene.verifies(&a, &[]).await;
        let Scene {
            app,
            power,
            id,
            code,
            states,
        } = scene;
        // An insider with the database and the signing key rewrites one event and rebuilds the
        // whole log from the rewritten history: a self-consistent fork, signed with the real key,
        // of the same size as the head verifier A saw.
        let (settings, data_dir, department) = app.stop().await;
        let repo = yangguang::startup::open_store(&settings).await.unwrap();
        let size = log_size(&repo).await;
        exec(
            &repo,
            set_note_sql(&repo),
            &[Bind::Text("改写的历史"), Bind::Text(&id), Bind::Int(2)],
        )
        .await;
        for table in ["log_leaves", "log_nodes", "log_heads"] {
            exec(&repo, &format!("DELETE FROM {table}"), &[]).await;
        }
        let app = TestApp::start(settings, data_dir, department).await;
        let scene = Scene {
            app,
            power,
            id,
            code,
            states,
        };
        let forked = scene.app.wait_for_head(size as u64).await;
        assert_eq!(forked["tree_size"], size, "the fork has the same size");
        // Verifier B never saw the log before: on its own it cannot tell the fork from the
        // truth (the fork is a valid log, signed with the real key)...
        let b = scene.state("b.json");
        scene.verifies(&b, &[]).await;
        // ...but comparing with verifier A's view shows two signed heads for one size.
        scene
            .detects(&b, &["--peer-state", a.to_str().unwrap()], "split view")
            .await;
        // And verifier A itself catches the fork on its next run.
        scene
            .detects(&a, &[], "two different signed heads for tree size")
            .await;
    }
}
