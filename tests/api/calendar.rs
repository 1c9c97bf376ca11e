//! Loading a year's State Council notice: the administrators' page and `yangguang calendar
//! import`, every problem listed, a preview of the due dates that move, the year stored for
//! every server, `/healthz` and the console warning while next year is provisional.
use aggregates::Role;
use chrono::DateTime;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{BACKENDS, Backend, TestApp, sign_in};

/// TEST DATA ONLY, in the shape of a notice: 元旦 1-4 January 2027 and 春节 6-12 February with
/// a make-up Sunday. Not a real arrangement.
const YEAR_2027: &str = "year: 2027
source:
  title: TEST DATA - 国务院办公厅关于2027年部分节假日安排的通知（测试）
  published: 2026-12-01
  publisher: yangguang tests
  url: https://example.invalid/test-2027
holidays:
  - name: 元旦
    from: 2027-01-01
    to: 2027-01-04
  - name: 春节
    from: 2027-02-06
    to: 2027-02-12
    make_up_workdays: [2027-02-14]
";

/// Every kind of problem at once: a date outside the year, a day both a holiday and a
/// make-up workday, a make-up workday that is not a weekend, no source URL.
const BAD_2027: &str = "year: 2027
source:
  title: 错误示例
  published: 2026-12-01
  publisher: yangguang tests
holidays:
  - name: 元旦
    from: 2027-01-01
    to: 2027-01-03
    make_up_workdays: [2027-01-02]
  - name: 春节
    from: 2027-02-06
    to: 2028-03-12
    make_up_workdays: [2027-02-17]
";

fn text_of(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    html[start..].chars().take(4000).collect()
}

#[tokio::test]
async fn an_administrator_loads_a_year_after_seeing_every_problem_and_the_dates_that_move() {
    for backend in BACKENDS {
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            // Loaded years are the deployment's: a database of its own.
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        app.clock
            .set(DateTime::parse_from_rfc3339("2026-12-07T09:00:00+08:00").unwrap());
        let power = app.licence_power().await;
        let officer = app.officer("alice");
        let opened = app.open_case(&power, &officer).await;
        let id = opened["id"].as_str().unwrap().to_owned();
        assert_eq!(opened["case"]["limits"]["statutory"]["due"], "2027-01-05");

        // December, 2027 not loaded: /healthz and the console warn.
        let health: Value = app.get("/healthz", None).await.json().await.unwrap();
        assert!(
            health["warnings"][0].as_str().unwrap().contains("2027"),
            "{health}"
        );
        let (name, password) = app.account(Role::Admin, Some(&app.department)).await;
        let admin = sign_in(&app.address, &name, &password).await;
        let page = app.page("/admin", Some(&admin)).await.text().await.unwrap();
        assert!(
            text_of(&page, "calendar-warning")
                .contains("尚未导入国务院办公厅公布的2027年节假日安排"),
            "{backend:?}"
        );
        let page = app
            .page("/admin/calendar", Some(&admin))
            .await
            .text()
            .await
            .unwrap();
        assert!(text_of(&page, "year-2027").contains("预计"), "{backend:?}");
        assert!(
            text_of(&page, "year-2026").contains("已公布"),
            "{backend:?}"
        );

        // A bad file: every problem, in Chinese, and nothing loaded.
        let r = app
            .form("/admin/calendar/check", Some(&admin), &[("yaml", BAD_2027)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        let problems = text_of(&page, "calendar-problems");
        for needle in [
            "日期 2028-03-12 不在 2027 年内",
            "2027-01-02 既是元旦的放假日，又是调休上班日",
            "调休上班日 2027-02-17 是星期三，不是周六或周日",
            "未注明出处（source.url）",
        ] {
            assert!(
                problems.contains(needle),
                "{backend:?}: no {needle} in {problems}"
            );
        }
        assert!(!page.contains("is outside"), "English on a Chinese page");
        let r = app
            .form("/admin/calendar/load", Some(&admin), &[("yaml", BAD_2027)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(app.engine.repo().calendar_years().await.unwrap().is_empty());

        // The good file: the preview names the case whose due date moves, and by how much.
        let r = app
            .form(
                "/admin/calendar/check",
                Some(&admin),
                &[("yaml", YEAR_2027)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let page = r.text().await.unwrap();
        let moved = text_of(&page, "moved");
        assert!(moved.contains(&id), "{backend:?}: {moved}");
        // 元旦 four days off, Monday 4 January among them: 2027-01-05 becomes 2027-01-06.
        assert!(moved.contains("2027-01-05"), "{moved}");
        assert!(moved.contains("2027-01-06"), "{moved}");
        assert!(moved.contains("推后 1 天"), "{moved}");
        assert!(app.engine.repo().calendar_years().await.unwrap().is_empty());

        let r = app
            .form("/admin/calendar/load", Some(&admin), &[("yaml", YEAR_2027)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let stored = app.engine.repo().calendar_years().await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (stored[0].year, stored[0].loaded_by.as_str()),
            (2027, name.as_str())
        );

        // The running case's dates changed at once, unmarked; the warning is gone.
        let case: Value = app
            .get(&format!("/api/v1/cases/{id}"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["limits"]["statutory"]["due"], "2027-01-06", "{case}");
        assert_eq!(case["limits"]["statutory"]["provisional"], false);
        let health: Value = app.get("/healthz", None).await.json().await.unwrap();
        assert!(health.get("warnings").is_none(), "{health}");
        let page = app
            .page("/admin/calendar?loaded=2027", Some(&admin))
            .await
            .text()
            .await
            .unwrap();
        assert!(text_of(&page, "year-2027").contains("已公布"));
        assert!(!page.contains("id=\"calendar-warning\""));

        // A server started later over the same store counts with the loaded year too.
        let app = app.restart().await;
        let case: Value = app
            .get(&format!("/api/v1/cases/{id}"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["limits"]["statutory"]["due"], "2027-01-06", "{case}");
    }
}

#[tokio::test]
async fn the_calendar_command_refuses_a_bad_file_previews_loads_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yangguang"))
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("YANGGUANG_DATABASE_URL")
            .output()
            .unwrap()
    };
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, BAD_2027).unwrap();
    let good = dir.path().join("2027.yaml");
    std::fs::write(&good, YEAR_2027).unwrap();

    let out = run(&["calendar", "list"]);
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(list.contains("2026  official"), "{list}");
    assert!(list.contains("2027  provisional"), "{list}");

    let out = run(&["calendar", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("5 problem(s), nothing loaded"), "{err}");
    for needle in [
        "不在 2027 年内",
        "既是元旦的放假日",
        "不是周六或周日",
        "source.url",
    ] {
        assert!(err.contains(needle), "no {needle} in {err}");
    }

    let out = run(&["calendar", "import", good.to_str().unwrap(), "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("dry run: nothing loaded"));
    let out = run(&["calendar", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("2027  provisional"));

    let out = run(&[
        "calendar",
        "import",
        good.to_str().unwrap(),
        "--by",
        "ops-zhang",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["calendar", "list"]);
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(list.contains("2027  official"), "{list}");
    assert!(list.contains("loaded by ops-zhang"), "{list}");
}
