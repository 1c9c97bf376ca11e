//! Penalty decisions over HTTP on both stores: the demo's 食品安全法第一百二十二条 power with its
//! discretion standard (裁量基准), a case walked to 处罚决定, checks before confirming (in the
//! band, above it, below the statutory minimum with and without 减轻 grounds, multiples of the
//! goods value), the decision recorded with its check, and the refusals.
use reqwest::StatusCode;
use serde_json::{Value, json};
use yangguang::engine::catalogue_file;

use crate::helpers::{BACKENDS, TestApp, assert_problem};

/// Goods worth 3,000 yuan (under 10,000: a fine of 50,000-100,000 yuan).
const SMALL_GOODS: u64 = 300_000;
/// Goods worth 20,000 yuan (10-20 times: 200,000-400,000 yuan).
const LARGE_GOODS: u64 = 2_000_000;

/// Registers and publishes the demo's penalty power (PD-SCJG-CF-001, with its discretion
/// standard) under a fresh code in this test's department; returns the code.
pub(crate) async fn penalty_power(app: &TestApp) -> String {
    let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).unwrap();
    let entry = file
        .powers
        .iter()
        .find(|p| p.code == "PD-SCJG-CF-001")
        .unwrap()
        .clone();
    assert!(entry.version.discretion.is_some());
    let code = format!(
        "T-CF-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
    );
    let admin = app.admin();
    let r = app
        .post(
            "/api/v1/powers",
            Some(&admin),
            &json!({
                "code": code, "name": entry.name, "category": entry.category,
                "department": app.department, "department_name": "测试局",
            }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let r = app
        .post(
            &format!("/api/v1/powers/{code}/versions"),
            Some(&admin),
            &serde_json::to_value(&entry.version).unwrap(),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    code
}

/// Opens a penalty case as `investigator` and walks it to 处罚决定; returns (id, version).
pub(crate) async fn case_at_decision(
    app: &TestApp,
    power: &str,
    investigator: &str,
) -> (String, u64) {
    let opened = app.open_case(power, investigator).await;
    let id = opened["id"].as_str().unwrap().to_string();
    let mut version = opened["case"]["version"].as_u64().unwrap();
    for outcome in [
        "立案，指派执法人员",
        "调查终结，拟予处罚",
        "陈述申辩已复核或放弃（一般案件）",
    ] {
        let r = app.step(&id, investigator, outcome, version).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let case: Value = r.json().await.unwrap();
        version = case["version"].as_u64().unwrap();
    }
    let case: Value = app
        .get(&format!("/api/v1/cases/{id}"), Some(investigator))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["current_step"]["id"], "decide");
    assert!(case["penalty"].is_null());
    (id, version)
}

pub(crate) fn decision(version: u64, band: Option<&str>, base: Option<u64>, amount: u64) -> Value {
    json!({
        "expected_version": version,
        "band": band,
        "base_amount_fen": base,
        "amount_fen": amount,
        "circumstances": [],
        "grounds": [],
        "justification": "当事人未取得食品经营许可经营熟食制品，货值金额经核定，无从轻、从重情节，适用一般档。",
    })
}

async fn check(app: &TestApp, id: &str, token: &str, body: &Value) -> Value {
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision/check"),
            Some(token),
            body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_penalty_is_checked_before_confirming_then_recorded_with_its_check() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = penalty_power(&app).await;
        let zhang = app.officer("zhang");
        let li = app.officer("li");
        let (id, v) = case_at_decision(&app, &power, &zhang).await;

        // Inside the 一般 band of the under-10,000-yuan regime.
        let c = check(
            &app,
            &id,
            &li,
            &decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 7_500_000),
        )
        .await;
        assert_eq!(c["verdict"], "in_band", "{c}");
        assert_eq!(c["label"], "在裁量档次内");
        assert_eq!(c["regime"], "lt10k");
        assert_eq!(
            c["statutory_range"],
            json!({"min_fen": 5_000_000, "max_fen": 10_000_000})
        );
        assert_eq!(
            c["band_range"],
            json!({"min_fen": 6_500_000, "max_fen": 8_500_000})
        );
        assert_eq!(c["refused"], false);

        // Above the band, still within the law: would be recorded, flagged.
        let c = check(
            &app,
            &id,
            &li,
            &decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 9_500_000),
        )
        .await;
        assert_eq!(c["verdict"], "above_band");
        assert_eq!(c["deviation"], true);
        assert_eq!(c["refused"], false);

        // Below the statutory minimum without a 减轻 ground.
        let c = check(
            &app,
            &id,
            &li,
            &decision(v, Some("lt10k-lighter"), Some(SMALL_GOODS), 3_000_000),
        )
        .await;
        assert_eq!(c["verdict"], "below_statutory_minimum_without_grounds");
        assert_eq!(c["approval_required"], false);

        // The same amount on a listed art. 32 ground: 减轻, with the approval it needs.
        let mut body = decision(v, None, Some(SMALL_GOODS), 3_000_000);
        body["grounds"] = json!(["apl32-1"]);
        let c = check(&app, &id, &li, &body).await;
        assert_eq!(c["verdict"], "mitigated_with_grounds");
        assert_eq!(c["approval_required"], true);
        assert!(c["approval"].as_str().unwrap().contains("负责人"));
        assert_eq!(c["supported_by"], json!(["apl32-1"]));

        // From 10,000 yuan of goods the range is 10-20 times the goods value; 300,000 yuan
        // or more is decided by the municipal bureau.
        let c = check(
            &app,
            &id,
            &li,
            &decision(v, Some("ge10k-ordinary"), Some(LARGE_GOODS), 30_000_000),
        )
        .await;
        assert_eq!(c["verdict"], "in_band");
        assert_eq!(
            c["statutory_range"],
            json!({"min_fen": 20_000_000, "max_fen": 40_000_000})
        );
        assert_eq!(
            c["band_range"],
            json!({"min_fen": 26_000_000, "max_fen": 34_000_000})
        );
        assert!(
            c["decision_authority"]
                .as_str()
                .unwrap()
                .contains("上海市市场监督管理局")
        );

        // 从重 needs one of its listed circumstances.
        let mut body = decision(v, Some("lt10k-heavier"), Some(SMALL_GOODS), 9_000_000);
        let c = check(&app, &id, &li, &body).await;
        assert_eq!(c["verdict"], "heavier_without_circumstance");
        body["circumstances"] = json!(["agg-repeat"]);
        let c = check(&app, &id, &li, &body).await;
        assert_eq!(c["verdict"], "in_band");

        // What recording would refuse is shown as refused, not as an error.
        let c = check(
            &app,
            &id,
            &li,
            &decision(v, Some("lt10k-heavier"), Some(SMALL_GOODS), 10_000_001),
        )
        .await;
        assert_eq!(c["verdict"], "above_statutory_maximum");
        assert_eq!(c["refused"], true);

        // Checking wrote nothing.
        let case: Value = app
            .get(&format!("/api/v1/cases/{id}"), Some(&li))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["version"].as_u64().unwrap(), v);
        assert!(case["penalty"].is_null());

        // Impossible input is refused with the verdict as the code.
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/penalty-decision"),
                Some(&li),
                &decision(v, Some("lt10k-severe"), Some(SMALL_GOODS), 7_500_000),
            )
            .await;
        let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "unknown_band").await;
        assert_eq!(problem["check"]["verdict"], "unknown_band");
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/penalty-decision"),
                Some(&li),
                &decision(v, Some("lt10k-heavier"), Some(SMALL_GOODS), 10_000_001),
            )
            .await;
        assert_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "above_statutory_maximum",
        )
        .await;

        // Record the decision inside its band.
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/penalty-decision"),
                Some(&li),
                &decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 7_500_000),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().contains_key("yangguang-position"));
        let recorded: Value = r.json().await.unwrap();
        assert_eq!(recorded["check"]["verdict"], "in_band");
        assert_eq!(recorded["case"]["version"].as_u64().unwrap(), v + 1);
        assert_eq!(recorded["case"]["penalty"]["amount_fen"], 7_500_000);
        assert_eq!(recorded["case"]["penalty"]["band"], "lt10k-ordinary");
        assert_eq!(recorded["case"]["penalty"]["by"], "li");
        assert_eq!(recorded["case"]["penalty"]["check"]["verdict"], "in_band");

        // The same version again is stale.
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/penalty-decision"),
                Some(&li),
                &decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 7_000_000),
            )
            .await;
        assert_problem(r, StatusCode::CONFLICT, "stale_version").await;

        // The events show the decision with its check and who recorded it.
        let events: Vec<Value> = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&li))
            .await
            .json()
            .await
            .unwrap();
        let last = events.last().unwrap();
        assert_eq!(last["event_type"], "PenaltyDecisionRecorded");
        assert_eq!(last["event_version"], "1");
        let payload = &last["payload"]["PenaltyDecisionRecorded"];
        assert_eq!(payload["check"]["verdict"], "in_band");
        assert_eq!(
            payload["check"]["band_range"],
            json!({"min_fen": 6_500_000, "max_fen": 8_500_000})
        );
        assert_eq!(payload["base_amount_fen"], SMALL_GOODS);
        assert_eq!(payload["by"], "li");
        assert_eq!(last["metadata"]["actor"], "li");

        // The case goes on to its end; then no decision may be recorded.
        let v = recorded["case"]["version"].as_u64().unwrap();
        let r = app.step(&id, &li, "给予行政处罚", v).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let case: Value = r.json().await.unwrap();
        let v = case["version"].as_u64().unwrap();
        let case: Value = app
            .step(&id, &zhang, "已送达", v)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["status"], "concluded");
        assert_eq!(
            case["penalty"]["amount_fen"], 7_500_000,
            "the decision stays"
        );
        // Its 行政处罚决定书 follows the conclusion.
        let v = app.wait_for_issued_document(&id, &li).await;
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/penalty-decision"),
                Some(&li),
                &decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 7_000_000),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "case_closed").await;
    }
}

#[tokio::test]
async fn a_decision_outside_its_band_is_recorded_and_a_later_one_replaces_it() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = penalty_power(&app).await;
    let zhang = app.officer("zhang");
    let (id, v) = case_at_decision(&app, &power, &zhang).await;
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&zhang),
            &decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 9_500_000),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let recorded: Value = r.json().await.unwrap();
    assert_eq!(recorded["check"]["verdict"], "above_band");
    assert_eq!(recorded["check"]["deviation"], true);

    let mut body = decision(v + 1, None, None, 0);
    body["grounds"] = json!(["apl33-first"]);
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&zhang),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let recorded: Value = r.json().await.unwrap();
    assert_eq!(recorded["check"]["verdict"], "no_penalty_with_grounds");
    assert_eq!(recorded["case"]["penalty"]["amount_fen"], 0);
    let events: Vec<Value> = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&zhang))
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e["event_type"] == "PenaltyDecisionRecorded")
        .map(|e| {
            e["payload"]["PenaltyDecisionRecorded"]["check"]["verdict"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(kinds, vec!["above_band", "no_penalty_with_grounds"]);

    // Supervision takes up the deviation (and only it: 首违不罚 on a listed ground is fine).
    crate::alerts::settle(&app).await;
    let inspector = app.token(aggregates::Role::Inspector, None, "inspector-1");
    let alerts: Vec<Value> = app
        .get("/api/v1/alerts?rule=discretion_deviation", Some(&inspector))
        .await
        .json()
        .await
        .unwrap();
    let ours: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["alert"]["case_id"] == id.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{alerts:?}");
    assert_eq!(ours[0]["alert"]["severity"], "yellow");
    assert_eq!(
        ours[0]["alert"]["details"]["check"]["verdict"],
        "above_band"
    );
}

#[tokio::test]
async fn penalty_decisions_are_refused_where_they_do_not_belong() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = penalty_power(&app).await;
    let zhang = app.officer("zhang");
    let (id, v) = case_at_decision(&app, &power, &zhang).await;
    let body = decision(v, Some("lt10k-ordinary"), Some(SMALL_GOODS), 7_500_000);

    // No token, another department, another role.
    let r = app
        .post(&format!("/api/v1/cases/{id}/penalty-decision"), None, &body)
        .await;
    assert_problem(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let stranger = app.token(aggregates::Role::Officer, Some("other-dept"), "wang");
    for path in ["penalty-decision", "penalty-decision/check"] {
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/{path}"),
                Some(&stranger),
                &body,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&app.admin()),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Malformed: unknown fields and missing reasons.
    let mut bad = body.clone();
    bad["fine_yuan"] = json!(75000);
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&zhang),
            &bad,
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let mut bad = body.clone();
    bad["justification"] = json!("");
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&zhang),
            &bad,
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;

    // A stale check is a conflict too.
    let mut stale = body.clone();
    stale["expected_version"] = json!(v - 1);
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision/check"),
            Some(&zhang),
            &stale,
        )
        .await;
    assert_problem(r, StatusCode::CONFLICT, "stale_version").await;

    // A licensing case takes no penalty decision.
    let licence = app.licence_power().await;
    let opened = app.open_case(&licence, &zhang).await;
    let lid = opened["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/cases/{lid}/penalty-decision/check"),
            Some(&zhang),
            &decision(1, None, None, 0),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "not_a_penalty_power").await;

    // Unknown case.
    let r = app
        .post(
            "/api/v1/cases/YG20260101NOSUCHXX/penalty-decision",
            Some(&zhang),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_standard_that_breaks_the_rules_is_refused_at_publishing() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let code = penalty_power(&app).await;
    let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).unwrap();
    let entry = file
        .powers
        .iter()
        .find(|p| p.code == "PD-SCJG-CF-001")
        .unwrap();
    let mut version = serde_json::to_value(&entry.version).unwrap();
    let bands = &mut version["discretion"]["regimes"][0]["bands"];
    bands[2]["range"]["max"] = json!({"fen": 12_000_000}); // above 100,000 yuan
    bands[1]["range"]["min"] = json!({"fen": 6_000_000}); // overlaps 从轻
    bands[2]["circumstances"] = json!([]); // 从重 without circumstances
    let r = app
        .post(
            &format!("/api/v1/powers/{code}/versions"),
            Some(&app.admin()),
            &version,
        )
        .await;
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_version").await;
    let found: Vec<(&str, &str)> = problem["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p["field"].as_str().unwrap()))
        .collect();
    for expected in [
        (
            "band_outside_statutory_range",
            "discretion.regimes[0].bands[2].range",
        ),
        ("bands_overlap", "discretion.regimes[0].bands[1].range"),
        (
            "heavier_band_without_circumstances",
            "discretion.regimes[0].bands[2].circumstances",
        ),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
    // A float multiple is not even well-formed.
    let mut version = serde_json::to_value(&entry.version).unwrap();
    version["discretion"]["regimes"][1]["statutory"]["min"] = json!({"times_base": 10.5});
    let r = app
        .post(
            &format!("/api/v1/powers/{code}/versions"),
            Some(&app.admin()),
            &version,
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
