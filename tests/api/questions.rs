//! 网上咨询 over HTTP, on both stores: anyone asks, the department answers, public answers
//! become the power's 常见问题, private ones do not, and bad input changes nothing.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, TestApp, assert_problem};

const EMAIL: &str = "asker.private@example.com";

async fn ask(app: &TestApp, power: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/public/powers/{power}/questions"),
        None,
        &body,
    )
    .await
}

#[tokio::test]
async fn the_department_answers_and_public_answers_become_the_powers_faq() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("officer-q-1");

        let r = ask(
            &app,
            &power,
            json!({"text": "网上申请后需要到窗口领取许可证吗？", "email": EMAIL}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{backend:?}");
        let public_one = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = ask(&app, &power, json!({"text": "我家的申请为什么被退回了？"})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let private_one = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();

        // Nothing is public before an answer.
        let faq: Value = app
            .get(&format!("/api/v1/public/powers/{power}/questions"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(faq, json!([]), "{backend:?}");

        // The department's inbox: both, unanswered, oldest first; the address is not shown.
        let inbox: Value = app
            .get("/api/v1/questions", Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = inbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["power_code"] == power.as_str())
            .map(|q| q["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [public_one.as_str(), private_one.as_str()], "{inbox}");
        assert!(
            !inbox.to_string().contains(EMAIL),
            "the inbox shows the address"
        );
        assert_eq!(inbox[0]["wants_mail"], true);

        // Another department's officer cannot answer; an inspector may not.
        let stranger = app.token(aggregates::Role::Officer, Some("another-dept"), "o-x");
        let r = app
            .post(
                &format!("/api/v1/questions/{public_one}/answer"),
                Some(&stranger),
                &json!({"text": "不是我们的。"}),
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        // An empty answer is refused and changes nothing.
        let r = app
            .post(
                &format!("/api/v1/questions/{public_one}/answer"),
                Some(&officer),
                &json!({"text": "   "}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;

        let r = app
            .post(
                &format!("/api/v1/questions/{public_one}/answer"),
                Some(&officer),
                &json!({"text": "不需要。决定书和许可证可在办件查询页面下载打印。"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app
            .post(
                &format!("/api/v1/questions/{private_one}/answer"),
                Some(&officer),
                &json!({"text": "已电话联系申请人说明。", "public": false}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        // Once only.
        let r = app
            .post(
                &format!("/api/v1/questions/{public_one}/answer"),
                Some(&officer),
                &json!({"text": "再答一次。"}),
            )
            .await;
        assert_problem(r, StatusCode::CONFLICT, "already_answered").await;

        // The FAQ: the public one only, with no address; on the power's page too.
        let faq: Value = app
            .get(&format!("/api/v1/public/powers/{power}/questions"), None)
            .await
            .json()
            .await
            .unwrap();
        let listed = faq.as_array().unwrap();
        assert_eq!(listed.len(), 1, "{faq}");
        assert_eq!(listed[0]["id"], public_one.as_str());
        assert!(listed[0]["answer"].as_str().unwrap().contains("不需要"));
        assert!(!faq.to_string().contains(EMAIL));
        assert!(!faq.to_string().contains("已电话联系"));
        let page = app
            .get(&format!("/powers/{power}"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("网上申请后需要到窗口领取许可证吗？"),
            "{backend:?}"
        );
        assert!(!page.contains("我家的申请为什么被退回了") && !page.contains(EMAIL));
    }
}

#[tokio::test]
async fn bad_questions_are_refused_at_their_field_and_store_nothing() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    let officer = app.officer("officer-q-2");
    for (body, status, code) in [
        (
            json!({"text": "好"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            json!({"text": "问".repeat(501)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            json!({"text": "需要什么材料？\u{7}"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            json!({"text": "需要什么材料？", "email": "not-an-address"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
        ),
        (
            json!({"text": "需要什么材料？", "name": "张三"}),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
    ] {
        let r = ask(&app, &power, body.clone()).await;
        assert_problem(r, status, code).await;
    }
    let r = ask(&app, "NO-SUCH-POWER", json!({"text": "需要什么材料？"})).await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    let inbox: Value = app
        .get("/api/v1/questions", Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox, json!([]), "a refused question was stored");
    let r = app
        .post(
            "/api/v1/questions/Q20260101AAAAAAAA/answer",
            Some(&officer),
            &json!({"text": "答复"}),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_question_unanswered_past_its_limit_raises_an_alert_and_an_answered_one_does_not() {
    for backend in BACKENDS {
        // The deadline watcher runs in the server holding its lease: a database of its own.
        let app = match backend {
            crate::helpers::Backend::Sqlite => TestApp::spawn(backend).await,
            crate::helpers::Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let power = app.licence_power().await;
        let officer = app.officer("officer-q-3");
        let inspector = app.token(aggregates::Role::Inspector, None, "inspector-q");
        // Asked on Monday 2 November 2026; one of them answered.
        app.clock
            .set(chrono::DateTime::parse_from_rfc3339("2026-11-02T10:00:00+08:00").unwrap());
        let mut ids = Vec::new();
        for text in ["个体工商户可以网上申请吗？", "许可证遗失了怎么补办？"]
        {
            let r = ask(&app, &power, json!({ "text": text })).await;
            assert_eq!(r.status(), StatusCode::CREATED);
            ids.push(
                r.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let r = app
            .post(
                &format!("/api/v1/questions/{}/answer", ids[1]),
                Some(&officer),
                &json!({"text": "可向原发证机关申请补办。"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        // Friday 6 November: 4 working days later, within the 5 — no alert after a sweep.
        app.clock
            .set(chrono::DateTime::parse_from_rfc3339("2026-11-06T18:00:00+08:00").unwrap());
        let app = app.restart_with(|_| {}).await;
        crate::alerts::wait_for_sweep(&app).await;
        assert!(
            crate::alerts::alerts_of(&app, &inspector, &ids[0])
                .await
                .is_empty(),
            "{backend:?}: an alert within the limit"
        );
        // Tuesday 10 November: 6 working days — a yellow card on the unanswered one only.
        app.clock
            .set(chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00").unwrap());
        let app = app.restart_with(|_| {}).await;
        crate::alerts::wait_for_sweep(&app).await;
        let raised = crate::alerts::alerts_of(&app, &inspector, &ids[0]).await;
        assert_eq!(raised.len(), 1, "{backend:?}: {raised:?}");
        assert_eq!(raised[0]["alert"]["rule"], "unanswered_question");
        assert_eq!(raised[0]["alert"]["severity"], "yellow");
        assert_eq!(
            raised[0]["alert"]["details"]["working_days"], 6,
            "{raised:?}"
        );
        assert!(
            crate::alerts::alerts_of(&app, &inspector, &ids[1])
                .await
                .is_empty()
        );
        // The inspector sees the question with its alert.
        let page = app
            .get(
                &format!("/inspector/questions/{}", ids[0]),
                Some(&inspector),
            )
            .await;
        // A bearer token signs nobody in to the console: the page asks to sign in.
        assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    }
}
