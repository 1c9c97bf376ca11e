//! The inspector's desk in Chromium: an officer records a fine above its band; the inspector
//! finds the alert by filtering the queue, opens the case file (the read is recorded, the
//! flowchart shows the path taken), acknowledges and resolves the alert as a violation, and
//! reads the scorecard with its charts and CSV.
use serde_json::json;

use crate::console::{click_outcome, open_case, sign_in_as};
use crate::harness::{Ctx, WAIT};
use crate::server::{
    DEPARTMENT, INSPECTOR, INSPECTOR_NAME, OFFICER_A, OFFICER_A_NAME, PENALTY_POWER,
};

/// What a Chinese page of the desk must never show: a department id, a rule's or an event's
/// code name, a JSON dump, an officer's login name (the signed-in bar names the inspector's
/// own account, and that is theirs to see).
async fn assert_made_for_inspectors(ctx: &Ctx, page: &str) {
    let text = ctx.text("main").await;
    let mut forbidden: Vec<&str> = vec![
        DEPARTMENT,
        "{\"",
        "\":",
        "amount_fen",
        "discretion_deviation",
        "back_filled",
        "seq-",
        "file_case",
        "investigate",
        OFFICER_A,
    ];
    forbidden.extend([
        "CaseOpened",
        "StepCompleted",
        "PenaltyDecisionRecorded",
        "ClockPaused",
        "CaseConcluded",
        "PersonalDataRead",
    ]);
    for word in forbidden {
        assert!(
            !text.contains(word),
            "{page} shows “{word}” to an inspector:\n{text}"
        );
    }
}

/// Records a 95,000-yuan fine in the 65,000-85,000 band through the officer's form.
async fn fine_above_the_band(ctx: &Ctx) -> String {
    sign_in_as(ctx, OFFICER_A).await;
    let no = open_case(ctx, PENALTY_POWER, "91350100M000100Y43").await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    click_outcome(ctx, "立案，指派执法人员", "立案").await;
    click_outcome(ctx, "调查终结，拟予处罚", "调查终结").await;
    ctx.js(
        "document.querySelector('#penalty-band').value = 'lt10k-ordinary';",
        vec![],
    )
    .await;
    ctx.type_into("#penalty-base", "3000").await;
    ctx.type_into("#penalty-amount", "95000").await;
    ctx.type_into("#penalty-justification", "未取得许可经营，货值三千元")
        .await;
    ctx.click_and_wait("#penalty-check-submit").await;
    ctx.click_and_wait("#penalty-record-submit").await;
    assert!(ctx.text("#penalty-recorded").await.contains("95000"));
    no
}

pub async fn inspector_desk(ctx: Ctx) {
    let no = fine_above_the_band(&ctx).await;
    sign_in_as(&ctx, INSPECTOR).await;
    assert!(
        ctx.current_url().await.contains("/inspector"),
        "an inspector lands on the desk: {}",
        ctx.current_url().await
    );

    // The queue, filtered with the form: the alert appears once the rules have run.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        ctx.goto("/inspector").await;
        ctx.js(
            "document.querySelector('#f-rule').value = 'discretion_deviation';\
             document.querySelector('#f-department').value = arguments[0];",
            vec![json!(DEPARTMENT)],
        )
        .await;
        ctx.click_and_wait("#filter-submit").await;
        if ctx.source().await.contains(&no) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the alert did not reach the desk"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let url = ctx.current_url().await;
    assert!(url.contains("rule=discretion_deviation"), "{url}");
    let table = ctx.text("table#alerts").await;
    assert!(
        table.contains("裁量偏离") && table.contains("黄牌"),
        "{table}"
    );
    // One row per case, with the power, the department by name and the party.
    let row = ctx
        .text(&format!("table#alerts tr[data-case='{no}']"))
        .await;
    assert!(
        row.contains("食品") && row.contains("市场监督管理局") && row.contains("上海某某餐饮"),
        "the queue row names the power, department and party: {row}"
    );
    assert_made_for_inspectors(&ctx, "the alert queue").await;

    // The case file: the read recorded, the path highlighted, the alert's card.
    let link = ctx.find(&format!("table#alerts a[href*='{no}']")).await;
    ctx.click_element_and_wait(&link, "the case link").await;
    ctx.find("#read-recorded").await;
    let visited = ctx
        .js(
            "return document.querySelectorAll('#flowchart svg .yg-visited').length;",
            vec![],
        )
        .await;
    assert!(
        visited.as_u64().unwrap_or(0) >= 2,
        "the path taken: {visited}"
    );
    let path = ctx.text("#path").await;
    assert!(
        path.contains("立案 → 调查取证 → 事先告知"),
        "the path by step names: {path}"
    );
    // The case file states its limits, and the alert says in words what happened.
    let limits = ctx.text("#limits").await;
    assert!(
        limits.contains("法定时限") && limits.contains("工作日"),
        "{limits}"
    );
    assert_made_for_inspectors(&ctx, "the case file").await;
    assert!(
        ctx.text("#party")
            .await
            .contains("上海某某餐饮管理有限公司")
    );

    // Acknowledge, then resolve as a violation.
    let card = format!("article.alert-card[id*='{no}:discretion_deviation']");
    let explained = ctx.text(&format!("{card} .alert-happened")).await;
    assert!(
        explained.contains(OFFICER_A_NAME) && explained.contains("95,000.00 元"),
        "the alert in words, the officer by name, the fine in 元: {explained}"
    );
    let facts = ctx.text(&format!("{card} .alert-facts")).await;
    assert!(
        facts.contains("65,000.00 元 – 85,000.00 元"),
        "the band's range: {facts}"
    );
    ctx.type_into(&format!("{card} input[name=note]"), "调阅卷宗")
        .await;
    ctx.click_and_wait(&format!("{card} .ack-submit")).await;
    assert!(ctx.text("#done").await.contains("已签收"));
    assert!(
        ctx.text(&format!("{card} .alert-status"))
            .await
            .contains("调查中")
    );
    // A 督办 to the department from the alert's card: the order page names the department
    // and the due date, and lists the order in the desk's 督办单.
    ctx.js(
        "document.querySelector(arguments[0] + ' details.order-issue').open = true;",
        vec![json!(card)],
    )
    .await;
    ctx.type_into(
        &format!("{card} textarea[name=instructions]"),
        "书面说明罚款高于裁量档次的理由，提出整改措施",
    )
    .await;
    ctx.click_and_wait(&format!("{card} .order-submit")).await;
    assert!(ctx.current_url().await.contains("/inspector/orders/D"));
    let status = ctx.text("#order-status").await;
    assert!(status.contains("待回复"), "{status}");
    assert!(ctx.text("main").await.contains("市场监督管理局"));
    assert_made_for_inspectors(&ctx, "the order").await;
    ctx.goto("/inspector/orders").await;
    assert!(ctx.text("table#orders").await.contains("书面说明罚款"));
    assert_made_for_inspectors(&ctx, "the orders").await;
    ctx.goto(&format!("/inspector/cases/{no}")).await;

    ctx.find(&format!("{card} input[value=violation]"))
        .await
        .click()
        .await
        .unwrap();
    // A violation without its accountability action is refused: the error appears inside the
    // alert's card, where the page lands, and what was chosen and typed is still there.
    ctx.type_into(&format!("{card} input[name=note]"), "经核查确属违规")
        .await;
    ctx.click_and_wait(&format!("{card} .resolve-submit")).await;
    let error = ctx.text(&format!("{card} .alert-error")).await;
    assert!(!error.is_empty(), "the refusal is shown in the card");
    assert!(
        ctx.current_url().await.contains("#alert-"),
        "the page lands on the card"
    );
    let kept = ctx
        .js(
            "const c = document.querySelector(arguments[0]);\
             return [c.querySelector('input[value=violation]').checked,\
                     c.querySelector('input[name=note]').value];",
            vec![json!(card)],
        )
        .await;
    assert_eq!(
        kept,
        json!([true, "经核查确属违规"]),
        "what was typed is kept"
    );
    ctx.type_into(
        &format!("{card} input[name=accountability]"),
        "约谈承办人，责令重新作出决定",
    )
    .await;
    ctx.click_and_wait(&format!("{card} .resolve-submit")).await;
    assert!(ctx.text("#done").await.contains("已办结"));
    let resolved = ctx.text(&card).await;
    assert!(
        resolved.contains("违规") && resolved.contains("约谈承办人"),
        "{resolved}"
    );
    // The second opening lists the first.
    let reads = ctx.text("#reads").await;
    assert!(
        reads.contains(INSPECTOR_NAME),
        "the reader by name: {reads}"
    );

    // The scorecard: the department's row, two charts, and the CSV.
    ctx.goto("/inspector/scorecards").await;
    let row = ctx
        .text(&format!(
            "table#scorecards tr[data-department='{DEPARTMENT}']"
        ))
        .await;
    assert!(!row.is_empty());
    let alerts: u64 = ctx
        .text(&format!(
            "table#scorecards tr[data-department='{DEPARTMENT}'] td.alerts"
        ))
        .await
        .trim()
        .parse()
        .unwrap();
    let violations: u64 = ctx
        .text(&format!(
            "table#scorecards tr[data-department='{DEPARTMENT}'] td.violations"
        ))
        .await
        .trim()
        .parse()
        .unwrap();
    assert!(alerts >= 1 && violations >= 1, "{row}");
    ctx.find("#chart-on-time svg").await;
    ctx.find("#chart-alerts svg").await;
    assert!(
        row.contains("市场监督管理局"),
        "the scorecard names the department: {row}"
    );
    // Every label of the charts lies inside its drawing.
    let outside = ctx
        .js(
            "const out = [];\
             for (const svg of document.querySelectorAll('.chart svg')) {\
               const box = svg.getBoundingClientRect();\
               for (const t of svg.querySelectorAll('text')) {\
                 const r = t.getBoundingClientRect();\
                 if (r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1)) out.push(t.textContent.trim());\
               }\
             }\
             return out;",
            vec![],
        )
        .await;
    assert_eq!(outside, json!([]), "chart labels cut off");
    assert_made_for_inspectors(&ctx, "the scorecards").await;
    let csv = ctx
        .js(
            "const x = new XMLHttpRequest();\
             x.open('GET', document.querySelector('#csv').href, false);\
             x.send();\
             return [x.status, x.getResponseHeader('content-type'), x.responseText];",
            vec![],
        )
        .await;
    assert_eq!(csv[0], json!(200), "{csv}");
    assert!(csv[1].as_str().unwrap().starts_with("text/csv"));
    assert!(csv[2].as_str().unwrap().contains(&format!("{DEPARTMENT},")));
}

/// A penalty case walked to its end in the console, its decision published by the form, then
/// found on the public list with the organisation named; a complaint sent from the public
/// status page of the seeded case.
pub async fn publish_and_complain(ctx: Ctx) {
    sign_in_as(&ctx, OFFICER_A).await;
    let no = open_case(&ctx, PENALTY_POWER, "91350100M000100Y43").await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    click_outcome(&ctx, "立案，指派执法人员", "立案").await;
    click_outcome(&ctx, "调查终结，拟予处罚", "调查终结").await;
    click_outcome(&ctx, "陈述申辩已复核或放弃（一般案件）", "放弃陈述申辩").await;
    ctx.js(
        "document.querySelector('#penalty-band').value = 'lt10k-ordinary';",
        vec![],
    )
    .await;
    ctx.type_into("#penalty-base", "3000").await;
    ctx.type_into("#penalty-amount", "75000").await;
    ctx.type_into("#penalty-justification", "未取得许可经营，货值三千元")
        .await;
    ctx.click_and_wait("#penalty-check-submit").await;
    ctx.click_and_wait("#penalty-record-submit").await;
    // The decision is taken by someone who did not investigate (岗位分离).
    sign_in_as(&ctx, crate::server::OFFICER_B).await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    click_outcome(&ctx, "给予行政处罚", "决定处罚").await;
    sign_in_as(&ctx, OFFICER_A).await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    click_outcome(&ctx, "已送达", "已送达").await;

    ctx.type_into("#publish-document-no", "浦市监处〔2026〕88号")
        .await;
    ctx.type_into("#publish-violation", "未取得食品经营许可从事食品经营活动")
        .await;
    ctx.type_into("#publish-penalty", "罚款人民币七万五千元")
        .await;
    ctx.click_and_wait("#publish-submit").await;
    assert!(ctx.text("#done").await.contains("已公开"));
    let link = ctx.find("#published a").await;
    ctx.click_element_and_wait(&link, "the public page").await;
    assert_eq!(
        ctx.text("#document-no").await.trim(),
        "浦市监处〔2026〕88号"
    );
    assert!(
        ctx.text("#party")
            .await
            .contains("上海某某餐饮管理有限公司")
    );
    ctx.goto("/decisions").await;
    assert!(
        ctx.text("table#decisions")
            .await
            .contains("浦市监处〔2026〕88号")
    );

    // The public side: a complaint from the seeded case's status page.
    ctx.client.delete_all_cookies().await.unwrap();
    ctx.goto(&format!(
        "/track?no={}&code={}",
        ctx.tracking_no, ctx.query_code
    ))
    .await;
    assert!(
        ctx.find_all("form#rating").await.is_empty(),
        "an open case is not rated yet"
    );
    ctx.type_into("#complaint-text", "窗口要求提供清单以外的材料")
        .await;
    ctx.click_and_wait("#complaint-submit").await;
    assert!(ctx.text("#feedback-done").await.contains("投诉已收到"));
}
