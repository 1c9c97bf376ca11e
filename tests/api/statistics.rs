//! 考核评价公开: the public statistics checked against a hand count of generated cases — each
//! figure, per power and per department, in the month it belongs to — then again after a
//! restart (nothing counted twice) and after a recount from the start (the same figures).
use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, Backend, TestApp, assert_problem};

fn at(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

/// Walks case `id` to 准予许可 (`other` decides: 岗位分离).
async fn conclude(app: &TestApp, id: &str, officer: &str, other: &str) {
    app.walk(
        id,
        1,
        &[
            (officer, "受理"),
            (officer, "书面审查符合条件"),
            (other, "准予许可"),
        ],
    )
    .await;
}

async fn rate(app: &TestApp, id: &str, code: &str, score: u8) {
    let r = app
        .post(
            &format!("/api/v1/public/cases/{id}/rating"),
            None,
            &json!({"code": code, "score": score}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
}

async fn statistics(app: &TestApp, query: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/public/statistics?{query}"), None)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The figures a test expects, in the API's shape.
#[allow(clippy::too_many_arguments)]
fn figures(
    received: i64,
    concluded: i64,
    on_time: i64,
    on_time_rate: Option<f64>,
    average_days: Option<f64>,
    withdrawn: i64,
    ratings: [i64; 5],
    bad_rating_rate: Option<f64>,
    complaints: i64,
    orders: [i64; 3],
) -> Value {
    json!({
        "received": received, "concluded": concluded, "concluded_on_time": on_time,
        "on_time_rate": on_time_rate, "average_working_days": average_days,
        "withdrawn": withdrawn,
        "ratings": {
            "very_dissatisfied": ratings[0], "dissatisfied": ratings[1],
            "basically_satisfied": ratings[2], "satisfied": ratings[3], "very_satisfied": ratings[4],
        },
        "ratings_total": ratings.iter().sum::<i64>(),
        "bad_rating_rate": bad_rating_rate, "complaints": complaints,
        "orders_issued": orders[0], "orders_replied_on_time": orders[1], "orders_replied_late": orders[2],
        "fees_fen": 0,
    })
}

/// `figures` with fees charged.
fn with_fees(mut figures: Value, fen: i64) -> Value {
    figures["fees_fen"] = json!(fen);
    figures
}

fn department<'a>(s: &'a Value, id: &str) -> &'a Value {
    s["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department"] == id)
        .unwrap_or_else(|| panic!("no department {id}: {s}"))
}

fn power<'a>(d: &'a Value, code: &str) -> &'a Value {
    &d["powers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["power_code"] == code)
        .unwrap_or_else(|| panic!("no power {code}: {d}"))["figures"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn figures_match_a_hand_count_and_survive_restart_and_recount() {
    for backend in BACKENDS {
        // A database of its own on PostgreSQL: the test recounts from the start.
        let app = match backend {
            Backend::Sqlite => TestApp::spawn(backend).await,
            Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let p1 = app.licence_power().await;
        let p2 = app.licence_power().await;
        let zhang = app.officer("officer-s-1");
        let li = app.officer("officer-s-2");
        let inspector = app.token(Role::Inspector, None, "inspector-s-1");
        // Monday 16 November 2026. The licence's statutory limit is 20 working days.
        app.clock.set(at("2026-11-16T10:00:00+08:00"));

        // P1: c1 received and concluded today (0 working days); c2 received Monday 9th (5:
        // 10th-13th and 16th); c3 received Monday 12 October (25: 13 October to 16 November,
        // no holiday between) — late; c4 received today and withdrawn.
        let (c1, c1_code) = app
            .open_case_at(&p1, &zhang, "2026-11-16T09:00:00+08:00", false)
            .await;
        conclude(&app, &c1, &zhang, &li).await;
        let (c2, c2_code) = app
            .open_case_at(&p1, &zhang, "2026-11-09T09:00:00+08:00", false)
            .await;
        conclude(&app, &c2, &zhang, &li).await;
        let (c3, c3_code) = app
            .open_case_at(&p1, &zhang, "2026-10-12T09:00:00+08:00", false)
            .await;
        conclude(&app, &c3, &zhang, &li).await;
        let (c4, _) = app
            .open_case_at(&p1, &zhang, "2026-11-16T09:30:00+08:00", false)
            .await;
        let r = app
            .post(
                &format!("/api/v1/cases/{c4}/withdraw"),
                Some(&zhang),
                &json!({"reason": "申请人书面申请撤回", "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        // P2: c5 received Friday 30 October, still open; c6 an organisation's, concluded today.
        let (c5, _) = app
            .open_case_at(&p2, &zhang, "2026-10-30T09:00:00+08:00", false)
            .await;
        // A 10-yuan fee charged on c5 today (November).
        let r = app
            .post(
                &format!("/api/v1/cases/{c5}/fees"),
                Some(&zhang),
                &json!({"item": "工本费", "amount_fen": 1000, "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let (c6, c6_code) = app
            .open_case_at(&p2, &zhang, "2026-11-16T09:45:00+08:00", true)
            .await;
        conclude(&app, &c6, &zhang, &li).await;

        // Ratings: c1 非常满意, c2 不满意, c6 非常不满意; a complaint on c3.
        for (id, code, score) in [(&c1, &c1_code, 5), (&c2, &c2_code, 2), (&c6, &c6_code, 1)] {
            rate(&app, id, code, score).await;
        }
        let r = app
            .post(
                &format!("/api/v1/public/cases/{c3}/complaints"),
                None,
                &json!({"code": c3_code, "text": "超期办理，未说明理由"}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );

        // 督办: on c3, replied the same day (on time); on c2, due Thursday 19th, replied on
        // Wednesday 25th (late).
        let mut orders = Vec::new();
        for case in [&c3, &c2] {
            let r = app
                .post(
                    "/api/v1/orders",
                    Some(&inspector),
                    &json!({"case_id": case, "instructions": "说明办理情况", "limit_days": 3}),
                )
                .await;
            assert_eq!(
                r.status(),
                StatusCode::CREATED,
                "{}",
                r.text().await.unwrap()
            );
            orders.push(
                r.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let reply = json!({"explanation": "已核实", "corrective_action": "已整改"});
        let r = app
            .post(
                &format!("/api/v1/orders/{}/reply", orders[0]),
                Some(&zhang),
                &reply,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        app.clock.set(at("2026-11-25T10:00:00+08:00"));
        let r = app
            .post(
                &format!("/api/v1/orders/{}/reply", orders[1]),
                Some(&zhang),
                &reply,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);

        // The hand count for November, in this department.
        let november = format!("department={}&from=2026-11&to=2026-11", app.department);
        app.wait_for_statistics().await;
        let s = statistics(&app, &november).await;
        assert_eq!(s["from"], "2026-11");
        assert_eq!(s["to"], "2026-11");
        assert_eq!(
            s["departments"].as_array().unwrap().len(),
            1,
            "{backend:?}: {s}"
        );
        let d = department(&s, &app.department);
        assert_eq!(d["department_name"], "测试局", "{backend:?}");
        // P1: received c1, c2, c4; concluded c1, c2, c3 (0 + 5 + 25 days), two on time.
        assert_eq!(
            power(d, &p1),
            &figures(
                3,
                3,
                2,
                Some(66.7),
                Some(10.0),
                1,
                [0, 1, 0, 0, 1],
                Some(50.0),
                1,
                [2, 1, 1]
            ),
            "{backend:?}: P1"
        );
        // P2: received and concluded c6, the same day.
        assert_eq!(
            power(d, &p2),
            &with_fees(
                figures(
                    1,
                    1,
                    1,
                    Some(100.0),
                    Some(0.0),
                    0,
                    [1, 0, 0, 0, 0],
                    Some(100.0),
                    0,
                    [0, 0, 0]
                ),
                1000
            ),
            "{backend:?}: P2"
        );
        // The department: 4 received, 4 concluded (30 days), 3 on time.
        let november_figures = with_fees(
            figures(
                4,
                4,
                3,
                Some(75.0),
                Some(7.5),
                1,
                [1, 1, 0, 0, 1],
                Some(66.7),
                1,
                [2, 1, 1],
            ),
            1000,
        );
        assert_eq!(d["figures"], november_figures, "{backend:?}: department");
        assert_eq!(s["totals"], november_figures, "{backend:?}: totals");

        // October holds c3's and c5's receipt only; September to November, all six.
        let october = statistics(
            &app,
            &format!("department={}&from=2026-10&to=2026-10", app.department),
        )
        .await;
        assert_eq!(
            october["totals"],
            figures(2, 0, 0, None, None, 0, [0; 5], None, 0, [0; 3]),
            "{backend:?}: October"
        );
        let autumn = format!("department={}&from=2026-09&to=2026-11", app.department);
        let all = statistics(&app, &autumn).await;
        assert_eq!(all["totals"]["received"], 6, "{backend:?}");
        assert_eq!(all["totals"]["concluded"], 4, "{backend:?}");

        // The CSV: the department's line, then one per power.
        let r = app
            .get(&format!("/api/v1/public/statistics.csv?{november}"), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        assert!(
            csv.starts_with('\u{feff}'),
            "a BOM for spreadsheet programs"
        );
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(lines[0].contains("按时办结率% on_time_rate"), "{csv}");
        let department_line = format!(
            "2026-11,2026-11,\"{}\",\"测试局\",,,4,4,3,75.0,7.5,1,3,1,0,0,1,1,66.7,1,2,1,1,10.00",
            app.department
        );
        assert_eq!(lines[1], department_line, "{backend:?}");
        assert!(
            lines.iter().any(|l| l.contains(&format!(
                "\"{p1}\",\"食品经营许可\",3,3,2,66.7,10.0,1,2,1,0,0,1,0,50.0,1,2,1,1"
            ))),
            "{backend:?}: {csv}"
        );

        // Nothing counts twice across a restart, and a recount from the start (as after a
        // change of what is counted: an older version's checkpoint at the log's start, whose
        // counts would double if they were not dropped first) gives the same figures.
        let app = app.restart().await;
        app.wait_for_statistics().await;
        let again = statistics(&app, &november).await;
        assert_eq!(
            again["totals"], november_figures,
            "{backend:?}: after a restart"
        );
        let checkpoint = app
            .engine
            .repo()
            .checkpoint("statistics")
            .await
            .unwrap()
            .expect("the follower's checkpoint");
        app.engine
            .repo()
            .save_checkpoint("statistics", checkpoint.version - 1, Default::default())
            .await
            .unwrap();
        let app = app.restart().await;
        app.wait_for_statistics().await;
        let recounted = statistics(&app, &november).await;
        assert_eq!(
            recounted["totals"], november_figures,
            "{backend:?}: recounted"
        );
        assert_eq!(
            department(&recounted, &app.department)["powers"],
            d["powers"],
            "{backend:?}: recounted per power"
        );
    }
}

#[tokio::test]
async fn bad_filters_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (query, status, code) in [
        ("from=2026-13", StatusCode::BAD_REQUEST, "invalid_query"),
        ("to=2026-1", StatusCode::BAD_REQUEST, "invalid_query"),
        ("from=yesterday", StatusCode::BAD_REQUEST, "invalid_query"),
        (
            "department=Not%20An%20Id",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        ("department=", StatusCode::BAD_REQUEST, "invalid_query"),
        ("colour=blue", StatusCode::BAD_REQUEST, "invalid_query"),
        (
            "from=2026-05&to=2026-04",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_period",
        ),
        (
            "from=2010-01&to=2026-12",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_period",
        ),
    ] {
        for path in ["/api/v1/public/statistics", "/api/v1/public/statistics.csv"] {
            let r = app.get(&format!("{path}?{query}"), None).await;
            assert_problem(r, status, code).await;
        }
    }
    // The defaults: January of this year to this month (the test clock: November 2026).
    let s = statistics(&app, "").await;
    assert_eq!(s["from"], "2026-01");
    assert_eq!(s["to"], "2026-11");
    // A department with nothing recorded has no rows, and totals of zero.
    let s = statistics(&app, "department=nobody-here").await;
    assert_eq!(s["departments"], json!([]));
    assert_eq!(s["totals"]["received"], 0);
    assert_eq!(s["totals"]["on_time_rate"], Value::Null);
}

/// A batch that starts from a checkpoint no longer there (its process lost the lease, and
/// another has counted on) writes nothing, on both stores.
#[tokio::test]
async fn a_batch_from_a_moved_checkpoint_counts_nothing() {
    use yangguang::store::Cursor;
    use yangguang::store::statistics::{CountKey, Tally};
    for backend in BACKENDS {
        let (repo, _dir) = crate::helpers::repo(backend).await;
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let (name, department) = (
            format!("statistics-{unique}"),
            format!("d-{}", &unique[..10]),
        );
        let mut tally = Tally::default();
        tally
            .at(CountKey {
                month: "2026-11".into(),
                department: department.clone(),
                power_code: "P".into(),
            })
            .received = 1;
        let (c1, c2) = (
            Cursor {
                tx: 0,
                position: 10,
            },
            Cursor {
                tx: 0,
                position: 20,
            },
        );
        let add = |from, to| repo.add_statistics(&tally, &name, 1, from, to);
        assert!(add(Cursor::default(), c1).await.unwrap(), "{backend:?}");
        // Another process counting the same first batch, then the same second batch again.
        assert!(!add(Cursor::default(), c1).await.unwrap(), "{backend:?}");
        assert!(add(c1, c2).await.unwrap(), "{backend:?}");
        assert!(!add(c1, c2).await.unwrap(), "{backend:?}");
        let rows = repo
            .statistics("2026-11", "2026-11", Some(&department))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].counts.received, 2,
            "{backend:?}: two batches, each once"
        );
        let saved = repo.checkpoint(&name).await.unwrap().unwrap();
        assert_eq!(saved.cursor, c2);
    }
}
