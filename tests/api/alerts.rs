//! Supervision over HTTP: rules raise alerts from events and from the passage of time, exactly
//! once per case, rule and threshold (across restarts), and inspectors work them.
use std::time::Duration;

use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, TestApp, assert_problem};

/// Waits until the alerting task has evaluated everything this server wrote (its checkpoint),
/// then until the alert queue has the alerts it raised.
pub(crate) async fn settle(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let target = app.engine.last_written();
        let reached = yangguang::follow::alerts::position(app.engine.repo())
            .await
            .unwrap();
        if reached >= target {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "alerting did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The alerts may have been raised by another server on the shared database (the one holding
    // the alerting lease): wait until the queue has everything in the log, not only this
    // server's writes.
    let head = app.engine.repo().head().await.unwrap();
    loop {
        let reached = app
            .engine
            .repo()
            .checkpoint("alerts")
            .await
            .unwrap()
            .is_some_and(|c| c.cursor >= head);
        if reached {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the alert queue did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (at most 60 s) until this server's deadline watcher has swept the open cases once
/// (it does at start, then every minute): what time alone raises is raised by then.
pub(crate) async fn wait_for_sweep(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while app.engine.deadline_sweeps() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no deadline sweep in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) async fn alerts_of(app: &TestApp, inspector: &str, case_id: &str) -> Vec<Value> {
    settle(app).await;
    let all: Vec<Value> = app
        .get("/api/v1/alerts", Some(inspector))
        .await
        .json()
        .await
        .unwrap();
    all.into_iter()
        .filter(|a| a["alert"]["case_id"] == case_id)
        .collect()
}

fn rules(alerts: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = alerts
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["alert"]["rule"].as_str().unwrap(),
                a["alert"]["threshold"].as_str().unwrap()
            )
        })
        .collect();
    r.sort();
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rules_raise_alerts_once_and_inspectors_work_them() {
    for backend in BACKENDS {
        // The deadline watcher runs in the server holding its lease, which on the shared test
        // database may be another test's, on another clock: a database of its own.
        let app = match backend {
            crate::helpers::Backend::Sqlite => TestApp::spawn(backend).await,
            crate::helpers::Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let inspector = app.token(Role::Inspector, None, "inspector-1");

        // A case received weeks ago, its acceptance logged only now (two weeks after the
        // acceptance it states): late acceptance, back-filling, and (by the deadline watcher)
        // red cards on its limits.
        app.clock
            .set(chrono::DateTime::parse_from_rfc3339("2026-11-16T09:00:00+08:00").unwrap());
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({
                    "power_code": power,
                    "party": {"kind": "organisation", "name": "某公司", "id_number": "91350100M000100Y43"},
                    "channel": "window",
                    "received_at": "2026-10-15T09:00:00+08:00",
                }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let late = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app
            .post(
                &format!("/api/v1/cases/{late}/steps"),
                Some(&officer),
                &json!({"outcome": "受理", "expected_version": 1, "at": "2026-10-30T10:00:00+08:00"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);

        // A fresh case that takes an exception path (申请人撤回).
        let fresh = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            app.step(&fresh, &officer, "材料不齐全，一次告知补正", 1)
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            app.step(&fresh, &officer, "申请人撤回申请", 3)
                .await
                .status(),
            StatusCode::OK
        );

        // The withdrawal is event 5 (after the clock resumed). Opening and concluding within
        // seconds of each other is not judged: the default policy leaves 即收即办 off.
        let fresh_alerts = alerts_of(&app, &inspector, &fresh).await;
        assert_eq!(
            rules(&fresh_alerts),
            ["exception_transition:seq-5"],
            "{fresh_alerts:?}"
        );

        let late_alerts = alerts_of(&app, &inspector, &late).await;
        let late_rules = rules(&late_alerts);
        for expected in [
            "back_filled:seq-2",
            "late_acceptance:apply-1",
            "red_card:promised",
            "red_card:statutory",
        ] {
            assert!(
                late_rules.iter().any(|r| r == expected),
                "{expected} missing from {late_rules:?}"
            );
        }
        // Whoever raised them, once this process has raised or found an alert it knows the
        // id and runs no command for it again.
        let policy = app.engine.alert_policy().clone();
        let again = yangguang::follow::alerts::raise_for_cases(
            &app.engine,
            &policy,
            std::slice::from_ref(&late),
        )
        .await
        .unwrap();
        assert_eq!(again, 0);
        for alert in &late_alerts {
            let id = alert["id"].as_str().unwrap();
            assert!(app.engine.known_alerts().contains(id), "{id} not known");
        }

        // Exactly once: after a restart (and its immediate sweep) nothing is raised again.
        let before = rules(&alerts_of(&app, &inspector, &late).await);
        let app = app.restart().await;
        let after = rules(&alerts_of(&app, &inspector, &late).await);
        assert_eq!(before, after);

        // Inspectors work the queue; nothing is deleted.
        let id = fresh_alerts
            .iter()
            .find(|a| a["alert"]["rule"] == "exception_transition")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let url = |action: &str| format!("/api/v1/alerts/{id}/{action}");
        let r = app
            .post(&url("acknowledge"), Some(&officer), &json!({}))
            .await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = app
            .post(
                &url("resolve"),
                Some(&inspector),
                &json!({"finding": "justified"}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "not_acknowledged").await;
        let r = app
            .post(
                &url("acknowledge"),
                Some(&inspector),
                &json!({"note": "调阅案卷"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app
            .post(
                &url("resolve"),
                Some(&inspector),
                &json!({"finding": "violation"}),
            )
            .await;
        assert_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "accountability_required",
        )
        .await;
        let r = app
            .post(
                &url("resolve"),
                Some(&inspector),
                &json!({"finding": "violation", "accountability": "诫勉谈话"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let resolved: Value = r.json().await.unwrap();
        assert_eq!(resolved["alert"]["status"], "resolved");
        let r = app
            .post(
                &url("dismiss"),
                Some(&inspector),
                &json!({"reason": "重复"}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "alert_closed").await;

        // The drill-down shows the case's whole history.
        let detail: Value = app
            .get(&format!("/api/v1/alerts/{id}"), Some(&inspector))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(detail["case_events"].as_array().unwrap().len(), 6);
        assert_eq!(detail["alert"]["history"].as_array().unwrap().len(), 3);
        let filtered: Vec<Value> = app
            .get("/api/v1/alerts?status=resolved", Some(&inspector))
            .await
            .json()
            .await
            .unwrap();
        assert!(filtered.iter().any(|a| a["id"] == id.as_str()));
        assert!(filtered.iter().all(|a| a["alert"]["status"] == "resolved"));
    }
}
