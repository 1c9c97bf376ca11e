//! 政府信息公开工作年度报告: the tables for a seeded year — applications carried in from the year
//! before, received, answered by result (each in its row of the 2021 format), withdrawn, still
//! open at the year's end — by applicant; licensing decisions and fees; the cells the system
//! cannot know left for manual input; the page and its download.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, TestApp, assert_problem};

fn at(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

const DISCLOSURE: &str = "政府信息公开申请办理（依申请公开）";

/// Walks case `id`, just opened, along `outcomes`.
async fn walk(app: &TestApp, id: &str, outcomes: &[(&str, &str)]) {
    app.walk(id, 1, outcomes).await;
}

fn row<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"].as_str().unwrap().starts_with(label))
        .unwrap_or_else(|| panic!("no row {label}: {report}"))
}

/// `[persons, organisations, total]` of a row.
fn cells(report: &Value, label: &str) -> Value {
    let r = row(report, label);
    json!([r["persons"], r["organisations"], r["total"]])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seeded_year_fills_the_tables_and_leaves_the_rest_to_fill() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let disclosure = app.demo_power(DISCLOSURE).await;
        let licence = app.licence_power().await;
        let wang = app.officer("officer-y-1");
        let zhao = app.officer("officer-y-2");
        let answer = |end: &'static str| -> Vec<(&str, &str)> {
            vec![
                (wang.as_str(), "申请内容明确"),
                (wang.as_str(), "提出答复意见"),
                (zhao.as_str(), end),
            ]
        };

        // 2024: D1 (a person) stays open into 2025; D2 (an organisation) is answered in 2024.
        app.clock.set(at("2024-12-20T10:00:00+08:00"));
        let (d1, _) = app
            .open_case_at(&disclosure, &wang, "2024-12-20T09:00:00+08:00", false)
            .await;
        let (d2, _) = app
            .open_case_at(&disclosure, &wang, "2024-12-16T09:00:00+08:00", true)
            .await;
        walk(&app, &d2, &answer("予以公开")).await;

        // 2025: D1 partly disclosed; D3 disclosed; D4 (an organisation) refused; D5 not
        // held; D6 not this office's (a result no row names); D7 a complaint, not an
        // application; D8 (an organisation) withdrawn; D9 received on 30 December, open.
        app.clock.set(at("2025-03-03T10:00:00+08:00"));
        walk(&app, &d1, &answer("部分公开（区分处理）")).await;
        let received = "2025-03-03T09:00:00+08:00";
        for (organisation, outcomes) in [
            (false, answer("予以公开")),
            (true, answer("不予公开（说明理由）")),
            (false, answer("经检索信息不存在")),
            (false, answer("非本机关负责公开")),
            (
                false,
                vec![(wang.as_str(), "属信访、投诉、举报等，不作申请处理")],
            ),
        ] {
            let (id, _) = app
                .open_case_at(&disclosure, &wang, received, organisation)
                .await;
            walk(&app, &id, &outcomes).await;
        }
        let (d8, _) = app.open_case_at(&disclosure, &wang, received, true).await;
        let r = app
            .post(
                &format!("/api/v1/cases/{d8}/withdraw"),
                Some(&wang),
                &json!({"reason": "申请人书面撤回申请", "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        // A licence decided in 2025, with a 10-yuan fee.
        let (l1, _) = app.open_case_at(&licence, &wang, received, true).await;
        let r = app
            .post(
                &format!("/api/v1/cases/{l1}/fees"),
                Some(&wang),
                &json!({"item": "工本费", "amount_fen": 1000, "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        app.walk(
            &l1,
            2,
            &[
                (&wang, "受理"),
                (&wang, "书面审查符合条件"),
                (&zhao, "准予许可"),
            ],
        )
        .await;
        app.clock.set(at("2025-12-30T10:00:00+08:00"));
        let (_d9, _) = app
            .open_case_at(&disclosure, &wang, "2025-12-30T09:00:00+08:00", false)
            .await;

        // In January 2026 the report is for last year by default.
        app.clock.set(at("2026-01-10T10:00:00+08:00"));
        let path = format!("/api/v1/reports/annual?department={}", app.department);
        app.wait_for_statistics().await;
        let report: Value = app.get(&path, None).await.json().await.unwrap();
        assert_eq!(report["year"], 2025, "{backend:?}");
        assert_eq!(report["department_name"], "测试局");
        assert_eq!(report["request_powers"], json!([DISCLOSURE]));
        // 二: one licence decided, 10 yuan = 0.0010 万元; no penalty or enforcement cases.
        assert_eq!(
            report["proactive"],
            json!({"licensing_decisions": 1, "penalty_decisions": 0, "enforcement_decisions": 0,
                   "fees_fen": 1000, "fees_wan_yuan": "0.0010"}),
            "{backend:?}"
        );
        // 三, by [自然人, 法人或其他组织, 总计].
        for (label, expected) in [
            ("一、本年新收", json!([5, 2, 7])),
            ("二、上年结转", json!([1, 0, 1])),
            ("三、本年度办理结果", json!([null, null, null])),
            ("（一）予以公开", json!([1, 0, 1])),
            ("（二）部分公开", json!([1, 0, 1])),
            ("（三）不予公开", json!([0, 1, 1])),
            ("1．属于国家秘密", json!([null, null, null])),
            ("1．本机关不掌握相关政府信息", json!([1, 0, 1])),
            ("1．信访举报投诉类申请", json!([1, 0, 1])),
            ("1．申请人无正当理由逾期不补正", json!([0, 0, 0])),
            ("3．其他", json!([null, null, null])),
            ("（七）总计", json!([5, 2, 7])),
            ("四、结转下年度继续办理", json!([1, 0, 1])),
        ] {
            assert_eq!(cells(&report, label), expected, "{backend:?}: {label}");
        }
        assert_eq!(report["requests"].as_array().unwrap().len(), 30);
        assert_eq!(
            report["unplaced"],
            json!([
                {"result": "不属于本机关负责公开（告知负责机关）", "persons": 1, "organisations": 0},
                {"result": "申请人撤回申请", "persons": 0, "organisations": 1},
            ]),
            "{backend:?}"
        );
        assert_eq!(report["balanced"], true);
        // 2024, for comparison: D1 and D2 received, D2 answered, D1 carried into 2025.
        let earlier: Value = app
            .get(&format!("{path}&year=2024"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(cells(&earlier, "一、本年新收"), json!([1, 1, 2]));
        assert_eq!(cells(&earlier, "（一）予以公开"), json!([0, 1, 1]));
        assert_eq!(cells(&earlier, "四、结转下年度"), json!([1, 0, 1]));

        // The page shows the tables in the format; the download is a document of its own.
        let page = app
            .get(
                &format!("/reports/annual?year=2025&department={}", app.department),
                None,
            )
            .await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("2025年测试局政府信息公开工作年度报告"),
            "{backend:?}"
        );
        assert!(html.contains("四、政府信息公开行政复议、行政诉讼情况"));
        assert!(html.contains("不属于本机关负责公开（告知负责机关）：自然人 1 件"));
        let file = app
            .get(
                &format!(
                    "/reports/annual.html?year=2025&department={}",
                    app.department
                ),
                None,
            )
            .await;
        assert_eq!(file.status(), StatusCode::OK);
        let disposition = file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        let document = file.text().await.unwrap();
        assert!(document.contains("<table id=\"requests\""));
        assert!(
            !document.contains("<link")
                && !document.contains("<script")
                && !document.contains("href=")
        );
        // Nineteen of section 三's cells, all of section 四's and the 规章 table are for the
        // author: the document marks each.
        assert!(document.matches("待填").count() >= 15 + 6, "{backend:?}");
    }
}

#[tokio::test]
async fn bad_years_are_refused() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    for (query, status, code) in [
        (
            "year=1999",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_year",
        ),
        (
            "year=2027",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_year",
        ),
        ("year=twenty", StatusCode::BAD_REQUEST, "invalid_query"),
        (
            "department=Not%20An%20Id",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        ("department=", StatusCode::BAD_REQUEST, "invalid_query"),
        ("colour=blue", StatusCode::BAD_REQUEST, "invalid_query"),
    ] {
        let r = app
            .get(&format!("/api/v1/reports/annual?{query}"), None)
            .await;
        assert_problem(r, status, code).await;
    }
    let page = app.get("/reports/annual?year=1999", None).await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("年份应为2000年至今年之间的整数")
    );
}
