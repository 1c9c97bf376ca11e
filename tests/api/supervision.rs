//! Supervision end to end over HTTP, on both stores: a penalty decided outside its band shows
//! up on the inspector's desk, is acknowledged and resolved, and the scorecard counts it; the
//! public's complaints and ratings raise alerts; published decisions appear on the public list
//! (a natural person masked) and are withdrawn on revocation; fees off the standard and 减轻
//! without approval are flagged; opening a case file is itself recorded.
use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::alerts::settle;
use crate::helpers::{BACKENDS, TestApp, assert_problem};
use crate::penalty::{case_at_decision, decision, penalty_power};

/// Goods worth 3,000 yuan: the 一般 band is 65,000-85,000 yuan.
const SMALL_GOODS: u64 = 300_000;

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The alerts `query` finds, once those of case `id` are there: the rules run in whichever
/// server holds the alerting lease on the shared database, so they are polled for (bounded).
async fn alerts(app: &TestApp, inspector: &str, query: &str, id: &str) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        settle(app).await;
        let found: Vec<Value> = ok(app
            .get(&format!("/api/v1/alerts?{query}"), Some(inspector))
            .await)
        .await
        .as_array()
        .unwrap()
        .clone();
        if !of_case(&found, id).is_empty() || std::time::Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn of_case<'a>(alerts: &'a [Value], id: &str) -> Vec<&'a Value> {
    alerts
        .iter()
        .filter(|a| a["alert"]["case_id"] == id)
        .collect()
}

/// Records a decision at `amount` (by `decider`) and walks the case to its end.
async fn decide_and_conclude(
    app: &TestApp,
    id: &str,
    version: u64,
    investigator: &str,
    decider: &str,
    body: Value,
) -> Value {
    let _ = version;
    ok(app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(decider),
            &body,
        )
        .await)
    .await;
    let case = ok(app.get(&format!("/api/v1/cases/{id}"), Some(decider)).await).await;
    let v = case["version"].as_u64().unwrap();
    let case = ok(app.step(id, decider, "给予行政处罚", v).await).await;
    let v = case["version"].as_u64().unwrap();
    let case = ok(app.step(id, investigator, "已送达", v).await).await;
    assert_eq!(case["status"], "concluded");
    case
}

#[tokio::test]
async fn a_decision_outside_its_band_goes_through_the_desk_and_into_the_scorecard() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = penalty_power(&app).await;
        let zhang = app.officer("zhang");
        let li = app.officer("li");
        let inspector = app.token(Role::Inspector, None, "inspector-zhao");
        let (id, v) = case_at_decision(&app, &power, &zhang).await;
        // 95,000 yuan in the 一般 band (65,000-85,000): above it, within the statutory range.
        let body = decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 9_500_000);
        decide_and_conclude(&app, &id, v, &zhang, &li, body).await;

        // On the desk, found by rule, department and severity.
        let query = format!(
            "rule=discretion_deviation&department={}&severity=yellow&status=raised",
            app.department
        );
        let found = alerts(&app, &inspector, &query, &id).await;
        let ours = of_case(&found, &id);
        assert_eq!(ours.len(), 1, "{found:?}");
        let alert_id = ours[0]["id"].as_str().unwrap().to_string();
        assert_eq!(
            ours[0]["alert"]["details"]["check"]["verdict"],
            "above_band"
        );

        // The drill-down: the whole history, the path taken, and the read recorded.
        let file = ok(app
            .get(&format!("/api/v1/inspector/cases/{id}"), Some(&inspector))
            .await)
        .await;
        assert_eq!(
            file["path"],
            json!([
                "file_case",
                "investigate",
                "notify",
                "decide",
                "serve_penalty",
                "punished"
            ])
        );
        assert!(file["events"].as_array().unwrap().len() >= 8);
        assert_eq!(file["alerts"][0]["id"], alert_id.as_str());
        assert_eq!(file["case"]["party"]["name"], "张三丰");
        let again = ok(app
            .get(&format!("/api/v1/inspector/cases/{id}"), Some(&inspector))
            .await)
        .await;
        let reads = again["reads"].as_array().unwrap();
        assert!(!reads.is_empty(), "{again}");
        assert_eq!(reads[0]["reader"], "inspector-zhao");
        assert_eq!(reads[0]["purpose"], "inspector_case_file");
        assert_eq!(
            reads.len(),
            2,
            "both openings, this one included; officers' own reads are not recorded: {reads:?}"
        );
        // The general case API records an inspector's read too.
        ok(app
            .get(&format!("/api/v1/cases/{id}"), Some(&inspector))
            .await)
        .await;
        let third = ok(app
            .get(&format!("/api/v1/inspector/cases/{id}"), Some(&inspector))
            .await)
        .await;
        let purposes: Vec<&str> = third["reads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["purpose"].as_str().unwrap())
            .collect();
        assert_eq!(
            purposes,
            [
                "inspector_case_file",
                "inspector_case_file",
                "api_case",
                "inspector_case_file"
            ]
        );

        // Acknowledge, then resolve as a violation with its accountability action.
        let path = |action: &str| format!("/api/v1/alerts/{alert_id}/{action}");
        ok(app
            .post(
                &path("acknowledge"),
                Some(&inspector),
                &json!({"note": "调阅卷宗"}),
            )
            .await)
        .await;
        let resolved = ok(app
            .post(
                &path("resolve"),
                Some(&inspector),
                &json!({"finding": "violation", "accountability": "约谈承办人，责令重新作出决定"}),
            )
            .await)
        .await;
        assert_eq!(resolved["alert"]["status"], "resolved");

        // The scorecard counts the case, its alert, the violation and the deviation.
        settle(&app).await;
        let today = app.engine.now().date_naive();
        let cards = ok(app
            .get(
                &format!("/api/v1/inspector/scorecards?from={today}&to={today}"),
                Some(&inspector),
            )
            .await)
        .await;
        let row = cards["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["department"] == app.department.as_str())
            .unwrap_or_else(|| panic!("no row for {}: {cards}", app.department))
            .clone();
        assert_eq!(row["cases"], 1);
        assert_eq!(row["concluded"], 1);
        assert_eq!(row["on_time"], 1, "{row}");
        assert_eq!(row["violations"], 1);
        assert_eq!(row["discretion_deviations"], 1, "{row}");
        assert!(row["alerts"].as_u64().unwrap() >= 1, "{row}");
        let csv = app
            .get(
                &format!("/api/v1/inspector/scorecards.csv?from={today}&to={today}"),
                Some(&inspector),
            )
            .await;
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = csv.text().await.unwrap();
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{},", app.department))),
            "{text}"
        );

        // Officers cannot read the desk.
        let r = app.get("/api/v1/inspector/scorecards", Some(&zhang)).await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn complaints_and_bad_ratings_from_the_public_raise_alerts() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let zhang = app.officer("zhang");
        let inspector = app.token(Role::Inspector, None, "inspector-1");
        let opened = app.open_case(&power, &zhang).await;
        let id = opened["id"].as_str().unwrap().to_string();
        let code = opened["query_code"].as_str().unwrap().to_string();
        let complaints = format!("/api/v1/public/cases/{id}/complaints");

        // A wrong code is the same 404 as an unknown number, and nothing is filed.
        let wrong = app
            .post(
                &complaints,
                None,
                &json!({"code": "WRONG-CODE", "text": "测试"}),
            )
            .await;
        assert_problem(wrong, StatusCode::NOT_FOUND, "not_found").await;
        let text = "窗口工作人员要求提供清单以外的房产证明";
        let r = app
            .post(&complaints, None, &json!({"code": code, "text": text}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let receipt: Value = r.json().await.unwrap();
        assert_eq!(receipt["complaint_no"], 1);
        let r = app
            .post(&complaints, None, &json!({"code": code, "text": "  "}))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
        let r = app
            .post(
                &complaints,
                None,
                &json!({"code": code, "text": "长".repeat(2001)}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;

        let found = alerts(&app, &inspector, "rule=public_complaint", &id).await;
        let ours = of_case(&found, &id);
        assert_eq!(ours.len(), 1, "one complaint, one alert: {found:?}");
        assert_eq!(ours[0]["alert"]["source"], "public");
        assert!(
            !serde_json::to_string(ours[0]).unwrap().contains("房产证明"),
            "the text stays in the case file"
        );
        // The text is in the case file (and the public status never shows it).
        let file = ok(app
            .get(&format!("/api/v1/inspector/cases/{id}"), Some(&inspector))
            .await)
        .await;
        assert!(file["feedback"].to_string().contains("房产证明"));
        let public = app
            .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(!public.contains("房产证明"));

        // Not rateable while open; once concluded, rated once; a bad rating is an alert.
        let rating = format!("/api/v1/public/cases/{id}/rating");
        let r = app
            .post(&rating, None, &json!({"code": code, "score": 1}))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "case_not_concluded").await;
        let mut v = opened["case"]["version"].as_u64().unwrap();
        let li = app.officer("li");
        for (who, outcome) in [
            (&zhang, "受理"),
            (&zhang, "书面审查符合条件"),
            (&li, "准予许可"),
        ] {
            let case = ok(app.step(&id, who, outcome, v).await).await;
            v = case["version"].as_u64().unwrap();
        }
        let r = app
            .post(&rating, None, &json!({"code": code, "score": 9}))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_score").await;
        let r = app
            .post(
                &rating,
                None,
                &json!({"code": code, "score": 2, "comment": "办事慢"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = app
            .post(&rating, None, &json!({"code": code, "score": 5}))
            .await;
        assert_problem(r, StatusCode::CONFLICT, "already_rated").await;
        let found = alerts(&app, &inspector, "rule=bad_rating", &id).await;
        assert_eq!(of_case(&found, &id).len(), 1, "{found:?}");
    }
}

#[tokio::test]
async fn a_published_decision_is_listed_with_a_person_masked_and_withdrawn_on_revocation() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = penalty_power(&app).await;
        let zhang = app.officer("zhang");
        let li = app.officer("li");
        let opened = ok(app
            .post(
                "/api/v1/cases",
                Some(&zhang),
                &json!({
                    "power_code": power,
                    "party": {"kind": "person", "name": "王小明", "id_number": "11010519491231002X",
                              "phone": "13800138000", "address": "上海市浦东新区某路1号"},
                    "channel": "inspection",
                    "received_at": app.engine.now().to_rfc3339(),
                }),
            )
            .await)
        .await;
        let id = opened["id"].as_str().unwrap().to_string();
        let mut v = opened["case"]["version"].as_u64().unwrap();
        for outcome in [
            "立案，指派执法人员",
            "调查终结，拟予处罚",
            "陈述申辩已复核或放弃（一般案件）",
        ] {
            let case = ok(app.step(&id, &zhang, outcome, v).await).await;
            v = case["version"].as_u64().unwrap();
        }
        let body = decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 7_500_000);
        decide_and_conclude(&app, &id, v, &zhang, &li, body).await;
        // The 行政处罚决定书 follows the conclusion (an append of its own).
        app.wait_for_issued_document(&id, &zhang).await;

        let publish = json!({
            "document_no": "浦市监处〔2026〕12号",
            "violation": "未取得食品经营许可从事食品经营活动",
            "penalty": "没收违法所得，罚款人民币七万五千元",
        });
        let case = ok(app
            .post(
                &format!("/api/v1/cases/{id}/publication"),
                Some(&zhang),
                &publish,
            )
            .await)
        .await;
        assert_eq!(case["publication"]["document_no"], "浦市监处〔2026〕12号");
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/publication"),
                Some(&zhang),
                &publish,
            )
            .await;
        assert_problem(r, StatusCode::CONFLICT, "already_published").await;

        let list = ok(app
            .get(
                &format!("/api/v1/public/decisions?department={}", app.department),
                None,
            )
            .await)
        .await;
        assert_eq!(list["total"], 1, "{list}");
        let item = &list["items"][0];
        assert_eq!(item["party"], "王**");
        assert_eq!(item["authority"], "测试局");
        let text = list.to_string();
        for secret in ["王小明", "11010519491231002X", "13800138000", "某路1号"] {
            assert!(!text.contains(secret), "{secret} published");
        }
        let decision_id = item["id"].as_str().unwrap().to_string();

        let case = ok(app
            .post(
                &format!("/api/v1/cases/{id}/revocation"),
                Some(&zhang),
                &json!({"reason": "经行政复议决定撤销"}),
            )
            .await)
        .await;
        assert!(case["penalty"]["revoked"].is_object());
        let list = ok(app
            .get(
                &format!("/api/v1/public/decisions?department={}", app.department),
                None,
            )
            .await)
        .await;
        assert_eq!(list["total"], 0, "withdrawn from the list: {list}");
        let page = ok(app
            .get(&format!("/api/v1/public/decisions/{decision_id}"), None)
            .await)
        .await;
        assert_eq!(page["withdrawn"]["reason"], "经行政复议决定撤销");
        assert_eq!(page["penalty"], "");
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/revocation"),
                Some(&zhang),
                &json!({"reason": "再次"}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "decision_revoked").await;
        let r = app.get("/api/v1/public/decisions/zz", None).await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let r = app
            .get("/api/v1/public/decisions?per_page=1000", None)
            .await;
        assert_problem(r, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
}

#[tokio::test]
async fn fees_off_the_standard_and_unapproved_mitigation_are_flagged() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let inspector = app.token(Role::Inspector, None, "inspector-1");
    let zhang = app.officer("zhang");
    let li = app.officer("li");

    // The demo licence is free of charge (不收费, 0 fen): charging anything is flagged.
    let licence = app.licence_power().await;
    let opened = app.open_case(&licence, &zhang).await;
    let fee_case = opened["id"].as_str().unwrap().to_string();
    let case = ok(app
        .post(
            &format!("/api/v1/cases/{fee_case}/fees"),
            Some(&zhang),
            &json!({"item": "不收费", "amount_fen": 5000, "expected_version": 1}),
        )
        .await)
    .await;
    assert_eq!(case["fees"][0]["standard_fen"], 0);
    let r = app
        .post(
            &format!("/api/v1/cases/{fee_case}/fees"),
            Some(&zhang),
            &json!({"item": "工本费", "amount_fen": 0, "expected_version": 2}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "zero_fee").await;
    let found = alerts(&app, &inspector, "rule=fee_off_standard", &fee_case).await;
    assert_eq!(of_case(&found, &fee_case).len(), 1, "{found:?}");

    // 减轻 below the statutory minimum on a listed ground, without approval: flagged; the
    // officer cannot approve it themselves.
    let power = penalty_power(&app).await;
    let (id, v) = case_at_decision(&app, &power, &zhang).await;
    let mut body = decision(v, None, Some(SMALL_GOODS), 3_000_000);
    body["grounds"] = json!(["apl32-1"]);
    let mut own = body.clone();
    own["approval"] = json!({"approved_by": "li", "reference": "审批〔2026〕1号"});
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&li),
            &own,
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "self_approval").await;
    let recorded = ok(app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&li),
            &body,
        )
        .await)
    .await;
    assert_eq!(recorded["check"]["verdict"], "mitigated_with_grounds");
    let found = alerts(&app, &inspector, "rule=mitigation_unjustified", &id).await;
    let ours = of_case(&found, &id);
    assert_eq!(ours.len(), 1, "{found:?}");
    assert_eq!(ours[0]["alert"]["severity"], "red");
}

/// Security finding 3: an inspector signed in to the console could open the officer's case
/// page (party, ID number, phone) without a `PersonalDataRead`. Every case page records it.
#[tokio::test]
async fn an_inspector_reading_an_officers_case_page_is_recorded() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let id = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (name, password) = app.account(Role::Inspector, None).await;
        let console = crate::helpers::sign_in(&app.address, &name, &password).await;
        let page = app
            .page(&format!("/officer/cases/{id}"), Some(&console))
            .await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("11010519491231002X"));
        let token = app.token(Role::Inspector, None, "inspector-zhao");
        let file: Value = app
            .get(&format!("/api/v1/inspector/cases/{id}"), Some(&token))
            .await
            .json()
            .await
            .unwrap();
        let reads: Vec<(&str, &str)> = file["reads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["reader"].as_str().unwrap(),
                    r["purpose"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(
            reads.contains(&(name.as_str(), "officer_case_page")),
            "{backend:?}: {reads:?}"
        );
        // The department's own officer reading the same page is not recorded.
        let (officer_name, officer_password) =
            app.account(Role::Officer, Some(&app.department)).await;
        let own = crate::helpers::sign_in(&app.address, &officer_name, &officer_password).await;
        app.page(&format!("/officer/cases/{id}"), Some(&own)).await;
        let file: Value = app
            .get(&format!("/api/v1/inspector/cases/{id}"), Some(&token))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            !file["reads"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["reader"] == officer_name.as_str()),
            "{file}"
        );
    }
}
