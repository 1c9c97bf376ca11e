//! Cases over HTTP on both stores: walking a flowchart, refusals, concurrency, restarts,
//! authorisation and the public status lookup.
use std::collections::HashSet;

use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, TestApp, assert_problem};

#[tokio::test]
async fn a_licence_case_is_walked_to_its_end() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let bob = app.officer("bob");
        let opened = app.open_case(&power, &alice).await;
        let id = opened["id"].as_str().unwrap().to_string();
        assert_eq!(opened["tracking_no"], opened["id"]);
        assert_eq!(opened["case"]["version"], 1);
        assert_eq!(opened["case"]["status"], "open");
        assert_eq!(opened["case"]["current_step"]["id"], "apply");
        assert_eq!(opened["case"]["power"]["version"], 1);
        assert!(
            opened["case"]["power"]["content_hash"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        assert_eq!(opened["case"]["limits"]["statutory"]["limit_days"], 20);

        // 受理 → 补正 (pauses the clock) → back → 受理 → 审查 → 决定 → 准予许可.
        let r = app.step(&id, &alice, "材料不齐全，一次告知补正", 1).await;
        assert_eq!(r.status(), StatusCode::OK);
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["status"], "paused");
        assert_eq!(case["current_step"]["id"], "supplement");
        assert!(
            case["limits"]["statutory"]["due"].is_null(),
            "no due date while paused"
        );
        let v = case["version"].as_u64().unwrap();
        assert_eq!(v, 3, "StepCompleted + ClockPaused");

        let case: Value = app
            .step(&id, &alice, "申请人已提交全部补正材料", v)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["status"], "open");
        assert_eq!(case["current_step"]["id"], "apply");
        let v = case["version"].as_u64().unwrap();
        assert_eq!(v, 5, "ClockResumed + StepCompleted");

        let case: Value = app.step(&id, &alice, "受理", v).await.json().await.unwrap();
        let v = case["version"].as_u64().unwrap();
        let case: Value = app
            .step(&id, &alice, "书面审查符合条件", v)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["current_step"]["id"], "decide");
        let v = case["version"].as_u64().unwrap();

        // The reviewer may not also decide (岗位分离).
        let r = app.step(&id, &alice, "准予许可", v).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "separation_of_duties").await;

        let r = app.step(&id, &bob, "准予许可", v).await;
        assert_eq!(r.status(), StatusCode::OK);
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["status"], "concluded");
        assert_eq!(case["result"], "准予许可");
        assert_eq!(case["allowed"], json!([]));

        // Every event records who did it; the result document follows the conclusion.
        let v = app.wait_for_issued_document(&id, &alice).await;
        let events: Vec<Value> = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&alice))
            .await
            .json()
            .await
            .unwrap();
        let types: Vec<&str> = events
            .iter()
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "CaseOpened",
                "StepCompleted",
                "ClockPaused",
                "ClockResumed",
                "StepCompleted",
                "StepCompleted",
                "StepCompleted",
                "StepCompleted",
                "CaseConcluded",
                "ResultDocumentIssued"
            ]
        );
        let sequences: Vec<i64> = events
            .iter()
            .map(|e| e["sequence"].as_i64().unwrap())
            .collect();
        assert_eq!(sequences, (1..=10).collect::<Vec<_>>());
        assert_eq!(events[7]["payload"]["StepCompleted"]["by"], "bob");
        assert_eq!(events[7]["metadata"]["actor"], "bob");
        assert_eq!(events[7]["metadata"]["role"], "officer");
        assert_eq!(events[7]["metadata"]["department"], app.department.as_str());
        assert!(
            !events[7]["metadata"]["request_id"]
                .as_str()
                .unwrap()
                .is_empty()
        );

        // A concluded case takes no more steps.
        let r = app.step(&id, &bob, "准予许可", v).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "case_closed").await;
    }
}

#[tokio::test]
async fn an_illegal_step_is_refused_with_the_allowed_outcomes_and_changes_nothing() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let id = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app.step(&id, &officer, "准予许可", 1).await;
        let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "outcome_not_allowed").await;
        let allowed: HashSet<&str> = body["allowed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(
            allowed,
            HashSet::from(["受理", "材料不齐全，一次告知补正", "不予受理"])
        );
        let case: Value = app
            .get(&format!("/api/v1/cases/{id}"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["version"], 1, "nothing was appended");
    }
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let id = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            app.step(&id, &officer, "受理", 1).await.status(),
            StatusCode::OK
        );
        let r = app.step(&id, &officer, "需现场核查", 1).await;
        let body = assert_problem(r, StatusCode::CONFLICT, "stale_version").await;
        assert_eq!(body["current_version"], 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_steps_at_one_version_accept_exactly_one() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let id = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let outcomes = ["受理", "材料不齐全，一次告知补正", "不予受理"];
        let mut tasks = Vec::new();
        for i in 0..20 {
            let client = app.client.clone();
            let url = format!("{}/api/v1/cases/{id}/steps", app.address);
            let token = officer.clone();
            let outcome = outcomes[i % outcomes.len()];
            tasks.push(tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"outcome": outcome, "expected_version": 1}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }));
        }
        let mut ok = 0;
        let mut conflicts = 0;
        for t in tasks {
            match t.await.unwrap() {
                StatusCode::OK => ok += 1,
                StatusCode::CONFLICT => conflicts += 1,
                other => panic!("unexpected status {other} on {backend:?}"),
            }
        }
        assert_eq!((ok, conflicts), (1, 19), "{backend:?}");
        let events: Vec<Value> = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        let steps = events
            .iter()
            .filter(|e| e["event_type"] == "StepCompleted")
            .count();
        assert_eq!(steps, 1, "exactly one step recorded on {backend:?}");
        let sequences: Vec<i64> = events
            .iter()
            .map(|e| e["sequence"].as_i64().unwrap())
            .collect();
        let expected: Vec<i64> = (1..=sequences.len() as i64).collect();
        assert_eq!(sequences, expected, "no gap, no duplicate");
    }
}

#[tokio::test]
async fn a_restart_keeps_everything() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let opened = app.open_case(&power, &officer).await;
        let id = opened["id"].as_str().unwrap().to_string();
        let code = opened["query_code"].as_str().unwrap().to_string();
        assert_eq!(
            app.step(&id, &officer, "受理", 1).await.status(),
            StatusCode::OK
        );
        let before: Value = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();

        let app = app.restart().await;
        // The token key survives too: the old token still works.
        let after: Value = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(before, after);
        let r = app.get(&format!("/api/v1/powers/{power}"), None).await;
        assert_eq!(r.status(), StatusCode::OK);
        // On the shared database another test's server may hold the cases view's lease and
        // take over this server's views only after its lease retry: on a busy machine that can
        // outlast one read's bounded wait, so the lookup is retried (bounded).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let r = app
                .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
                .await;
            if r.status() == StatusCode::OK {
                break;
            }
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            assert!(
                std::time::Instant::now() < deadline,
                "the public view never showed the case after the restart"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let case: Value = app
            .step(&id, &officer, "书面审查符合条件", 2)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["version"], 3, "commands go on after the restart");
    }
}

#[tokio::test]
async fn officers_of_another_department_and_other_roles_are_refused() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let stranger = app.token(Role::Officer, Some("another-dept"), "mallory");
        let admin = app.admin();
        let inspector = app.token(Role::Inspector, None, "inspector-1");

        // Opening a case of another department's power.
        let r = app
            .post(
                "/api/v1/cases",
                Some(&stranger),
                &json!({
                    "power_code": power,
                    "party": {"kind": "organisation", "name": "上海某某餐饮管理有限公司", "id_number": "91350100M000100Y43"},
                    "channel": "online",
                    "received_at": crate::helpers::test_now().to_rfc3339(),
                }),
            )
            .await;
        assert_problem(r, StatusCode::FORBIDDEN, "wrong_department").await;

        let id = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        // Another department's case answers exactly as a number never issued: no 403 that
        // would tell a stranger the case exists (security finding 10).
        let never = "YG20260101ZZZZZZZZ";
        for (real, unknown) in [
            (
                app.step(&id, &stranger, "受理", 1).await,
                app.step(never, &stranger, "受理", 1).await,
            ),
            (
                app.get(&format!("/api/v1/cases/{id}"), Some(&stranger))
                    .await,
                app.get(&format!("/api/v1/cases/{never}"), Some(&stranger))
                    .await,
            ),
            (
                app.get(&format!("/api/v1/cases/{id}/events"), Some(&stranger))
                    .await,
                app.get(&format!("/api/v1/cases/{never}/events"), Some(&stranger))
                    .await,
            ),
        ] {
            let (real_status, unknown_status) = (real.status(), unknown.status());
            let real: Value = real.json().await.unwrap();
            let unknown: Value = unknown.json().await.unwrap();
            assert_eq!(real_status, StatusCode::NOT_FOUND, "{real}");
            assert_eq!(unknown_status, StatusCode::NOT_FOUND, "{unknown}");
            for field in ["type", "title", "status", "code", "detail"] {
                assert_eq!(real[field], unknown[field], "{field}: {real} / {unknown}");
            }
            assert!(!real.to_string().contains(&app.department), "{real}");
        }
        // Admins manage the catalogue, not cases; inspectors read but do not act.
        let r = app.step(&id, &admin, "受理", 1).await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = app.step(&id, &inspector, "受理", 1).await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(
            app.get(&format!("/api/v1/cases/{id}"), Some(&inspector))
                .await
                .status(),
            StatusCode::OK
        );
        // No token, a garbage token, a token signed with another key.
        let r = app.step(&id, "", "受理", 1).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = app
            .client
            .post(format!("{}/api/v1/cases/{id}/steps", app.address))
            .json(&json!({"outcome": "受理", "expected_version": 1}))
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let foreign = yangguang::identity::tokens::TokenKeys::from_secret(&[9u8; 32])
            .issue(
                "x",
                Role::Officer,
                Some(app.department.clone()),
                chrono::Duration::hours(1),
            )
            .unwrap();
        let r = app.step(&id, &foreign, "受理", 1).await;
        assert_problem(r, StatusCode::UNAUTHORIZED, "invalid_token").await;
        let case: Value = app
            .get(&format!("/api/v1/cases/{id}"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["version"], 1, "no refused command changed anything");
    }
}

#[tokio::test]
async fn the_public_status_shows_progress_without_personal_data() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let opened = app.open_case(&power, &officer).await;
        let id = opened["id"].as_str().unwrap().to_string();
        let code = opened["query_code"].as_str().unwrap().to_string();
        app.step(&id, &officer, "受理", 1).await;

        let r = app
            .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        let view: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(view["current_step"], "材料审查");
        assert_eq!(view["applicant"], "张**");
        assert_eq!(view["timeline"][0]["outcome"], "受理");
        assert_eq!(view["statutory"]["limit_days"], 20);
        for secret in [
            "张三丰",
            "11010519491231002X",
            "13912345678",
            "世纪大道",
            "alice",
        ] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
        // Lower case and dashes in the code are forgiven.
        let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
        let r = app
            .get(&format!("/api/v1/public/cases/{id}?code={typed}"), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK);

        // A wrong code and an unknown number look exactly alike.
        let wrong = app
            .get(&format!("/api/v1/public/cases/{id}?code=WRONGCODE2"), None)
            .await;
        let unknown = app
            .get(
                "/api/v1/public/cases/YG20260101AAAAAAAA?code=WRONGCODE2",
                None,
            )
            .await;
        let a = assert_problem(wrong, StatusCode::NOT_FOUND, "not_found").await;
        let b = assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(a, b);
        let r = app.get(&format!("/api/v1/public/cases/{id}"), None).await;
        assert_problem(r, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
}

#[tokio::test]
async fn pausing_and_resuming_the_clock_needs_reasons_and_is_shown() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let id = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let clock = |body: Value| {
            let app = &app;
            let id = id.clone();
            let officer = officer.clone();
            async move {
                app.post(&format!("/api/v1/cases/{id}/clock"), Some(&officer), &body)
                    .await
            }
        };
        let r = clock(json!({"action": "resume", "reason": "x"})).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "not_paused").await;
        let r = clock(json!({"action": "pause", "reason": "  "})).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
        let r = clock(json!({"action": "pause", "reason": "现场核查需专家论证"})).await;
        assert_eq!(r.status(), StatusCode::OK);
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["status"], "paused");
        assert_eq!(case["limits"]["paused"][0]["reason"], "现场核查需专家论证");
        let r = clock(json!({"action": "pause", "reason": "again"})).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "already_paused").await;
        let r = clock(json!({"action": "resume", "reason": "论证完毕"})).await;
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["status"], "open");
        assert!(!case["limits"]["paused"][0]["until"].is_null());
        let r = clock(json!({"action": "stop", "reason": "x"})).await;
        assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
}

#[tokio::test]
async fn bad_case_input_is_refused_clearly() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({
                    "power_code": power,
                    "party": {"kind": "person", "name": "", "id_number": "123", "phone": "abc"},
                    "channel": "window",
                    "received_at": crate::helpers::test_now().to_rfc3339(),
                }),
            )
            .await;
        let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_party").await;
        assert_eq!(body["problems"].as_array().unwrap().len(), 3);
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({"power_code": power, "party": {}, "channel": "window", "received_at": "yesterday"}),
            )
            .await;
        assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({
                    "power_code": "NO-SUCH-POWER",
                    "party": {"kind": "organisation", "name": "某公司", "id_number": "91350100M000100Y43"},
                    "channel": "window",
                    "received_at": crate::helpers::test_now().to_rfc3339(),
                    "surprise": true,
                }),
            )
            .await;
        let body = assert_problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
        assert!(body["detail"].as_str().unwrap().contains("surprise"));
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({
                    "power_code": "NO-SUCH-POWER",
                    "party": {"kind": "organisation", "name": "某公司", "id_number": "91350100M000100Y43"},
                    "channel": "window",
                    "received_at": crate::helpers::test_now().to_rfc3339(),
                }),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "unknown_power").await;
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer),
                &json!({
                    "power_code": power,
                    "party": {"kind": "organisation", "name": "某公司", "id_number": "91350100M000100Y43"},
                    "channel": "window",
                    "received_at": "2099-01-01T00:00:00+08:00",
                }),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_time").await;
        let r = app.get("/api/v1/cases/NOPE", Some(&officer)).await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let r = app.step("NOPE", &officer, "受理", 0).await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        let big = "x".repeat(600 * 1024);
        let r = app
            .post("/api/v1/cases", Some(&officer), &json!({"power_code": big}))
            .await;
        assert_problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        let r = app.get("/api/v1/nowhere", None).await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    }
}

/// Deadlines are computed from the calendar in force: a case whose limit runs into a year
/// without its notice has a provisional due date (weekends and the statutory holidays of the
/// law), marked with the year it rests on; once a deployment adds that year (here a made-up
/// 2027 file, clearly test data) the same case shows the due date the file gives, unmarked.
#[tokio::test]
async fn deadlines_follow_the_calendar_data_in_force() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let code = app.licence_power().await;
    let admin = app.admin();
    let mut version = {
        let file = yangguang::engine::catalogue_file::parse(
            yangguang::engine::catalogue_file::DEMO_CATALOGUE,
        )
        .unwrap();
        let entry = file
            .powers
            .iter()
            .find(|p| p.name == "食品经营许可")
            .unwrap()
            .clone();
        serde_json::to_value(&entry.version).unwrap()
    };
    version["statutory_limit_days"] = json!(60);
    version["promised_limit_days"] = json!(60);
    let r = app
        .post(
            &format!("/api/v1/powers/{code}/versions"),
            Some(&admin),
            &version,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let officer = app.officer("alice");
    let r = app
        .post(
            "/api/v1/cases",
            Some(&officer),
            &json!({
                "power_code": code,
                "party": {"kind": "organisation", "name": "某公司", "id_number": "91350100M000100Y43"},
                "channel": "window",
                "received_at": "2026-10-15T09:00:00+08:00",
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Conclude it in 2026 so "days used" stays inside the known years whenever this runs.
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/steps"),
            Some(&officer),
            &json!({"outcome": "不予受理", "expected_version": 1, "at": "2026-10-16T10:00:00+08:00"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let case: Value = app
        .get(&format!("/api/v1/cases/{id}"), Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    let statutory = &case["limits"]["statutory"];
    assert_eq!(statutory["provisional"], true, "{case}");
    assert_eq!(statutory["provisional_years"], json!([2027]), "{case}");
    let provisional_due = statutory["due"].as_str().unwrap().to_owned();
    let by_law = aggregates::calendar::WorkingCalendar::builtin()
        .due_date(
            chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
            60,
            &[],
        )
        .unwrap();
    assert_eq!(provisional_due, by_law.to_string());
    assert!(case["limits_error"].is_null(), "{case}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("2027.yaml"),
        "year: 2027\nsource:\n  title: TEST DATA - not a State Council notice\n  published: 2026-11-01\n  \
         publisher: yangguang tests\nholidays:\n  - name: 元旦\n    from: 2027-01-01\n    to: 2027-01-05\n",
    )
    .unwrap();
    let calendar_dir = dir.path().to_path_buf();
    let app = app
        .restart_with(|s| s.calendar_dir = Some(calendar_dir))
        .await;
    let case: Value = app
        .get(&format!("/api/v1/cases/{id}"), Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    let due = case["limits"]["statutory"]["due"].as_str().unwrap();
    let expected = {
        let mut calendar = aggregates::calendar::WorkingCalendar::builtin();
        let year = aggregates::calendar::WorkingCalendar::parse_year(
            &std::fs::read_to_string(dir.path().join("2027.yaml")).unwrap(),
        )
        .unwrap();
        calendar.add_year(year).unwrap();
        calendar
            .add_working_days(
                chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
                60,
                &[],
            )
            .unwrap()
            .due
    };
    assert_eq!(due, expected.to_string());
    assert!(due.starts_with("2027-"));
    // The made-up file gives 元旦 five days (to Tuesday 5 January): the date moved two working
    // days later, and the mark went.
    assert!(due > provisional_due.as_str(), "{due} {provisional_due}");
    assert_eq!(case["limits"]["statutory"]["provisional"], false, "{case}");
    assert!(
        case["limits"]["statutory"]
            .get("provisional_years")
            .is_none()
    );
}

/// Two servers on one PostgreSQL work one case by turns. Each keeps the cases its commands
/// left; a state another server has moved on from is never the answer: the command is
/// decided again from the stream, so each step lands once, in order, and a refusal or a
/// conflict is the stream's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_working_one_case_by_turns_decide_on_its_stream() {
    let first = TestApp::spawn_isolated_pg().await;
    let second = first.second_server().await;
    let power = first.licence_power().await;
    let officer = first.officer("alice");
    let id = first.open_case(&power, &officer).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    async fn clock(
        app: &TestApp,
        id: &str,
        officer: &str,
        action: &str,
        expected: Option<u64>,
    ) -> reqwest::Response {
        let body = match expected {
            Some(v) => json!({"action": action, "reason": "等待鉴定结果", "expected_version": v}),
            None => json!({"action": action, "reason": "等待鉴定结果"}),
        };
        app.post(&format!("/api/v1/cases/{id}/clock"), Some(officer), &body)
            .await
    }
    let version = |r: Value| r["version"].as_u64().unwrap();

    let r = clock(&first, &id, &officer, "pause", Some(1)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(version(r.json().await.unwrap()), 2);
    let r = clock(&second, &id, &officer, "resume", Some(2)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(version(r.json().await.unwrap()), 3);
    // The first server last left the case at version 2, paused.
    let r = clock(&first, &id, &officer, "pause", Some(3)).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "decided on the stream, not on version 2"
    );
    assert_eq!(version(r.json().await.unwrap()), 4);
    // The second last saw it running: resuming is right on the stream.
    let r = clock(&second, &id, &officer, "resume", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(version(r.json().await.unwrap()), 5);
    // Refusals and conflicts come from the stream too.
    assert_problem(
        clock(&first, &id, &officer, "resume", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_paused",
    )
    .await;
    assert_problem(
        clock(&first, &id, &officer, "pause", Some(4)).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;

    let events: Vec<Value> = first
        .get(&format!("/api/v1/cases/{id}/events"), Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<(u64, &str)> = events
        .iter()
        .map(|e| {
            (
                e["sequence"].as_u64().unwrap(),
                e["event_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "CaseOpened"),
            (2, "ClockPaused"),
            (3, "ClockResumed"),
            (4, "ClockPaused"),
            (5, "ClockResumed")
        ]
    );
}

/// An opening is decided on an empty stream without reading it (a freshly drawn number is
/// new); if the number was taken after all, the append conflicts and the stream refuses a
/// second opening, leaving the case as it was.
#[tokio::test]
async fn opening_a_number_already_taken_is_refused_by_its_stream() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let id = app.open_case(&power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let before = app
            .engine
            .repo()
            .aggregate_events("Case", &id)
            .await
            .unwrap();
        let command: aggregates::case::CaseCommand = serde_json::from_value(json!({"OpenCase": {
            "actor": {"id": "bob", "role": "officer", "department": app.department},
            "tracking_no": id,
            "power_code": power,
            "party": {"kind": "organisation", "name": "另一公司", "id_number": "91350100M000100Y43"},
            "channel": "window",
            "received_at": "2026-10-15T09:00:00+08:00",
            "query_code_salt": "00",
            "query_code_hash": "00",
        }}))
        .unwrap();
        let meta = yangguang::engine::CommandMeta {
            actor: "bob".into(),
            role: "officer".into(),
            department: Some(app.department.clone()),
            request_id: "test".into(),
        };
        let refused = app
            .engine
            .execute_new_case(
                &aggregates::case::CaseId::parse(&id).unwrap(),
                command,
                meta,
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(cqrs_es::AggregateError::UserError(
                    aggregates::case::CaseError::AlreadyOpened
                ))
            ),
            "{backend:?}: {:?}",
            refused.map(|(events, _)| events.len())
        );
        let after = app
            .engine
            .repo()
            .aggregate_events("Case", &id)
            .await
            .unwrap();
        assert_eq!(before.len(), after.len());
        assert_eq!(before[0].payload, after[0].payload);
    }
}
