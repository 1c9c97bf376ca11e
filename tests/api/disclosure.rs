//! Disclosure: a case seeded with known personal data, then every public response — each
//! public API operation in the served spec and every public page — scanned for those strings.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, TestApp};

const NAME: &str = "司马测试员";
const ID_NUMBER: &str = "11010519491231002X";
const PHONE: &str = "13987654321";
const ADDRESS: &str = "浦东新区隐私路88弄";

#[tokio::test]
async fn no_public_response_shows_personal_data() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("officer-secret-id");
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({
                    "power_code": power,
                    "party": {"kind": "person", "name": NAME, "id_number": ID_NUMBER,
                              "phone": PHONE, "address": ADDRESS},
                    "channel": "window",
                    "received_at": crate::helpers::test_now().to_rfc3339(),
                }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let opened: Value = r.json().await.unwrap();
        let id = opened["id"].as_str().unwrap().to_string();
        let code = opened["query_code"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/steps"),
                Some(&officer),
                &json!({"outcome": "受理", "expected_version": 1,
                        "note": format!("已联系{NAME}，电话{PHONE}")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);

        // A penalty case of the same person, concluded and its decision published, and a
        // complaint quoting the phone: the decision's public forms and the status page must
        // still show none of it.
        let (decision_id, penalty_id, penalty_code) =
            published_decision_of_the_person(&app, &officer).await;
        // Its 行政处罚决定书 is issued after the conclusion: its web page is scanned too.
        app.wait_for_result_document(&penalty_id, &penalty_code)
            .await;
        let r = app
            .post(
                &format!("/api/v1/public/cases/{id}/complaints"),
                None,
                &json!({"code": code, "text": format!("{NAME}投诉，电话{PHONE}")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        // The case's leaves in the transparency log are public: scanned too.
        let logged = app.wait_for_case_in_log(&id, &code).await;
        let first_leaf = logged["log"]["events"][0]["leaf_index"].as_u64().unwrap();
        let size = logged["log"]["tree_head"]["tree_size"].as_u64().unwrap();

        // Every public (unsecured) GET operation of the spec, with this case and power filled in.
        let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
        let mut urls = Vec::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            let Some(op) = item.get("get") else { continue };
            if op.get("security").is_some() {
                continue;
            }
            let url = path
                .replace("{tracking_no}", &id)
                .replace("{id}", &decision_id)
                .replace("{code}", &power)
                .replace("{n}", "1");
            let url = match path.as_str() {
                p if p.contains("public/cases") => format!("{url}?code={code}"),
                p if p.contains("calendar/deadline") => format!("{url}?start=2026-03-06&days=5"),
                p if p.contains("log/proof/inclusion") => {
                    format!("{url}?leaf_index={first_leaf}&tree_size={size}")
                }
                p if p.contains("log/proof/consistency") => format!("{url}?first=1&second={size}"),
                p if p.contains("log/leaves") => format!("{url}?start={first_leaf}"),
                _ => url,
            };
            // The document itself is the party's own (like the receipt handed over at the
            // window), reached with their query code: it names them in full by design. Its web
            // page, which is scanned below, shows them masked.
            if path.ends_with("/result-document") {
                continue;
            }
            // A form is a file the department published (the power here offers none); its
            // download is tested in `documents`.
            if path.contains("{sha256}") {
                continue;
            }
            urls.push(url);
        }
        assert!(urls.len() >= 5, "{urls:?}");
        // And every public page.
        urls.extend([
            "/".to_string(),
            "/?lang=en".to_string(),
            format!("/powers/{power}"),
            format!("/track?no={id}&code={code}"),
            format!("/track?no={id}&code={code}&lang=en"),
            format!("/track?no={penalty_id}&code={penalty_code}"),
            format!("/track/result?no={penalty_id}&code={penalty_code}"),
            format!("/track/result?no={penalty_id}&code={penalty_code}&lang=en"),
            "/verify".to_string(),
            "/calculator?start=2026-03-06&days=5".to_string(),
            "/decisions".to_string(),
            format!("/decisions/{decision_id}"),
            format!("/decisions/{decision_id}?lang=en"),
        ]);
        for url in &urls {
            let r = app.get(url, None).await;
            assert_eq!(r.status(), StatusCode::OK, "{url}");
            let body = r.text().await.unwrap();
            for secret in [
                NAME,
                ID_NUMBER,
                PHONE,
                ADDRESS,
                "隐私路",
                "officer-secret-id",
            ] {
                assert!(!body.contains(secret), "{secret} appears in {url}");
            }
        }
        // The public status does show progress: the scan looked at real content.
        let status = app
            .get(&format!("/track?no={id}&code={code}"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(status.contains("材料审查"));
        assert!(status.contains("司**"), "the applicant appears masked");
        let decision = app
            .get(&format!("/decisions/{decision_id}"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            decision.contains("司**") && decision.contains("罚款"),
            "{decision}"
        );
    }
}

/// Opens a penalty case of the seeded person, walks it to its end with a fine, publishes the
/// decision; returns the decision's public id.
/// Returns the decision's id, the case's tracking number and its query code.
async fn published_decision_of_the_person(
    app: &TestApp,
    officer: &str,
) -> (String, String, String) {
    let power = crate::penalty::penalty_power(app).await;
    let decider = app.officer("officer-secret-id-2");
    let opened: Value = app
        .post(
            "/api/v1/cases",
            Some(officer),
            &json!({
                "power_code": power,
                "party": {"kind": "person", "name": NAME, "id_number": ID_NUMBER,
                          "phone": PHONE, "address": ADDRESS},
                "channel": "inspection",
                "received_at": crate::helpers::test_now().to_rfc3339(),
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = opened["id"].as_str().unwrap().to_string();
    let code = opened["query_code"].as_str().unwrap().to_string();
    let mut v = opened["case"]["version"].as_u64().unwrap();
    async fn step(app: &TestApp, id: &str, who: &str, outcome: &str, v: u64) -> u64 {
        let r = app.step(id, who, outcome, v).await;
        assert_eq!(r.status(), StatusCode::OK);
        let case: Value = r.json().await.unwrap();
        case["version"].as_u64().unwrap()
    }
    for outcome in [
        "立案，指派执法人员",
        "调查终结，拟予处罚",
        "陈述申辩已复核或放弃（一般案件）",
    ] {
        v = step(app, &id, officer, outcome, v).await;
    }
    let mut body = crate::penalty::decision(v, Some("lt10k-ordinary"), Some(300_000), 7_500_000);
    body["justification"] = json!(format!("当事人{NAME}（电话{PHONE}）无证经营"));
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/penalty-decision"),
            Some(&decider),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    v = step(app, &id, &decider, "给予行政处罚", v + 1).await;
    step(app, &id, officer, "已送达", v).await;
    // The 行政处罚决定书 follows the conclusion (an append of its own).
    app.wait_for_issued_document(&id, officer).await;
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/publication"),
            Some(officer),
            &json!({"document_no": "浦市监处〔2026〕99号",
                    "violation": "未取得食品经营许可从事食品经营活动",
                    "penalty": "罚款人民币七万五千元"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    (projections::decisions::decision_id(&id), id, code)
}
