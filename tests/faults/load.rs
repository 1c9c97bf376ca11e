//! The command load: concurrent clients, each opening cases of the demo licence power and
//! walking them along the flowchart with `expected_version`, recording every exchange and
//! every command the server acknowledged.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::POWER;

/// A single request's bound: a server that holds a request longer than this is hanging.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A command the server acknowledged with a 2xx: the case, the version it was sent at (0 for an
/// open) and the version the answer reported.
#[derive(Debug, Clone)]
pub struct Ack {
    pub case: String,
    pub from: u64,
    pub version: u64,
    /// The step's outcome; `None` for opening the case.
    pub outcome: Option<String>,
}

/// A step command sent, whatever came back.
#[derive(Debug, Clone)]
pub struct StepSent {
    pub case: String,
    pub expected: u64,
    pub outcome: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Open,
    Step,
    Read,
    Health,
}

#[derive(Debug, Clone)]
pub enum Answer {
    Status {
        code: u16,
        retry_after: bool,
        problem_json: bool,
    },
    Connection(String),
    Timeout,
}

/// One request and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub kind: Kind,
    pub sent: Instant,
    pub done: Instant,
    pub answer: Answer,
    /// The body of an unexpected answer (not 2xx, 409 or 503), for the failure message.
    pub detail: Option<String>,
}

impl Exchange {
    pub fn code(&self) -> Option<u16> {
        match self.answer {
            Answer::Status { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn ok(&self) -> bool {
        self.code().is_some_and(|c| (200..300).contains(&c))
    }

    /// A 503 problem+json with Retry-After.
    pub fn proper_503(&self) -> bool {
        matches!(
            self.answer,
            Answer::Status {
                code: 503,
                retry_after: true,
                problem_json: true
            }
        )
    }
}

/// What one client did.
#[derive(Debug, Default)]
pub struct Record {
    pub acks: Vec<Ack>,
    pub steps_sent: Vec<StepSent>,
    pub exchanges: Vec<Exchange>,
}

pub struct LoadConfig {
    pub base: String,
    /// Does every step but the decision.
    pub officer: String,
    /// Decides (岗位分离: not the one who reviewed).
    pub approver: String,
    pub clients: usize,
    /// Stop a client at its first connection error (the server was killed).
    pub stop_on_connection_error: bool,
    /// Pause after a 503 or a connection error.
    pub backoff: Duration,
}

struct Shared {
    stop: AtomicBool,
    epoch: Instant,
    /// When (µs after `epoch`) the latest acknowledged command was sent.
    last_ack_sent: AtomicU64,
}

/// A running load.
pub struct Load {
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<Record>>,
}

impl Load {
    pub fn start(config: LoadConfig) -> Load {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            epoch: Instant::now(),
            last_ack_sent: AtomicU64::new(0),
        });
        let config = Arc::new(config);
        let tasks = (0..config.clients)
            .map(|_| tokio::spawn(client(config.clone(), shared.clone())))
            .collect();
        Load { shared, tasks }
    }

    /// Whether a command sent after `t` has been acknowledged.
    pub fn acked_since(&self, t: Instant) -> bool {
        let since = t.saturating_duration_since(self.shared.epoch).as_micros() as u64;
        self.shared.last_ack_sent.load(Ordering::SeqCst) > since
    }

    /// Tells the clients to stop and collects their records.
    pub async fn finish(self) -> Vec<Record> {
        self.shared.stop.store(true, Ordering::SeqCst);
        let mut out = Vec::new();
        for task in self.tasks {
            let record = tokio::time::timeout(REQUEST_TIMEOUT + Duration::from_secs(20), task)
                .await
                .expect("a load client did not stop")
                .expect("a load client panicked");
            out.push(record);
        }
        out
    }
}

struct CaseState {
    id: String,
    version: u64,
    step: String,
    finished: bool,
    /// Rounds of 补正 done (one per case, to exercise the loop).
    supplements: u32,
}

impl CaseState {
    fn update(&mut self, view: &Value) {
        self.version = view["version"].as_u64().unwrap_or(self.version);
        self.step = view["current_step"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.finished = view["allowed"].as_array().is_none_or(Vec::is_empty);
    }
}

async fn send(kind: Kind, req: reqwest::RequestBuilder) -> (Exchange, Option<Value>) {
    let sent = Instant::now();
    let result = req.send().await;
    let (answer, body, detail) = match result {
        Ok(r) => {
            let code = r.status();
            let header = |name: &str| {
                r.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let answer = Answer::Status {
                code: code.as_u16(),
                retry_after: header("retry-after").is_some(),
                problem_json: header("content-type").as_deref() == Some("application/problem+json"),
            };
            let text = r.text().await;
            match text {
                Ok(text) if code.is_success() => (answer, serde_json::from_str(&text).ok(), None),
                Ok(text) => {
                    let expected =
                        code == StatusCode::SERVICE_UNAVAILABLE || code == StatusCode::CONFLICT;
                    let detail = (!expected).then(|| text.chars().take(300).collect());
                    (answer, None, detail)
                }
                Err(e) if e.is_timeout() => (Answer::Timeout, None, None),
                Err(e) => (Answer::Connection(format!("{e:#}")), None, None),
            }
        }
        Err(e) if e.is_timeout() => (Answer::Timeout, None, None),
        Err(e) => (Answer::Connection(format!("{e:#}")), None, None),
    };
    (
        Exchange {
            kind,
            sent,
            done: Instant::now(),
            answer,
            detail,
        },
        body,
    )
}

async fn client(config: Arc<LoadConfig>, shared: Arc<Shared>) -> Record {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let base = &config.base;
    let mut record = Record::default();
    let mut case: Option<CaseState> = None;
    let mut resync = false;
    let acked = |shared: &Shared, sent: Instant| {
        let at = sent.saturating_duration_since(shared.epoch).as_micros() as u64;
        shared.last_ack_sent.fetch_max(at, Ordering::SeqCst);
    };
    while !shared.stop.load(Ordering::SeqCst) {
        if case.as_ref().is_some_and(|c| c.finished) {
            case = None;
        }
        let (exchange, body) = match case.as_mut() {
            None => {
                let req = http
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&config.officer)
                    .json(&json!({
                        "power_code": POWER,
                        "channel": "window",
                        "received_at": chrono::Utc::now().to_rfc3339(),
                        "party": {"kind": "organisation", "name": "上海某某餐饮管理有限公司",
                                  "id_number": "91350100M000100Y43"},
                    }));
                let (exchange, body) = send(Kind::Open, req).await;
                if let Some(body) = &body {
                    let id = body["id"].as_str().expect("opened case id").to_string();
                    let mut state = CaseState {
                        id: id.clone(),
                        version: 0,
                        step: String::new(),
                        finished: false,
                        supplements: 0,
                    };
                    state.update(&body["case"]);
                    record.acks.push(Ack {
                        case: id,
                        from: 0,
                        version: state.version,
                        outcome: None,
                    });
                    acked(&shared, exchange.sent);
                    case = Some(state);
                }
                (exchange, body)
            }
            Some(c) if resync => {
                let req = http
                    .get(format!("{base}/api/v1/cases/{}", c.id))
                    .bearer_auth(&config.officer);
                let (exchange, body) = send(Kind::Read, req).await;
                if let Some(body) = &body {
                    c.update(body);
                    resync = false;
                }
                (exchange, body)
            }
            Some(c) => {
                let (outcome, token) = match c.step.as_str() {
                    "apply" if c.supplements == 0 => ("材料不齐全，一次告知补正", &config.officer),
                    "apply" => ("受理", &config.officer),
                    "supplement" => ("申请人已提交全部补正材料", &config.officer),
                    "review" => ("书面审查符合条件", &config.officer),
                    "decide" => ("准予许可", &config.approver),
                    other => panic!("unexpected step {other:?} of case {}", c.id),
                };
                if c.step == "supplement" {
                    c.supplements += 1;
                }
                record.steps_sent.push(StepSent {
                    case: c.id.clone(),
                    expected: c.version,
                    outcome: outcome.to_string(),
                });
                let req = http
                    .post(format!("{base}/api/v1/cases/{}/steps", c.id))
                    .bearer_auth(token)
                    .json(&json!({"outcome": outcome, "expected_version": c.version}));
                let (exchange, body) = send(Kind::Step, req).await;
                match &body {
                    Some(body) => {
                        let from = c.version;
                        c.update(body);
                        record.acks.push(Ack {
                            case: c.id.clone(),
                            from,
                            version: c.version,
                            outcome: Some(outcome.to_string()),
                        });
                        acked(&shared, exchange.sent);
                    }
                    // Whatever happened (it may even have been committed), learn the case anew.
                    None => resync = true,
                }
                (exchange, body)
            }
        };
        let failed_at_connection =
            matches!(exchange.answer, Answer::Connection(_) | Answer::Timeout);
        let unavailable = exchange.code() == Some(503);
        record.exchanges.push(exchange);
        if failed_at_connection && config.stop_on_connection_error {
            break;
        }
        if body.is_none() {
            let pause = if failed_at_connection || unavailable {
                config.backoff
            } else {
                Duration::from_millis(20)
            };
            tokio::time::sleep(pause).await;
        }
    }
    record
}

/// Polls `/healthz` every 200 ms until told to stop.
pub fn monitor_health(
    base: String,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<Exchange>> {
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap();
        let mut out = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let (exchange, _) = send(Kind::Health, http.get(format!("{base}/healthz"))).await;
            out.push(exchange);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        out
    })
}

/// The figures of a run.
#[derive(Debug, Default)]
pub struct Tally {
    pub sent: usize,
    pub ok: usize,
    pub unavailable: usize,
    pub conflict: usize,
    /// Other statuses, by code.
    pub other: BTreeMap<u16, usize>,
    pub connection_errors: usize,
    pub timeouts: usize,
    pub commands_acked: usize,
    /// Longest time a 503 took to come back.
    pub slowest_503: Duration,
    /// Median time a 503 took to come back.
    pub median_503: Duration,
}

impl Tally {
    pub fn of<'a>(exchanges: impl IntoIterator<Item = &'a Exchange>) -> Tally {
        let mut t = Tally::default();
        let mut latencies = Vec::new();
        for e in exchanges {
            t.sent += 1;
            match e.answer {
                Answer::Status { code, .. } if (200..300).contains(&code) => {
                    t.ok += 1;
                    if matches!(e.kind, Kind::Open | Kind::Step) {
                        t.commands_acked += 1;
                    }
                }
                Answer::Status { code: 503, .. } => {
                    t.unavailable += 1;
                    latencies.push(e.done - e.sent);
                }
                Answer::Status { code: 409, .. } => t.conflict += 1,
                Answer::Status { code, .. } => *t.other.entry(code).or_default() += 1,
                Answer::Connection(_) => t.connection_errors += 1,
                Answer::Timeout => t.timeouts += 1,
            }
        }
        latencies.sort();
        t.slowest_503 = latencies.last().copied().unwrap_or_default();
        t.median_503 = latencies
            .get(latencies.len() / 2)
            .copied()
            .unwrap_or_default();
        t
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "requests={} 2xx={} (commands acknowledged={}) 503={} 409={} other={:?} \
             connection_errors={} timeouts={} 503 latency median={:.2?} max={:.2?}",
            self.sent,
            self.ok,
            self.commands_acked,
            self.unavailable,
            self.conflict,
            self.other,
            self.connection_errors,
            self.timeouts,
            self.median_503,
            self.slowest_503
        )
    }
}
