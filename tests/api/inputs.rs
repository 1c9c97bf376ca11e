//! Hostile and unusual input: bodies over the limit, deep nesting, unknown fields, overlong
//! texts, impossible dates, every kind of Unicode (Chinese, astral characters, emoji, RTL) and
//! control characters, in the API and through the pages. Malformed input is a 400, a refused
//! value a 422, a too-large body a 413; pages answer 200, 400 or 404, never 500.
//!
//! Control characters (Unicode category Cc: NUL, the C0 controls, DEL, the C1 controls) are
//! refused with 422 in every stored text; a line break is accepted only in multi-line texts
//! (notes and reasons of case commands, version texts). Format characters (Cf: the zero-width
//! joiner of emoji sequences, right-to-left marks) are accepted and stored as written.
use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yangguang::engine::catalogue_file;
use yangguang::web::api::JSON_LIMIT;

use crate::helpers::{BACKENDS, Backend, TestApp, assert_problem};

const ORG_CODE: &str = "91350100M000100Y43";
const PERSON_ID: &str = "11010519491231002X";

async fn raw(app: &TestApp, path: &str, token: &str, body: impl Into<reqwest::Body>) -> Response {
    app.client
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn open_body(power: &str, party: Value) -> Value {
    json!({
        "power_code": power,
        "party": party,
        "channel": "window",
        "received_at": crate::helpers::test_now().to_rfc3339(),
    })
}

fn person(name: &str) -> Value {
    json!({"kind": "person", "name": name, "id_number": PERSON_ID})
}

fn licence_version() -> Value {
    let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).unwrap();
    let entry = file
        .powers
        .iter()
        .find(|p| p.name == "食品经营许可")
        .unwrap();
    serde_json::to_value(&entry.version).unwrap()
}

/// A registered power without a version; returns its code.
async fn bare_power(app: &TestApp) -> String {
    let code = format!(
        "IN-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
    );
    let r = app
        .post(
            "/api/v1/powers",
            Some(&app.admin()),
            &json!({"code": code, "name": "输入测试", "category": "licensing",
                    "department": app.department, "department_name": "测试局"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    code
}

/// Sends a chunked body of `len` bytes (no Content-Length) over a raw connection; returns
/// the status code of the answer.
async fn chunked_post(app: &TestApp, path: &str, token: &str, body: &[u8]) -> u16 {
    chunked_post_as(app, path, token, "application/json", body).await
}

/// [`chunked_post`] with another content type.
async fn chunked_post_as(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> u16 {
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut request = head.into_bytes();
    for chunk in body.chunks(16 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let (mut read, mut write) = stream.split();
    // The server may answer (and close) before the whole body is sent: write and read at once.
    let writer = async {
        let _ = write.write_all(&request).await;
    };
    let reader = async {
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(20), read.read_to_end(&mut answer)).await;
        answer
    };
    let ((), answer) = tokio::join!(writer, reader);
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or("");
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"))
}

/// Whether `value` holds the string `s` anywhere.
fn holds_string(value: &Value, s: &str) -> bool {
    match value {
        Value::String(v) => v == s,
        Value::Array(items) => items.iter().any(|v| holds_string(v, s)),
        Value::Object(map) => map.values().any(|v| holds_string(v, s)),
        _ => false,
    }
}

/// Security finding 8: the 16 KiB cap on the public's complaints and ratings holds for a
/// chunked body (no Content-Length), in the API and on the page's form; nothing is filed.
#[tokio::test]
async fn public_writes_are_capped_on_the_bytes_read_whatever_the_encoding() {
    use yangguang::web::api::PUBLIC_WRITE_LIMIT;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let opened = app.open_case(&power, &alice).await;
    let no = opened["id"].as_str().unwrap();
    let code = opened["query_code"].as_str().unwrap();
    let path = format!("/api/v1/public/cases/{no}/complaints");
    // A valid complaint padded with whitespace past the cap (valid JSON, short text).
    let mut body = json!({"code": code, "text": "窗口人员态度不好"}).to_string();
    body.push_str(&" ".repeat(PUBLIC_WRITE_LIMIT + 4 * 1024));
    assert_eq!(
        chunked_post(&app, &path, "none", body.as_bytes()).await,
        413
    );
    // The form on the status page, likewise.
    let mut form = format!("no={no}&code={code}&text=%E6%80%81%E5%BA%A6");
    form.push_str(&"&pad=".repeat(PUBLIC_WRITE_LIMIT / 5 + 1024));
    let status = chunked_post_as(
        &app,
        "/track/complaint",
        "none",
        "application/x-www-form-urlencoded",
        form.as_bytes(),
    )
    .await;
    assert!(matches!(status, 400 | 413), "the form answered {status}");
    // Nothing was filed: the next complaint is the case's first.
    let r = app
        .post(
            &path,
            None,
            &json!({"code": code, "text": "窗口人员态度不好"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["complaint_no"], 1, "{receipt}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let opened = app.open_case(&power, &alice).await;
    let id = opened["id"].as_str().unwrap();
    let path = format!("/api/v1/cases/{id}/steps");
    // A step whose note fills the body to exactly `len` bytes.
    let body_of = |len: usize| {
        let shell = r#"{"outcome":"受理","expected_version":1,"note":""}"#;
        let mut body = shell.replace(
            r#""note":"""#,
            &format!(r#""note":"{}""#, "a".repeat(len - shell.len())),
        );
        body.truncate(len);
        assert_eq!(body.len(), len);
        body
    };
    // At the limit the body is read, and its note refused for its length.
    let r = raw(&app, &path, &alice, body_of(JSON_LIMIT)).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
    // One byte over: 413, with a Content-Length...
    let r = raw(&app, &path, &alice, body_of(JSON_LIMIT + 1)).await;
    assert_problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // ... with an Idempotency-Key (the body is read before the handler) ...
    let r = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .header("Idempotency-Key", "inputs-over-limit")
        .body(body_of(JSON_LIMIT + 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // ... and chunked, without one.
    let status = chunked_post(&app, &path, &alice, body_of(JSON_LIMIT + 1).as_bytes()).await;
    assert_eq!(status, 413);
    let status = chunked_post(&app, &path, &alice, body_of(4 * JSON_LIMIT).as_bytes()).await;
    assert_eq!(status, 413);
    // The sign-in form (a page) refuses a huge body too, without a 500.
    let r = app
        .client
        .post(format!("{}/sign-in", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("password={}", "a".repeat(2 * JSON_LIMIT)))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(r.status().as_u16(), 400 | 413),
        "sign-in with a huge body: {}",
        r.status()
    );
    // Nothing happened to the case, and the server still serves.
    let r = app.step(id, &alice, "受理", 1).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn deep_nesting_is_a_400_and_the_server_keeps_serving() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let admin = app.admin();
    let bare = bare_power(&app).await;
    let deep_arrays = "[".repeat(10_000);
    let deep_objects = r#"{"a":"#.repeat(10_000);
    let mut version = licence_version().to_string();
    version.pop();
    let deep_discretion = format!(r#"{version},"discretion":{}"#, "[".repeat(10_000));
    let deep_discretion_closed = format!(
        r#"{version},"discretion":{}{}}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let versions = format!("/api/v1/powers/{bare}/versions");
    let cases: Vec<(&str, String, &str)> = vec![
        ("/api/v1/cases", deep_arrays.clone(), &alice),
        ("/api/v1/cases", deep_objects.clone(), &alice),
        (
            "/api/v1/cases",
            format!(r#"{{"power_code":"{power}","party":{deep_objects}"#),
            &alice,
        ),
        ("/api/v1/powers", deep_arrays.clone(), &admin),
        ("/api/v1/powers/X/versions", deep_arrays.clone(), &admin),
        // discretion takes any JSON: the parser's own depth limit holds there too.
        (&versions, deep_discretion, &admin),
        (&versions, deep_discretion_closed, &admin),
    ];
    for (path, body, token) in cases {
        let r = raw(&app, path, token, body).await;
        let problem = assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.len() < 500,
            "the detail does not echo the body: {detail}"
        );
    }
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    let opened = app.open_case(&power, &alice).await;
    assert_eq!(opened["case"]["version"], 1);
}

#[tokio::test]
async fn a_malformed_discretion_standard_is_refused_before_it_is_stored() {
    // A discretion standard is a structured value (bands, regimes, grounds). Anything else —
    // here arrays nested up to the JSON parser's limit, which once were accepted and then
    // could not be read back — is refused as malformed, and the power stays readable.
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin();
        for depth in [1, 33, 124] {
            let code = bare_power(&app).await;
            let mut version = licence_version();
            let mut nested = json!("基准");
            for _ in 0..depth {
                nested = json!([nested]);
            }
            version["discretion"] = nested;
            let r = app
                .post(
                    &format!("/api/v1/powers/{code}/versions"),
                    Some(&admin),
                    &version,
                )
                .await;
            assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
            let r = app.get(&format!("/api/v1/powers/{code}"), None).await;
            assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
            let r = app.get("/api/v1/powers", None).await;
            assert_eq!(r.status(), StatusCode::OK, "{backend:?} depth {depth}");
        }
    }
}

#[tokio::test]
async fn unknown_fields_are_refused_naming_the_field() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let admin = app.admin();
    let opened = app.open_case(&power, &alice).await;
    let id = opened["id"].as_str().unwrap();
    let code = opened["query_code"].as_str().unwrap();
    let bare = bare_power(&app).await;

    let with = |mut v: Value, pointer: &str| {
        v.pointer_mut(pointer)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert("surprise_field".into(), json!(1));
        v
    };
    let version = licence_version();
    let bodies: Vec<(String, &str, Value)> = vec![
        (
            "/api/v1/powers".into(),
            &admin,
            with(
                json!({"code": "X-1", "name": "n", "category": "licensing",
                       "department": app.department, "department_name": "d"}),
                "",
            ),
        ),
        (
            format!("/api/v1/powers/{bare}/versions"),
            &admin,
            with(version.clone(), ""),
        ),
        (
            format!("/api/v1/powers/{bare}/versions"),
            &admin,
            with(version.clone(), "/legal_basis/0"),
        ),
        (
            format!("/api/v1/powers/{bare}/versions"),
            &admin,
            with(version.clone(), "/flowchart/steps/0"),
        ),
        (
            format!("/api/v1/powers/{power}/status"),
            &admin,
            with(json!({"action": "suspend", "reason": "r"}), ""),
        ),
        (
            "/api/v1/cases".into(),
            &alice,
            with(open_body(&power, person("王小明")), ""),
        ),
        (
            "/api/v1/cases".into(),
            &alice,
            with(open_body(&power, person("王小明")), "/party"),
        ),
        (
            format!("/api/v1/cases/{id}/steps"),
            &alice,
            with(json!({"outcome": "受理", "expected_version": 1}), ""),
        ),
        (
            format!("/api/v1/cases/{id}/clock"),
            &alice,
            with(json!({"action": "pause", "reason": "r"}), ""),
        ),
        (
            format!("/api/v1/cases/{id}/withdraw"),
            &alice,
            with(json!({"reason": "r"}), ""),
        ),
    ];
    for (path, token, body) in bodies {
        let r = app.post(&path, Some(token), &body).await;
        let problem = assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("surprise_field"),
            "{path}: {problem}"
        );
    }
    // Unknown query parameters too.
    for (path, token) in [
        (
            format!("/api/v1/public/cases/{id}?code={code}&surprise_field=1"),
            None,
        ),
        (
            "/api/v1/calendar/deadline?start=2026-03-06&days=5&surprise_field=1".into(),
            None,
        ),
        ("/api/v1/powers?surprise_field=1".into(), None),
        (
            "/api/v1/worklist?surprise_field=1".into(),
            Some(alice.as_str()),
        ),
    ] {
        let r = app.get(&path, token).await;
        let problem = assert_problem(r, StatusCode::BAD_REQUEST, "invalid_query").await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("surprise_field"),
            "{path}: {problem}"
        );
    }
    // Nothing moved.
    let r = app.step(id, &alice, "受理", 1).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn texts_are_limited_in_length() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let admin = app.admin();

    // Party: name 100, address 200 characters (characters, not bytes: 张 is 3 bytes).
    let long = |n: usize| "张".repeat(n);
    let ok = json!({"kind": "person", "name": long(100), "id_number": PERSON_ID,
                    "address": long(200)});
    let r = app
        .post("/api/v1/cases", Some(&alice), &open_body(&power, ok))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let opened: Value = r.json().await.unwrap();
    assert_eq!(opened["case"]["party"]["name"], long(100));
    for (field, party) in [
        ("party.name", person(&long(101))),
        (
            "party.address",
            json!({"kind": "person", "name": "王", "id_number": PERSON_ID, "address": long(201)}),
        ),
        (
            "party.phone",
            json!({"kind": "person", "name": "王", "id_number": PERSON_ID, "phone": "1".repeat(21)}),
        ),
    ] {
        let r = app
            .post("/api/v1/cases", Some(&alice), &open_body(&power, party))
            .await;
        let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_party").await;
        assert_eq!(problem["problems"][0]["field"], field, "{problem}");
    }

    // Notes and reasons: 500 characters.
    let id = opened["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/steps"),
            Some(&alice),
            &json!({"outcome": "受理", "expected_version": 1, "note": long(501)}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
    for (path, body) in [
        ("clock", json!({"action": "pause", "reason": long(501)})),
        ("withdraw", json!({"reason": long(501)})),
    ] {
        let r = app
            .post(&format!("/api/v1/cases/{id}/{path}"), Some(&alice), &body)
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
    }
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/steps"),
            Some(&alice),
            &json!({"outcome": "受理", "expected_version": 1, "note": long(500)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Powers: name 100, reasons 500, version texts per field.
    let r = app
        .post(
            "/api/v1/powers",
            Some(&admin),
            &json!({"code": "LEN-1", "name": long(101), "category": "licensing",
                    "department": app.department, "department_name": "d"}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
    let r = app
        .post(
            &format!("/api/v1/powers/{power}/status"),
            Some(&admin),
            &json!({"action": "suspend", "reason": long(501)}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "reason_required").await;
    let bare = bare_power(&app).await;
    let mut version = licence_version();
    version["legal_basis"][0]["excerpt"] = json!(long(100_000));
    let r = app
        .post(
            &format!("/api/v1/powers/{bare}/versions"),
            Some(&admin),
            &version,
        )
        .await;
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_version").await;
    assert!(problem.to_string().contains("text_too_long"), "{problem}");
    // The public search: 100 characters.
    let r = app
        .get(&format!("/api/v1/powers?q={}", long(101)), None)
        .await;
    assert_problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn impossible_and_offsetless_dates_are_400() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let opened = app.open_case(&power, &alice).await;
    let id = opened["id"].as_str().unwrap();
    let bad = [
        "2026-02-30T09:00:00+08:00",
        "2026-13-01T00:00:00+08:00",
        "2026-03-06T25:00:00+08:00",
        "2026-03-06T09:00:00",
        "2026-03-06",
        "2026-03-06T09:00:00+25:00",
        "06/03/2026 09:00",
        "",
    ];
    for at in bad {
        let mut body = open_body(&power, person("王小明"));
        body["received_at"] = json!(at);
        let r = app.post("/api/v1/cases", Some(&alice), &body).await;
        assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/steps"),
                Some(&alice),
                &json!({"outcome": "受理", "expected_version": 1, "at": at}),
            )
            .await;
        assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
    for start in ["2026-02-30", "2026-13-01", "20260306", "2026-3-6x", "%00"] {
        let r = app
            .get(
                &format!("/api/v1/calendar/deadline?start={start}&days=5"),
                None,
            )
            .await;
        assert_problem(r, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    // A leap day is a date; 2025 had none.
    let r = app
        .get("/api/v1/calendar/deadline?start=2024-02-29&days=5", None)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .get("/api/v1/calendar/deadline?start=2025-02-29&days=5", None)
        .await;
    assert_problem(r, StatusCode::BAD_REQUEST, "invalid_query").await;
    // Any offset is fine (UTC, west of Greenwich); the future is refused.
    let past = crate::helpers::test_now() - chrono::Duration::days(3);
    let west = chrono::FixedOffset::west_opt(5 * 3600).unwrap();
    for (at, status) in [
        (
            past.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            StatusCode::CREATED,
        ),
        (past.with_timezone(&west).to_rfc3339(), StatusCode::CREATED),
        (
            "2099-01-01T09:00:00+08:00".to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let mut body = open_body(&power, person("王小明"));
        body["received_at"] = json!(at);
        let r = app.post("/api/v1/cases", Some(&alice), &body).await;
        assert_eq!(r.status(), status, "{at}");
    }
    // The case never moved.
    let r = app.step(id, &alice, "受理", 1).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn unicode_names_and_notes_round_trip_and_control_characters_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let people = [
        "王小明",
        "欧阳娜娜",
        "𠮷野家太郎", // a CJK character outside the BMP (4 bytes in UTF-8)
        "李🌸花",     // emoji
        "👨\u{200d}👩\u{200d}👧 家", // a ZWJ sequence
        "محمد عبد الله", // Arabic, right to left
        "\u{200f}דוד כהן", // Hebrew after a right-to-left mark
        "Zoë O'Brien-Ñúñez", // Latin with diacritics and an apostrophe
        "阿卜杜·热合曼",
    ];
    let organisations = ["上海🍜餐饮管理有限公司", "شركة شنغهاي للتجارة"];
    let note = "材料齐全 ✅ — مراجعة\n第二行 𠮷";
    let mut opened_ids = Vec::new();
    for (kind, name) in people
        .iter()
        .map(|n| ("person", *n))
        .chain(organisations.iter().map(|n| ("organisation", *n)))
    {
        let id_number = if kind == "person" {
            PERSON_ID
        } else {
            ORG_CODE
        };
        let party = json!({"kind": kind, "name": name, "id_number": id_number,
                           "address": format!("{name} 的地址 🏠")});
        let r = app
            .post("/api/v1/cases", Some(&alice), &open_body(&power, party))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{name}");
        let opened: Value = r.json().await.unwrap();
        let id = opened["id"].as_str().unwrap().to_string();
        let code = opened["query_code"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/steps"),
                Some(&alice),
                &json!({"outcome": "受理", "expected_version": 1, "note": note}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        // Officers read it back exactly, in the case and in its events.
        let case: Value = app
            .get(&format!("/api/v1/cases/{id}"), Some(&alice))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["party"]["name"], *name);
        assert_eq!(case["party"]["address"], format!("{name} 的地址 🏠"));
        let events: Vec<Value> = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&alice))
            .await
            .json()
            .await
            .unwrap();
        let events = Value::Array(events);
        assert!(
            holds_string(&events, note),
            "{name}: the note in the events"
        );
        assert!(
            holds_string(&events, name),
            "{name}: the name in the events"
        );
        // The public sees the masked person or the organisation's name, API and page alike.
        let expected = if kind == "person" {
            aggregates::party::mask_person_name(name)
        } else {
            name.to_string()
        };
        let public: Value = app
            .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(public["applicant"], expected.as_str());
        let page = app.get(&format!("/track?no={id}&code={code}"), None).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&expected),
            "{name}: {expected} not on the page"
        );
        if kind == "person" {
            assert!(!html.contains(name) || name.chars().count() == 1);
        }
        opened_ids.push(id);
    }
    // The worklist shows them all, exactly.
    let worklist: Vec<Value> = app
        .get("/api/v1/worklist", Some(&alice))
        .await
        .json()
        .await
        .unwrap();
    for name in people.iter().chain(organisations.iter()) {
        assert!(
            worklist.iter().any(|i| i["party_name"] == *name),
            "{name} missing from the worklist"
        );
    }

    // Control characters: refused wherever text is stored.
    let controls = [
        "\u{0}",
        "\u{7}",
        "\u{8}",
        "\u{1b}[31m",
        "\u{7f}",
        "\u{85}",
        "\u{9b}",
        "\r",
    ];
    for c in controls {
        // Names are stored as given: refused in the middle and at either end.
        for name in [format!("王{c}明"), format!("王明{c}"), format!("{c}王明")] {
            let r = app
                .post(
                    "/api/v1/cases",
                    Some(&alice),
                    &open_body(&power, person(&name)),
                )
                .await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "name {name:?}"
            );
            let problem =
                assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_party").await;
            assert_eq!(problem["problems"][0]["field"], "party.name", "{c:?}");
        }
        let party = json!({"kind": "person", "name": "王明", "id_number": PERSON_ID,
                           "address": format!("上海{c}路")});
        let r = app
            .post("/api/v1/cases", Some(&alice), &open_body(&power, party))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_party").await;
        let id = &opened_ids[0];
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/steps"),
                Some(&alice),
                &json!({"outcome": "书面审查符合条件", "expected_version": 2, "note": format!("备注{c}内容")}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "note with {c:?}"
        );
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/clock"),
                Some(&alice),
                &json!({"action": "pause", "reason": format!("原因{c}内容")}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
        let r = app
            .post(
                "/api/v1/powers",
                Some(&app.admin()),
                &json!({"code": "CTL-1", "name": format!("名称{c}内容"), "category": "licensing",
                        "department": app.department, "department_name": "d"}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
    }
    // A line break is a control character too, but multi-line texts take it: not names.
    let r = app
        .post(
            "/api/v1/cases",
            Some(&alice),
            &open_body(&power, person("王\n明")),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_party").await;

    // What is not valid JSON text at all: a raw control byte inside a string, bytes that are
    // not UTF-8, a lone surrogate.
    let id = &opened_ids[0];
    let path = format!("/api/v1/cases/{id}/steps");
    for body in [
        b"{\"outcome\":\"\x01\",\"expected_version\":2}".to_vec(),
        b"{\"outcome\":\"\xff\xfe\",\"expected_version\":2}".to_vec(),
        br#"{"outcome":"\ud800","expected_version":2}"#.to_vec(),
        b"\xef\xbb\xbf{\"outcome\":\"x\",\"expected_version\":2}".to_vec(),
    ] {
        let r = raw(&app, &path, &alice, body).await;
        assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
    // The case is still at version 2.
    let case: Value = app
        .get(&format!("/api/v1/cases/{id}"), Some(&alice))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["version"], 2);
}

#[tokio::test]
async fn pages_and_lookups_answer_any_text_without_a_500() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let opened = app.open_case(&power, &alice).await;
    let id = opened["id"].as_str().unwrap();
    let long = "长".repeat(201);
    let many = "Y".repeat(5000);
    let texts = [
        "王小明",
        "🌸",
        "محمد",
        "%E2%80%AE",    // right-to-left override
        "%00",          // NUL
        "%01%1B%7F",    // controls
        "%FF",          // not UTF-8
        "%E4%B8",       // a truncated UTF-8 sequence
        "%",            // a broken escape
        "%3Cscript%3E", // markup
        long.as_str(),
        many.as_str(),
    ];
    let mut answers = Vec::new();
    let (officer, password) = app
        .account(aggregates::Role::Officer, Some(&app.department))
        .await;
    let console = crate::helpers::sign_in(&app.address, &officer, &password).await;
    let csrf = console.csrf.clone();
    for t in texts {
        let pages = [
            format!("/?q={t}"),
            format!("/?q={t}&category={t}&department={t}"),
            format!("/?lang={t}"),
            format!("/track?no={t}&code={t}"),
            format!("/track?no={id}&code={t}"),
            format!("/track?no={t}"),
            format!("/calculator?start={t}&days={t}"),
            format!("/calculator?start=2026-03-06&days={t}"),
            format!("/powers/{t}"),
            format!("/powers/{power}?lang={t}"),
        ];
        for path in pages {
            let r = app.get(&path, None).await;
            let status = r.status().as_u16();
            let content_type = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let body = r.text().await.unwrap();
            answers.push((path.clone(), status));
            assert!(
                matches!(status, 200 | 400 | 404),
                "{path}: {status} {body:.300}"
            );
            assert!(
                content_type.starts_with("text/html"),
                "{path}: {content_type}"
            );
            assert!(!body.contains("<script>"), "{path} echoes markup unescaped");
        }
        let worklist = app
            .client
            .get(format!(
                "{}/officer/worklist?power={t}&status={t}",
                app.address
            ))
            .header("cookie", &console.cookie)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(worklist.status().as_u16(), 200 | 400),
            "worklist with {t}: {}",
            worklist.status()
        );
        // The console's forms take any text too: refused with a page, never a 500.
        for (path, form) in [
            (
                "/officer/cases".to_string(),
                format!(
                    "csrf={csrf}&power={t}&kind={t}&name={t}&id_number={t}&phone={t}\
                     &address={t}&channel={t}&received_at={t}"
                ),
            ),
            (
                format!("/officer/cases/{id}/step"),
                format!("csrf={csrf}&expected_version={t}&outcome={t}&note={t}"),
            ),
            (
                format!("/officer/cases/{id}/step"),
                format!("csrf={csrf}&expected_version=1&outcome={t}&note={t}"),
            ),
            (
                format!("/officer/cases/{id}/clock"),
                format!("csrf={csrf}&expected_version=1&action={t}&reason={t}"),
            ),
            (
                format!("/officer/cases/{id}/penalty"),
                format!(
                    "csrf={csrf}&expected_version=1&intent=check&band={t}&amount={t}&base_amount={t}"
                ),
            ),
            (
                format!("/officer/cases/{t}/withdraw"),
                format!("csrf={csrf}&expected_version=1&reason={t}"),
            ),
            (
                "/sign-in".to_string(),
                format!("username={t}&password={t}&next={t}"),
            ),
        ] {
            let r = app
                .client
                .post(format!("{}{path}", app.address))
                .header("cookie", &console.cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!((400..500).contains(&status), "{path} with {t}: {status}");
            let body = r.text().await.unwrap();
            assert!(!body.contains("<script>"), "{path} echoes markup unescaped");
        }
        for path in [
            format!("/api/v1/public/cases/{t}?code={t}"),
            format!("/api/v1/powers/{t}"),
            format!("/api/v1/powers?q={t}"),
            format!("/api/v1/calendar/deadline?start={t}&days=1"),
        ] {
            let r = app.get(&path, None).await;
            let status = r.status().as_u16();
            assert!(matches!(status, 200 | 400 | 404), "{path}: {status}");
        }
        let r = app.get(&format!("/api/v1/cases/{t}"), Some(&alice)).await;
        assert!(
            matches!(r.status().as_u16(), 400 | 404),
            "{t}: {}",
            r.status()
        );
    }
    // The NUL search is a 400 page, the Chinese one a 200.
    let find = |p: &str| answers.iter().find(|(a, _)| a == p).unwrap().1;
    assert_eq!(find("/?q=%00"), 400);
    assert_eq!(find("/?q=王小明"), 200);
    assert_eq!(find(&format!("/?q={long}")), 400);
    assert_eq!(find("/track?no=%00&code=%00"), 404);
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_known_path_with_an_unknown_method_is_405_with_allow() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let r = app
        .client
        .delete(format!("{}/api/v1/powers", app.address))
        .send()
        .await
        .unwrap();
    let allow = r
        .headers()
        .get("allow")
        .expect("an Allow header")
        .to_str()
        .unwrap()
        .to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_problem(r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let r = app.get("/api/v1/nowhere", None).await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
}
