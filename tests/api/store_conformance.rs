//! Event-store conformance: one suite of `PersistedEventRepository` + `read_after` behaviour run
//! against both stores (a `sqlite::` and a `postgres::` test per case), plus the PostgreSQL
//! gap-safety proofs with writers that commit out of position order.
//!
//! Every test uses fresh aggregate ids (tests share one PostgreSQL database with other tests
//! running at the same time) and only looks at its own ids in the global stream.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{
    PersistedEventRepository, PersistedEventStore, PersistenceError, SerializedEvent,
};
use cqrs_es::{Aggregate, DomainEvent, EventStore};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Barrier;
use yangguang::store::{Cursor, EventRepo, StoredEvent};

use crate::helpers::{Backend, pg_repo, pg_url, repo, sqlite_repo};

/// A tiny aggregate: counts the events applied to it. Its events carry any JSON.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ConformanceTest {
    applied: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum ConformanceEvent {
    Happened(Value),
}

impl DomainEvent for ConformanceEvent {
    fn event_type(&self) -> String {
        "Happened".into()
    }

    fn event_version(&self) -> String {
        "1.0".into()
    }
}

impl Aggregate for ConformanceTest {
    const TYPE: &'static str = "ConformanceTest";
    type Command = Value;
    type Event = ConformanceEvent;
    type Error = Infallible;
    type Services = ();

    async fn handle(
        &mut self,
        command: Value,
        _services: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), Infallible> {
        sink.write(ConformanceEvent::Happened(command), self).await;
        Ok(())
    }

    fn apply(&mut self, _event: ConformanceEvent) {
        self.applied += 1;
    }
}

const TYPE: &str = ConformanceTest::TYPE;

/// (aggregate id, sequence).
type Key = (String, i64);

fn fresh(tag: &str) -> String {
    format!("conf-{tag}-{}", uuid::Uuid::new_v4())
}

/// Spawns `n` tasks, the `i`-th running `task(i)`, and lets them go together (behind one
/// barrier); their outputs in order.
async fn at_once<T, F>(n: usize, task: impl Fn(usize) -> F) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, work) = (barrier.clone(), task(i));
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// An event of the test aggregate whose payload deserialises as `ConformanceEvent::Happened`.
fn event(id: &str, sequence: usize, inner: Value) -> SerializedEvent {
    SerializedEvent::new(
        id.to_owned(),
        sequence,
        TYPE.to_owned(),
        "Happened".into(),
        "1.0".into(),
        json!({ "Happened": inner }),
        json!({
            "actor": "conformance",
            "role": "Officer",
            "department": "测试局",
            "request_id": uuid::Uuid::new_v4().to_string(),
            "recorded_at": Utc::now().to_rfc3339(),
        }),
    )
}

async fn persist(repo: &EventRepo, events: &[SerializedEvent]) -> Result<(), PersistenceError> {
    repo.persist::<ConformanceTest>(events, None).await
}

fn assert_lock_error(result: Result<(), PersistenceError>, what: &str) {
    match result {
        Err(PersistenceError::OptimisticLockError) => {}
        other => panic!("{what}: expected OptimisticLockError, got {other:?}"),
    }
}

fn key(e: &StoredEvent) -> Key {
    (e.aggregate_id.clone(), e.sequence)
}

fn set_of(ids: &[&String]) -> HashSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

/// Asserts that `read` holds each key at most once and that every aggregate's events come in
/// sequence order 1, 2, 3, ... (no gap, no duplicate, no reordering).
fn assert_streams_in_order(read: &[Key]) {
    let mut per: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (id, seq) in read {
        per.entry(id).or_default().push(*seq);
    }
    for (id, seqs) in per {
        let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
        assert_eq!(seqs, expected, "stream {id} read out of order / with gaps");
    }
}

/// Pages through `read_after(cursor, limit)`, asserting each page respects the limit and the
/// global order strictly increases in (tx, position). Stops at an empty page once every key in
/// `want` has been seen: on PostgreSQL an event stays unreadable while an older transaction (of
/// any test) is still running, so an empty page may come before our committed events show up —
/// we then re-read, without sleeping, for at most 30 s. Returns the events of `mine`, in read
/// order, and the cursor after the last event read.
async fn read_through(
    repo: &EventRepo,
    mut cursor: Cursor,
    limit: i64,
    mine: &HashSet<String>,
    want: &HashSet<Key>,
) -> (Vec<StoredEvent>, Cursor) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let page = repo.read_after(cursor, limit).await.unwrap();
        assert!(
            page.len() as i64 <= limit,
            "read_after returned {} events for limit {limit}",
            page.len()
        );
        if page.is_empty() {
            if want.is_subset(&seen) {
                return (got, cursor);
            }
            assert!(
                Instant::now() < deadline,
                "events never became readable: {:?}",
                want.difference(&seen).collect::<Vec<_>>()
            );
            tokio::task::yield_now().await;
            continue;
        }
        for e in page {
            assert!(
                e.cursor() > cursor,
                "read_after went backwards: {:?} after {cursor:?}",
                e.cursor()
            );
            cursor = e.cursor();
            if mine.contains(&e.aggregate_id) {
                seen.insert(key(&e));
                got.push(e);
            }
        }
    }
}

/// Inserts `e` inside an open PostgreSQL transaction with the column list of the store's own
/// `append`; returns the (position, tx) it took.
async fn insert_in(conn: &mut PgConnection, e: &SerializedEvent) -> (i64, i64) {
    sqlx::query_as(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING position, tx",
    )
    .bind(&e.aggregate_type)
    .bind(&e.aggregate_id)
    .bind(e.sequence as i64)
    .bind(&e.event_type)
    .bind(&e.event_version)
    .bind(Json(&e.payload))
    .bind(Json(&e.metadata))
    .fetch_one(conn)
    .await
    .unwrap()
}

/// A naive projection read: by position alone, as if positions were handed out in commit order.
async fn naive_read(pool: &PgPool, checkpoint: i64, ids: &[&String]) -> Vec<(String, i64)> {
    let ids: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    sqlx::query_as(
        "SELECT aggregate_id, position FROM events WHERE position > $1 AND aggregate_id = ANY($2) \
         ORDER BY position",
    )
    .bind(checkpoint)
    .bind(ids)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Payloads that must come back exactly: nested JSON, Chinese, emoji, RTL, escapes, big
/// integers and floats.
fn rich_payloads() -> Vec<Value> {
    let nested = (0..24).fold(json!("最深处"), |acc, i| json!({ format!("层{i}"): [acc] }));
    vec![
        json!({
            "party": {"name": "张三丰", "address": "上海市浦东新区世纪大道100号", "id": "11010519491231002X"},
            "power": "食品经营许可",
            "tags": ["行政许可", "食品", "", "　全角空格　"],
            "empty_object": {},
            "empty_array": [],
            "null": null,
            "flags": [true, false],
        }),
        json!({
            "emoji": "🎉👨‍👩‍👧‍👦🇨🇳🏳️‍🌈 e\u{301} 𝕏 𠀀",
            "rtl": "مرحبا بالعالم — שלום עולם \u{200F}",
            "mixed": "abc مرحبا 中文 שלום 123",
            "escapes": "quote \" backslash \\ slash / \\u0041 not-an-escape {\"json\": [1]} '单引号' <tag>&amp;",
            "long": "长".repeat(5000),
            "nested": nested,
        }),
        json!({
            "i64_max": i64::MAX,
            "i64_min": i64::MIN,
            "u64_max": u64::MAX,
            "beyond_f64_exact": 9_007_199_254_740_993_u64,
            "zero": 0,
            "negative": -42,
            "array": [1, -1, 1_000_000_000_000_i64, [2, [3, [4]]]],
        }),
        json!({
            "tenth": 0.1,
            "pi": std::f64::consts::PI,
            "e": std::f64::consts::E,
            "third": 1.0 / 3.0,
            "tiny": 1.5e-10,
            "negative": -2.5e-7,
            "huge": 1e300,
            "min_positive": f64::MIN_POSITIVE,
            "max": f64::MAX,
            "whole": 2.0,
            "money": 12345.67,
            // 17 significant digits: serde_json without `float_roundtrip` parses these one ulp off.
            "ulp_a": 0.24000000000000002,
            "ulp_b": 0.20666666666666667,
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// 1. Append then read back.

async fn append_and_read_back(backend: Backend) {
    let (repo, _dir) = repo(backend).await;
    assert_eq!(
        repo.kind(),
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    );
    repo.ping().await.unwrap();

    let id = fresh("roundtrip");
    let events: Vec<SerializedEvent> = rich_payloads()
        .into_iter()
        .enumerate()
        .map(|(i, p)| event(&id, i + 1, p))
        .collect();
    let before = Utc::now();
    // Three events in one call (one transaction), one on its own.
    persist(&repo, &events[..3]).await.unwrap();
    persist(&repo, &events[3..]).await.unwrap();
    let after = Utc::now();

    let read = repo.get_events::<ConformanceTest>(&id).await.unwrap();
    assert_eq!(read.len(), events.len());
    for (r, e) in read.iter().zip(&events) {
        for (field, value) in e.payload["Happened"].as_object().unwrap() {
            assert_eq!(
                r.payload["Happened"][field], *value,
                "payload field {field:?} of event {} changed",
                e.sequence
            );
        }
    }
    assert_eq!(read, events, "events did not round-trip");
    let last = repo
        .get_last_events::<ConformanceTest>(&id, 2)
        .await
        .unwrap();
    assert_eq!(last, events[2..]);
    let none = repo
        .get_last_events::<ConformanceTest>(&id, 4)
        .await
        .unwrap();
    assert!(none.is_empty(), "{none:?}");

    let stored = repo.aggregate_events(TYPE, &id).await.unwrap();
    assert_eq!(stored.len(), events.len());
    for (s, e) in stored.iter().zip(&events) {
        assert_eq!(s.aggregate_type, e.aggregate_type);
        assert_eq!(s.aggregate_id, e.aggregate_id);
        assert_eq!(s.sequence as usize, e.sequence);
        assert_eq!(s.event_type, e.event_type);
        assert_eq!(s.event_version, e.event_version);
        assert_eq!(s.payload, e.payload);
        assert_eq!(s.metadata, e.metadata);
        assert!(
            s.recorded_at >= before - chrono::Duration::seconds(60)
                && s.recorded_at <= after + chrono::Duration::seconds(60),
            "recorded_at {} not within [{before}, {after}]",
            s.recorded_at
        );
        match backend {
            Backend::Sqlite => assert_eq!(s.tx, 0),
            Backend::Postgres => assert!(s.tx > 0, "tx {}", s.tx),
        }
    }
    assert!(
        stored.windows(2).all(|w| w[0].position < w[1].position),
        "positions not increasing with sequence: {:?}",
        stored.iter().map(|s| s.position).collect::<Vec<_>>()
    );
    // One call is one transaction.
    assert_eq!(stored[0].tx, stored[2].tx);
    if backend == Backend::Postgres {
        assert!(stored[3].tx > stored[2].tx);
    }

    // Unknown ids and other aggregate types do not leak in.
    let unknown = fresh("unknown");
    assert!(
        repo.get_events::<ConformanceTest>(&unknown)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        repo.aggregate_events(TYPE, &unknown)
            .await
            .unwrap()
            .is_empty()
    );
    let mut other_type = event(&id, 1, json!("其他类型"));
    other_type.aggregate_type = "ConformanceOther".into();
    persist(&repo, std::slice::from_ref(&other_type))
        .await
        .unwrap();
    assert_eq!(
        repo.get_events::<ConformanceTest>(&id).await.unwrap(),
        events
    );
    let other = repo
        .aggregate_events("ConformanceOther", &id)
        .await
        .unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].payload, other_type.payload);

    // cqrs-es drives the aggregate over this store: loads all four, commits a fifth.
    let store = PersistedEventStore::<EventRepo, ConformanceTest>::new_event_store(repo.clone());
    let context = store.load_aggregate(&id).await.unwrap();
    assert_eq!(context.aggregate.applied, 4);
    assert_eq!(context.current_sequence, 4);
    let metadata = HashMap::from([("actor".to_owned(), "框架".to_owned())]);
    store
        .commit(
            vec![ConformanceEvent::Happened(json!({"via": "cqrs-es"}))],
            context,
            metadata,
        )
        .await
        .unwrap();
    let read = repo.get_events::<ConformanceTest>(&id).await.unwrap();
    assert_eq!(read.len(), 5);
    assert_eq!(read[4].sequence, 5);
    assert_eq!(read[4].payload, json!({"Happened": {"via": "cqrs-es"}}));
    assert_eq!(read[4].metadata, json!({"actor": "框架"}));
    assert_eq!(
        store.load_aggregate(&id).await.unwrap().aggregate.applied,
        5
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Optimistic concurrency, all or nothing.

async fn optimistic_lock_all_or_nothing(backend: Backend) {
    let (repo, _dir) = repo(backend).await;
    let id = fresh("lock");
    let original: Vec<SerializedEvent> = (1..=3).map(|s| event(&id, s, json!(s))).collect();
    persist(&repo, &original).await.unwrap();

    assert_lock_error(
        persist(&repo, &[event(&id, 3, json!("again"))]).await,
        "re-appending sequence 3",
    );
    assert_lock_error(
        persist(&repo, &[event(&id, 1, json!("again"))]).await,
        "re-appending sequence 1",
    );
    assert_lock_error(
        persist(
            &repo,
            &[
                event(&id, 4, json!("new 4")),
                event(&id, 5, json!("new 5")),
                event(&id, 3, json!("conflicting 3")),
            ],
        )
        .await,
        "batch 4, 5, 3",
    );
    assert_lock_error(
        persist(
            &repo,
            &[event(&id, 4, json!("4a")), event(&id, 4, json!("4b"))],
        )
        .await,
        "batch with sequence 4 twice",
    );
    // A batch over two aggregates whose last event conflicts writes neither.
    let other = fresh("lock-other");
    assert_lock_error(
        persist(
            &repo,
            &[
                event(&other, 1, json!("other 1")),
                event(&id, 2, json!("x")),
            ],
        )
        .await,
        "batch over two aggregates",
    );

    assert_eq!(
        repo.get_events::<ConformanceTest>(&id).await.unwrap(),
        original,
        "a failed append wrote something"
    );
    assert!(
        repo.aggregate_events(TYPE, &other)
            .await
            .unwrap()
            .is_empty(),
        "a failed batch wrote its first event"
    );

    // The failed attempts burnt nothing: 4 and 5 still append.
    let next = [event(&id, 4, json!(4)), event(&id, 5, json!(5))];
    persist(&repo, &next).await.unwrap();
    let read = repo.get_events::<ConformanceTest>(&id).await.unwrap();
    assert_eq!(read[..3], original[..]);
    assert_eq!(read[3..], next[..]);
}

// ---------------------------------------------------------------------------------------------
// 3. Twenty racing appends of the same next sequence.

async fn concurrent_appends_one_winner(backend: Backend) {
    const RACERS: usize = 20;
    let (repo, _dir) = repo(backend).await;
    let id = fresh("race");
    let first: Vec<SerializedEvent> = (1..=3).map(|s| event(&id, s, json!(s))).collect();
    persist(&repo, &first).await.unwrap();

    let racers = at_once(RACERS, |i| {
        let (repo, e) = (repo.clone(), event(&id, 4, json!({ "racer": i })));
        async move { (i, persist(&repo, &[e]).await) }
    })
    .await;
    let mut winners = Vec::new();
    let mut losers = 0;
    for (i, result) in racers {
        match result {
            Ok(()) => winners.push(i),
            Err(PersistenceError::OptimisticLockError) => losers += 1,
            Err(other) => panic!("racer {i} failed with {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(losers, RACERS - 1);

    let stored = repo.aggregate_events(TYPE, &id).await.unwrap();
    assert_eq!(
        stored.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        stored[3].payload,
        json!({"Happened": {"racer": winners[0]}})
    );
}

/// Eight racers on each of twelve streams at once, each appending two events: they land in
/// shared transactions (the group commit, on both stores), where a refused append must back
/// out alone, all its events, and leave the other streams' winners written.
async fn racing_appends_on_many_streams(backend: Backend) {
    const STREAMS: usize = 12;
    const RACERS: usize = 8;
    let (repo, _dir) = repo(backend).await;
    let ids: Vec<String> = (0..STREAMS).map(|_| fresh("streams")).collect();
    for id in &ids {
        persist(&repo, &[event(id, 1, json!("first"))])
            .await
            .unwrap();
    }
    let before = repo.group_commits();
    let racers = at_once(STREAMS * RACERS, |n| {
        let id = &ids[n % STREAMS];
        let events = [
            event(id, 2, json!({ "racer": n, "half": 1 })),
            event(id, 3, json!({ "racer": n, "half": 2 })),
        ];
        let repo = repo.clone();
        async move { (n, persist(&repo, &events).await) }
    })
    .await;
    let mut winners: HashMap<usize, usize> = HashMap::new();
    for (n, result) in racers {
        match result {
            Ok(()) => assert!(
                winners.insert(n % STREAMS, n).is_none(),
                "two winners on stream {}",
                n % STREAMS
            ),
            Err(PersistenceError::OptimisticLockError) => {}
            Err(other) => panic!("racer {n} failed with {other:?}"),
        }
    }
    assert_eq!(winners.len(), STREAMS, "every stream has its winner");
    let mut positions = HashSet::new();
    for (s, id) in ids.iter().enumerate() {
        let stored = repo.aggregate_events(TYPE, id).await.unwrap();
        assert_eq!(
            stored.iter().map(|e| e.sequence).collect::<Vec<_>>(),
            vec![1, 2, 3],
            "stream {s}"
        );
        for (e, half) in stored[1..].iter().zip([1, 2]) {
            assert_eq!(
                e.payload,
                json!({"Happened": {"racer": winners[&s], "half": half}}),
                "stream {s} holds both events of its one winner"
            );
        }
        assert!(stored.iter().all(|e| positions.insert(e.position)));
    }
    let after = repo.group_commits();
    let appends = after.appends - before.appends;
    let transactions = after.transactions - before.transactions;
    assert_eq!(appends, (STREAMS * RACERS) as u64);
    assert!(
        transactions < appends,
        "{appends} racing appends took {transactions} transactions: none shared one"
    );
}

/// Sixty-four appends of two events each on streams of their own, at once: each is answered
/// with the position of its own last event (on SQLite they share statements, whose rows come
/// back in no promised order).
async fn concurrent_appends_learn_their_own_positions(backend: Backend) {
    const WRITERS: usize = 64;
    let (repo, _dir) = repo(backend).await;
    let writers = at_once(WRITERS, |n| {
        let (repo, id) = (repo.clone(), fresh("own-position"));
        let events = [event(&id, 1, json!(n)), event(&id, 2, json!(n))];
        async move { (id, repo.append(&events).await.unwrap()) }
    })
    .await;
    let mut seen = HashSet::new();
    for (id, cursor) in writers {
        let stored = repo.aggregate_events(TYPE, &id).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(
            cursor,
            stored[1].cursor(),
            "the answer to the append on {id}"
        );
        assert!(seen.insert(cursor.position));
    }
}

// ---------------------------------------------------------------------------------------------
// 4. read_after paging and aggregate_ids.

async fn read_after_pages_in_global_order(backend: Backend) {
    let (repo, _dir) = repo(backend).await;
    let (a, b, c) = (fresh("page-a"), fresh("page-b"), fresh("page-c"));
    let mine = set_of(&[&a, &b, &c]);

    // The end of the stream before our appends. On SQLite the store is fresh, so this is
    // Cursor::default(); on the shared PostgreSQL database it skips earlier tests' events.
    let (_, start) = read_through(&repo, Cursor::default(), 500, &mine, &HashSet::new()).await;
    if backend == Backend::Sqlite {
        assert_eq!(start, Cursor::default());
    }

    let batches: Vec<Vec<(&String, usize)>> = vec![
        vec![(&a, 1)],
        vec![(&b, 1)],
        vec![(&a, 2), (&a, 3)],
        vec![(&c, 1)],
        vec![(&b, 2)],
        vec![(&c, 2), (&c, 3), (&c, 4)],
        vec![(&a, 4)],
        vec![(&b, 3), (&a, 5)],
        vec![(&c, 5)],
    ];
    let mut written: Vec<Key> = Vec::new();
    for batch in &batches {
        let events: Vec<SerializedEvent> = batch
            .iter()
            .map(|(id, s)| event(id, *s, json!({"id": id, "seq": s})))
            .collect();
        persist(&repo, &events).await.unwrap();
        written.extend(batch.iter().map(|(id, s)| ((*id).clone(), *s as i64)));
    }
    let want: HashSet<Key> = written.iter().cloned().collect();

    // Three at a time from the start through the end.
    let (paged, end) = read_through(&repo, start, 3, &mine, &want).await;
    let paged_keys: Vec<Key> = paged.iter().map(key).collect();
    // Each append finished before the next began, so global order is append order.
    assert_eq!(paged_keys, written, "paging with limit 3");
    assert_streams_in_order(&paged_keys);
    for e in &paged {
        assert_eq!(
            e.payload,
            json!({"Happened": {"id": e.aggregate_id, "seq": e.sequence}})
        );
    }
    // Nothing of ours after the end.
    let (after_end, _) = read_through(&repo, end, 3, &mine, &HashSet::new()).await;
    assert!(after_end.is_empty(), "{after_end:?}");

    // From the very beginning, in big pages: ours exactly once, in the same order.
    let (all, _) = read_through(&repo, Cursor::default(), 500, &mine, &want).await;
    assert_eq!(all.iter().map(key).collect::<Vec<_>>(), written);
    assert_eq!(all, paged);

    let ids: Vec<String> = repo
        .aggregate_ids(TYPE)
        .await
        .unwrap()
        .into_iter()
        .filter(|id| mine.contains(id))
        .collect();
    assert_eq!(ids, vec![a.clone(), b.clone(), c.clone()]);
}

// ---------------------------------------------------------------------------------------------
// 5b / 6. Random writers and a tailing reader.

const WRITERS: usize = 8;
const EVENTS_PER_WRITER: usize = 40;
const AGGREGATES_PER_WRITER: usize = 4;

/// Appends one event through `persist`, or — on PostgreSQL, sometimes — through an explicit
/// transaction held open for 0–20 ms before commit, so commits land out of position order.
async fn random_writer(
    repo: EventRepo,
    ids: Vec<String>,
    seed: u64,
    barrier: Arc<Barrier>,
) -> (Vec<Key>, usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut next = vec![1usize; ids.len()];
    let mut written = Vec::new();
    let mut held = 0;
    barrier.wait().await;
    for n in 0..EVENTS_PER_WRITER {
        let which = rng.random_range(0..ids.len());
        let e = event(&ids[which], next[which], json!({ "n": n }));
        match &repo {
            EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) if rng.random_bool(0.4) => {
                let hold = Duration::from_millis(rng.random_range(0..=20));
                let mut tx = pool.begin().await.unwrap();
                insert_in(&mut tx, &e).await;
                tokio::time::sleep(hold).await;
                tx.commit().await.unwrap();
                held += 1;
            }
            _ => persist(&repo, &[e]).await.unwrap(),
        }
        written.push((ids[which].clone(), next[which] as i64));
        next[which] += 1;
    }
    (written, held)
}

async fn random_writers_tailing_reader(backend: Backend) {
    let (repo, _dir) = match backend {
        Backend::Sqlite => {
            let (r, d) = sqlite_repo().await;
            (r, Some(d))
        }
        // Room for 8 writers holding transactions, the reader and the naive reader.
        Backend::Postgres => (
            EventRepo::connect_postgres(&pg_url().await, 16)
                .await
                .unwrap(),
            None,
        ),
    };
    let seed: u64 = rand::random();
    eprintln!("random_writers_tailing_reader({backend:?}) seed {seed}");
    let ids: Vec<Vec<String>> = (0..WRITERS)
        .map(|w| {
            (0..AGGREGATES_PER_WRITER)
                .map(|a| fresh(&format!("w{w}a{a}")))
                .collect()
        })
        .collect();
    // Written after every writer has finished: its transaction is younger than all of theirs,
    // so a reader that has read it must already have read everything they wrote.
    let sentinel = fresh("sentinel");
    let mut mine: HashSet<String> = ids.iter().flatten().cloned().collect();
    mine.insert(sentinel.clone());
    let sentinel_key: Key = (sentinel.clone(), 1);

    let (_, mut cursor) = read_through(&repo, Cursor::default(), 500, &mine, &HashSet::new()).await;
    let naive_pool = match &repo {
        EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) => Some(pool.clone()),
        EventRepo::Sqlite(_) => None,
    };
    let mut naive_checkpoint = match &naive_pool {
        Some(pool) => {
            let (max,): (Option<i64>,) = sqlx::query_as("SELECT max(position) FROM events")
                .fetch_one(pool)
                .await
                .unwrap();
            max.unwrap_or(0)
        }
        None => 0,
    };
    let mut naive_seen: HashSet<Key> = HashSet::new();

    let barrier = Arc::new(Barrier::new(WRITERS + 1));
    let mut writers: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(w, ids)| {
            tokio::spawn(random_writer(
                repo.clone(),
                ids.clone(),
                seed.wrapping_add(w as u64),
                barrier.clone(),
            ))
        })
        .collect();
    barrier.wait().await;

    let started = Instant::now();
    let deadline = started + Duration::from_secs(30);
    let mut written: Vec<Key> = Vec::new();
    let mut held = 0;
    let mut read: Vec<Key> = Vec::new();
    let mut reads = 0;
    let mut sentinel_written = false;
    loop {
        assert!(
            Instant::now() < deadline,
            "tailing reader did not reach the sentinel in 30 s; read {} events",
            read.len()
        );
        if !sentinel_written && writers.iter().all(|w| w.is_finished()) {
            for w in writers.drain(..) {
                let (keys, h) = w.await.unwrap();
                written.extend(keys);
                held += h;
            }
            persist(&repo, &[event(&sentinel, 1, json!("sentinel"))])
                .await
                .unwrap();
            sentinel_written = true;
        }
        let page = repo.read_after(cursor, 50).await.unwrap();
        reads += 1;
        assert!(page.len() <= 50);
        let mut reached = false;
        for e in &page {
            assert!(
                e.cursor() > cursor,
                "read_after went backwards: {:?} after {cursor:?}",
                e.cursor()
            );
            cursor = e.cursor();
            if mine.contains(&e.aggregate_id) {
                reached |= key(e) == sentinel_key;
                read.push(key(e));
            }
        }
        // Alongside, what a position-only reader would see (not asserted: timing-dependent).
        if let Some(pool) = &naive_pool {
            let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT aggregate_id, sequence, position FROM events WHERE position > $1 \
                 ORDER BY position LIMIT 50",
            )
            .bind(naive_checkpoint)
            .fetch_all(pool)
            .await
            .unwrap();
            for (id, seq, position) in rows {
                naive_checkpoint = position;
                if mine.contains(&id) {
                    naive_seen.insert((id, seq));
                }
            }
        }
        if reached {
            break;
        }
        if page.is_empty() {
            tokio::task::yield_now().await;
        }
    }
    // One more read: nothing of ours is left behind the sentinel.
    let rest = repo.read_after(cursor, 50).await.unwrap();
    let late: Vec<Key> = rest
        .iter()
        .filter(|e| mine.contains(&e.aggregate_id))
        .map(key)
        .collect();
    assert!(
        late.is_empty(),
        "events of ours after the sentinel: {late:?}"
    );
    let elapsed = started.elapsed();

    assert_eq!(read.pop(), Some(sentinel_key), "the sentinel is read last");
    assert_eq!(written.len(), WRITERS * EVENTS_PER_WRITER);
    let read_set: HashSet<Key> = read.iter().cloned().collect();
    assert_eq!(read_set.len(), read.len(), "the reader saw duplicates");
    let written_set: HashSet<Key> = written.iter().cloned().collect();
    let lost: Vec<&Key> = written_set.difference(&read_set).collect();
    let extra: Vec<&Key> = read_set.difference(&written_set).collect();
    assert!(
        lost.is_empty() && extra.is_empty(),
        "lost {lost:?}, extra {extra:?}"
    );
    assert_streams_in_order(&read);

    let naive_missed = naive_pool.as_ref().map(|_| {
        written_set
            .iter()
            .filter(|k| !naive_seen.contains(*k))
            .count()
    });
    eprintln!(
        "random_writers_tailing_reader({backend:?}): {} events, {held} via held transactions, \
         {reads} reads, {elapsed:?}; a position-only reader tailing alongside skipped \
         {naive_missed:?} of them",
        written.len()
    );
}

// ---------------------------------------------------------------------------------------------
// 5. SQLite: appends whose callers are gone (a client hung up) still leave the batch whole.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_appends_dropped_by_their_callers_leave_the_others_whole() {
    const WRITERS: usize = 48;
    let (repo, _dir) = sqlite_repo().await;
    let writers = at_once(WRITERS, |n| {
        let (repo, id) = (repo.clone(), fresh("dropped"));
        let events = [event(&id, 1, json!(n)), event(&id, 2, json!(n))];
        async move {
            if n % 2 == 0 {
                // Queued, then given up at once: the caller's future is dropped.
                let gone = tokio::time::timeout(Duration::ZERO, repo.append(&events)).await;
                (id, gone.ok().map(|r| r.unwrap()))
            } else {
                (id.clone(), Some(repo.append(&events).await.unwrap()))
            }
        }
    })
    .await;
    let mut dropped = Vec::new();
    for (id, answer) in writers {
        match answer {
            Some(cursor) => {
                let stored = repo.aggregate_events(TYPE, &id).await.unwrap();
                assert_eq!(stored.len(), 2, "{id}");
                assert_eq!(cursor, stored[1].cursor());
            }
            None => dropped.push(id),
        }
    }
    assert!(!dropped.is_empty(), "no caller gave up before its answer");
    // A dropped append was queued: it is written whole (both events), never half.
    let deadline = Instant::now() + Duration::from_secs(10);
    for id in &dropped {
        loop {
            let stored = repo.aggregate_events(TYPE, id).await.unwrap();
            assert!(stored.len() != 1, "half of {id}'s append was written");
            if stored.len() == 2 {
                break;
            }
            assert!(Instant::now() < deadline, "{id}'s append never landed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // And the writer goes on.
    let id = fresh("after");
    persist(&repo, &[event(&id, 1, json!("after"))])
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// 5a. PostgreSQL: a committed event behind a running transaction is held back.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_read_after_holds_back_events_behind_running_transactions() {
    let repo = pg_repo().await;
    let EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) = &repo else {
        panic!("pg_repo is not PostgreSQL");
    };
    let (slow, fast) = (fresh("slow"), fresh("fast"));
    let mine = set_of(&[&slow, &fast]);
    let (_, before) = read_through(&repo, Cursor::default(), 500, &mine, &HashSet::new()).await;

    // T1 takes position p1 and stays open.
    let mut t1 = pool.begin().await.unwrap();
    let (p1, tx1) = insert_in(&mut t1, &event(&slow, 1, json!("slow"))).await;
    // An auto-committed append takes p2 > p1 and commits first.
    persist(&repo, &[event(&fast, 1, json!("fast"))])
        .await
        .unwrap();
    let fast_stored = repo.aggregate_events(TYPE, &fast).await.unwrap();
    assert_eq!(fast_stored.len(), 1);
    let (p2, tx2) = (fast_stored[0].position, fast_stored[0].tx);
    assert!(p2 > p1, "p2 {p2} should follow p1 {p1}");
    assert!(tx2 > tx1, "tx2 {tx2} should follow tx1 {tx1}");

    // The gap-safe reader does not hand out p2 while T1 runs.
    let (while_open, _) = read_through(&repo, before, 500, &mine, &HashSet::new()).await;
    assert!(
        while_open.is_empty(),
        "read_after returned {:?} while the transaction holding p1 {p1} is still running",
        while_open.iter().map(key).collect::<Vec<_>>()
    );

    // A naive position reader sees p2 now and moves its checkpoint past p1 ...
    let naive = naive_read(pool, p1 - 1, &[&slow, &fast]).await;
    assert_eq!(naive, vec![(fast.clone(), p2)]);
    let naive_checkpoint = p2;

    t1.commit().await.unwrap();

    // ... so once T1 commits, p1 is in the table but behind the naive checkpoint: skipped.
    let committed = naive_read(pool, p1 - 1, &[&slow, &fast]).await;
    assert_eq!(committed, vec![(slow.clone(), p1), (fast.clone(), p2)]);
    let naive_next = naive_read(pool, naive_checkpoint, &[&slow, &fast]).await;
    assert!(
        !naive_next.iter().any(|(_, p)| *p == p1),
        "the naive reader would see p1 after all: {naive_next:?}"
    );

    // The gap-safe reader, from the same cursor, now returns both, once each, T1's first.
    let want: HashSet<Key> = [(slow.clone(), 1), (fast.clone(), 1)].into();
    let (got, _) = read_through(&repo, before, 500, &mine, &want).await;
    assert_eq!(
        got.iter().map(|e| (e.position, e.tx)).collect::<Vec<_>>(),
        vec![(p1, tx1), (p2, tx2)]
    );
}

// ---------------------------------------------------------------------------------------------

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

conformance!(
    append_and_read_back,
    optimistic_lock_all_or_nothing,
    concurrent_appends_one_winner,
    racing_appends_on_many_streams,
    concurrent_appends_learn_their_own_positions,
    read_after_pages_in_global_order,
    random_writers_tailing_reader,
);

/// Security finding 4 (in part): the SQLite files hold parties' personal data and were created
/// world-readable (0644). They are the owner's only, the write-ahead log included.
#[tokio::test]
async fn the_sqlite_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let repo = EventRepo::open_sqlite(&path).await.unwrap();
    repo.add_calendar_year(2099, "year: 2099", "test", 0)
        .await
        .unwrap();
    for file in ["events.sqlite", "events.sqlite-wal"] {
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{file} is {mode:o}");
    }
}
