//! What officers and administrators do in the console, by keyboard and mouse in Chromium:
//! sign in, open a case, walk it to its end, pause and resume, a penalty outside its band, a
//! conflicting edit, an invalid upload, and a lockout.
use fantoccini::key::Key;
use serde_json::json;

use crate::harness::Ctx;
use crate::server::{ADMIN, LOCKED, OFFICER_A, OFFICER_B, PASSWORD, PENALTY_POWER, POWER};

/// Forgets the browser's cookies, then signs in through the form with the keyboard: the name,
/// Tab, the password, Enter.
pub(crate) async fn sign_in_as(ctx: &Ctx, name: &str) {
    ctx.goto("/").await;
    ctx.client.delete_all_cookies().await.unwrap();
    ctx.goto("/console").await;
    ctx.find("form#sign-in").await;
    ctx.type_into("#username", name).await;
    let username = ctx.find("#username").await;
    username.send_keys(&Key::Tab.to_string()).await.unwrap();
    let focused = ctx.js("return document.activeElement.id;", vec![]).await;
    assert_eq!(
        focused,
        json!("password"),
        "Tab goes from the name to the password"
    );
    ctx.js("window.__ygOldPage = true;", vec![]).await;
    let password = ctx.find("#password").await;
    password
        .send_keys(&format!("{PASSWORD}{}", Key::Enter))
        .await
        .unwrap();
    wait_for_new_page(ctx).await;
    let who = ctx.text("#signed-in code").await;
    assert_eq!(who.trim(), name, "signed in as {who}");
    assert!(!ctx.text("#signed-in-name").await.trim().is_empty());
}

async fn wait_for_new_page(ctx: &Ctx) {
    let deadline = std::time::Instant::now() + crate::harness::WAIT;
    loop {
        let loaded = ctx
            .client
            .execute(
                "return window.__ygOldPage !== true && document.readyState === 'complete';",
                vec![],
            )
            .await;
        if matches!(loaded, Ok(serde_json::Value::Bool(true))) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no new page after submitting (at {})",
            ctx.current_url().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Opens a case of `power` through the form; returns its tracking number.
pub(crate) async fn open_case(ctx: &Ctx, power: &str, id_number: &str) -> String {
    ctx.goto("/officer/worklist").await;
    ctx.click_and_wait("#new-case").await;
    ctx.find("form#open-case").await;
    ctx.js(
        "document.querySelector('#power').value = arguments[0];",
        vec![json!(power)],
    )
    .await;
    ctx.find("#kind-organisation").await.click().await.unwrap();
    ctx.type_into("#party-name", "上海某某餐饮管理有限公司")
        .await;
    ctx.type_into("#party-id", id_number).await;
    ctx.click_and_wait("#open-case-submit").await;
    ctx.text("#tracking-no").await.trim().to_string()
}

/// Clicks the outcome button `outcome` of the current step, with a note.
pub(crate) async fn click_outcome(ctx: &Ctx, outcome: &str, note: &str) {
    ctx.type_into("#step-note", note).await;
    let mut target = None;
    for button in ctx.find_all("#step-form button[name=outcome]").await {
        if button.attr("value").await.unwrap().as_deref() == Some(outcome) {
            target = Some(button);
        }
    }
    let button = target.unwrap_or_else(|| panic!("no button for {outcome}"));
    ctx.click_element_and_wait(&button, outcome).await;
    let done = ctx.text("#done").await;
    assert!(!done.trim().is_empty(), "no confirmation after {outcome}");
}

/// 1. Signing in with the keyboard lands on the worklist.
pub async fn console_sign_in(ctx: Ctx) {
    sign_in_as(&ctx, OFFICER_A).await;
    assert!(ctx.current_url().await.ends_with("/officer/worklist"));
    ctx.find("table#worklist").await;
    let rows = ctx.text("table#worklist").await;
    assert!(
        rows.contains(&ctx.tracking_no),
        "the seeded case is listed: {rows}"
    );
}

/// 2. Opening a case: a wrong check digit is shown at its field, then the case opens with
///    its tracking number and query code.
pub async fn console_open_a_case(ctx: Ctx) {
    sign_in_as(&ctx, OFFICER_A).await;
    ctx.goto("/officer/cases/new").await;
    ctx.js(
        "document.querySelector('#power').value = arguments[0];",
        vec![json!(POWER)],
    )
    .await;
    ctx.type_into("#party-name", "李四").await;
    ctx.type_into("#party-id", "110105194912310021").await;
    ctx.click_and_wait("#open-case-submit").await;
    let error = ctx.text("#party-id-error").await;
    assert!(error.contains("GB 11643"), "the field says why: {error}");
    let invalid = ctx
        .js(
            "const f = document.querySelector('#party-id'); return [f.getAttribute('aria-invalid'), f.getAttribute('aria-describedby'), f.value];",
            vec![],
        )
        .await;
    assert_eq!(
        invalid,
        json!(["true", "party-id-error", "110105194912310021"])
    );
    assert_eq!(
        ctx.js(
            "return document.querySelector('#party-name').value;",
            vec![]
        )
        .await,
        json!("李四"),
        "what was typed stays"
    );
    ctx.type_into("#party-id", "11010519491231002X").await;
    ctx.click_and_wait("#open-case-submit").await;
    let no = ctx.text("#tracking-no").await;
    let code = ctx.text("#query-code").await;
    assert!(no.starts_with("YG"), "{no}");
    assert_eq!(code.trim().len(), 10, "{code}");
    ctx.click_and_wait("#to-case").await;
    assert_eq!(ctx.text("#current-step").await.trim(), "申请与受理");
}

/// 3. A licence case walked to 准予许可 by clicking, the decision by a second officer
///    (separation of duties), the flowchart's highlight following the case.
pub async fn console_walk_a_case_to_its_end(ctx: Ctx) {
    sign_in_as(&ctx, OFFICER_A).await;
    let no = open_case(&ctx, POWER, "91350100M000100Y43").await;
    ctx.click_and_wait("#to-case").await;
    let current = |step: &'static str| {
        let ctx = ctx.clone();
        async move {
            let found = ctx
                .js(
                    "const g = document.querySelector('figure#flowchart svg .yg-current'); return g ? g.getAttribute('data-step') : null;",
                    vec![],
                )
                .await;
            assert_eq!(found, json!(step), "the flowchart highlights {step}");
        }
    };
    current("apply").await;
    click_outcome(&ctx, "材料不齐全，一次告知补正", "缺少营业执照复印件").await;
    assert_eq!(ctx.text("#current-step").await.trim(), "补正材料");
    ctx.find("#held-by-step").await;
    click_outcome(&ctx, "申请人已提交全部补正材料", "已补交").await;
    click_outcome(&ctx, "受理", "材料齐全").await;
    current("review").await;
    click_outcome(&ctx, "书面审查符合条件", "符合条件").await;
    current("decide").await;
    // The reviewer may not decide: the page says why, and nothing moves.
    ctx.type_into("#step-note", "同意").await;
    let mut grant = None;
    for b in ctx.find_all("#step-form button[name=outcome]").await {
        if b.attr("value").await.unwrap().as_deref() == Some("准予许可") {
            grant = Some(b);
        }
    }
    ctx.click_element_and_wait(&grant.unwrap(), "准予许可 by the reviewer")
        .await;
    let error = ctx.text("#error").await;
    assert!(error.contains("岗位分离"), "{error}");

    sign_in_as(&ctx, OFFICER_B).await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    click_outcome(&ctx, "准予许可", "准予许可，制发许可证").await;
    assert_eq!(ctx.text("#status").await.trim(), "已办结");
    assert_eq!(ctx.text("#result").await.trim(), "准予许可");
    assert!(
        ctx.find_all("#step-form").await.is_empty(),
        "no buttons once concluded"
    );
    let timeline = ctx.text("ol#timeline").await;
    for expected in [
        "补正材料",
        "受理",
        "书面审查符合条件",
        crate::server::OFFICER_A_NAME,
        crate::server::OFFICER_B_NAME,
        "办结",
    ] {
        assert!(
            timeline.contains(expected),
            "the timeline lacks {expected}: {timeline}"
        );
    }
}

/// 4. Pausing the clock with a reason, then resuming it; and a fee charged.
pub async fn console_pause_and_resume(ctx: Ctx) {
    sign_in_as(&ctx, OFFICER_A).await;
    let no = open_case(&ctx, POWER, "91350100M000100Y43").await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    ctx.type_into("#pause-reason", "等待检验检测结论").await;
    ctx.click_and_wait("#pause-submit").await;
    assert_eq!(ctx.text("#status").await.trim(), "暂停计时");
    ctx.find("#paused-note").await;
    ctx.type_into("#resume-reason", "检验检测结论已送达").await;
    ctx.click_and_wait("#resume-submit").await;
    assert_eq!(ctx.text("#status").await.trim(), "办理中");
    ctx.find("#pause-form").await;
    let timeline = ctx.text("ol#timeline").await;
    assert!(timeline.contains("等待检验检测结论"), "{timeline}");
    assert!(timeline.contains("检验检测结论已送达"), "{timeline}");
    // A fee the licence's schedule does not have is recorded, and flagged.
    assert!(ctx.text("#fee-standard").await.contains("不收费"));
    ctx.type_into("#fee-item", "工本费").await;
    ctx.type_into("#fee-amount", "20").await;
    ctx.click_and_wait("#fee-submit").await;
    assert!(ctx.text("#fees-charged").await.contains("工本费 20元"));
    let timeline = ctx.text("ol#timeline").await;
    assert!(timeline.contains("不符合公布的收费标准"), "{timeline}");
}

/// 5. A fine above its band: the check shows the band's range and a warning before the
///    officer confirms; confirming records it, marked.
pub async fn console_penalty_outside_its_band(ctx: Ctx) {
    sign_in_as(&ctx, OFFICER_A).await;
    let no = open_case(&ctx, PENALTY_POWER, "91350100M000100Y43").await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    ctx.js(
        "document.querySelector('#penalty-band').value = 'lt10k-ordinary';",
        vec![],
    )
    .await;
    ctx.type_into("#penalty-base", "3000").await;
    ctx.type_into("#penalty-amount", "95000").await;
    ctx.type_into("#penalty-justification", "未取得许可经营，货值三千元")
        .await;
    assert!(
        ctx.find_all("#penalty-record-submit").await.is_empty(),
        "no recording before a check"
    );
    ctx.click_and_wait("#penalty-check-submit").await;
    let check = ctx.text("#penalty-check").await;
    assert!(
        check.contains("65000元 – 85000元"),
        "the band's range: {check}"
    );
    assert!(check.contains("警告"), "the warning: {check}");
    assert_eq!(
        ctx.js(
            "return document.querySelector('#penalty-amount').value;",
            vec![]
        )
        .await,
        json!("95000")
    );
    ctx.click_and_wait("#penalty-record-submit").await;
    let recorded = ctx.text("#penalty-recorded").await;
    assert!(recorded.contains("95000元"), "{recorded}");
    let timeline = ctx.text("ol#timeline").await;
    assert!(timeline.contains("偏离裁量基准"), "{timeline}");
}

/// The value of `name`'s hidden input on a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden input") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// 6. Two sessions on one case: another officer moves it while this one types; the page
///    shows what changed and keeps the note.
pub async fn console_conflicting_edit(ctx: Ctx) {
    sign_in_as(&ctx, OFFICER_A).await;
    let no = open_case(&ctx, POWER, "91350100M000100Y43").await;
    ctx.goto(&format!("/officer/cases/{no}")).await;
    ctx.type_into("#step-note", "我写了很长的受理意见").await;

    // The second session: officer B signs in (over HTTP, with their own cookies) and accepts.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = http.get(ctx.url("/sign-in")).send().await.unwrap();
    let token = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("yg_signin=")
                .map(|r| r.split(';').next().unwrap().to_string())
        })
        .unwrap();
    let signed = http
        .post(ctx.url("/sign-in"))
        .header("cookie", format!("yg_signin={token}"))
        .form(&[
            ("signin_token", token.as_str()),
            ("username", OFFICER_B),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let session = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("yg_session=")
                .map(|r| r.split(';').next().unwrap().to_string())
        })
        .expect("officer B signed in");
    let cookie = format!("yg_session={session}");
    let page = http
        .get(ctx.url(&format!("/officer/cases/{no}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = http
        .post(ctx.url(&format!("/officer/cases/{no}/step")))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", hidden(&page, "csrf").as_str()),
            ("expected_version", "1"),
            ("outcome", "材料不齐全，一次告知补正"),
            ("note", "乙：请补交租赁合同"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);

    // Officer A, still on the old page, clicks 受理.
    let mut accept = None;
    for b in ctx.find_all("#step-form button[name=outcome]").await {
        if b.attr("value").await.unwrap().as_deref() == Some("受理") {
            accept = Some(b);
        }
    }
    ctx.click_element_and_wait(&accept.unwrap(), "受理 on a stale page")
        .await;
    let conflict = ctx.text("#conflict").await;
    assert!(
        conflict.contains("乙：请补交租赁合同"),
        "what changed: {conflict}"
    );
    assert!(
        conflict.contains(crate::server::OFFICER_B_NAME),
        "who changed it, by name: {conflict}"
    );
    assert_eq!(
        ctx.js("return document.querySelector('#step-note').value;", vec![])
            .await,
        json!("我写了很长的受理意见"),
        "the note typed is kept"
    );
    assert_eq!(ctx.text("#current-step").await.trim(), "补正材料");
}

/// 7. An administrator uploads a version whose flowchart has problems: each is shown at its
///    step, the preview is drawn with those steps marked, and nothing can be published.
pub async fn console_invalid_upload(ctx: Ctx) {
    sign_in_as(&ctx, ADMIN).await;
    ctx.click_and_wait("#upload-link").await;
    let file =
        yangguang::engine::catalogue_file::parse(yangguang::engine::catalogue_file::DEMO_CATALOGUE)
            .unwrap();
    let mut entry = file
        .powers
        .iter()
        .find(|p| p.code == POWER)
        .unwrap()
        .clone();
    entry.code = "PD-SCJG-XK-901".into();
    entry.name = "食品经营许可（试点版）".into();
    // 现场核查 can no longer be reached, and 材料审查 gets a second 需现场核查.
    entry
        .version
        .flowchart
        .transitions
        .retain(|t| t.to != "site_check");
    entry
        .version
        .flowchart
        .transitions
        .push(aggregates::flowchart::TransitionSpec {
            from: "review".into(),
            outcome: "书面审查符合条件".into(),
            to: "granted".into(),
            exception: false,
        });
    let yaml = serde_norway::to_string(&entry).unwrap();
    // As pasted into the text box.
    ctx.js(
        "document.querySelector('#yaml').value = arguments[0];",
        vec![json!(yaml)],
    )
    .await;
    ctx.click_and_wait("#preview-submit").await;
    ctx.find("#problems-summary").await;
    let site_check = ctx.text("#steps tr[data-step=site_check]").await;
    assert!(site_check.contains("unreachable_step"), "{site_check}");
    let review = ctx.text("#steps tr[data-step=review]").await;
    assert!(review.contains("duplicate_outcome"), "{review}");
    let marked = ctx
        .js(
            "return Array.from(document.querySelectorAll('figure#flowchart svg .yg-problem')).map(g => g.getAttribute('data-step')).sort();",
            vec![],
        )
        .await;
    let marked: Vec<String> = serde_json::from_value(marked).unwrap();
    assert!(marked.contains(&"site_check".to_string()), "{marked:?}");
    assert!(marked.contains(&"review".to_string()), "{marked:?}");
    assert!(
        ctx.find_all("#publish").await.is_empty(),
        "no publish button"
    );
    // The text box still holds the upload, to fix it there.
    let kept = ctx
        .js("return document.querySelector('#yaml').value;", vec![])
        .await;
    assert!(kept.as_str().unwrap().contains("PD-SCJG-XK-901"));
}

/// 8. Five wrong passwords lock the account: the right one is refused afterwards, with the
///    same words as any failed sign-in.
pub async fn console_lockout(ctx: Ctx) {
    ctx.goto("/").await;
    ctx.client.delete_all_cookies().await.unwrap();
    let mut messages = Vec::new();
    for password in [
        "wrong 1", "wrong 2", "wrong 3", "wrong 4", "wrong 5", PASSWORD,
    ] {
        ctx.goto("/sign-in").await;
        ctx.type_into("#username", LOCKED).await;
        ctx.type_into("#password", password).await;
        ctx.click_and_wait("#sign-in-submit").await;
        messages.push(ctx.text("#error").await);
        assert!(
            ctx.find_all("#signed-in").await.is_empty(),
            "signed in with {password}"
        );
    }
    assert!(
        messages.iter().all(|m| m == &messages[0]),
        "one answer for every refusal: {messages:?}"
    );
    // An unknown name gets the same words.
    ctx.goto("/sign-in").await;
    ctx.type_into("#username", "no-such-person").await;
    ctx.type_into("#password", PASSWORD).await;
    ctx.click_and_wait("#sign-in-submit").await;
    assert_eq!(ctx.text("#error").await, messages[0]);
    assert_eq!(
        ctx.js("return document.querySelector('#username').value;", vec![])
            .await,
        json!("no-such-person")
    );
}
