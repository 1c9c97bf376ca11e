//! 统计公开 on a phone, after the other scenarios have received, concluded, complained about
//! and 督办'd cases (the hand count of each figure is `tests/api/statistics.rs`): the page shows
//! what the open-data API counts, per department by name, with charts that fit the screen; the
//! method, a department filter, the CSV download, a refusal in Chinese, and the annual
//! disclosure report reached from it.
use serde_json::Value;

use crate::harness::Ctx;
use crate::server::DEPARTMENT;

/// The API's figures for `query`.
async fn api(ctx: &Ctx, query: &str) -> Value {
    let r = ctx
        .http
        .get(ctx.url(&format!("/api/v1/public/statistics?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    r.json().await.unwrap()
}

/// The page fits a 390 px phone: nothing scrolls sideways, and every chart (and every text in
/// it) lies inside its box.
async fn fits_the_phone(ctx: &Ctx) {
    let width = ctx
        .js("return document.documentElement.scrollWidth;", vec![])
        .await;
    assert!(
        width.as_u64().is_some_and(|w| w <= 390),
        "the statistics page is {width} px wide on a 390 px phone"
    );
    let outside = ctx
        .js(
            "const out = [];
             for (const svg of document.querySelectorAll('.chart svg')) {
               const box = svg.getBoundingClientRect();
               if (box.width < 200 || box.right > window.innerWidth) out.push('svg ' + box.width);
               for (const t of svg.querySelectorAll('text')) {
                 const r = t.getBoundingClientRect();
                 if (r.left < box.left - 1 || r.right > box.right + 1) out.push(t.textContent);
               }
             }
             return out;",
            vec![],
        )
        .await;
    assert_eq!(
        outside,
        serde_json::json!([]),
        "chart parts outside their box"
    );
}

pub async fn public_statistics_on_a_phone(ctx: Ctx) {
    ctx.client.set_window_size(390, 844).await.unwrap();
    let expected = api(&ctx, "").await;
    let departments = expected["departments"].as_array().unwrap();
    let amr = departments
        .iter()
        .find(|d| d["department"] == DEPARTMENT)
        .unwrap_or_else(|| panic!("the seeded case is not counted: {expected}"));
    assert!(amr["figures"]["received"].as_i64().unwrap() >= 1, "{amr}");

    ctx.goto("/statistics").await;
    assert_eq!(ctx.text("h1").await, "统计公开");
    fits_the_phone(&ctx).await;
    // The totals and each department's card are the API's figures, departments by name.
    let totals = &expected["totals"];
    assert_eq!(
        ctx.text("#totals .received").await,
        format!("{} 件", totals["received"])
    );
    assert_eq!(
        ctx.text("#totals .concluded").await,
        format!("{} 件", totals["concluded"])
    );
    assert_eq!(
        ctx.text("#totals .complaints").await,
        format!("{} 件", totals["complaints"])
    );
    let cards = ctx.find_all("#departments > li").await;
    assert_eq!(cards.len(), departments.len());
    let card = format!("#departments > li[data-department=\"{DEPARTMENT}\"]");
    assert_eq!(
        ctx.text(&format!("{card} h3")).await,
        amr["department_name"].as_str().unwrap()
    );
    assert_eq!(
        ctx.text(&format!("{card} .received")).await,
        format!("{} 件", amr["figures"]["received"])
    );
    let on_time = amr["figures"]["on_time_rate"]
        .as_f64()
        .map(|r| format!("{r:.1}%"))
        .unwrap_or_else(|| "—".into());
    assert_eq!(ctx.text(&format!("{card} .on-time")).await, on_time);
    // Three charts, each naming the department; the method is stated.
    // A figure without data (no rating yet) is said so in its chart.
    for (chart, figure) in [
        ("#chart-on-time", "on_time_rate"),
        ("#chart-days", "average_working_days"),
        ("#chart-bad-rate", "bad_rating_rate"),
    ] {
        let drawn = ctx
            .js(
                "return document.querySelector(arguments[0] + ' svg').textContent;",
                vec![Value::from(chart)],
            )
            .await;
        let drawn = drawn.as_str().unwrap_or_default();
        assert!(!drawn.contains(DEPARTMENT), "{chart}: {drawn}");
        let any = departments.iter().any(|d| !d["figures"][figure].is_null());
        if amr["figures"][figure].is_null() {
            assert!(
                any || drawn.contains("期间内没有可计算的数据"),
                "{chart}: {drawn}"
            );
        } else {
            assert!(
                drawn.contains(amr["department_name"].as_str().unwrap()),
                "{chart}: {drawn}"
            );
        }
    }
    assert!(ctx.find_all("#method li").await.len() >= 6);
    let main = ctx.text("main").await;
    for word in [DEPARTMENT, "{\"", "null", "received", "on_time"] {
        assert!(!main.contains(word), "the page shows “{word}”:\n{main}");
    }

    // The filter: one department, chosen by name.
    ctx.client
        .execute(
            "document.querySelector('#department').value = arguments[0];",
            vec![Value::from(DEPARTMENT)],
        )
        .await
        .unwrap();
    ctx.click_and_wait("#filter-submit").await;
    assert!(
        ctx.current_url()
            .await
            .contains(&format!("department={DEPARTMENT}"))
    );
    assert_eq!(ctx.find_all("#departments > li").await.len(), 1);
    assert!(
        ctx.text("#period")
            .await
            .starts_with(amr["department_name"].as_str().unwrap())
    );
    fits_the_phone(&ctx).await;

    // The CSV of what the page shows.
    let href = ctx
        .find("#csv")
        .await
        .attr("href")
        .await
        .unwrap()
        .expect("a CSV link");
    let r = ctx.http.get(ctx.url(&href)).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|l| l.contains(amr["department_name"].as_str().unwrap())),
        "{csv}"
    );

    // The annual disclosure report, from the statistics page: its tables fit the phone (each
    // scrolls in its box), the cells the system cannot know are marked, the download is offered.
    ctx.click_and_wait("#annual-report").await;
    assert!(
        ctx.text("#report-title")
            .await
            .ends_with("政府信息公开工作年度报告")
    );
    fits_the_phone(&ctx).await;
    assert!(ctx.find_all("#requests td.manual").await.len() >= 19);
    assert!(!ctx.find_all("#download").await.is_empty());
    let main = ctx.text("main").await;
    assert!(
        !main.contains(DEPARTMENT) && !main.contains("null"),
        "{main}"
    );

    // A month that is not one: refused in Chinese.
    ctx.goto("/statistics?from=2026-13").await;
    let error = ctx.text("#error").await;
    assert!(error.contains("2026-03"), "{error}");
    ctx.client.set_window_size(1280, 1024).await.unwrap();
}
