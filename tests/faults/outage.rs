//! PostgreSQL stops in the middle of a load (a private cluster, `pg_ctl stop -m immediate`):
//! the server answers every request with a 503 problem+json carrying Retry-After, never a 500,
//! never a dropped connection, stays up, and carries on by itself once PostgreSQL is back, with
//! nothing acknowledged lost.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use yangguang::store::{EventRepo, ensure_database};

use crate::harness::{self, PrivateCluster, Server, bounded};
use crate::load::{Answer, Exchange, Kind, Load, LoadConfig, Tally};

const CLIENTS: usize = 16;
const LOAD_BEFORE: Duration = Duration::from_millis(1500);
const OUTAGE: Duration = Duration::from_secs(7);
const RECOVERY_BOUND: Duration = Duration::from_secs(20);
const LOAD_AFTER: Duration = Duration::from_millis(1500);
/// While the store is down `/healthz` must say so fast: a health check held for seconds looks
/// like a hung server to a load balancer.
const MAX_HEALTH_503_LATENCY: Duration = Duration::from_millis(3500);
/// Any 503 (a command may wait for the store more than once, e.g. a commit that landed just
/// before the stop, then the read of the case for the answer).
const MAX_503_LATENCY: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_gives_503s_and_recovers_by_itself() {
    bounded(
        "postgres_outage_gives_503s_and_recovers_by_itself",
        outage(),
    )
    .await;
}

fn describe(e: &Exchange) -> String {
    match &e.answer {
        Answer::Connection(error) => format!("{:?}: connection error {error}", e.kind),
        other => format!("{:?} answered {other:?} ({:?})", e.kind, e.detail),
    }
}

async fn outage() {
    let started = Instant::now();
    let cluster = PrivateCluster::create().await;
    cluster.start().await;
    let url = cluster.url("yangguang_fault");
    ensure_database(&url).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("server.log");
    let mut server = Server::spawn(data.path(), Some(&url), &log);
    server.wait_healthy(Duration::from_secs(60)).await;
    let pid = server.pid();
    let officer = harness::officer_token(data.path(), "fault-officer").await;
    let approver = harness::officer_token(data.path(), "fault-approver").await;

    let stop_health = Arc::new(AtomicBool::new(false));
    let health = crate::load::monitor_health(server.base.clone(), stop_health.clone());
    let load_began = Instant::now();
    let load = Load::start(LoadConfig {
        base: server.base.clone(),
        officer: officer.clone(),
        approver,
        clients: CLIENTS,
        stop_on_connection_error: false,
        backoff: Duration::from_millis(250),
    });
    tokio::time::sleep(LOAD_BEFORE).await;
    assert!(
        load.acked_since(load_began),
        "no command acknowledged before the outage"
    );

    cluster.stop_immediate().await;
    let down = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    assert!(
        server.is_running(),
        "the server exited while PostgreSQL was down:\n{}",
        server.log_tail()
    );
    let restarting = Instant::now();
    cluster.start().await;
    let up = Instant::now();
    while !load.acked_since(up) {
        assert!(
            up.elapsed() < RECOVERY_BOUND,
            "no command succeeded within {RECOVERY_BOUND:?} of PostgreSQL's return:\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovered = up.elapsed();
    tokio::time::sleep(LOAD_AFTER).await;
    let records = load.finish().await;
    stop_health.store(true, Ordering::SeqCst);
    let health = health.await.unwrap();
    assert!(
        server.is_running(),
        "the server exited:\n{}",
        server.log_tail()
    );
    assert_eq!(server.pid(), pid, "the server was restarted");

    let all: Vec<&Exchange> = records
        .iter()
        .flat_map(|r| &r.exchanges)
        .chain(&health)
        .collect();
    // Never a 500, a dropped connection or a hang; every 503 a problem+json with Retry-After.
    for e in &all {
        match e.answer {
            Answer::Status { code, .. } if (200..300).contains(&code) => {}
            Answer::Status { code: 409, .. } => {
                assert_eq!(e.kind, Kind::Step, "{}", describe(e));
            }
            Answer::Status { code: 503, .. } => {
                assert!(e.proper_503(), "{}", describe(e));
                let bound = if e.kind == Kind::Health {
                    MAX_HEALTH_503_LATENCY
                } else {
                    MAX_503_LATENCY
                };
                assert!(
                    e.done - e.sent <= bound,
                    "a 503 took {:.2?}: {}",
                    e.done - e.sent,
                    describe(e)
                );
            }
            _ => panic!("{}", describe(e)),
        }
    }
    // While PostgreSQL was down, every request (health checks included) got a 503.
    let during: Vec<&&Exchange> = all
        .iter()
        .filter(|e| e.sent >= down && e.done <= restarting)
        .collect();
    for e in &during {
        assert!(e.proper_503(), "during the outage: {}", describe(e));
    }
    let commands_during = during
        .iter()
        .filter(|e| matches!(e.kind, Kind::Open | Kind::Step))
        .count();
    let health_during = during.iter().filter(|e| e.kind == Kind::Health).count();
    assert!(
        commands_during > 0,
        "no command was answered during the outage"
    );
    assert!(
        health_during > 0,
        "no health check was answered during the outage"
    );
    let healthy_again = health
        .iter()
        .find(|e| e.sent >= up && e.ok())
        .map(|e| format!("{:.2?}", e.done - up))
        .unwrap_or_else(|| "never".into());

    let tally = Tally::of(all.iter().copied());
    let logged = harness::check_log(&server.base, &officer, &records, false).await;
    let worklist_cases = harness::check_worklist(&server.base, &officer, &records).await;
    let repo = EventRepo::connect_postgres(&url, 4).await.unwrap();
    let docs = harness::check_views_equal_rebuild(&mut server, &repo).await;
    if let EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) = &repo {
        pool.close().await;
    }

    println!(
        "faults/postgres outage: clients={CLIENTS} load {LOAD_BEFORE:.1?} + outage {:.1?} \
         (pg_ctl stop -m immediate .. start) + {LOAD_AFTER:.1?}",
        up - down
    );
    println!("  all requests (load and health checks): {tally}");
    println!(
        "  during the outage: {} requests answered, all 503 problem+json with Retry-After \
         ({commands_during} commands, {health_during} health checks); server pid {pid} never \
         exited",
        during.len()
    );
    println!(
        "  recovery: first command acknowledged {recovered:.2?} after PostgreSQL was back, \
         /healthz 200 after {healthy_again}; cases={} events verified={} acknowledged \
         commands found exactly once={} (+{} logged commands that got no 2xx); \
         worklist showed all {worklist_cases} cases; {docs} view documents equal a full \
         rebuild; total {:.1?}",
        logged.cases,
        logged.events,
        logged.acks,
        logged.unacknowledged,
        started.elapsed()
    );
}
