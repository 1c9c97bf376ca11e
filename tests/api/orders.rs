//! 督办: an alert → an order to the department → a late reply → escalation (a red alert) →
//! the reply returned, answered again and accepted; and every refusal.
use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, Backend, TestApp, assert_problem};

fn at(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_alert_an_order_a_late_reply_escalated_then_accepted() {
    for backend in BACKENDS {
        // The deadline sweep runs in the server holding its lease: a database of its own.
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let power = app.licence_power().await;
        let officer = app.officer("officer-o-1");
        let inspector = app.token(Role::Inspector, None, "inspector-o-1");
        let other = app.token(Role::Officer, Some("pudong-elsewhere"), "officer-o-2");

        // Monday 2 November 2026: a case whose acceptance is entered two weeks after the date
        // it states — back-filled, an alert at once.
        app.clock.set(at("2026-11-16T09:00:00+08:00"));
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({
                    "power_code": power,
                    "party": {"kind": "organisation", "name": "某公司", "id_number": "91350100M000100Y43"},
                    "channel": "window",
                    "received_at": "2026-10-30T09:00:00+08:00",
                }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let case = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let alerts = crate::alerts::alerts_of(&app, &inspector, &case).await;
        let alert = alerts
            .iter()
            .find(|a| a["alert"]["rule"] == "back_filled")
            .unwrap_or_else(|| panic!("{backend:?}: no back-filled alert: {alerts:?}"))["id"]
            .as_str()
            .unwrap()
            .to_string();

        // The inspector orders the department to explain within 3 working days: Thursday 19th.
        let r = app
            .post(
                "/api/v1/orders",
                Some(&inspector),
                &json!({"case_id": case, "alert_id": alert,
                        "instructions": "书面说明事后补录原因，提出整改措施", "limit_days": 3}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{backend:?}");
        let order: Value = r.json().await.unwrap();
        let id = order["id"].as_str().unwrap().to_string();
        assert_eq!(order["status"], "awaiting_reply");
        assert_eq!(order["due"], "2026-11-19");
        assert_eq!(order["subject"]["department"], app.department.as_str());
        assert_eq!(order["subject"]["alert_id"], alert.as_str());

        // The department sees it in its inbox; another department does not.
        let inbox: Vec<Value> = app
            .get("/api/v1/orders", Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert!(inbox.iter().any(|o| o["id"] == id.as_str()), "{inbox:?}");
        let elsewhere: Vec<Value> = app
            .get("/api/v1/orders", Some(&other))
            .await
            .json()
            .await
            .unwrap();
        assert!(elsewhere.iter().all(|o| o["id"] != id.as_str()));
        let r = app.get(&format!("/api/v1/orders/{id}"), Some(&other)).await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/reply"),
                Some(&other),
                &json!({"explanation": "x", "corrective_action": "y"}),
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;

        // Friday 20th, past the due date: no reply yet — the sweep escalates, red.
        app.clock.set(at("2026-11-20T09:00:00+08:00"));
        let app = app.restart_with(|_| {}).await;
        crate::alerts::wait_for_sweep(&app).await;
        let overdue: Vec<Value> = crate::alerts::alerts_of(&app, &inspector, &case)
            .await
            .into_iter()
            .filter(|a| a["alert"]["rule"] == "order_overdue")
            .collect();
        assert_eq!(overdue.len(), 1, "{backend:?}: {overdue:?}");
        assert_eq!(overdue[0]["alert"]["severity"], "red");
        assert_eq!(overdue[0]["alert"]["details"]["order_id"], id.as_str());
        assert_eq!(overdue[0]["alert"]["details"]["due"], "2026-11-19");

        // The late reply is recorded as late.
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/reply"),
                Some(&officer),
                &json!({"explanation": "窗口人员先纸质受理，次日才录入系统",
                        "corrective_action": "已培训窗口人员，当场录入"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
        let replied: Value = r.json().await.unwrap();
        assert_eq!(replied["status"], "replied");
        assert_eq!(replied["replied_late"], true);
        assert_eq!(replied["history"][1]["kind"], "replied");
        assert_eq!(replied["history"][1]["late"], true);
        // A second reply while one waits: 409.
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/reply"),
                Some(&officer),
                &json!({"explanation": "again", "corrective_action": "again"}),
            )
            .await;
        assert_problem(r, StatusCode::CONFLICT, "not_awaiting_reply").await;

        // The inspector returns it with 2 more working days (due Tuesday 24th) …
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/return"),
                Some(&inspector),
                &json!({"reason": "未说明对已补录办件的核查情况", "limit_days": 2}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
        let returned: Value = r.json().await.unwrap();
        assert_eq!(returned["status"], "awaiting_reply");
        assert_eq!(returned["due"], "2026-11-24");
        assert_eq!(returned["round"], 2);
        // … the department answers in time, and the inspector accepts.
        app.clock.set(at("2026-11-23T15:00:00+08:00"));
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/reply"),
                Some(&officer),
                &json!({"explanation": "已逐件核查补录办件，办理时间属实",
                        "corrective_action": "建立窗口当日录入核查制度"}),
            )
            .await;
        let again: Value = r.json().await.unwrap();
        assert_eq!(again["history"][3]["late"], false, "{again}");
        // Officers do not judge replies.
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/accept"),
                Some(&officer),
                &json!({}),
            )
            .await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/accept"),
                Some(&inspector),
                &json!({"note": "整改到位"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let closed: Value = r.json().await.unwrap();
        assert_eq!(closed["status"], "closed");
        assert_eq!(
            closed["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["kind"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["issued", "replied", "returned", "replied", "accepted"],
            "nothing deleted"
        );
        // Nothing more to judge.
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/accept"),
                Some(&inspector),
                &json!({}),
            )
            .await;
        assert_problem(r, StatusCode::CONFLICT, "no_reply_to_judge").await;
        // The second round was answered in time: after another sweep, still one escalation.
        let app = app.restart_with(|_| {}).await;
        crate::alerts::wait_for_sweep(&app).await;
        let overdue = crate::alerts::alerts_of(&app, &inspector, &case)
            .await
            .into_iter()
            .filter(|a| a["alert"]["rule"] == "order_overdue")
            .count();
        assert_eq!(overdue, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn orders_refuse_what_is_not_theirs_to_take() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("officer-o-3");
        let inspector = app.token(Role::Inspector, None, "inspector-o-3");
        let case = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let issue = |body: Value| {
            let app = &app;
            let inspector = inspector.clone();
            async move { app.post("/api/v1/orders", Some(&inspector), &body).await }
        };
        let r =
            issue(json!({"case_id": "YG20261102NOSUCHXX", "instructions": "x", "limit_days": 3}))
                .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "unknown_case").await;
        let r = issue(json!({"case_id": case, "alert_id": "YG20261102OTHERXXX:red_card:statutory", "instructions": "x", "limit_days": 3})).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "unknown_case").await;
        for days in [0, 61] {
            let r = issue(json!({"case_id": case, "instructions": "x", "limit_days": days})).await;
            assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit_days").await;
        }
        let r = issue(json!({"case_id": case, "instructions": "  ", "limit_days": 3})).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
        let r =
            issue(json!({"case_id": case, "instructions": "x", "limit_days": 3, "extra": 1})).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        // Officers do not issue orders; nothing was written by any of these.
        let r = app
            .post(
                "/api/v1/orders",
                Some(&officer),
                &json!({"case_id": case, "instructions": "x", "limit_days": 3}),
            )
            .await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        let all: Vec<Value> = app
            .get("/api/v1/orders", Some(&inspector))
            .await
            .json()
            .await
            .unwrap();
        assert!(all.iter().all(|o| o["subject"]["case_id"] != case.as_str()));
        let r = app
            .get("/api/v1/orders/D20261102NOSUCHXX", Some(&inspector))
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let r = app.get("/api/v1/orders", None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}
