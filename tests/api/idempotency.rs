//! `Idempotency-Key` on the command endpoints, on both stores: retries replay the first
//! response and append nothing; a key reused for another request is a 422; refusals are kept,
//! conflicts are not; concurrent retries open one case.
use aggregates::Role;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use yangguang::web::api::idempotency::stored_key;

use crate::helpers::{BACKENDS, Backend, TestApp, assert_problem};

fn fresh_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A POST with an `Idempotency-Key`.
async fn post_keyed(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    key: &str,
    body: &Value,
) -> Response {
    // From bytes: the tests send values a client library would rather refuse.
    let value = reqwest::header::HeaderValue::from_bytes(key.as_bytes()).unwrap();
    let mut req = app
        .client
        .post(format!("{}{path}", app.address))
        .header("Idempotency-Key", value)
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// Status, the headers a replay must repeat, whether it was a replay, and the body.
#[derive(Debug, PartialEq)]
struct Answer {
    status: StatusCode,
    content_type: Option<String>,
    location: Option<String>,
    position: Option<String>,
    replayed: bool,
    body: Vec<u8>,
}

async fn answer(response: Response) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let content_type = header("content-type");
    let location = header("location");
    let position = header("yangguang-position");
    let replayed = match header("idempotent-replayed").as_deref() {
        None => false,
        Some("true") => true,
        Some(other) => panic!("Idempotent-Replayed: {other}"),
    };
    Answer {
        status: response.status(),
        content_type,
        location,
        position,
        replayed,
        body: response.bytes().await.unwrap().to_vec(),
    }
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// The same answer, but marked as a replay.
    fn replayed(&self) -> Answer {
        Answer {
            status: self.status,
            content_type: self.content_type.clone(),
            location: self.location.clone(),
            position: self.position.clone(),
            replayed: true,
            body: self.body.clone(),
        }
    }
}

fn case_body(power: &str, name: &str) -> Value {
    json!({
        "power_code": power,
        "party": {
            "kind": "person", "name": name, "id_number": "11010519491231002X",
            "phone": "13912345678", "address": "上海市浦东新区世纪大道100号"
        },
        "channel": "window",
        "received_at": "2026-03-06T09:00:00+08:00",
    })
}

/// Open cases of the test's department, from the worklist.
async fn open_cases(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/worklist", Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn case_version(app: &TestApp, id: &str, token: &str) -> u64 {
    let case: Value = app
        .get(&format!("/api/v1/cases/{id}"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    case["version"].as_u64().unwrap()
}

async fn event_count(app: &TestApp, id: &str, token: &str) -> usize {
    let events: Vec<Value> = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    events.len()
}

#[tokio::test]
async fn a_retried_open_case_returns_the_first_answer_and_opens_one_case() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let key = fresh_key();
        let body = case_body(&power, "张三丰");

        let first =
            answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        assert_eq!(first.status, StatusCode::CREATED, "{backend:?}");
        assert!(!first.replayed, "the first answer is not a replay");
        let opened = first.json();
        let id = opened["id"].as_str().unwrap().to_string();
        assert_eq!(
            first.location.as_deref(),
            Some(format!("/api/v1/cases/{id}").as_str())
        );
        assert!(first.position.is_some());

        let second =
            answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        assert_eq!(
            second,
            first.replayed(),
            "{backend:?}: the same answer, byte for byte"
        );
        assert_eq!(second.json()["query_code"], opened["query_code"]);
        assert_eq!(second.json()["tracking_no"], opened["tracking_no"]);

        let cases = open_cases(&app, &alice).await;
        assert_eq!(cases.len(), 1, "{backend:?}: one case, {cases:?}");
        assert_eq!(event_count(&app, &id, &alice).await, 1);
        // The case is there under its own id and nowhere else.
        let ids = app.engine.repo().aggregate_ids("Case").await.unwrap();
        assert_eq!(ids.iter().filter(|i| **i == id).count(), 1);
    }
}

#[tokio::test]
async fn a_retried_step_returns_the_first_answer_and_moves_nothing() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let id = app.open_case(&power, &alice).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/cases/{id}/steps");
        let key = fresh_key();
        let body = json!({"outcome": "受理", "expected_version": 1});

        let first = answer(post_keyed(&app, &path, Some(&alice), &key, &body).await).await;
        assert_eq!(first.status, StatusCode::OK, "{backend:?}");
        assert!(!first.replayed);
        let version = first.json()["version"].as_u64().unwrap();
        assert_eq!(version, 2);

        let second = answer(post_keyed(&app, &path, Some(&alice), &key, &body).await).await;
        assert_eq!(second, first.replayed(), "{backend:?}");
        assert_eq!(case_version(&app, &id, &alice).await, version);
        assert_eq!(event_count(&app, &id, &alice).await, 2);
    }
}

#[tokio::test]
async fn the_same_key_with_another_request_is_refused_and_appends_nothing() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let key = fresh_key();
        let first = post_keyed(
            &app,
            "/api/v1/cases",
            Some(&alice),
            &key,
            &case_body(&power, "张三丰"),
        )
        .await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let id = first.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();

        // Another body on the same path.
        let r = post_keyed(
            &app,
            "/api/v1/cases",
            Some(&alice),
            &key,
            &case_body(&power, "李四"),
        )
        .await;
        assert_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        )
        .await;
        // Another path.
        let r = post_keyed(
            &app,
            &format!("/api/v1/cases/{id}/steps"),
            Some(&alice),
            &key,
            &json!({"outcome": "受理", "expected_version": 1}),
        )
        .await;
        assert_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        )
        .await;

        assert_eq!(open_cases(&app, &alice).await.len(), 1, "{backend:?}");
        assert_eq!(event_count(&app, &id, &alice).await, 1, "no step taken");
    }
}

#[tokio::test]
async fn keys_are_scoped_to_the_caller() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let bob = app.officer("bob");
        let key = fresh_key();
        let body = case_body(&power, "张三丰");
        let a = answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        let b = answer(post_keyed(&app, "/api/v1/cases", Some(&bob), &key, &body).await).await;
        assert_eq!(a.status, StatusCode::CREATED);
        assert_eq!(b.status, StatusCode::CREATED);
        assert!(!a.replayed && !b.replayed, "{backend:?}");
        assert_ne!(a.json()["id"], b.json()["id"]);
        assert_eq!(open_cases(&app, &alice).await.len(), 2);
        // Each one's retry gets their own answer.
        let again = answer(post_keyed(&app, "/api/v1/cases", Some(&bob), &key, &body).await).await;
        assert_eq!(again, b.replayed());
        // Security finding 6: the same subject in another department does not receive alice's
        // answer (party data and query code): it is refused as it would be without the key.
        let elsewhere = app.token(Role::Officer, Some("another-dept"), "alice");
        let r =
            answer(post_keyed(&app, "/api/v1/cases", Some(&elsewhere), &key, &body).await).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert!(!r.replayed);
    }
}

#[tokio::test]
async fn refusals_are_replayed_but_conflicts_run_again() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let id = app.open_case(&power, &alice).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/cases/{id}/steps");

        // A refusal is the answer to that request: kept and replayed.
        let key = fresh_key();
        let illegal = json!({"outcome": "准予许可", "expected_version": 1});
        let r = post_keyed(&app, &path, Some(&alice), &key, &illegal).await;
        let first = answer(r).await;
        assert_eq!(
            first.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert_eq!(first.json()["code"], "outcome_not_allowed");
        let again = answer(post_keyed(&app, &path, Some(&alice), &key, &illegal).await).await;
        assert_eq!(again, first.replayed());
        assert_eq!(
            again.content_type.as_deref(),
            Some("application/problem+json")
        );

        // A stale version is not kept: once the case has moved on, the same request with the
        // same key runs again and succeeds.
        let key = fresh_key();
        let ahead = json!({"outcome": "书面审查符合条件", "expected_version": 2});
        let r = post_keyed(&app, &path, Some(&alice), &key, &ahead).await;
        assert_problem(r, StatusCode::CONFLICT, "stale_version").await;
        let r = app.step(&id, &alice, "受理", 1).await;
        assert_eq!(r.status(), StatusCode::OK);
        let fresh = answer(post_keyed(&app, &path, Some(&alice), &key, &ahead).await).await;
        assert_eq!(fresh.status, StatusCode::OK, "{backend:?}");
        assert!(!fresh.replayed, "a fresh answer");
        assert_eq!(fresh.json()["version"], 3);
        assert_eq!(fresh.json()["current_step"]["id"], "decide");
        let again = answer(post_keyed(&app, &path, Some(&alice), &key, &ahead).await).await;
        assert_eq!(again, fresh.replayed());
        assert_eq!(event_count(&app, &id, &alice).await, 3);
    }
}

#[tokio::test]
async fn concurrent_retries_open_one_case() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let key = fresh_key();
        let body = case_body(&power, "张三丰");
        let mut tasks = JoinSet::new();
        for _ in 0..10 {
            let request = app
                .client
                .post(format!("{}/api/v1/cases", app.address))
                .bearer_auth(&alice)
                .header("Idempotency-Key", &key)
                .json(&body);
            tasks.spawn(async move { answer(request.send().await.unwrap()).await });
        }
        let answers = tasks.join_all().await;
        let firsts: Vec<&Answer> = answers
            .iter()
            .filter(|a| a.status == StatusCode::CREATED && !a.replayed)
            .collect();
        assert_eq!(firsts.len(), 1, "{backend:?}: exactly one ran, {answers:?}");
        let first = firsts[0];
        for a in &answers {
            match a.status {
                StatusCode::CREATED => assert_eq!(a.body, first.body, "the same case"),
                StatusCode::CONFLICT => {
                    assert_eq!(a.json()["code"], "idempotency_key_in_progress");
                }
                other => panic!("{backend:?}: unexpected {other}: {a:?}"),
            }
        }
        // A retry after they all finished is a replay.
        let last = answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        assert_eq!(last, first.replayed());
        assert_eq!(open_cases(&app, &alice).await.len(), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn a_request_still_running_is_answered_409_with_retry_after() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let key = fresh_key();
        let stored = stored_key(&key);
        let body = case_body(&power, "张三丰");
        // The first request's claim, as if it were still running.
        let subject = &yangguang::web::api::idempotency::key_scope(
            "alice",
            Role::Officer,
            Some(&app.department),
        );
        let hash_of = |body: &[u8]| {
            use sha2::Digest;
            let mut h = sha2::Sha256::new();
            h.update(b"POST\n/api/v1/cases\n");
            h.update(body);
            hex::encode(h.finalize())
        };
        let claim = yangguang::store::idempotency::KeyedRequest {
            principal: subject,
            key: &stored,
            method: "POST",
            path: "/api/v1/cases",
            body_hash: &hash_of(&serde_json::to_vec(&body).unwrap()),
        };
        let claimed = app
            .engine
            .repo()
            .claim_idempotency_key(claim)
            .await
            .unwrap();
        assert_eq!(claimed, yangguang::store::idempotency::Claim::Claimed);

        let r = post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await;
        assert_eq!(
            r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
        assert_problem(r, StatusCode::CONFLICT, "idempotency_key_in_progress").await;
        assert_eq!(open_cases(&app, &alice).await.len(), 0, "{backend:?}");

        // Released (the first request failed): the retry runs.
        app.engine
            .repo()
            .release_idempotency_key(subject, &stored)
            .await
            .unwrap();
        let r = post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(open_cases(&app, &alice).await.len(), 1);
    }
}

#[tokio::test]
async fn invalid_keys_are_refused_before_anything_runs() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let body = case_body(&power, "张三丰");
        let too_long = "k".repeat(256);
        for key in ["", too_long.as_str(), "ab\tc", "a b", "键"] {
            let r = post_keyed(&app, "/api/v1/cases", Some(&alice), key, &body).await;
            assert_problem(r, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
        }
        let longest = format!("{:k<255}", fresh_key());
        let r = post_keyed(&app, "/api/v1/cases", Some(&alice), &longest, &body).await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{backend:?}: 255 is allowed"
        );
        // Given twice.
        let r = app
            .client
            .post(format!("{}/api/v1/cases", app.address))
            .bearer_auth(&alice)
            .header("Idempotency-Key", fresh_key())
            .header("Idempotency-Key", fresh_key())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
        assert_eq!(open_cases(&app, &alice).await.len(), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn without_a_valid_token_the_key_is_ignored() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let body = case_body(&power, "张三丰");
    let key = fresh_key();
    for token in [None, Some("not-a-token")] {
        let r = post_keyed(&app, "/api/v1/cases", token, &key, &body).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().get("idempotent-replayed").is_none());
    }
    // Reads carry no key semantics.
    let r = app
        .client
        .get(format!("{}/api/v1/powers/{power}", app.address))
        .header("Idempotency-Key", "")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The key was never claimed: its first authenticated use runs.
    let alice = app.officer("alice");
    let r = answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(!r.replayed);
}

/// A claim whose request never answered (its process died) holds its key for five minutes;
/// after that a retry takes the key over and runs.
#[tokio::test]
async fn abandoned_claims_are_taken_over_after_five_minutes() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let body = case_body(&power, "张三丰");
        let scope = yangguang::web::api::idempotency::key_scope(
            "alice",
            Role::Officer,
            Some(&app.department),
        );
        for (age_minutes, taken_over) in [(4, false), (6, true)] {
            let key = fresh_key();
            match app.engine.repo() {
                yangguang::store::EventRepo::Sqlite(pool) => {
                    sqlx::query(
                        "INSERT INTO idempotency_keys (principal, key, method, path, body_hash, \
                         created_at) VALUES (?3, ?1, 'POST', '/api/v1/cases', 'x', \
                         strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?2))",
                    )
                    .bind(stored_key(&key))
                    .bind(format!("-{age_minutes} minutes"))
                    .bind(&scope)
                    .execute(pool.pool())
                    .await
                    .unwrap();
                }
                yangguang::store::EventRepo::Postgres(yangguang::store::PgStore {
                    pool, ..
                }) => {
                    sqlx::query(
                        "INSERT INTO idempotency_keys (principal, key, method, path, body_hash, \
                         created_at) VALUES ($3, $1, 'POST', '/api/v1/cases', 'x', \
                         now() - make_interval(mins => $2))",
                    )
                    .bind(stored_key(&key))
                    .bind(age_minutes)
                    .bind(&scope)
                    .execute(pool)
                    .await
                    .unwrap();
                }
            }
            let retry =
                answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
            if taken_over {
                assert_eq!(retry.status, StatusCode::CREATED, "{backend:?}");
                assert!(!retry.replayed, "{backend:?}");
                // The retry's answer is now kept under the key.
                let again =
                    answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await)
                        .await;
                assert!(again.replayed, "{backend:?}");
                assert_eq!(again.json()["id"], retry.json()["id"]);
            } else {
                // Still held, by a request with another body hash ('x'): refused, not run.
                assert_eq!(
                    retry.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{backend:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn kept_answers_expire_after_a_day() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let key = fresh_key();
        let body = case_body(&power, "张三丰");
        let first =
            answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        assert_eq!(first.status, StatusCode::CREATED);
        match app.engine.repo() {
            yangguang::store::EventRepo::Sqlite(pool) => {
                sqlx::query(
                    "UPDATE idempotency_keys SET created_at = \
                     strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-25 hours') WHERE key = ?1",
                )
                .bind(stored_key(&key))
                .execute(pool.pool())
                .await
                .unwrap();
            }
            yangguang::store::EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) => {
                sqlx::query(
                    "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' \
                     WHERE key = $1",
                )
                .bind(stored_key(&key))
                .execute(pool)
                .await
                .unwrap();
            }
        }
        let later =
            answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        assert_eq!(later.status, StatusCode::CREATED, "{backend:?}");
        assert!(!later.replayed, "{backend:?}: forgotten after 24 hours");
        assert_ne!(later.json()["id"], first.json()["id"]);
        assert!(app.engine.repo().purge_idempotency_keys().await.is_ok());
    }
}

/// Every column of the rows kept for `principal`, as text (bytes lossily), on either store.
async fn idempotency_rows(app: &TestApp, principal: &str) -> Vec<String> {
    const SELECT: &str = "SELECT principal, key, method, path, body_hash, \
                          CAST(headers AS TEXT) AS headers, body FROM idempotency_keys";
    let rows: Vec<String> = match app.engine.repo() {
        yangguang::store::EventRepo::Sqlite(pool) => sqlx::query(SELECT)
            .fetch_all(pool.pool())
            .await
            .unwrap()
            .iter()
            .map(|row| {
                use sqlx::Row;
                (0..6)
                    .map(|i| row.get::<Option<String>, _>(i).unwrap_or_default())
                    .chain([String::from_utf8_lossy(
                        &row.get::<Option<Vec<u8>>, _>(6).unwrap_or_default(),
                    )
                    .into_owned()])
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            })
            .collect(),
        yangguang::store::EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) => {
            sqlx::query(SELECT)
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|row| {
                    use sqlx::Row;
                    (0..6)
                        .map(|i| row.get::<Option<String>, _>(i).unwrap_or_default())
                        .chain([String::from_utf8_lossy(
                            &row.get::<Option<Vec<u8>>, _>(6).unwrap_or_default(),
                        )
                        .into_owned()])
                        .collect::<Vec<_>>()
                        .join("\u{1f}")
                })
                .collect()
        }
    };
    rows.into_iter()
        .filter(|row| {
            row.split('\u{1f}')
                .take(3)
                .collect::<Vec<_>>()
                .join("\u{1f}")
                == principal
        })
        .collect()
}

/// Security finding 4: the kept answer of an opened case (query code, party data) is not in
/// the database in clear, nor is the key; the replay still answers byte for byte.
#[tokio::test]
async fn kept_answers_hold_no_secret_or_personal_data_in_clear() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let scope = yangguang::web::api::idempotency::key_scope(
            "alice",
            Role::Officer,
            Some(&app.department),
        );
        let key = format!("retry-{}", fresh_key());
        let body = case_body(&power, "欧阳春花");
        let first =
            answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        assert_eq!(first.status, StatusCode::CREATED, "{backend:?}");
        let opened = first.json();
        let code = opened["query_code"].as_str().unwrap().to_owned();
        let rows = idempotency_rows(&app, &scope).await;
        assert_eq!(rows.len(), 1, "{backend:?}: {rows:?}");
        for secret in [
            code.as_str(),
            &code.replace('-', ""),
            "欧阳",
            "春花",
            "11010519491231002X",
            "13912345678",
            "世纪大道",
            key.as_str(),
        ] {
            assert!(
                !rows[0].contains(secret),
                "{backend:?}: {secret} is kept in clear: {}",
                rows[0]
            );
        }
        let again =
            answer(post_keyed(&app, "/api/v1/cases", Some(&alice), &key, &body).await).await;
        assert_eq!(again, first.replayed(), "{backend:?}");
    }
}

#[test]
fn the_spec_documents_the_header_on_every_command() {
    let spec = serde_json::to_value(yangguang::web::api::openapi()).unwrap();
    let mut commands = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let has_key = op["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
            });
            let command = method == "post" && path.starts_with("/api/v1/");
            assert_eq!(has_key, command, "{method} {path}");
            if command {
                commands += 1;
                for status in ["400", "409", "422"] {
                    assert!(
                        op["responses"][status]["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(commands >= 6, "{commands} commands");
}
