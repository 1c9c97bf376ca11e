//! The 好差评 loop: a bad rating → the department's call back → its rectification, which the
//! citizen reads → one follow-up rating (追评); a task left past its limits raises alerts.
use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, Backend, TestApp, assert_problem};

fn at(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

/// A concluded licence case: its id and query code.
async fn concluded(app: &TestApp, power: &str, officer: &str, other: &str) -> (String, String) {
    let opened = app.concluded_licence_case(power, officer, other).await;
    (
        opened["id"].as_str().unwrap().to_string(),
        opened["query_code"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bad_rating_is_called_back_rectified_and_rated_again() {
    for backend in BACKENDS {
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let power = app.licence_power().await;
        let zhang = app.officer("officer-r-1");
        let li = app.officer("officer-r-2");
        let elsewhere = app.token(Role::Officer, Some("pudong-elsewhere"), "officer-r-3");
        let inspector = app.token(Role::Inspector, None, "inspector-r-1");
        // Monday 2 November 2026.
        app.clock.set(at("2026-11-02T10:00:00+08:00"));
        let (id, code) = concluded(&app, &power, &zhang, &li).await;

        // Nothing to rectify before a bad rating; no follow-up before a rectification.
        let r = app
            .post(
                &format!("/api/v1/rectifications/{id}/call-back"),
                Some(&zhang),
                &json!({"note": "x"}),
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let r = app
            .post(
                &format!("/api/v1/public/cases/{id}/rating"),
                None,
                &json!({"code": code, "score": 2, "comment": "窗口让我跑了两趟"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let follow = format!("/api/v1/public/cases/{id}/follow-up-rating");
        let r = app
            .post(&follow, None, &json!({"code": code, "score": 4}))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "no_rectification_yet").await;

        // The department's inbox has it; another department's does not and may not act.
        let inbox: Vec<Value> = app
            .get("/api/v1/rectifications", Some(&zhang))
            .await
            .json()
            .await
            .unwrap();
        let task = inbox
            .iter()
            .find(|t| t["case_id"] == id.as_str())
            .expect("in the inbox");
        assert_eq!(task["rating"], 2);
        assert!(task["open_since"].is_string());
        let theirs: Vec<Value> = app
            .get("/api/v1/rectifications", Some(&elsewhere))
            .await
            .json()
            .await
            .unwrap();
        assert!(theirs.iter().all(|t| t["case_id"] != id.as_str()));
        let r = app
            .post(
                &format!("/api/v1/rectifications/{id}/call-back"),
                Some(&elsewhere),
                &json!({"note": "x"}),
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;

        // Wednesday 4th: two working days later, the call back (due Tuesday 3rd) is overdue.
        app.clock.set(at("2026-11-04T10:00:00+08:00"));
        let app = app.restart_with(|_| {}).await;
        crate::alerts::wait_for_sweep(&app).await;
        let late: Vec<Value> = crate::alerts::alerts_of(&app, &inspector, &id)
            .await
            .into_iter()
            .filter(|a| a["alert"]["rule"] == "call_back_overdue")
            .collect();
        assert_eq!(late.len(), 1, "{backend:?}: {late:?}");
        assert_eq!(late[0]["alert"]["details"]["due"], "2026-11-03");

        let r = app
            .post(
                &format!("/api/v1/rectifications/{id}/call-back"),
                Some(&zhang),
                &json!({"note": "已电话联系申请人，了解到窗口要求重复提交材料"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
        let r = app
            .post(
                &format!("/api/v1/rectifications/{id}/call-back"),
                Some(&zhang),
                &json!({"note": "again"}),
            )
            .await;
        assert_problem(r, StatusCode::CONFLICT, "already_called_back").await;
        let reply = "经核查，窗口人员未执行一次性告知制度，已批评教育并在窗口公示材料清单。";
        let r = app
            .post(
                &format!("/api/v1/rectifications/{id}/rectification"),
                Some(&zhang),
                &json!({"reply": reply}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let done: Value = r.json().await.unwrap();
        assert!(done["open_since"].is_null());
        assert_eq!(done["rectification"]["text"], reply);

        // The citizen's one follow-up rating.
        let r = app
            .post(&follow, None, &json!({"code": "WRONG-CODE", "score": 4}))
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let r = app
            .post(
                &follow,
                None,
                &json!({"code": code, "score": 4, "comment": "态度改善"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = app
            .post(&follow, None, &json!({"code": code, "score": 5}))
            .await;
        assert_problem(r, StatusCode::CONFLICT, "already_followed_up").await;
        let inbox: Vec<Value> = app
            .get("/api/v1/rectifications", Some(&zhang))
            .await
            .json()
            .await
            .unwrap();
        let task = inbox.iter().find(|t| t["case_id"] == id.as_str()).unwrap();
        assert_eq!(task["follow_up"], 4);

        // Rectified in time: a sweep weeks later raises no rectification alert.
        app.clock.set(at("2026-12-01T10:00:00+08:00"));
        let app = app.restart_with(|_| {}).await;
        crate::alerts::wait_for_sweep(&app).await;
        let alerts = crate::alerts::alerts_of(&app, &inspector, &id).await;
        assert!(
            alerts
                .iter()
                .all(|a| a["alert"]["rule"] != "rectification_overdue"),
            "{backend:?}: {alerts:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_complaint_left_unrectified_for_15_working_days_is_a_red_alert() {
    for backend in BACKENDS {
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let power = app.licence_power().await;
        let zhang = app.officer("officer-r-4");
        let inspector = app.token(Role::Inspector, None, "inspector-r-2");
        app.clock.set(at("2026-11-02T10:00:00+08:00"));
        let opened = app.open_case(&power, &zhang).await;
        let id = opened["id"].as_str().unwrap().to_string();
        let code = opened["query_code"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/public/cases/{id}/complaints"),
                None,
                &json!({"code": code, "text": "要求提供清单以外的材料"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        // Called back at once, never rectified: 15 working days from 2 November end on the
        // 23rd; on the 24th it is overdue.
        let r = app
            .post(
                &format!("/api/v1/rectifications/{id}/call-back"),
                Some(&zhang),
                &json!({"note": "已回访"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        app.clock.set(at("2026-11-24T10:00:00+08:00"));
        let app = app.restart_with(|_| {}).await;
        crate::alerts::wait_for_sweep(&app).await;
        let alerts = crate::alerts::alerts_of(&app, &inspector, &id).await;
        let rules: Vec<&str> = alerts
            .iter()
            .map(|a| a["alert"]["rule"].as_str().unwrap())
            .collect();
        assert!(
            rules.contains(&"rectification_overdue"),
            "{backend:?}: {rules:?}"
        );
        assert!(
            !rules.contains(&"call_back_overdue"),
            "called back in time: {rules:?}"
        );
        let red = alerts
            .iter()
            .find(|a| a["alert"]["rule"] == "rectification_overdue")
            .unwrap();
        assert_eq!(red["alert"]["severity"], "red");
        assert_eq!(red["alert"]["details"]["due"], "2026-11-23");
    }
}
