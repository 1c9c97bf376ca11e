//! Clocks late in a year: cases opened on 20 December of the last year whose State Council
//! notice is built in (2026) and of the year after it (2027, wholly provisional) keep every
//! limit, marked provisional wherever it rests on a year without its notice; yellow cards
//! fire on provisional dates and say so; loading the official year moves the dates and
//! clears the mark.
use aggregates::Role;
use aggregates::calendar::WorkingCalendar;
use chrono::{DateTime, FixedOffset, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, Backend, TestApp, sign_in};

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Opens a licence case now on `app`'s clock; returns (id, query code, case).
async fn open(app: &TestApp, power: &str, officer: &str) -> (String, String, Value) {
    let opened = app.open_case(power, officer).await;
    (
        opened["id"].as_str().unwrap().to_owned(),
        opened["query_code"].as_str().unwrap().to_owned(),
        opened["case"].clone(),
    )
}

async fn case(app: &TestApp, id: &str, token: &str) -> Value {
    let r = app.get(&format!("/api/v1/cases/{id}"), Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The case scenario of `cases::a_licence_case_is_walked_to_its_end`, on a server whose clock
/// starts at `start`: every limit is there, its due date the calendar's, marked provisional
/// exactly when it reaches a year without its notice; the officer's page and the public's
/// page say so in words; the case walks to its end.
async fn walk_a_case_late_in_the_year(backend: Backend, start: &str, provisional: &[i32]) {
    // A server whose clock runs ahead of the other tests' sweeps the cases of the database it
    // serves: a database of its own, so no other test's cases meet this clock.
    let app = match backend {
        Backend::Sqlite => TestApp::spawn(backend).await,
        Backend::Postgres => TestApp::spawn_isolated_pg().await,
    };
    app.clock.set(at(start));
    let power = app.licence_power().await;
    let alice = app.officer("alice");
    let bob = app.officer("bob");
    let (id, code, opened) = open(&app, &power, &alice).await;
    let received = at(start).date_naive();
    let calendar = WorkingCalendar::builtin();
    for (limit, days) in [("statutory", 20), ("promised", 5)] {
        let status = &opened["limits"][limit];
        let due = calendar.due_date(received, days, &[]).unwrap();
        assert_eq!(
            status["due"],
            due.to_string(),
            "{backend:?} {start} {limit}"
        );
        let expected = calendar.provisional_years(received, due);
        assert_eq!(
            status["provisional"],
            !expected.is_empty(),
            "{backend:?} {start} {limit}"
        );
        assert_eq!(
            status
                .get("provisional_years")
                .cloned()
                .unwrap_or(json!([])),
            json!(expected),
            "{backend:?} {start} {limit}"
        );
    }
    assert_eq!(
        opened["limits"]["statutory"]["provisional_years"],
        json!(provisional),
        "{backend:?} {start}"
    );
    assert!(opened["limits_error"].is_null(), "{opened}");

    // The public's page: the due date, and the mark in words.
    let page = app
        .page(&format!("/track?no={id}&code={code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"working-days\""), "{backend:?} {start}");
    let years = provisional
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join("、");
    let mark = format!("预计，待国务院公布{years}年节假日安排后确定");
    assert!(page.contains(&mark), "{backend:?} {start}: no {mark}");
    let public: Value = app
        .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["statutory"]["provisional"], true, "{public}");

    // The officer's worklist marks the case's dates.
    let worklist: Vec<Value> = app
        .get("/api/v1/worklist", Some(&alice))
        .await
        .json()
        .await
        .unwrap();
    let item = worklist
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{worklist:?}"));
    assert_eq!(item["provisional_years"], json!(provisional), "{item}");

    // The officer's page says it too, in Chinese, with no English error.
    let (name, password) = app.account(Role::Officer, Some(&app.department)).await;
    let console = sign_in(&app.address, &name, &password).await;
    let page = app
        .page(&format!("/officer/cases/{id}"), Some(&console))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"limit-statutory-provisional\""),
        "{backend:?} {start}"
    );
    assert!(page.contains(&mark), "{backend:?} {start}");
    let worklist = app
        .page("/officer/worklist", Some(&console))
        .await
        .text()
        .await
        .unwrap();
    assert!(worklist.contains("（预计）"), "{backend:?} {start}");
    assert!(
        !page.contains("no working-day calendar"),
        "{backend:?} {start}"
    );

    // Walked to its end, as at any other time of the year.
    let mut v = 1;
    for (who, outcome) in [
        (&alice, "受理"),
        (&alice, "书面审查符合条件"),
        (&bob, "准予许可"),
    ] {
        let r = app.step(&id, who, outcome, v).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        v = case(&app, &id, &alice).await["version"].as_u64().unwrap();
    }
    let done = case(&app, &id, &alice).await;
    assert_eq!(done["status"], "concluded");
    assert!(done["limits"]["statutory"]["used_days"].as_u64().is_some());
}

#[tokio::test]
async fn a_case_opened_on_20_december_of_the_last_covered_year_keeps_its_limits() {
    for backend in BACKENDS {
        // Sunday 2026-12-20: counting starts on Monday; 20 working days reach January 2027.
        walk_a_case_late_in_the_year(backend, "2026-12-20T10:00:00+08:00", &[2027]).await;
    }
}

#[tokio::test]
async fn a_case_opened_on_20_december_of_the_year_after_keeps_its_limits() {
    for backend in BACKENDS {
        // 2027 and 2028 both without a notice: every date is provisional.
        walk_a_case_late_in_the_year(backend, "2027-12-20T10:00:00+08:00", &[2027, 2028]).await;
    }
}

/// A case accepted on 2026-12-07 with a 20-day limit: its due date is provisional; the yellow
/// card fires on it and says so; loading an official 2027 (here a made-up file, test data)
/// moves the due date and clears the mark.
#[tokio::test]
async fn a_provisional_due_date_fires_a_yellow_card_and_moves_when_the_year_is_loaded() {
    for backend in BACKENDS {
        // On a database of its own: the deadline watcher runs in the server holding its lease,
        // which on the shared test database may be another test's, on another clock.
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        app.clock.set(at("2026-12-07T09:00:00+08:00"));
        let power = app.licence_power().await;
        let alice = app.officer("alice");
        let inspector = app.token(Role::Inspector, None, "inspector-1");
        let (id, _, opened) = open(&app, &power, &alice).await;
        let statutory = &opened["limits"]["statutory"];
        // 18 working days in December, 元旦 (a statutory day off by law), then 4 and 5 January.
        assert_eq!(statutory["due"], "2027-01-05", "{backend:?}");
        assert_eq!(statutory["provisional_years"], json!([2027]), "{backend:?}");

        // On Tuesday 29 December 16 of the 20 days are used: 80 %, the yellow card. The deadline
        // watcher sweeps when a server starts.
        app.clock.set(at("2026-12-29T09:00:00+08:00"));
        let app = app.restart().await;
        crate::alerts::wait_for_sweep(&app).await;
        let alerts = crate::alerts::alerts_of(&app, &inspector, &id).await;
        let yellow = alerts
            .iter()
            .find(|a| a["alert"]["threshold"] == "statutory-80pct")
            .unwrap_or_else(|| panic!("{backend:?}: no yellow card in {alerts:?}"));
        assert_eq!(yellow["alert"]["rule"], "yellow_card");
        assert_eq!(
            yellow["alert"]["details"]["provisional_years"],
            json!([2027]),
            "{yellow}"
        );
        assert_eq!(yellow["alert"]["details"]["due"], "2027-01-05");

        // The official 2027 arrives (made up: 元旦 1-3 January, a make-up Sunday 3 January is
        // not claimed): the due date moves and the mark goes, on the same running case.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("2027.yaml"),
            "year: 2027\nsource:\n  title: TEST DATA - not a State Council notice\n  \
             published: 2026-12-01\n  publisher: yangguang tests\nholidays:\n  - name: 元旦\n    \
             from: 2027-01-01\n    to: 2027-01-04\n",
        )
        .unwrap();
        let calendar_dir = dir.path().to_path_buf();
        let app = app
            .restart_with(|s| s.calendar_dir = Some(calendar_dir))
            .await;
        let now = case(&app, &id, &alice).await;
        let statutory = &now["limits"]["statutory"];
        assert_eq!(statutory["due"], "2027-01-06", "{backend:?} {now}");
        assert_eq!(statutory["provisional"], false, "{backend:?}");
        assert!(statutory.get("provisional_years").is_none());
        assert_eq!(date("2027-01-06"), date(statutory["due"].as_str().unwrap()));
    }
}
