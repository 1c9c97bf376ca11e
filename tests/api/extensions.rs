//! Extensions that extend (延期): the 依申请公开 demo power's 延期审批 step end to end, and the
//! extension command's refusals. An extended case is not red, and the public sees the new
//! due date with the words 已依法延长.
use aggregates::Role;
use aggregates::calendar::WorkingCalendar;
use chrono::{DateTime, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, Backend, TestApp, assert_problem};

fn at(text: &str) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

async fn case(app: &TestApp, id: &str, token: &str) -> Value {
    app.get(&format!("/api/v1/cases/{id}"), Some(token))
        .await
        .json()
        .await
        .unwrap()
}

async fn step(app: &TestApp, id: &str, token: &str, outcome: &str) -> Value {
    let version = case(app, id, token).await["version"].as_u64().unwrap();
    let r = app.step(id, token, outcome, version).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{outcome}: {}",
        r.text().await.unwrap()
    );
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_disclosure_powers_extension_step_extends_its_limit_end_to_end() {
    for backend in BACKENDS {
        // The deadline watcher runs in the server holding its lease: a database of its own.
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        // Received Monday 2026-03-02: 20 working days end on Monday 30 March.
        app.clock.set(at("2026-03-02T09:00:00+08:00"));
        let power = app.demo_power("政府信息公开申请办理（依申请公开）").await;
        let clerk = app.officer("clerk-li");
        let head = app.officer("head-zhao");
        let inspector = app.token(Role::Inspector, None, "inspector-1");
        let opened = app.open_case(&power, &clerk).await;
        let id = opened["id"].as_str().unwrap().to_owned();
        let code = opened["query_code"].as_str().unwrap().to_owned();
        assert_eq!(opened["case"]["limits"]["statutory"]["due"], "2026-03-30");

        step(&app, &id, &clerk, "申请内容明确").await;
        app.clock.set(at("2026-03-25T09:00:00+08:00"));
        step(&app, &id, &clerk, "需延长答复期限").await;
        let extended = step(&app, &id, &head, "负责人同意延期并告知申请人").await;
        let statutory = &extended["limits"]["statutory"];
        // 政府信息公开条例 第三十三条第二款: 20 more working days; 清明 4/4-4/6 is off.
        let due = WorkingCalendar::builtin()
            .due_date(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), 40, &[])
            .unwrap();
        assert_eq!(statutory["limit_days"], 40, "{backend:?} {extended}");
        assert_eq!(statutory["extended_days"], 20);
        assert_eq!(statutory["due"], due.to_string());
        let events: Vec<Value> = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&clerk))
            .await
            .json()
            .await
            .unwrap();
        let event = events
            .iter()
            .find(|e| e["event_type"] == "LimitExtended")
            .unwrap_or_else(|| panic!("no LimitExtended in {events:?}"));
        assert_eq!(event["payload"]["LimitExtended"]["days"], 20, "{event}");
        assert_eq!(event["payload"]["LimitExtended"]["step"], "extension");

        // Past the original due date, within the extended one: no red card, and the public
        // page shows the new due date and why it moved.
        app.clock.set(at("2026-04-08T09:00:00+08:00"));
        let app = app.restart().await;
        crate::alerts::wait_for_sweep(&app).await;
        let alerts = crate::alerts::alerts_of(&app, &inspector, &id).await;
        assert!(
            !alerts.iter().any(|a| a["alert"]["rule"] == "red_card"),
            "{backend:?}: {alerts:?}"
        );
        let public: Value = app
            .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(public["statutory"]["due"], due.to_string(), "{public}");
        assert_eq!(public["statutory"]["overdue"], false);
        let page = app
            .page(&format!("/track?no={id}&code={code}"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("已依法延长 20 个工作日"), "{backend:?}");
        assert!(page.contains(&due.to_string()));

        // The version allowed 20 days: nothing more.
        let version = case(&app, &id, &clerk).await["version"].as_u64().unwrap();
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/extension"),
                Some(&clerk),
                &json!({"days": 1, "approved_by": "主任", "reason": "再延", "expected_version": version}),
            )
            .await;
        let problem =
            assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "extension_too_long").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("1 to 0"),
            "{problem}"
        );

        // And the case still ends as any other.
        step(&app, &id, &clerk, "提出答复意见").await;
        let done = step(&app, &id, &head, "予以公开").await;
        assert_eq!(done["status"], "concluded");
    }
}

#[tokio::test]
async fn the_extension_command_checks_the_days_the_approval_and_the_date() {
    for backend in BACKENDS {
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        app.clock.set(at("2026-03-02T09:00:00+08:00"));
        // 食品经营许可: 行政许可法 第四十二条, 10 more working days with the head's approval.
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let opened = app.open_case(&power, &alice).await;
        let id = opened["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/cases/{id}/extension");
        app.clock.set(at("2026-03-20T09:00:00+08:00"));

        let ask = |days: u32, approved_by: &str, reason: &str, version: u64| {
            json!({"days": days, "approved_by": approved_by, "reason": reason,
                   "expected_version": version})
        };
        for (body, code) in [
            (ask(11, "副局长 王某", "核查", 1), "extension_too_long"),
            (ask(0, "副局长 王某", "核查", 1), "extension_too_long"),
            (ask(5, "  ", "核查", 1), "invalid_text"),
            (ask(5, "副局长 王某", "", 1), "invalid_text"),
        ] {
            let r = app.post(&path, Some(&alice), &body).await;
            assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, code).await;
        }
        let r = app
            .post(&path, Some(&alice), &ask(5, "副局长 王某", "核查", 7))
            .await;
        assert_problem(r, StatusCode::CONFLICT, "stale_version").await;
        let other = app.token(Role::Officer, Some("another-dept"), "bob");
        let r = app
            .post(&path, Some(&other), &ask(5, "副局长 王某", "核查", 1))
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let r = app
            .post(
                &path,
                Some(&alice),
                &json!({"days": 5, "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            case(&app, &id, &alice).await["version"],
            1,
            "nothing written"
        );

        let r = app
            .post(&path, Some(&alice), &ask(6, "副局长 王某", "需现场核查", 1))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let now: Value = r.json().await.unwrap();
        assert_eq!(now["limits"]["statutory"]["limit_days"], 26);
        assert_eq!(now["limits"]["promised"]["extended_days"], 6);
        let r = app
            .post(&path, Some(&alice), &ask(5, "副局长 王某", "再延", 2))
            .await;
        let problem =
            assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "extension_too_long").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("1 to 4"),
            "{problem}"
        );

        // After the (extended) statutory limit has passed, no more.
        app.clock.set(at("2026-05-06T09:00:00+08:00"));
        let r = app
            .post(&path, Some(&alice), &ask(4, "副局长 王某", "再延", 2))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "limit_already_passed").await;
    }
}
