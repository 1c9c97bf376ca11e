//! kill -9 during a 32-client command load, then a restart on the same store: every command
//! that got a 2xx is in the log exactly once, the views serve it at once, and every view equals
//! a full rebuild.
use std::time::{Duration, Instant};

use yangguang::store::{EventRepo, ensure_database};

use crate::harness::{self, Server, bounded};
use crate::load::{Answer, Load, LoadConfig, Tally};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    Sqlite,
    Postgres,
}

const CLIENTS: usize = 32;
const LOAD_BEFORE_KILL: Duration = Duration::from_millis(1500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_nothing_on_sqlite() {
    bounded(
        "kill_9_under_load_loses_nothing_on_sqlite",
        kill_under_load(Store::Sqlite),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_nothing_on_postgres() {
    bounded(
        "kill_9_under_load_loses_nothing_on_postgres",
        kill_under_load(Store::Postgres),
    )
    .await;
}

async fn kill_under_load(store: Store) {
    let started = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("server.log");
    let url = match store {
        Store::Sqlite => None,
        Store::Postgres => {
            let url = harness::shared_pg_url(&harness::fresh_db_name());
            ensure_database(&url)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {url}: {e}"));
            Some(url)
        }
    };

    let mut server = Server::spawn(data.path(), url.as_deref(), &log);
    server.wait_healthy(Duration::from_secs(60)).await;
    let officer = harness::officer_token(data.path(), "fault-officer").await;
    let approver = harness::officer_token(data.path(), "fault-approver").await;

    let load_began = Instant::now();
    let load = Load::start(LoadConfig {
        base: server.base.clone(),
        officer: officer.clone(),
        approver,
        clients: CLIENTS,
        stop_on_connection_error: true,
        backoff: Duration::from_millis(100),
    });
    // The kill comes once the load is really running: on a busy machine the first answers can
    // take a while, and a kill before any acknowledged command would test nothing.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !load.acked_since(load_began) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        load.acked_since(load_began),
        "no command was acknowledged in 60 s of load:\n{}",
        server.log_tail()
    );
    tokio::time::sleep(LOAD_BEFORE_KILL).await;
    let killed_pid = server.pid();
    server.kill9();
    let records = load.finish().await;
    let tally = Tally::of(records.iter().flat_map(|r| &r.exchanges));

    // Until it died the server answered every command with a 2xx.
    for e in records.iter().flat_map(|r| &r.exchanges) {
        if let Answer::Status { code, .. } = e.answer {
            assert!(
                (200..300).contains(&code),
                "{:?} answered {code} under load: {:?}",
                e.kind,
                e.detail
            );
        }
    }

    // A crash may leave a view far behind the log (its runner lagging under load): make it so
    // for the cases view, deterministically, by dropping it. The restarted server must not
    // serve reads from it before it has caught up with the log it found.
    let repo = open_repo(data.path(), url.as_deref()).await;
    repo.reset_view("cases").await.unwrap();

    let restart = Instant::now();
    let mut server = Server::spawn(data.path(), url.as_deref(), &log);
    let to_healthy = server.wait_healthy(Duration::from_secs(60)).await;
    let restarted_pid = server.pid();
    // Reads right after the restart already include every acknowledged command.
    let worklist_cases = harness::check_worklist(&server.base, &officer, &records).await;
    let logged = harness::check_log(&server.base, &officer, &records, true).await;
    assert_eq!(logged.acks, tally.commands_acked);
    let verified = restart.elapsed();

    let catch_up = harness::wait_caught_up(&repo, Duration::from_secs(30)).await;
    let docs = harness::check_views_equal_rebuild(&mut server, &repo).await;
    if let (EventRepo::Postgres(yangguang::store::PgStore { pool, .. }), Some(url)) = (&repo, &url)
    {
        pool.close().await;
        harness::drop_database(url).await;
    }

    println!(
        "faults/kill-9 on {store:?}: clients={CLIENTS} load={LOAD_BEFORE_KILL:.1?} pid {killed_pid} \
         killed, restarted as {restarted_pid}"
    );
    println!("  load: {tally}");
    println!(
        "  after restart: healthy in {to_healthy:.2?} (restart to verified: {:.2?}); \
         cases={} events verified={} acknowledged commands found exactly once={} \
         commands logged without a 2xx (in flight at the kill)={}; worklist showed all {worklist_cases} \
         cases at once; views caught up in {catch_up:.2?}; {docs} view documents equal a full \
         rebuild; total {:.1?}",
        verified,
        logged.cases,
        logged.events,
        logged.acks,
        logged.unacknowledged,
        started.elapsed()
    );
}

async fn open_repo(data_dir: &std::path::Path, url: Option<&str>) -> EventRepo {
    match url {
        Some(url) => EventRepo::connect_postgres(url, 4).await.unwrap(),
        None => EventRepo::open_sqlite(&data_dir.join("yangguang.sqlite"))
            .await
            .unwrap(),
    }
}
