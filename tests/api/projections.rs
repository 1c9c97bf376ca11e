//! Projections: views built live equal a full rebuild (nothing applied twice or lost), on both
//! stores, across restarts and with two server processes on one PostgreSQL.
use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::Value;
use yangguang::follow::projection;
use yangguang::store::EventRepo;

use crate::helpers::{TestApp, assert_problem};

/// Every document of every view, by (view, key).
async fn snapshot(repo: &EventRepo) -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    for name in projection::names() {
        // Documents come in key order, so views without a key inside their documents are
        // compared by position.
        for (i, doc) in repo
            .view_docs::<Value>(name, None)
            .await
            .unwrap()
            .into_iter()
            .enumerate()
        {
            let key = doc
                .pointer("/power/code")
                .or_else(|| doc.pointer("/case/tracking_no"))
                .and_then(Value::as_str)
                .map_or_else(|| format!("#{i}"), str::to_string);
            all.insert(format!("{name}/{key}"), doc);
        }
    }
    all
}

/// Some activity: a power, cases walked a few steps, a pause.
async fn activity(app: &TestApp, power: &str, cases: usize) -> Vec<String> {
    let officer = app.officer("alice");
    let mut ids = Vec::new();
    for i in 0..cases {
        let id = app.open_case(power, &officer).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            app.step(&id, &officer, "受理", 1).await.status(),
            StatusCode::OK
        );
        if i % 2 == 0 {
            assert_eq!(
                app.step(&id, &officer, "需现场核查", 2).await.status(),
                StatusCode::OK
            );
        }
        ids.push(id);
    }
    ids
}

async fn assert_live_equals_rebuild(app: &TestApp) {
    // Reads wait until the views have this server's writes.
    let listed = app.get("/api/v1/powers", None).await;
    assert_eq!(listed.status(), StatusCode::OK);
    // Stop with every view at the head of the log: the alerting task writes events of its own
    // (alerts for the cases above), so settle it first, then wait for every view.
    crate::alerts::settle(app).await;
    for name in projection::names() {
        assert!(
            app.engine.wait_for_view(name, Default::default()).await,
            "{name} did not catch up"
        );
    }
    app.engine.stop_projections().await;
    let repo = app.engine.repo();
    let live = snapshot(repo).await;
    assert!(!live.is_empty());
    // Pages of 3 events make streams span pages (a view of streams replays stream by stream
    // and carries a document from one page to the next); then the default pages.
    for batch in [3, projection::REBUILD_BATCH] {
        for name in projection::names() {
            projection::rebuild_paged(repo, name, batch, |_, _| {})
                .await
                .unwrap();
        }
        let rebuilt = snapshot(repo).await;
        assert_eq!(live.len(), rebuilt.len());
        for (key, doc) in &live {
            assert_eq!(
                Some(doc),
                rebuilt.get(key),
                "{key} differs from its rebuild in pages of {batch}"
            );
        }
    }
    for status in projection::status(repo).await.unwrap() {
        assert_eq!(status.lag, 0, "{} lags after the rebuild", status.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_views_survive_a_restart_and_equal_a_rebuild() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    activity(&app, &power, 4).await;
    let app = app.restart().await;
    activity(&app, &power, 3).await;
    assert_live_equals_rebuild(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_views_survive_a_restart_and_equal_a_rebuild() {
    let app = TestApp::spawn_isolated_pg().await;
    let power = app.licence_power().await;
    activity(&app, &power, 4).await;
    let app = app.restart().await;
    activity(&app, &power, 3).await;
    assert_live_equals_rebuild(&app).await;
}

/// Cases worked in turn by a server keeping one case (`cached_cases = 1`): every command,
/// every view batch and every alert batch but the last case's starts from the store.
async fn work_cases_in_turn_keeping_one(app: TestApp) {
    let app = app
        .restart_with(|s| s.cached_cases = std::num::NonZeroUsize::MIN)
        .await;
    assert_eq!(app.engine.cached_cases().get(), 1);
    let power = app.licence_power().await;
    let officer = app.officer("alice");
    // (case id, its version as the last command left it)
    let mut cases = Vec::new();
    for _ in 0..4 {
        let case = app.open_case(&power, &officer).await;
        cases.push((case["id"].as_str().unwrap().to_string(), 1));
    }
    for outcome in ["受理", "需现场核查"] {
        for (id, version) in &mut cases {
            let r = app.step(id, &officer, outcome, *version).await;
            assert_eq!(r.status(), StatusCode::OK, "{outcome} on {id}");
            let case: Value = r.json().await.unwrap();
            let next = case["version"].as_u64().unwrap();
            assert!(next > *version, "{case}");
            *version = next;
        }
    }
    // A stale version is still refused when the case comes from the store.
    assert_problem(
        app.step(&cases[0].0, &officer, "受理", 1).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    for (id, version) in &cases {
        let r = app
            .get(&format!("/api/v1/cases/{id}"), Some(&officer))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["version"], *version, "{case}");
    }
    assert_live_equals_rebuild(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_server_keeping_one_case_works_many_in_turn() {
    work_cases_in_turn_keeping_one(TestApp::spawn(crate::helpers::Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_server_keeping_one_case_works_many_in_turn() {
    work_cases_in_turn_keeping_one(TestApp::spawn_isolated_pg().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_run_each_projection_once() {
    let first = TestApp::spawn_isolated_pg().await;
    let second = first.second_server().await;
    let power = first.licence_power().await;
    // Commands work on both servers, concurrently.
    let (a, b) = tokio::join!(activity(&first, &power, 5), activity(&second, &power, 5));
    assert_eq!(a.len() + b.len(), 10);
    // Both answer reads with the other's writes once the views catch up.
    assert!(
        second
            .engine
            .wait_for_view("cases", Default::default())
            .await
    );
    assert!(
        first
            .engine
            .wait_for_view("cases", Default::default())
            .await
    );
    let officer = first.officer("alice");
    let r = first
        .get(&format!("/api/v1/cases/{}", b[0]), Some(&officer))
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Each projection runs in exactly one of the two processes.
    let first_runs = first.engine.progress().borrow().clone();
    let second_runs = second.engine.progress().borrow().clone();
    for name in projection::names() {
        let holders = [&first_runs, &second_runs]
            .iter()
            .filter(|m| m.contains_key(name))
            .count();
        assert_eq!(holders, 1, "{name} is run by {holders} processes");
    }
    second.engine.stop_projections().await;
    assert_live_equals_rebuild(&first).await;
}

#[tokio::test]
async fn the_worklist_lists_open_cases_by_deadline() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    let ids = activity(&app, &power, 3).await;
    let officer = app.officer("alice");
    let r = app.get("/api/v1/worklist", Some(&officer)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let items: Vec<Value> = r.json().await.unwrap();
    let listed: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    for id in &ids {
        assert!(listed.contains(&id.as_str()));
    }
    // A case refused at acceptance has ended: it leaves the worklist of cases in hand and is
    // listed with the ended ones when asked for by its status, alone there.
    let ended = app.open_case(&power, &officer).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.step(&ended, &officer, "不予受理", 1).await;
    assert_eq!(r.status(), StatusCode::OK);
    let ids_of = async |path: &str| -> Vec<String> {
        let r = app.get(path, Some(&officer)).await;
        assert_eq!(r.status(), StatusCode::OK);
        let items: Vec<Value> = r.json().await.unwrap();
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let in_hand = ids_of("/api/v1/worklist").await;
    assert!(!in_hand.contains(&ended));
    assert!(ids.iter().all(|id| in_hand.contains(id)));
    assert_eq!(
        ids_of("/api/v1/worklist?status=concluded").await,
        std::slice::from_ref(&ended)
    );
    assert!(ids_of("/api/v1/worklist?status=withdrawn").await.is_empty());
    let open = ids_of("/api/v1/worklist?status=open").await;
    assert!(!open.is_empty() && open.iter().all(|id| ids.contains(id)));
    // The worklist of cases in hand reads only theirs: the ended case is in a part of its own.
    let repo = app.engine.repo();
    let in_part = async |part: &str| repo.view_docs_text("cases", Some(part)).await.unwrap();
    let ended_part = in_part(&format!("{}/ended", app.department)).await;
    assert_eq!(ended_part.len(), 1);
    assert!(ended_part[0].contains(&ended));
    assert_eq!(in_part(&app.department).await.len(), ids.len());
    let r = app.get("/api/v1/worklist", None).await;
    assert_problem(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let inspector = app.token(aggregates::Role::Inspector, None, "i");
    let r = app.get("/api/v1/worklist", Some(&inspector)).await;
    assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_reads_its_write_through_another_server_with_its_position() {
    let first = TestApp::spawn_isolated_pg().await;
    let second = first.second_server().await;
    let power = first.licence_power().await;
    let officer = first.officer("alice");
    let opened = first.open_case(&power, &officer).await;
    let id = opened["id"].as_str().unwrap();
    let code = opened["query_code"].as_str().unwrap();
    let r = first.step(id, &officer, "受理", 1).await;
    assert_eq!(r.status(), StatusCode::OK);
    let position = r
        .headers()
        .get("yangguang-position")
        .expect("command responses carry their position")
        .to_str()
        .unwrap()
        .to_string();
    let r = second
        .client
        .get(format!(
            "{}/api/v1/public/cases/{id}?code={code}",
            second.address
        ))
        .header("Yangguang-Min-Position", &position)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let view: Value = r.json().await.unwrap();
    assert_eq!(
        view["current_step"], "材料审查",
        "the second server saw the step"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_view_worker_keeps_its_view_and_only_its_view() {
    let app = TestApp::spawn_isolated_pg().await;
    let power = app.licence_power().await;
    let repo = app.engine.repo().clone();
    // A bad name is refused, naming the views there are.
    let err = projection::follow(
        repo.clone(),
        vec!["nope".to_string()],
        yangguang::engine::CACHED_CASES,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("nope") && err.contains("cases"), "{err}");
    // The server lets its views go; a worker takes `cases` alone.
    crate::alerts::settle(&app).await;
    for name in projection::names() {
        assert!(app.engine.wait_for_view(name, Default::default()).await);
    }
    app.engine.stop_projections().await;
    let catalogue_before = repo.checkpoint("catalogue").await.unwrap();
    let worker = tokio::spawn(projection::follow(
        repo.clone(),
        vec!["cases".to_string()],
        yangguang::engine::CACHED_CASES,
    ));
    let ids = activity(&app, &power, 3).await;
    // The worker folds every event of these cases into `cases` (each document's version
    // counts the events applied); nothing runs `catalogue`.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    for id in &ids {
        let written = repo.aggregate_events("Case", id).await.unwrap().len();
        loop {
            let doc = repo.view_doc::<Value>("cases", id).await.unwrap();
            let folded = doc.as_ref().and_then(|d| d["case"]["version"].as_u64());
            if folded == Some(written as u64) {
                assert_eq!(doc.unwrap()["case"]["tracking_no"], id.as_str());
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the worker's document of {id} folded {folded:?} of {written} events"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    // Longer than a runner defers a checkpoint its events did not touch
    // (`CHECKPOINT_EVERY`): a worker running `catalogue` too would have moved it by now.
    tokio::time::sleep(projection::CHECKPOINT_EVERY * 2).await;
    assert_eq!(
        repo.checkpoint("catalogue").await.unwrap(),
        catalogue_before
    );
    worker.abort();
}

/// The commit listener wakes this process's runners for other processes' notifications and
/// skips those its own engine sent (their commits woke the runners already).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_wakes_runners_for_other_processes_commits_only() {
    // A database of its own: notifications reach every session of their database, and the
    // shared one carries other tests' commits.
    let shared = crate::helpers::pg_url().await;
    let server = shared.rsplit_once('/').map_or(shared.as_str(), |(s, _)| s);
    let url = format!("{server}/yangguang_t_listener");
    yangguang::store::ensure_database(&url).await.unwrap();
    let EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) =
        EventRepo::connect_postgres(&url, 2).await.unwrap()
    else {
        unreachable!("a PostgreSQL URL");
    };
    let commits = std::sync::Arc::new(tokio::sync::watch::channel(0_u64).0);
    let mut woken = commits.subscribe();
    let listener = projection::spawn_listener(pool.clone(), commits.clone(), Some("mine".into()));
    let notify = |payload: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(projection::NOTIFY_CHANNEL)
                .bind(payload)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    // Until the listener has subscribed, notifications go unheard: send until one wakes it.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        notify("theirs").await;
        let wait = std::time::Duration::from_millis(100);
        if tokio::time::timeout(wait, woken.changed()).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never woken");
    }
    // Probes heard late wake it now, not below.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before = *woken.borrow_and_update();
    for _ in 0..20 {
        notify("mine").await;
    }
    notify("theirs").await;
    tokio::time::timeout(std::time::Duration::from_secs(10), woken.changed())
        .await
        .expect("woken by the foreign notification")
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let woke = *woken.borrow_and_update() - before;
    assert_eq!(
        woke, 1,
        "woken {woke} times for 20 own notifications and 1 foreign"
    );
    listener.abort();
}
