//! The transparency log over HTTP on both stores: signed heads, inclusion and consistency
//! proofs that verify, leaves, the case's log section, bad requests, restarts, rate limits.
use reqwest::StatusCode;
use serde_json::Value;
use tlog::head::{PublicKey, SignedTreeHead};
use tlog::tree;

use crate::helpers::{BACKENDS, Backend, TestApp, assert_problem};

fn hash(v: &Value) -> tlog::Hash {
    hex::decode(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn hashes(v: &Value) -> Vec<tlog::Hash> {
    v.as_array().unwrap().iter().map(hash).collect()
}

async fn key(app: &TestApp) -> PublicKey {
    let view: Value = app
        .get("/api/v1/log/public-key", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["algorithm"], "Ed25519");
    let key = PublicKey::from_hex(view["public_key"].as_str().unwrap()).unwrap();
    assert_eq!(view["key_id"], key.key_id());
    key
}

/// A case walked three steps; returns (id, code).
async fn walked_case(app: &TestApp) -> (String, String) {
    let power = app.licence_power().await;
    let officer = app.officer("officer-log");
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
    (id, code)
}

#[tokio::test]
async fn every_event_of_a_case_is_a_leaf_proven_included_in_a_signed_head() {
    for backend in BACKENDS {
        // Its own database on PostgreSQL: the head is checked against this server's key, and
        // on the shared test database another test's server may hold the log's lease.
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let key = key(&app).await;
        let (id, code) = walked_case(&app).await;
        let case = app.wait_for_case_in_log(&id, &code).await;
        // The plain status is the same status without the log (it is read far more often).
        let plain: serde_json::Value = app
            .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert!(plain.get("log").is_none(), "{plain}");
        assert_eq!(plain["tracking_no"], case["tracking_no"]);
        let head: SignedTreeHead =
            serde_json::from_value(case["log"]["tree_head"].clone()).unwrap();
        let signed = head.verify(&key).unwrap();
        let id_salt: tlog::Hash = hash(&case["log"]["id_salt"]);
        let events = case["log"]["events"].as_array().unwrap();
        assert_eq!(events.len(), 3, "{case}");
        let mut last_index = None;
        for (n, event) in events.iter().enumerate() {
            assert_eq!(event["sequence"], n as i64 + 1);
            let index = event["leaf_index"].as_u64().unwrap();
            assert!(
                last_index.is_none_or(|l| index > l),
                "leaves in the global order"
            );
            last_index = Some(index);
            let form = &event["leaf"];
            assert_eq!(
                tlog::leaf::committed_id(form),
                Some(tlog::leaf::id_commitment(&id_salt, &id).as_str())
            );
            let bytes = tlog::leaf::encode(form);
            // The link on the case leads to the proof at the head's size.
            let link = event["proof"].as_str().unwrap();
            assert_eq!(
                link,
                format!(
                    "/api/v1/log/proof/inclusion?leaf_index={index}&tree_size={}",
                    head.tree_size
                )
            );
            let proof: Value = app.get(link, None).await.json().await.unwrap();
            assert_eq!(proof["leaf"].as_str().unwrap().as_bytes(), bytes.as_slice());
            assert_eq!(
                proof["leaf_hash"],
                hex::encode(tree::leaf_hash(&bytes)),
                "leaf hash is RFC 6962's"
            );
            tree::verify_inclusion(
                &signed.root_hash,
                head.tree_size,
                index,
                &bytes,
                &hashes(&proof["audit_path"]),
            )
            .unwrap();
            // The leaves endpoint serves the same bytes.
            let page: Value = app
                .get(
                    &format!("/api/v1/log/leaves?start={index}&end={}", index + 1),
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(page["leaves"][0]["leaf"], proof["leaf"]);
            assert_eq!(page["leaves"][0]["leaf_index"], index);
        }
        assert_eq!(events[0]["leaf"]["event_type"], "CaseOpened");
        assert_eq!(events[1]["leaf"]["payload"]["outcome"], "受理");

        // The head of that size is kept, and a later head is consistent with it.
        let again: SignedTreeHead = app
            .get(
                &format!("/api/v1/log/tree-head?size={}", head.tree_size),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again, head);
        let other = app.officer("officer-log-2");
        assert_eq!(
            app.step(&id, &other, "准予许可", 3).await.status(),
            StatusCode::OK
        );
        let later: SignedTreeHead =
            serde_json::from_value(app.wait_for_head(head.tree_size + 1).await).unwrap();
        let later_root = later.verify(&key).unwrap().root_hash;
        let proof: Value = app
            .get(
                &format!(
                    "/api/v1/log/proof/consistency?first={}&second={}",
                    head.tree_size, later.tree_size
                ),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        tree::verify_consistency(
            head.tree_size,
            &signed.root_hash,
            later.tree_size,
            &later_root,
            &hashes(&proof["proof"]),
        )
        .unwrap();
        assert!(
            tree::verify_consistency(
                head.tree_size,
                &[0; 32],
                later.tree_size,
                &later_root,
                &hashes(&proof["proof"]),
            )
            .is_err(),
            "the proof is checked, not just accepted"
        );
    }
}

#[tokio::test]
async fn the_whole_log_recomputes_to_the_signed_root_after_restarts() {
    for backend in BACKENDS {
        // Its own database: the test reads every leaf.
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let (id, code) = walked_case(&app).await;
        app.wait_for_case_in_log(&id, &code).await;
        let app = app.restart().await;
        let (id, code) = walked_case(&app).await;
        app.wait_for_case_in_log(&id, &code).await;
        let events: i64 = app
            .engine
            .repo()
            .count_after(Default::default())
            .await
            .unwrap();
        let head: SignedTreeHead =
            serde_json::from_value(app.wait_for_head(events as u64).await).unwrap();
        assert_eq!(
            head.tree_size, events as u64,
            "one leaf per event, none doubled"
        );
        // A monitor's audit: every leaf, in pages, recomputed into the root.
        let mut frontier = tree::Frontier::new();
        let mut start = 0;
        while start < head.tree_size {
            let page: Value = app
                .get(
                    &format!("/api/v1/log/leaves?start={start}&end={}", head.tree_size),
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            let leaves = page["leaves"].as_array().unwrap();
            assert!(!leaves.is_empty() && leaves.len() <= 100);
            for leaf in leaves {
                assert_eq!(leaf["leaf_index"], start);
                let bytes = leaf["leaf"].as_str().unwrap().as_bytes();
                let parsed: Value = serde_json::from_slice(bytes).unwrap();
                assert_eq!(tlog::leaf::encode(&parsed), bytes, "leaves are canonical");
                assert_eq!(parsed["format"], "yangguang-leaf/1");
                frontier.push(tree::leaf_hash(bytes));
                start += 1;
            }
        }
        assert_eq!(hex::encode(frontier.root()), head.root_hash);
    }
}

#[tokio::test]
async fn bad_log_requests_get_stable_problem_codes_and_no_server_errors() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (id, code) = walked_case(&app).await;
        app.wait_for_case_in_log(&id, &code).await;
        let size = app.wait_for_head(1).await["tree_size"].as_u64().unwrap();
        let beyond = size + 1_000_000_000;
        let cases: Vec<(String, StatusCode, &str)> = vec![
            (
                format!("/api/v1/log/proof/inclusion?leaf_index={size}&tree_size={size}"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "leaf_index_out_of_range",
            ),
            (
                format!("/api/v1/log/proof/inclusion?leaf_index=0&tree_size={beyond}"),
                StatusCode::NOT_FOUND,
                "tree_size_beyond_log",
            ),
            (
                "/api/v1/log/proof/inclusion?leaf_index=0&tree_size=0".into(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "leaf_index_out_of_range",
            ),
            (
                "/api/v1/log/proof/inclusion?leaf_index=0".into(),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/log/proof/inclusion?leaf_index=-1&tree_size=2".into(),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/log/proof/inclusion?leaf_index=x&tree_size=2".into(),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                format!(
                    "/api/v1/log/proof/inclusion?leaf_index={}&tree_size={}",
                    u64::MAX,
                    u64::MAX
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "leaf_index_out_of_range",
            ),
            (
                "/api/v1/log/proof/inclusion?leaf_index=0&tree_size=1&extra=1".into(),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/log/proof/consistency?first=0&second=1".into(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tree_sizes",
            ),
            (
                format!("/api/v1/log/proof/consistency?first={size}&second=1"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tree_sizes",
            ),
            (
                format!("/api/v1/log/proof/consistency?first=1&second={beyond}"),
                StatusCode::NOT_FOUND,
                "tree_size_beyond_log",
            ),
            (
                format!("/api/v1/log/proof/consistency?first=1&second={}", u64::MAX),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tree_sizes",
            ),
            (
                "/api/v1/log/leaves?start=5&end=5".into(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_range",
            ),
            (
                "/api/v1/log/leaves".into(),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                format!("/api/v1/log/leaves?start={beyond}"),
                StatusCode::NOT_FOUND,
                "tree_size_beyond_log",
            ),
            (
                format!("/api/v1/log/leaves?start={}", u64::MAX),
                StatusCode::NOT_FOUND,
                "tree_size_beyond_log",
            ),
            (
                format!("/api/v1/log/tree-head?size={beyond}"),
                StatusCode::NOT_FOUND,
                "tree_head_not_found",
            ),
            (
                "/api/v1/log/tree-head?size=abc".into(),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/log/tree-head?sise=1".into(),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
        ];
        for (url, status, code) in cases {
            let r = app.get(&url, None).await;
            assert_eq!(r.status(), status, "{url}");
            assert_problem(r, status, code).await;
        }
        // A long page is cut to 100 leaves.
        let page: Value = app
            .get("/api/v1/log/leaves?start=0&end=100000", None)
            .await
            .json()
            .await
            .unwrap();
        assert!(page["leaves"].as_array().unwrap().len() <= 100);
        let r = app
            .post("/api/v1/log/tree-head", None, &serde_json::json!({}))
            .await;
        assert_problem(r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn log_reads_are_limited_per_client_address() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.wait_for_head(0).await;
    let app = app
        .restart_with(|s| {
            s.log_reads_per_minute = 1;
            s.log_reads_burst = 3;
        })
        .await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/v1/log/public-key", None).await.status(),
            StatusCode::OK
        );
    }
    let r = app.get("/api/v1/log/tree-head", None).await;
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn the_key_is_created_once_and_kept_across_restarts() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let first = key(&app).await;
    let path = app.settings.log_key_path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is private");
    }
    let app = app.restart().await;
    assert_eq!(key(&app).await, first);
}

#[tokio::test]
async fn the_public_case_page_shows_each_events_leaf_with_its_proof_and_the_signed_head() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (id, code) = walked_case(&app).await;
        let case = app.wait_for_case_in_log(&id, &code).await;
        let root = case["log"]["tree_head"]["root_hash"]
            .as_str()
            .unwrap()
            .to_owned();
        let page = app
            .get(&format!("/track?no={id}&code={code}"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("透明日志"), "{page}");
        assert!(page.contains(&root), "the signed head's root is shown");
        for event in case["log"]["events"].as_array().unwrap() {
            let link = event["proof"].as_str().unwrap().replace('&', "&amp;");
            assert!(
                page.contains(&format!("href=\"{link}\"")),
                "{link} in {page}"
            );
            // The link leads to a proof.
            let r = app.get(event["proof"].as_str().unwrap(), None).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let english = app
            .get(&format!("/track?no={id}&code={code}&lang=en"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(english.contains("Transparency log") && english.contains("Leaf index"));
    }
}

/// A database of its own for a test that writes the log's tables directly (every other
/// PostgreSQL test shares one database, and its log).
/// Returns the store, the URL of the `postgres` database and the database's name (to drop it).
async fn own_pg_database(name: &str) -> (yangguang::store::EventRepo, (String, String)) {
    let shared = crate::helpers::pg_url().await;
    let base = shared.rsplit_once('/').expect("a database URL").0;
    let db = format!("{name}_{}", uuid::Uuid::new_v4().simple());
    let url = format!("{base}/{db}");
    yangguang::store::ensure_database(&url).await.unwrap();
    let repo = yangguang::store::EventRepo::connect_postgres(&url, 2)
        .await
        .unwrap();
    (repo, (format!("{base}/postgres"), db))
}

/// An append of leaves, nodes and secrets stands or fails whole: a batch holding a leaf the
/// log already has (a second writer's duplicate) adds none of its leaves, nodes or secrets.
#[tokio::test]
async fn a_log_append_stands_or_fails_whole() {
    use std::collections::BTreeSet;
    use tlog::leaf::AggregateSecret;
    use tlog::tree::NodeId;
    use yangguang::store::Cursor;
    use yangguang::store::translog::{self as store, NewLeaf};

    let leaf = |index: i64, id: &str| NewLeaf {
        leaf_index: index,
        cursor: Cursor {
            tx: 1,
            position: index + 1,
        },
        aggregate_type: "Case".into(),
        aggregate_id: id.into(),
        sequence: 1,
        bytes: vec![index as u8; 8],
    };
    let node = |level: u32, index: u64| (NodeId { level, index }, [index as u8; 32]);
    let secret = |id: &str, byte: u8| {
        (
            ("Case".to_string(), id.to_string()),
            AggregateSecret::from_bytes([byte; 32]),
        )
    };
    for backend in BACKENDS {
        let (repo, _dir, drop_db) = match backend {
            Backend::Sqlite => {
                let (repo, dir) = crate::helpers::sqlite_repo().await;
                (repo, Some(dir), None)
            }
            Backend::Postgres => {
                let (repo, drop_db) = own_pg_database("yangguang_test_log").await;
                (repo, None, Some(drop_db))
            }
        };
        store::append(
            &repo,
            &[leaf(0, "A"), leaf(1, "A")],
            &[node(0, 0), node(0, 1), node(1, 0)],
            &[secret("A", 1)],
        )
        .await
        .unwrap();
        let refused = store::append(
            &repo,
            &[leaf(1, "B"), leaf(2, "B")],
            &[node(0, 2)],
            &[secret("B", 2)],
        )
        .await;
        assert!(refused.is_err(), "{backend:?}: a duplicate leaf was taken");

        let leaves = store::leaves(&repo, 0, 10).await.unwrap();
        assert_eq!(
            leaves
                .iter()
                .map(|l| (l.leaf_index, l.aggregate_id.as_str()))
                .collect::<Vec<_>>(),
            [(0, "A"), (1, "A")],
            "{backend:?}"
        );
        assert_eq!(store::size(&repo).await.unwrap(), 2, "{backend:?}");
        let ids: BTreeSet<NodeId> = [(0, 0), (0, 1), (1, 0), (0, 2)]
            .into_iter()
            .map(|(level, index)| NodeId { level, index })
            .collect();
        let nodes = store::nodes(&repo, &ids).await.unwrap();
        assert_eq!(nodes.len(), 3, "{backend:?}: {nodes:?}");
        assert!(!nodes.contains_key(&NodeId { level: 0, index: 2 }));
        let secrets = store::secrets(
            &repo,
            &[
                ("Case".to_string(), "A".to_string()),
                ("Case".to_string(), "B".to_string()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            secrets
                .keys()
                .map(|(_, id)| id.as_str())
                .collect::<Vec<_>>(),
            ["A"],
            "{backend:?}"
        );

        if let Some((admin, db)) = drop_db {
            drop(repo);
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap();
            sqlx::query(&format!("DROP DATABASE \"{db}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}
