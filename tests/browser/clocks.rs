//! Late in the year, in a real browser: a case accepted on 2026-12-07 whose limit reaches 2027
//! (no State Council notice yet) shows its provisional due date to the public on a phone and
//! to the officer; the officer records an extension and both see it.
use crate::console::sign_in_as;
use crate::harness::Ctx;
use crate::server::OFFICER_A;

/// The mark every provisional date carries.
const MARK: &str = "预计，待国务院公布2027年节假日安排后确定";

pub async fn provisional_dates_and_an_extension(ctx: Ctx) {
    // The public, on a phone (390 px wide).
    ctx.client.set_window_size(390, 844).await.unwrap();
    ctx.goto(&format!(
        "/track?no={}&code={}",
        ctx.tracking_no, ctx.query_code
    ))
    .await;
    ctx.find("progress#working-days").await;
    let statutory = ctx.text("#working-days-statutory-provisional").await;
    assert!(
        statutory.contains(MARK),
        "the public page shows {statutory:?}"
    );
    let limits = ctx.text("section[aria-labelledby=h-time]").await;
    // 20 working days from Monday 7 December: 元旦 is off by law; due Tuesday 5 January 2027.
    assert!(limits.contains("2027-01-05"), "{limits}");
    assert!(!limits.contains("无法计算"), "{limits}");
    // Nothing is wider than the phone.
    let overflow = ctx
        .js(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await;
    assert_eq!(
        overflow,
        serde_json::json!(false),
        "the page scrolls sideways"
    );

    // The officer, at the window.
    ctx.client.set_window_size(1280, 1024).await.unwrap();
    sign_in_as(&ctx, OFFICER_A).await;
    ctx.goto(&format!("/officer/cases/{}", ctx.tracking_no))
        .await;
    let mark = ctx.text("#limit-statutory-provisional").await;
    assert!(mark.contains(MARK), "the officer sees {mark:?}");
    assert!(!ctx.source().await.contains("no working-day calendar"));
    ctx.type_into("#extension-days", "10").await;
    ctx.type_into("#extension-approved-by", "副局长 王某").await;
    ctx.type_into("#extension-reason", "需现场核查的经营场所较多")
        .await;
    ctx.click_and_wait("#extension-submit").await;
    let extended = ctx.text("#limit-statutory-extended").await;
    assert!(extended.contains("已依法延长 10 个工作日"), "{extended}");
    let timeline = ctx.text("ol#timeline").await;
    assert!(timeline.contains("批准人 副局长 王某"), "{timeline}");

    // The public sees the new due date and why, still marked provisional.
    ctx.client.set_window_size(390, 844).await.unwrap();
    ctx.goto(&format!(
        "/track?no={}&code={}",
        ctx.tracking_no, ctx.query_code
    ))
    .await;
    let extended = ctx.text("#working-days-statutory-extended").await;
    assert!(extended.contains("已依法延长 10 个工作日"), "{extended}");
    let limits = ctx.text("section[aria-labelledby=h-time]").await;
    // Ten more working days: 2027-01-19.
    assert!(limits.contains("2027-01-19"), "{limits}");
    assert!(limits.contains(MARK), "{limits}");
}
