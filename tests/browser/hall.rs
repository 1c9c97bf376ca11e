//! 网上办事 end to end, on a phone: the applicant applies with the materials' files, the officer
//! asks for 补正, the applicant supplements, the case is accepted and decided, and the applicant
//! reads, downloads and checks the 决定书 — with the e-mails the case produced read back from
//! a real SMTP server.
use fantoccini::Locator;
use sha2::{Digest, Sha256};

use crate::console::{click_outcome, sign_in_as};
use crate::harness::Ctx;
use crate::server::{OFFICER_A, OFFICER_B, POWER};
use crate::smtp::SmtpServer;

const APPLICANT: &str = "李网申";
const APPLICANT_ID: &str = "11010519491231002X";
const EMAIL: &str = "li.wangshen@example.com";

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/materials/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Whether the page fits the phone's width (no sideways scrolling).
async fn fits_the_phone(ctx: &Ctx, what: &str) {
    let width = ctx
        .js("return document.documentElement.scrollWidth;", vec![])
        .await;
    assert!(
        width.as_u64().is_some_and(|w| w <= 390),
        "{what} is {width} px wide on a 390 px phone"
    );
}

async fn phone(ctx: &Ctx) {
    ctx.client.set_window_size(390, 844).await.unwrap();
}

async fn desk(ctx: &Ctx) {
    ctx.client.set_window_size(1280, 1024).await.unwrap();
}

/// The whole path; `smtp` is the relay the server mails through.
pub async fn apply_supplement_decide_download_and_check(ctx: Ctx, smtp: &SmtpServer) {
    // 1. The applicant, on a phone, applies from the power's page with two files.
    phone(&ctx).await;
    ctx.goto(&format!("/powers/{POWER}")).await;
    fits_the_phone(&ctx, "the power's page").await;
    ctx.click_and_wait("#apply-online").await;
    ctx.find("form#apply-form").await;
    fits_the_phone(&ctx, "the application form").await;
    ctx.type_into("#party-name", APPLICANT).await;
    ctx.type_into("#party-id", APPLICANT_ID).await;
    ctx.type_into("#contact-email", EMAIL).await;
    ctx.find("#material-0")
        .await
        .send_keys(&fixture("application.pdf"))
        .await
        .unwrap();
    ctx.find("#material-1")
        .await
        .send_keys(&fixture("licence.png"))
        .await
        .unwrap();
    ctx.click_and_wait("#apply-submit").await;
    let no = ctx.text("#tracking-no").await.trim().to_string();
    let code = ctx.text("#query-code").await.trim().to_string();
    assert!(
        no.starts_with("YG"),
        "no tracking number on the receipt: {no:?}"
    );
    assert_eq!(code.len(), 10, "the query code {code:?}");
    let files = ctx.text("#files-received").await;
    assert!(files.contains("食品经营许可申请书"), "{files}");
    fits_the_phone(&ctx, "the receipt").await;
    let received = smtp.wait_for("已收到申请").await;
    assert_eq!(received.to, EMAIL);
    assert!(received.body.contains(&no), "{}", received.body);

    // 2. The officer asks, in one notice, for the licence again.
    desk(&ctx).await;
    sign_in_as(&ctx, OFFICER_A).await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    ctx.find("form#supplement-form").await;
    ctx.js(
        "document.querySelector('#supplement-form input[name=\"ask-1\"]').click();",
        vec![],
    )
    .await;
    ctx.type_into("#reason-1", "营业执照照片不清晰，请上传清晰的扫描件")
        .await;
    ctx.click_and_wait("#supplement-submit").await;
    assert_eq!(ctx.text("#current-step").await.trim(), "补正材料");
    let asked = smtp.wait_for("需补正材料").await;
    assert!(
        asked.body.contains("营业执照照片不清晰"),
        "the notice lists what is needed: {}",
        asked.body
    );

    // 3. The applicant sees exactly that on the tracking page and uploads the file.
    phone(&ctx).await;
    ctx.goto(&format!("/track?no={no}&code={code}")).await;
    let notice = ctx.text("#supplement").await;
    assert!(notice.contains("营业执照照片不清晰"), "{notice}");
    fits_the_phone(&ctx, "the tracking page with its 补正 notice").await;
    let field = ctx
        .client
        .find(Locator::Css("#supplement-form input[type=file]"))
        .await
        .unwrap();
    field.send_keys(&fixture("licence.png")).await.unwrap();
    ctx.click_and_wait("#supplement-submit").await;
    ctx.goto(&format!("/track?no={no}&code={code}")).await;
    assert_eq!(ctx.text("#current-step").await.trim(), "申请与受理");

    // 4. Accepted, reviewed, and granted by a second officer.
    desk(&ctx).await;
    sign_in_as(&ctx, OFFICER_A).await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    click_outcome(&ctx, "受理", "材料齐全").await;
    click_outcome(&ctx, "书面审查符合条件", "符合条件").await;
    sign_in_as(&ctx, OFFICER_B).await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    click_outcome(&ctx, "准予许可", "经营场所和设备设施符合规定条件").await;
    assert_eq!(ctx.text("#status").await.trim(), "已办结");
    smtp.wait_for("已受理").await;
    smtp.wait_for("已办结").await;
    let ready = smtp.wait_for("决定书已出具").await;
    assert!(ready.body.contains("准予行政许可决定书"), "{}", ready.body);

    // 5. The applicant reads the document on the phone, downloads the PDF and checks it.
    phone(&ctx).await;
    ctx.goto(&format!("/track?no={no}&code={code}")).await;
    let link = ctx.find("#result-document a.button-link").await;
    ctx.click_element_and_wait(&link, "查看决定书").await;
    assert_eq!(ctx.text("h1").await.trim(), "准予行政许可决定书");
    let document = ctx.text("#document").await;
    assert!(
        document.contains("准予许可") && document.contains(&no),
        "{document}"
    );
    assert!(
        !document.contains(APPLICANT_ID),
        "the web version shows the ID number: {document}"
    );
    fits_the_phone(&ctx, "the document's page").await;
    let recorded = ctx.text("#document-sha256").await.trim().to_string();
    let href = ctx
        .find("#download-pdf")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let pdf = ctx
        .http
        .get(format!("{}{href}", ctx.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert_eq!(hex::encode(Sha256::digest(&pdf)), recorded);
    let text = yangguang::engine::pdf::extract_text(&pdf)
        .expect("the download is a PDF")
        .concat();
    assert!(
        text.contains(APPLICANT) && text.contains(APPLICANT_ID),
        "the PDF is the applicant's own, with their particulars"
    );

    let saved = tempfile::tempdir().unwrap();
    let path = saved.path().join("决定书.pdf");
    std::fs::write(&path, &pdf).unwrap();
    ctx.goto("/verify").await;
    fits_the_phone(&ctx, "the document check").await;
    ctx.type_into("#verify-no", &no).await;
    ctx.find("#verify-file")
        .await
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    ctx.click_and_wait("#verify-submit").await;
    let answer = ctx.text("#verify-authentic").await;
    assert!(answer.contains("真实有效"), "{answer}");
    assert!(
        !answer.contains(APPLICANT),
        "the check names the applicant: {answer}"
    );
    // A copy changed by one byte fails.
    let mut changed = pdf.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x20;
    std::fs::write(&path, &changed).unwrap();
    ctx.type_into("#verify-no", &no).await;
    ctx.find("#verify-file")
        .await
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    ctx.click_and_wait("#verify-submit").await;
    let answer = ctx.text("#verify-not-authentic").await;
    assert!(answer.contains("未能核验"), "{answer}");

    // 6. What the applicant was told, in order, and never the query code.
    let subjects: Vec<String> = smtp.mails().into_iter().map(|m| m.subject).collect();
    let position = |what: &str| {
        subjects
            .iter()
            .position(|s| s.contains(what))
            .unwrap_or_else(|| panic!("no mail about {what}: {subjects:?}"))
    };
    let order = [
        position("已收到申请"),
        position("需补正材料"),
        position("已受理"),
        position("已办结"),
        position("决定书已出具"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "mails out of order: {subjects:?}"
    );
    for mail in smtp.mails() {
        assert_eq!(mail.to, EMAIL);
        assert!(!mail.body.contains(&code), "a mail carries the query code");
    }

    // 7. 网上咨询: a question from the power's page, answered in the console, published.
    ctx.goto(&format!("/powers/{POWER}")).await;
    ctx.js("document.querySelector('details#ask').open = true;", vec![])
        .await;
    ctx.type_into("#ask-text", "许可证到期后怎样申请延续？")
        .await;
    ctx.click_and_wait("#ask-submit").await;
    let question_id = ctx.text("#asked code").await.trim().to_string();
    assert!(question_id.starts_with('Q'), "{question_id}");
    desk(&ctx).await;
    sign_in_as(&ctx, OFFICER_A).await;
    ctx.goto("/officer/worklist").await;
    ctx.click_and_wait("#to-questions").await;
    let item = ctx.text("#question-list").await;
    assert!(item.contains("许可证到期后怎样申请延续？"), "{item}");
    ctx.type_into(
        ".answer-form textarea",
        "请在许可有效期届满三十日前提出延续申请（行政许可法第五十条）。",
    )
    .await;
    ctx.click_and_wait(".answer-form button[type=submit]").await;
    assert!(ctx.text("#done").await.contains("已答复"));
    phone(&ctx).await;
    ctx.goto(&format!("/powers/{POWER}")).await;
    let faq = ctx.text("#faq").await;
    assert!(
        faq.contains("许可证到期后怎样申请延续？") && faq.contains("届满三十日前"),
        "{faq}"
    );
    fits_the_phone(&ctx, "the power's page with its questions").await;

    // The inspectors can open any question (the desk links there from its alerts).
    desk(&ctx).await;
    sign_in_as(&ctx, crate::server::INSPECTOR).await;
    ctx.goto(&format!("/inspector/questions/{question_id}"))
        .await;
    assert!(
        ctx.text("#question-text")
            .await
            .contains("许可证到期后怎样申请延续？")
    );
    assert!(ctx.text("#question-answer").await.contains("届满三十日前"));
}
