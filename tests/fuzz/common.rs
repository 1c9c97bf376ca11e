//! What every fuzz target shares: the case count, the panic guard, the time bound and the
//! figures printed at the end of each property.
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, TestCaseError};

/// Cases per property when `FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 256;
/// The most one input may take (asserted only in long runs, see [`strict`]).
pub const SLOW: Duration = Duration::from_secs(2);

/// Cases per property: `FUZZ_CASES`, or [`DEFAULT_CASES`].
pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_CASES)
}

/// A long run (`FUZZ_CASES` above the default): slow inputs fail the test instead of only
/// being reported. The default run stays free of timed assertions (debug builds, shared
/// machines).
pub fn strict() -> bool {
    cases() > DEFAULT_CASES
}

/// The proptest configuration of a property whose inputs cost about `weight` ordinary ones
/// (big flowcharts get fewer cases). No regression files are written into the source tree:
/// a failing input is printed and saved under the target directory instead.
pub fn config(weight: u32) -> Config {
    Config {
        cases: (cases() / weight.max(1)).max(16),
        failure_persistence: None,
        max_shrink_iters: 4096,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

/// Per-property figures, printed when the property ends.
pub struct Stats {
    name: &'static str,
    started: Instant,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    inputs: u64,
    accepted: u64,
    refused: u64,
    bytes: u64,
    slowest: Duration,
    slowest_input: String,
    slow: u64,
}

impl Stats {
    pub fn new(name: &'static str) -> Stats {
        Stats {
            name,
            started: Instant::now(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn record(&self, accepted: bool, took: Duration, input: &dyn Fn() -> String, len: usize) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.inputs += 1;
        s.bytes += len as u64;
        if accepted {
            s.accepted += 1;
        } else {
            s.refused += 1;
        }
        if took > SLOW {
            s.slow += 1;
        }
        if took > s.slowest {
            s.slowest = took;
            s.slowest_input = preview(&input(), 160);
        }
    }

    /// Prints the figures (`cargo test --test fuzz -- --nocapture` shows them).
    pub fn report(&self) {
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        println!(
            "fuzz/{}: {} inputs ({} accepted, {} refused, {:.1} MiB) in {:.1?}; slowest {:.1?}{}; \
             over {SLOW:?}: {}",
            self.name,
            s.inputs,
            s.accepted,
            s.refused,
            s.bytes as f64 / (1024.0 * 1024.0),
            self.started.elapsed(),
            s.slowest,
            if s.slowest_input.is_empty() {
                String::new()
            } else {
                format!(" on {}", s.slowest_input)
            },
            s.slow
        );
    }
}

/// The start of `text`, for messages.
pub fn preview(text: &str, chars: usize) -> String {
    let head: String = text.chars().take(chars).collect();
    if head.len() < text.len() {
        format!("{head:?}… ({} bytes)", text.len())
    } else {
        format!("{head:?}")
    }
}

/// Saves a failing input under the target directory; returns the file's path.
fn save(target: &str, input: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    input.hash(&mut h);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let name: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = dir.join(format!("{name}-{:016x}.txt", h.finish()));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

/// Runs `f` on one input: a panic, or (in long runs) more than [`SLOW`], fails the case with
/// the input saved and previewed. `input` renders the input (only called when needed);
/// `accepted` tells the figures whether the result was an acceptance.
pub fn guard<T>(
    stats: &Stats,
    target: &str,
    input: &dyn Fn() -> String,
    len: usize,
    f: impl FnOnce() -> T,
    accepted: impl Fn(&T) -> bool,
) -> Result<T, TestCaseError> {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(f));
    let took = started.elapsed();
    match result {
        Ok(value) => {
            stats.record(accepted(&value), took, input, len);
            if strict() && took > SLOW {
                let text = input();
                return Err(TestCaseError::fail(format!(
                    "{target} took {took:.2?} (over {SLOW:?}) on an input of {} bytes, saved to \
                     {}: {}",
                    text.len(),
                    save(target, &text),
                    preview(&text, 400)
                )));
            }
            Ok(value)
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(no message)".into());
            let text = input();
            Err(TestCaseError::fail(format!(
                "{target} panicked ({message}) on an input of {} bytes, saved to {}: {}",
                text.len(),
                save(target, &text),
                preview(&text, 400)
            )))
        }
    }
}

/// Ends a property: its figures, then its failure, if any, with the (shrunk) input shortened.
pub fn finish<V: std::fmt::Debug>(
    stats: &Stats,
    result: Result<(), proptest::test_runner::TestError<V>>,
) {
    stats.report();
    match result {
        Ok(()) => {}
        Err(proptest::test_runner::TestError::Fail(reason, value)) => {
            panic!(
                "{reason}\nminimal failing input: {}",
                preview(&format!("{value:?}"), 4000)
            )
        }
        Err(e) => panic!("{e}"),
    }
}
