//! Response headers of the security review (findings 7 and 10): no API answer may be kept by a
//! cache, Swagger UI runs under a Content-Security-Policy with its validator off, and HSTS is
//! sent when the request came over https.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn answers_with_personal_data_are_never_cached() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    // The command's answer (party, query code) ...
    let r = app
        .post(
            "/api/v1/cases",
            Some(&alice),
            &json!({
                "power_code": power,
                "party": {"kind": "person", "name": "李四", "id_number": "11010519491231002X"},
                "channel": "window",
                "received_at": crate::helpers::test_now().to_rfc3339(),
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(header(&r, "cache-control").as_deref(), Some("no-store"));
    let opened: Value = r.json().await.unwrap();
    let id = opened["id"].as_str().unwrap();
    let code = opened["query_code"].as_str().unwrap();
    // ... the reads of the case, the worklist, the inspector's file, the public's view ...
    let inspector = app.token(aggregates::Role::Inspector, None, "insp-1");
    for (path, token) in [
        (format!("/api/v1/cases/{id}"), Some(alice.as_str())),
        (format!("/api/v1/cases/{id}/events"), Some(alice.as_str())),
        ("/api/v1/worklist".to_owned(), Some(alice.as_str())),
        (
            format!("/api/v1/inspector/cases/{id}"),
            Some(inspector.as_str()),
        ),
        (format!("/api/v1/public/cases/{id}?code={code}"), None),
    ] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&r, "cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    // ... and refusals.
    let r = app.get(&format!("/api/v1/cases/{id}"), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&r, "cache-control").as_deref(), Some("no-store"));
}

#[tokio::test]
async fn swagger_ui_runs_under_a_policy_without_the_validator() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let r = app.get("/docs/", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        header(&r, "content-security-policy").as_deref(),
        Some(yangguang::web::headers::DOCS_CSP)
    );
    assert_eq!(header(&r, "x-frame-options").as_deref(), Some("DENY"));
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("<script>"),
        "an inline script needs 'unsafe-inline'"
    );
    let r = app.get("/docs/swagger-initializer.js", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let init = r.text().await.unwrap();
    assert!(init.contains(r#""validatorUrl": "none""#), "{init}");
}

#[tokio::test]
async fn hsts_is_sent_over_https_only() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let plain = app.get("/api/v1/powers", None).await;
    assert_eq!(header(&plain, "strict-transport-security"), None);
    let behind_tls = app
        .client
        .get(format!("{}/", app.address))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&behind_tls, "strict-transport-security").as_deref(),
        Some(yangguang::web::headers::HSTS)
    );
}

/// Security finding 10: `Yangguang-Min-Position` waits only for a position the deployment has
/// issued; one beyond the newest event is refused at once instead of holding the read.
#[tokio::test]
async fn a_position_never_issued_is_refused_not_waited_for() {
    for backend in crate::helpers::BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let opened = app.open_case(&power, &alice).await;
        let id = opened["id"].as_str().unwrap();
        let code = opened["query_code"].as_str().unwrap();
        let path = format!("{}/api/v1/public/cases/{id}?code={code}", app.address);
        let r = app
            .client
            .get(&path)
            .header(
                "Yangguang-Min-Position",
                format!("{}.{}", i64::MAX, i64::MAX),
            )
            .send()
            .await
            .unwrap();
        crate::helpers::assert_problem(r, StatusCode::BAD_REQUEST, "invalid_position").await;
        // The position the server answered with is honoured.
        let issued = app.engine.last_written().to_string();
        let r = app
            .client
            .get(&path)
            .header("Yangguang-Min-Position", issued)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
    }
}
