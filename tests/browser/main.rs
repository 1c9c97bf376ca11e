//! Browser tests: the real server in-process, a headless Chromium through chromedriver, and
//! the public pages and the staff console used as a person would. One session runs the scenarios in order; a failing
//! scenario leaves `tests/artifacts/<scenario>.png` and `.html` and the others still run.
//! `BROWSER_SCENARIO=track` runs only the scenarios whose name contains `track`;
//! `BROWSER_ARTIFACTS=all` keeps the screenshot and source of passing scenarios too.
mod clocks;
mod console;
mod desk;
mod hall;
mod harness;
mod scenarios;
mod server;
#[path = "../api/smtp.rs"]
mod smtp;
mod statistics;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use harness::{Browser, Ctx};
use server::TestServer;

type Scenario = fn(Ctx) -> Pin<Box<dyn Future<Output = ()> + Send>>;

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        [$((stringify!($name), (|ctx| Box::pin(scenarios::$name(ctx))) as Scenario)),*]
    };
}

macro_rules! console_scenarios {
    ($($name:ident),* $(,)?) => {
        [$((stringify!($name), (|ctx| Box::pin(console::$name(ctx))) as Scenario)),*]
    };
}

const SCENARIO_TIMEOUT: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_in_chromium() {
    let started = Instant::now();
    let server = TestServer::spawn().await;
    let browser = Browser::start().await;
    eprintln!(
        "browser: server and Chromium ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let ctx = Ctx {
        client: browser.client.clone(),
        http: reqwest::Client::new(),
        base: server.address.clone(),
        tracking_no: server.tracking_no.clone(),
        query_code: server.query_code.clone(),
    };

    // BROWSER_SCENARIO=part runs only the scenarios whose name contains it;
    // BROWSER_ARTIFACTS=all saves the screenshot and source of passing scenarios too.
    let only = std::env::var("BROWSER_SCENARIO").ok();
    let keep_all = std::env::var("BROWSER_ARTIFACTS").is_ok_and(|v| v == "all");
    let mut failures = Vec::new();
    let public = scenarios![
        harness_self_check,
        search_the_catalogue,
        open_a_power,
        track_a_case,
        wrong_code,
        calculator,
        english,
        api_docs,
    ];
    let console = console_scenarios![
        console_sign_in,
        console_open_a_case,
        console_walk_a_case_to_its_end,
        console_pause_and_resume,
        console_penalty_outside_its_band,
        console_conflicting_edit,
        console_invalid_upload,
        console_lockout,
    ];
    let desk = [
        (
            "inspector_desk",
            (|ctx| Box::pin(desk::inspector_desk(ctx))) as Scenario,
        ),
        (
            "publish_and_complain",
            (|ctx| Box::pin(desk::publish_and_complain(ctx))) as Scenario,
        ),
        // Last: it reads the figures of what the others did.
        (
            "public_statistics_on_a_phone",
            (|ctx| Box::pin(statistics::public_statistics_on_a_phone(ctx))) as Scenario,
        ),
    ];
    for (name, scenario) in public.into_iter().chain(console).chain(desk) {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let t = Instant::now();
        let mut task = tokio::spawn(scenario(ctx.clone()));
        let failure = match tokio::time::timeout(SCENARIO_TIMEOUT, &mut task).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) if e.is_panic() => {
                let payload = e.into_panic();
                Some(
                    payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "panicked".into()),
                )
            }
            Ok(Err(e)) => Some(format!("task failed: {e}")),
            Err(_) => {
                task.abort();
                Some(format!("timed out after {SCENARIO_TIMEOUT:?}"))
            }
        };
        let secs = t.elapsed().as_secs_f64();
        match failure {
            None if keep_all => {
                let saved = browser.save_artifacts(name).await;
                eprintln!("browser: {name} ... ok ({secs:.2}s)\n  {saved}");
            }
            None => {
                browser.remove_artifacts(name);
                eprintln!("browser: {name} ... ok ({secs:.2}s)");
            }
            Some(message) => {
                let saved = browser.save_artifacts(name).await;
                eprintln!("browser: {name} ... FAILED ({secs:.2}s): {message}\n  {saved}");
                failures.push(format!("{name}: {message}\n  {saved}"));
            }
        }
    }

    browser.close().await;
    server.stop().await;
    eprintln!("browser: total {:.1}s", started.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} browser scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A case accepted on 7 December 2026, when 2027 has no notice yet: its provisional dates and
/// an extension, as the public (on a phone) and the officer see them. A server of its own,
/// with its clock on that day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_in_the_year_in_chromium() {
    let server = TestServer::spawn_at("2026-12-07T09:00:00+08:00").await;
    let browser = Browser::start().await;
    let ctx = Ctx {
        client: browser.client.clone(),
        http: reqwest::Client::new(),
        base: server.address.clone(),
        tracking_no: server.tracking_no.clone(),
        query_code: server.query_code.clone(),
    };
    let keep_all = std::env::var("BROWSER_ARTIFACTS").is_ok_and(|v| v == "all");
    let name = "provisional_dates_and_an_extension";
    let mut task = tokio::spawn(clocks::provisional_dates_and_an_extension(ctx));
    let failure = match tokio::time::timeout(SCENARIO_TIMEOUT, &mut task).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e}")),
        Err(_) => {
            task.abort();
            Some(format!("timed out after {SCENARIO_TIMEOUT:?}"))
        }
    };
    if failure.is_some() || keep_all {
        eprintln!("browser: {name}: {}", browser.save_artifacts(name).await);
    } else {
        browser.remove_artifacts(name);
    }
    browser.close().await;
    server.stop().await;
    assert!(failure.is_none(), "{name} failed: {failure:?}");
}

/// 网上办事 end to end at phone width, with a real SMTP server: apply with materials → 补正
/// asked → supplemented → accepted → decided → the 决定书 read, downloaded and checked; the
/// e-mails read back. A server of its own, mailing through the local relay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_service_hall_in_chromium() {
    let smtp = smtp::SmtpServer::start();
    let server = TestServer::spawn_with(server::TEST_START, Some(smtp.url())).await;
    let browser = Browser::start().await;
    let ctx = Ctx {
        client: browser.client.clone(),
        http: reqwest::Client::new(),
        base: server.address.clone(),
        tracking_no: server.tracking_no.clone(),
        query_code: server.query_code.clone(),
    };
    let keep_all = std::env::var("BROWSER_ARTIFACTS").is_ok_and(|v| v == "all");
    let name = "online_service_hall";
    let smtp = std::sync::Arc::new(smtp);
    let mut task = tokio::spawn({
        let smtp = smtp.clone();
        async move { hall::apply_supplement_decide_download_and_check(ctx, &smtp).await }
    });
    let failure = match tokio::time::timeout(Duration::from_secs(180), &mut task).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e}")),
        Err(_) => {
            task.abort();
            Some("timed out after 180 s".to_string())
        }
    };
    if failure.is_some() || keep_all {
        eprintln!("browser: {name}: {}", browser.save_artifacts(name).await);
    } else {
        browser.remove_artifacts(name);
    }
    browser.close().await;
    server.stop().await;
    assert!(failure.is_none(), "{name} failed: {failure:?}");
}
