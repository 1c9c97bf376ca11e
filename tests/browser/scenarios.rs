//! What a member of the public does and sees, one scenario per page of the contract.
use aggregates::calendar::WorkingCalendar;
use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::Ctx;
use crate::server::{PARTY_ADDRESS, PARTY_ID_NUMBER, PARTY_NAME, PARTY_PHONE, POWER};

/// Harness self-check on pages the binary has always served: the health check and Swagger UI
/// (vendored, so it renders with no network).
pub async fn harness_self_check(ctx: Ctx) {
    ctx.goto("/healthz").await;
    let body = ctx.text("body").await;
    assert!(!body.trim().is_empty(), "/healthz shows nothing");
    ctx.goto("/docs/").await;
    let title = ctx.text(".swagger-ui .info .title").await;
    assert!(
        title.contains("Yangguang"),
        "Swagger UI shows the title {title:?}"
    );
}

/// Searches the catalogue from the home page; returns the names of the powers listed.
async fn search(ctx: &Ctx, query: &str) -> Vec<String> {
    ctx.goto("/").await;
    for field in [
        "form#search input#q[name=q]",
        "form#search select#department",
        "form#search select#category",
    ] {
        ctx.find(field).await;
    }
    ctx.type_into("#q", query).await;
    ctx.click_and_wait("#search-submit").await;
    ctx.find("ul#powers").await;
    let mut names = Vec::new();
    for link in ctx.find_all("ul#powers a.power-link").await {
        names.push(link.text().await.unwrap().trim().to_string());
    }
    names
}

/// 1. Searching for 食品 lists the food powers only; nonsense lists nothing.
pub async fn search_the_catalogue(ctx: Ctx) {
    let names = search(&ctx, "食品").await;
    assert!(
        names.len() >= 2,
        "searching 食品 should list at least two powers, listed {names:?}"
    );
    for name in &names {
        assert!(name.contains("食品"), "{name} listed for 食品 ({names:?})");
    }
    let names = search(&ctx, "量子纠缠许可证").await;
    assert!(names.is_empty(), "nonsense found {names:?}");
}

/// 2. Opening 食品经营许可 from the results shows its name and its flowchart.
pub async fn open_a_power(ctx: Ctx) {
    search(&ctx, "食品经营许可").await;
    let mut target = None;
    for link in ctx.find_all("ul#powers a.power-link").await {
        if link.text().await.unwrap().trim() == "食品经营许可" {
            target = Some(link);
        }
    }
    let link = target.expect("no 食品经营许可 link among the results");
    let href = link.attr("href").await.unwrap().unwrap_or_default();
    assert!(
        href.ends_with(&format!("/powers/{POWER}")),
        "the link goes to {href}"
    );
    ctx.click_element_and_wait(&link, "a.power-link 食品经营许可")
        .await;
    assert!(
        ctx.current_url()
            .await
            .contains(&format!("/powers/{POWER}")),
        "clicking the link opened {}",
        ctx.current_url().await
    );
    assert_eq!(ctx.text("h1").await.trim(), "食品经营许可");
    ctx.find("figure#flowchart svg").await;
    let svg_text = ctx
        .js(
            "return document.querySelector('figure#flowchart svg').textContent;",
            vec![],
        )
        .await;
    let svg_text = svg_text.as_str().unwrap_or_default();
    assert!(
        svg_text.contains("补正"),
        "the flowchart does not name the step 补正材料: {svg_text}"
    );
}

/// Fills the tracking form with the seeded number and `code`, as a user would.
async fn fill_tracking_form(ctx: &Ctx, code: &str) {
    ctx.goto("/track").await;
    for field in [
        "form#track input#tracking_no[name=no]",
        "form#track input#query_code[name=code]",
    ] {
        ctx.find(field).await;
    }
    ctx.type_into("#tracking_no", &ctx.tracking_no).await;
    ctx.type_into("#query_code", code).await;
}

/// 3. Tracking the seeded case shows its current step and no personal data.
pub async fn track_a_case(ctx: Ctx) {
    fill_tracking_form(&ctx, &ctx.query_code).await;
    ctx.click_and_wait("#track-submit").await;
    let step = ctx.text("p#current-step").await;
    assert!(step.contains("材料审查"), "current step shows {step:?}");
    assert!(
        !ctx.text("p#status").await.trim().is_empty(),
        "#status is empty"
    );
    ctx.find("progress#working-days").await;
    let timeline = ctx.text("ol#timeline").await;
    assert!(timeline.contains("受理"), "the timeline shows {timeline:?}");
    let source = ctx.source().await;
    for secret in [PARTY_NAME, PARTY_ID_NUMBER, PARTY_PHONE, PARTY_ADDRESS] {
        assert!(!source.contains(secret), "the status page shows {secret}");
    }
}

/// 4. A wrong query code gives the not-found page, with HTTP status 404.
pub async fn wrong_code(ctx: Ctx) {
    fill_tracking_form(&ctx, "WRONGCODE2").await;
    assert_eq!(
        ctx.submit_form_over_http("form#track").await,
        StatusCode::NOT_FOUND,
        "the tracking form with a wrong code"
    );
    ctx.click_and_wait("#track-submit").await;
    ctx.find("h1#not-found").await;
    assert!(ctx.find_all("p#current-step").await.is_empty());
    let source = ctx.source().await;
    assert!(!source.contains(PARTY_NAME), "the 404 page names the party");
}

/// 5. The calculator gives the built-in calendar's due date and marks the make-up workday.
pub async fn calculator(ctx: Ctx) {
    let start = NaiveDate::from_ymd_opt(2026, 2, 13).unwrap();
    let expected = WorkingCalendar::builtin()
        .add_working_days(start, 5, &[])
        .unwrap()
        .due
        .format("%Y-%m-%d")
        .to_string();
    ctx.goto("/calculator").await;
    // Typing into a date input depends on the browser's locale: set it the way a date
    // picker does, with the events a user's pick fires.
    for field in [
        "form#calculator input#start[type=date][name=start]",
        "form#calculator input#days[name=days]",
    ] {
        ctx.find(field).await;
    }
    ctx.js(
        "const f = document.querySelector('input#start');
         f.value = arguments[0];
         f.dispatchEvent(new Event('input', {bubbles: true}));
         f.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(start.format("%Y-%m-%d").to_string())],
    )
    .await;
    ctx.type_into("input#days", "5").await;
    ctx.click_and_wait(
        "form#calculator button:not([type=button]):not([type=reset]), \
         form#calculator input[type=submit]",
    )
    .await;
    let due = ctx.text("p#due-date").await;
    assert!(
        due.contains(&expected),
        "#due-date shows {due:?}, the calendar says {expected}"
    );
    let table = ctx.text("table#days").await;
    assert!(
        table.contains("调休"),
        "#days does not mark 2026-02-14 as 调休: {table}"
    );
}

/// `<html lang>` of the current page.
async fn html_lang(ctx: &Ctx) -> String {
    let lang = ctx
        .js("return document.documentElement.lang;", vec![])
        .await;
    lang.as_str().unwrap_or_default().to_string()
}

/// 6. Chinese by default; `?lang=en` gives English.
pub async fn english(ctx: Ctx) {
    // A client that states no language gets Chinese.
    let page = ctx
        .http
        .get(ctx.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<html lang=\"zh"),
        "without Accept-Language or ?lang the home page is not Chinese"
    );
    // So does the (Chinese) browser.
    ctx.goto("/").await;
    assert!(
        html_lang(&ctx).await.starts_with("zh"),
        "<html lang> by default"
    );
    let header = ctx.text("header").await;
    assert!(header.contains("职权目录"), "the default header: {header}");
    assert!(
        !header.contains("Catalogue"),
        "the default header: {header}"
    );

    ctx.goto("/?lang=en").await;
    assert_eq!(html_lang(&ctx).await, "en", "<html lang> with ?lang=en");
    let header = ctx.text("header").await;
    for word in ["Catalogue", "Track a case"] {
        assert!(
            header.contains(word),
            "the English header lacks {word}: {header}"
        );
    }
    // The search form is English too.
    let button = ctx.text("#search-submit").await;
    assert!(
        button.is_ascii() && !button.trim().is_empty(),
        "the English search button says {button:?}"
    );
}

/// Security finding 7: Swagger UI still works under its Content-Security-Policy (its own
/// scripts and styles only), lists the API's operations, and asks no validator anywhere.
pub async fn api_docs(ctx: Ctx) {
    let r = ctx.http.get(ctx.url("/docs/")).send().await.unwrap();
    let csp = r
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "CSP: {csp:?}");
    ctx.goto("/docs/").await;
    // Operations rendered: the bundle ran under the policy.
    ctx.find(".opblock").await;
    let operations = ctx.find_all(".opblock").await.len();
    assert!(operations > 20, "only {operations} operations shown");
    // No validator badge (it would load an image from a third-party host).
    assert!(
        ctx.find_all(".validator-badge, img[src*='validator']")
            .await
            .is_empty()
    );
    let outside = ctx
        .js(
            "return performance.getEntriesByType('resource')\
               .map(e => e.name).filter(n => !n.startsWith(location.origin));",
            vec![],
        )
        .await;
    assert_eq!(outside, json!([]), "requests left the server");
}
