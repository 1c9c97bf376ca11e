//! The case page (办理): the timeline, the limits, the flowchart with the current step and one
//! form per thing the officer may do next.

use super::*;
use crate::queries::Directory;

/// What the officer typed into one of the case page's forms, to show it again.
#[derive(Default)]
pub(super) struct Typed {
    /// Which form: `step`, `clock`, `withdraw` or `penalty`.
    pub(super) form: &'static str,
    pub(super) params: Option<Params>,
}

impl Typed {
    fn value(&self, form: &str, name: &str) -> String {
        match &self.params {
            Some(p) if self.form == form => p.raw(name).to_string(),
            _ => String::new(),
        }
    }

    fn checked(&self, form: &str, name: &str, value: &str) -> bool {
        match &self.params {
            Some(p) if self.form == form => p.all(name).contains(&value),
            _ => false,
        }
    }
}

/// A message above the case, and what else to show.
#[derive(Default)]
pub(super) struct Notice {
    pub(super) status: Option<StatusCode>,
    pub(super) error: Option<String>,
    /// A 409: the version the officer's form was made from.
    pub(super) conflict_since: Option<u64>,
    /// A penalty check to show before recording.
    pub(super) check: Option<DiscretionCheck>,
}

pub(super) async fn load_readable(
    engine: &Engine,
    ctx: &Ctx,
    signed: &SignedIn,
    id: &str,
) -> Result<(CaseId, Case, Vec<StoredEvent>), HttpResponse> {
    // Another department's case reads exactly as a number never issued: the page must not
    // tell a stranger which tracking numbers are real (security finding 10).
    let no_such_case = || {
        crate::web::pages::message_page(
            ctx,
            StatusCode::NOT_FOUND,
            Section::Officer,
            ctx.t("未找到办件", "No such case"),
            ctx.t(
                "没有这个办件编号的办件。",
                "There is no case with this number.",
            ),
        )
    };
    let Some(id) = CaseId::parse(id) else {
        return Err(no_such_case());
    };
    let loaded = match engine.load_case(&id).await {
        Ok(l) => l,
        Err(e) => return Err(crate::web::pages::unavailable(ctx, Section::Officer, e)),
    };
    let Some((case, events)) = loaded else {
        return Err(no_such_case());
    };
    if !signed.principal.can_read_department(&case.department) {
        return Err(no_such_case());
    }
    // Every page of a case shows its party: an inspector's read is recorded here, on the one
    // path those pages load the case through, before anything is shown (as on the desk); the
    // department's own staff work on their cases and are not recorded.
    if signed.principal.claims.role == Role::Inspector {
        let meta = crate::engine::CommandMeta {
            actor: signed.principal.claims.sub.clone(),
            role: Role::Inspector.as_str().into(),
            department: signed.principal.claims.department.clone(),
            request_id: format!("page-{}", uuid::Uuid::now_v7()),
        };
        if let Err(e) = engine
            .record_personal_data_read(signed.principal.actor(), &id, "officer_case_page", meta)
            .await
        {
            tracing::error!(error = %e, "recording a read failed");
            return Err(crate::web::pages::message_page(
                ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "查阅记录未能保存，办件未予显示。请稍后再试。",
                    "The read could not be recorded, so the case is not shown. Please try again.",
                ),
            ));
        }
    }
    Ok((id, case, events))
}

/// `GET /officer/cases/{id}`.
pub(crate) async fn case_page(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    id: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    render_case(
        &ctx,
        &engine,
        &signed,
        &id,
        Typed::default(),
        Notice::default(),
    )
    .await
}

/// One case event in the timeline: its time as stated, its name in words, and who did it by
/// name (`names`); anchored `event-{sequence}` so alerts can point at the records they rest on.
pub(crate) fn event_line(ctx: &Ctx, names: &Directory, event: &StoredEvent) -> Markup {
    let actor = event
        .metadata
        .get("actor")
        .and_then(|a| a.as_str())
        .unwrap_or("")
        .to_string();
    let parsed: Option<CaseEvent> = serde_json::from_value(event.payload.clone()).ok();
    let at = parsed
        .as_ref()
        .map(|e| cst(e.at()))
        .unwrap_or_else(|| cst(event.recorded_at.fixed_offset()));
    html! {
        li data-sequence=(event.sequence) id={ "event-" (event.sequence) } {
            time { (at) } " "
            @match &parsed {
                Some(CaseEvent::CaseOpened { channel, .. }) => {
                    strong { (ctx.t("受理/立案", "Opened")) }
                    " · " (CHANNELS.iter().find(|c| c.0 == *channel).map(|c| ctx.t(c.2, c.3)).unwrap_or(""))
                }
                Some(CaseEvent::MaterialsSubmitted { materials, .. }) => {
                    strong { (ctx.t("提交材料", "Materials submitted")) } "："
                    @for (i, m) in materials.iter().enumerate() {
                        @if i > 0 { "、" }
                        (m.material)
                    }
                }
                Some(CaseEvent::QueryCodeReissued { reason, .. }) => {
                    strong { (ctx.t("补发查询码", "Query code reissued")) } "：" (reason)
                }
                Some(CaseEvent::SupplementRequested { items, .. }) => {
                    strong { (ctx.t("一次性告知补正", "Supplement requested")) } "："
                    @for (i, item) in items.iter().enumerate() {
                        @if i > 0 { "；" }
                        (item.material) "（" (item.reason) "）"
                    }
                }
                Some(CaseEvent::StepCompleted { from_name, outcome, to_name, note, exception, .. }) => {
                    strong { (from_name) "：" (outcome) } " → " (to_name)
                    @if *exception { " " span class="badge" { (ctx.t("异常流转", "exception path")) } }
                    @if let Some(n) = note { br; span class="note" { (ctx.t("备注：", "Note: ")) (n) } }
                }
                Some(CaseEvent::ClockPaused { reason, .. }) => {
                    strong { (ctx.t("暂停计时", "Clock paused")) } "：" (reason)
                }
                Some(CaseEvent::ClockResumed { reason, .. }) => {
                    strong { (ctx.t("恢复计时", "Clock resumed")) } "：" (reason)
                }
                Some(CaseEvent::CaseConcluded { result, .. }) => {
                    strong { (ctx.t("办结", "Concluded")) } "：" (result)
                }
                Some(CaseEvent::CaseWithdrawn { reason, .. }) => {
                    strong { (ctx.t("撤回/终止", "Withdrawn")) } "：" (reason)
                }
                Some(CaseEvent::ResultDocumentIssued { title, .. }) => {
                    strong { (ctx.t("出具决定书", "Result document issued")) } "：" (title)
                }
                Some(CaseEvent::LimitExtended { days, approved_by, reason, .. }) => {
                    strong { (ctx.t("延长期限", "Limit extended")) } "："
                    @match ctx.lang {
                        Lang::Zh => { "延长 " (days) " 个工作日，批准人 " (approved_by) "；" (reason) }
                        Lang::En => { (days) " working days, approved by " (approved_by) "; " (reason) }
                    }
                }
                Some(CaseEvent::PenaltyDecisionRecorded { amount_fen, check, .. }) => {
                    strong { (ctx.t("记录处罚决定", "Penalty decision recorded")) } "：" (amount_fen.to_string()) " · " (check.label)
                    @if check.deviation { " " strong class="flag due-soon" { (ctx.t("偏离裁量基准", "departs from the standard")) } }
                }
                Some(CaseEvent::FeeCharged { item, amount_fen, standard_fen, note, .. }) => {
                    strong { (ctx.t("收费", "Fee charged")) } "：" (item) " " (amount_fen.to_string())
                    @if standard_fen.is_none_or(|s| *amount_fen > s) {
                        " " strong class="flag due-soon" { (ctx.t("不符合公布的收费标准", "not as published")) }
                    }
                    @if let Some(n) = note { br; span class="note" { (ctx.t("备注：", "Note: ")) (n) } }
                }
                Some(CaseEvent::PenaltyDecisionPublished { document_no, .. }) => {
                    strong { (ctx.t("处罚决定已公开", "Decision published")) } "：" (document_no)
                }
                Some(CaseEvent::PenaltyDecisionRevoked { reason, .. }) => {
                    strong { (ctx.t("处罚决定已撤销", "Decision revoked")) } "：" (reason)
                }
                None => { strong { (crate::web::pages::alert_words::event_name(ctx.lang, &event.event_type)) } }
            }
            @if actor == aggregates::case::APPLICANT {
                " — " span class="actor" { (ctx.t("申请人（网上申请）", "the applicant, online")) }
            } @else if !actor.is_empty() { " — " span class="actor" { (names.person(&actor)) } }
        }
    }
}

pub(crate) fn limit_block(
    ctx: &Ctx,
    engine: &Engine,
    id: &str,
    label: &str,
    limit: &LimitStatus,
) -> Markup {
    let class = card(engine, limit);
    html! {
        div class={"limit" @if let Some(c) = class { " " (c) }} id=(id) {
            p {
                strong { (label) } " "
                (crate::web::pages::working_days(ctx.lang, limit.limit_days)) " · "
                (ctx.t("已用 ", "used ")) (limit.used_days) " · "
                (ctx.t("剩余 ", "left ")) (limit.remaining_days)
                @if let Some(d) = limit.due { " · " (ctx.t("届满日 ", "due ")) (ymd(d)) }
                @else if let Some(year) = limit.missing_year {
                    " · "
                    @match ctx.lang {
                        Lang::Zh => { "届满日暂无法计算（尚未收录 " (year) " 年节假日安排）" }
                        Lang::En => { "due date unknown (no holiday arrangements for " (year) " yet)" }
                    }
                }
                @else { " · " (ctx.t("计时暂停中", "clock paused")) }
                (card_flag(ctx, class))
            }
            @if limit.extended_days > 0 {
                p class="limit-extended hint" id={ (id) "-extended" } {
                    @match ctx.lang {
                        Lang::Zh => { "已依法延长 " (limit.extended_days) " 个工作日（含在上列时限内）。" }
                        Lang::En => { "Lawfully extended by " (limit.extended_days) " working days (included above)." }
                    }
                }
            }
            @if limit.provisional {
                p class="limit-provisional hint" id={ (id) "-provisional" } {
                    (crate::web::pages::provisional_note(ctx, &limit.provisional_years))
                }
            }
        }
    }
}

pub(super) fn range_words(range: Option<aggregates::discretion::FenRange>) -> String {
    range
        .map(|r| format!("{} – {}", r.min_fen, r.max_fen))
        .unwrap_or_else(|| "—".into())
}

pub(super) fn check_block(ctx: &Ctx, check: &DiscretionCheck) -> Markup {
    let outside = check.deviation || check.refused;
    html! {
        section id="penalty-check" class={"check " @if outside { "warning" } @else { "ok" }} role="status" aria-live="polite" {
            h3 { (ctx.t("裁量核对结果", "Discretion check")) }
            dl class="facts" {
                div { dt { (ctx.t("适用情形", "Regime")) } dd { (check.regime_name.clone().unwrap_or_else(|| "—".into())) } }
                div { dt { (ctx.t("法定罚款幅度", "Statutory range")) } dd id="statutory-range" { (range_words(check.statutory_range)) } }
                div { dt { (ctx.t("所选裁量档次幅度", "Band's range")) } dd id="band-range" { (check.band_name.clone().unwrap_or_default()) " " (range_words(check.band_range)) } }
                div { dt { (ctx.t("拟罚款", "Proposed fine")) } dd { (check.amount_fen.to_string()) } }
            }
            p id="verdict" {
                @if outside {
                    strong class="flag overdue" { (ctx.t("警告", "Warning")) } " "
                } @else {
                    strong class="flag ok" { (ctx.t("在幅度内", "Within the band")) } " "
                }
                strong { (check.label) } "：" (check.message)
            }
            @if check.approval_required {
                p { (ctx.t("需经批准：", "Needs approval: ")) (check.approval.clone().unwrap_or_default()) }
            }
        }
    }
}

/// What every form of the case page needs: where it posts, the version the officer saw, the
/// session's token and what was typed before.
#[derive(Clone, Copy)]
struct CaseView<'a> {
    ctx: &'a Ctx,
    signed: &'a SignedIn,
    /// `/officer/cases/{tracking number}`.
    base: &'a str,
    /// The case version the page shows (the forms' `expected_version`).
    version: &'a str,
    typed: &'a Typed,
}

impl CaseView<'_> {
    /// The hidden fields every case form starts with: the session's token, the language and
    /// the case version.
    fn form_head(&self) -> Markup {
        html! {
            (self.signed.csrf_input())
            (self.ctx.lang_input())
            input type="hidden" name="expected_version" value=(self.version);
        }
    }
}

pub(super) async fn render_case(
    ctx: &Ctx,
    engine: &Engine,
    signed: &SignedIn,
    id: &str,
    typed: Typed,
    notice: Notice,
) -> HttpResponse {
    let (_, case, events) = match load_readable(engine, ctx, signed, id).await {
        Ok(x) => x,
        Err(p) => return p,
    };
    let power: Option<std::sync::Arc<PublishedPower>> = match engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await
    {
        Ok(p) => p,
        Err(e) => return crate::web::pages::unavailable(ctx, Section::Officer, e),
    };
    let computed = power
        .as_ref()
        .map(|p| case.times(&p.flowchart, &engine.calendar(), engine.now()));
    let limits_error = match &computed {
        Some(Err(e)) => Some(crate::web::pages::calendar_error_words(ctx, e)),
        _ => None,
    };
    let times = computed.and_then(Result::ok);
    let allowed = power
        .as_ref()
        .map(|p| case.allowed(&p.flowchart))
        .unwrap_or_default();
    let mut visited: Vec<String> = Vec::new();
    for e in &events {
        if let Ok(CaseEvent::StepCompleted { from, .. }) =
            serde_json::from_value::<CaseEvent>(e.payload.clone())
        {
            visited.push(from);
        }
    }
    let title = format!("{} {}", case.power_name, case.tracking_no);
    let svg = match power.as_ref() {
        Some(p) => Some(
            flowchart_svg_bounded(
                p.flowchart.spec(),
                &FlowchartStyle {
                    current: matches!(case.status, CaseStatus::Open | CaseStatus::Paused)
                        .then_some(case.current_step.as_str()),
                    visited: &visited,
                    title: &format!("{} 办理流程图", case.power_name),
                },
                &[],
            )
            .await,
        ),
        None => None,
    };
    let is_officer = signed.principal.claims.role == Role::Officer;
    let open = matches!(case.status, CaseStatus::Open | CaseStatus::Paused);
    let base = format!(
        "/officer/cases/{}",
        crate::web::pages::encode_component(&case.tracking_no)
    );
    let version = case.version.to_string();
    let done = ctx.params.get("done");
    let new_events: Vec<&StoredEvent> = match notice.conflict_since {
        Some(v) => events.iter().filter(|e| e.sequence as u64 > v).collect(),
        None => Vec::new(),
    };
    let discretion = power
        .as_ref()
        .filter(|p| p.category == Category::Penalty)
        .and_then(|p| p.content.discretion.clone());
    let names = engine.reads_own().directory().await.unwrap_or_default();
    let view = CaseView {
        ctx,
        signed,
        base: &base,
        version: &version,
        typed: &typed,
    };

    let body = html! {
        (signed.bar(ctx))
        p class="breadcrumb" { a href=(ctx.link("/officer/worklist")) { (ctx.t("办件清单", "Worklist")) } " › " (case.tracking_no) }
        h1 { (case.power_name) }
        @if let Some(e) = &notice.error {
            p class="error" role="alert" id="error" { (e) }
        }
        @if notice.conflict_since.is_some() {
            section id="conflict" class="warning" role="alert" {
                h2 { (ctx.t("办件已被他人更新", "Someone else updated this case meanwhile")) }
                p { (ctx.t(
                    "您提交时，办件已有以下新记录，您的操作没有保存。下面的表单保留了您填写的内容，请核对后重新提交。",
                    "When you submitted, the case already had these new entries, so your action was not saved. The forms below keep what you typed; check and submit again."
                )) }
                ol id="new-events" class="timeline" {
                    @for e in &new_events { (event_line(ctx, &names, e)) }
                }
            }
        }
        @if let Some(d) = done {
            p class="ok-note" role="status" id="done" {
                @match d {
                    "step" => (ctx.t("已记录办理环节。", "The step is recorded.")),
                    "pause" => (ctx.t("已暂停计时。", "The clock is paused.")),
                    "resume" => (ctx.t("已恢复计时。", "The clock runs again.")),
                    "withdraw" => (ctx.t("办件已撤回/终止。", "The case is withdrawn.")),
                    "penalty" => (ctx.t("已记录处罚决定。", "The penalty decision is recorded.")),
                    "fee" => (ctx.t("已记录收费。", "The fee is recorded.")),
                    "publish" => (ctx.t("处罚决定已公开。", "The decision is published.")),
                    "revoke" => (ctx.t("处罚决定已撤销，公开信息已撤回。", "The decision is revoked and its publication withdrawn.")),
                    "query-code" => (ctx.t("已补发查询码。", "A new query code was issued.")),
                    "supplement" => (ctx.t("已一次性告知申请人需补正的全部材料，计时暂停。", "The applicant is told every material to supplement; the clock is paused.")),
                    _ => (ctx.t("已保存。", "Saved.")),
                }
            }
        }
        dl class="facts summary" {
            div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code id="tracking-no" { (case.tracking_no) } } }
            div { dt { (ctx.t("状态", "Status")) } dd id="status" class="status" { (crate::web::pages::track::status_words(ctx.lang, case.status)) } }
            div { dt { (ctx.t("当前环节", "Current step")) } dd id="current-step" { (case.current_step_name) } }
            @if let Some(r) = &case.result { div { dt { (ctx.t("办理结果", "Result")) } dd id="result" { (r) } } }
            div { dt { (ctx.t("当事人", "Party")) } dd id="party" {
                @if let Some(p) = &case.party {
                    (p.name) br; code { (p.id_number) }
                    @if let Some(ph) = &p.phone { br; (ph) }
                    @if let Some(a) = &p.address { br; (a) }
                }
            } }
            div { dt { (ctx.t("受理时间", "Received")) } dd { @if let Some(at) = case.received_at { (cst(at)) } } }
            @if let Some(channel) = case.channel.and_then(|c| CHANNELS.iter().find(|x| x.0 == c)) {
                div { dt { (ctx.t("渠道", "Channel")) } dd id="channel" { (ctx.t(channel.2, channel.3)) } }
            }
            div { dt { (ctx.t("事项版本", "Power version")) } dd { (case.power_code) " v" (case.power_version) } }
            div { dt { (ctx.t("版本号", "Case version")) } dd id="case-version" { (case.version) } }
            div { dt { (ctx.t("已收费", "Fees charged")) } dd id="fees-charged" {
                @if case.fees.is_empty() { (ctx.t("无", "none")) }
                @for f in &case.fees { (f.item) " " (f.amount_fen.to_string()) br; }
            } }
        }
        (materials_section(ctx, &base, &case))
        (document_section(ctx, &base, &case))
        @if let Some(t) = &times {
            section id="limits" aria-label=(ctx.t("办理时限", "Time limits")) {
                @if let Some(p) = &t.promised { (limit_block(ctx, engine, "limit-promised", ctx.t("承诺时限", "Promised limit"), p)) }
                (limit_block(ctx, engine, "limit-statutory", ctx.t("法定时限", "Statutory limit"), &t.statutory))
                @if let Some(s) = &t.step { (limit_block(ctx, engine, "limit-step", ctx.t("本环节时限", "This step's limit"), s)) }
                @if case.status == CaseStatus::Paused { p class="paused-note" id="paused-note" { (ctx.t("计时暂停中", "The clock is paused")) } }
            }
        }
        @if let Some(e) = &limits_error {
            p class="warning" id="limits-error" { (e) }
        }
        @if let Some(svg) = &svg {
            figure id="flowchart" {
                div class="chart" { (PreEscaped(svg)) }
                figcaption { (ctx.t("办理流程图：当前环节以黄色标出，已办环节以浅蓝色标出。", "Flowchart: the current step in yellow, steps done in light blue.")) }
            }
        }
        @if let Some(r) = case.penalty.as_ref().and_then(|p| p.revoked.as_ref()) {
            p class="warning" id="revoked" { (ctx.t("处罚决定已撤销：", "The decision was revoked: ")) (r.reason) " (" (cst(r.at)) ")" }
        }
        @if is_officer && case.status == CaseStatus::Concluded && case.penalty.as_ref().is_some_and(|p| p.revoked.is_none()) {
            (publication_section(&view, &case))
        }
        @if is_officer && open {
            section id="act" {
                (step_section(&view, &allowed))
                (clock_section(&view, &case))
                @if let Some(standard) = &discretion { (penalty_section(&view, &case, standard, &notice)) }
                @if let Some(p) = &power { (fee_section(&view, p)) }
                @if let Some(ext) = power.as_ref().and_then(|p| p.content.extension.as_ref()) { (extension_section(&view, &case, ext)) }
                @if let Some(p) = &power { (supplement_section(&view, p, &allowed)) }
                (withdraw_section(&view))
            }
        }
        @if is_officer { (reissue_section(&view)) }
        h2 { (ctx.t("办理过程", "Timeline")) }
        ol id="timeline" class="timeline" {
            @for e in &events { (event_line(ctx, &names, e)) }
        }
    };
    page(ctx, notice.status.unwrap_or(StatusCode::OK), title, body)
}

/// 处罚决定公开: the publish form (or where it was published) and the revoke form.
fn publication_section(view: &CaseView<'_>, case: &Case) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    html! {
        section id="publication" {
            h2 { (ctx.t("处罚决定公开", "Publishing the decision")) }
            @if let Some(p) = &case.publication {
                p id="published" {
                    (ctx.t("已公开：", "Published: ")) (p.document_no) " · " (cst(p.at)) " · "
                    a href=(ctx.link(&format!("/decisions/{}", projections::decisions::decision_id(&case.tracking_no)))) { (ctx.t("查看公开页面", "See the public page")) }
                }
            } @else {
                p class="hint" { (ctx.t("处罚决定应自作出之日起 7 个工作日内公开；当事人为自然人的，公开时隐去姓名。", "Publish within 7 working days of the decision; a natural person's name is withheld.")) }
                form id="publish-form" method="post" action=(ctx.link(&format!("{base}/publish"))) class="console-form" {
                    (view.form_head())
                    div class="field" {
                        label for="publish-document-no" { (ctx.t("决定书文号", "Document number")) " *" }
                        input id="publish-document-no" name="document_no" type="text" required maxlength="100" value=(typed.value("publish", "document_no"));
                    }
                    div class="field" {
                        label for="publish-violation" { (ctx.t("主要违法事实", "The violation")) " *" }
                        textarea id="publish-violation" name="violation" rows="2" required maxlength="2000" { (typed.value("publish", "violation")) }
                    }
                    div class="field" {
                        label for="publish-penalty" { (ctx.t("处罚内容", "The penalty in words")) " *" }
                        input id="publish-penalty" name="penalty" type="text" required maxlength="500" value=(typed.value("publish", "penalty"));
                    }
                    div class="actions" { button id="publish-submit" type="submit" { (ctx.t("公开处罚决定", "Publish the decision")) } }
                }
            }
            form id="revoke-form" method="post" action=(ctx.link(&format!("{base}/revoke"))) class="console-form" {
                (view.form_head())
                div class="field" {
                    label for="revoke-reason" { (ctx.t("撤销理由（如经复议、诉讼撤销；公开显示）", "Why it was revoked (review, court…; shown publicly)")) " *" }
                    input id="revoke-reason" name="reason" type="text" required maxlength="500" value=(typed.value("revoke", "reason"));
                }
                div class="actions" { button id="revoke-submit" type="submit" class="secondary" { (ctx.t("撤销处罚决定", "Revoke the decision")) } }
            }
        }
    }
}

/// 办理当前环节: one button per outcome the flowchart allows from the current step.
fn step_section(view: &CaseView<'_>, allowed: &[aggregates::case::AllowedOutcome]) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    html! {
        h2 { (ctx.t("办理当前环节", "Complete the current step")) }
        @if allowed.is_empty() {
            p { (ctx.t("当前环节没有可选的办理结果。", "The current step has no outcomes.")) }
        } @else {
            form id="step-form" method="post" action=(ctx.link(&format!("{base}/step"))) class="console-form" {
                (view.form_head())
                div class="field" {
                    label for="step-note" { (ctx.t("备注（可选）", "Note (optional)")) }
                    textarea id="step-note" name="note" rows="2" maxlength="500" { (typed.value("step", "note")) }
                }
                div class="outcomes" role="group" aria-label=(ctx.t("办理结果", "Outcome")) {
                    @for a in allowed {
                        button type="submit" name="outcome" value=(a.outcome) class={"outcome" @if a.exception { " secondary" }} data-to=(a.to) {
                            (a.outcome) " → " (a.to_name)
                        }
                    }
                }
            }
        }
    }
}

/// 计时: pause the clock, or resume it when an officer paused it (a step that stops the clock restarts it itself).
fn clock_section(view: &CaseView<'_>, case: &Case) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    let manual_pause = case.open_pause().filter(|p| p.step.is_none());
    let held_by_step = case.open_pause().is_some_and(|p| p.step.is_some());
    html! {
        h2 { (ctx.t("计时", "Clock")) }
        @if held_by_step {
            p id="held-by-step" { (ctx.t("当前环节暂停计时（如补正、听证），办理完该环节后自动恢复。", "The current step stops the clock (e.g. awaiting documents); it restarts when the step is done.")) }
        } @else if manual_pause.is_some() {
            form id="resume-form" method="post" action=(ctx.link(&format!("{base}/clock"))) class="console-form" {
                (view.form_head())
                input type="hidden" name="action" value="resume";
                div class="field" {
                    label for="resume-reason" { (ctx.t("恢复计时的原因", "Why the clock runs again")) " *" }
                    input id="resume-reason" name="reason" type="text" required maxlength="500" value=(typed.value("clock", "reason"));
                }
                div class="actions" { button id="resume-submit" type="submit" { (ctx.t("恢复计时", "Resume the clock")) } }
            }
        } @else {
            form id="pause-form" method="post" action=(ctx.link(&format!("{base}/clock"))) class="console-form" {
                (view.form_head())
                input type="hidden" name="action" value="pause";
                div class="field" {
                    label for="pause-reason" { (ctx.t("暂停计时的原因（如听证、鉴定、公告）", "Why the clock stops (hearing, expert opinion, public notice…)")) " *" }
                    input id="pause-reason" name="reason" type="text" required maxlength="500" value=(typed.value("clock", "reason"));
                }
                div class="actions" { button id="pause-submit" type="submit" class="secondary" { (ctx.t("暂停计时", "Pause the clock")) } }
            }
        }
    }
}

/// 行政处罚决定: the decision form, checked against the discretion standard before it is recorded.
fn penalty_section(
    view: &CaseView<'_>,
    case: &Case,
    standard: &aggregates::discretion::DiscretionStandardSpec,
    notice: &Notice,
) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    html! {
        h2 id="penalty" { (ctx.t("行政处罚决定", "Penalty decision")) }
        @if let Some(p) = &case.penalty {
            p id="penalty-recorded" { (ctx.t("已记录：", "Recorded: ")) (p.amount_fen.to_string()) " · " (p.check.label) }
        }
        form id="penalty-form" method="post" action=(ctx.link(&format!("{base}/penalty"))) class="console-form" {
            (view.form_head())
            div class="field" {
                label for="penalty-band" { (ctx.t("裁量档次", "Band")) }
                select id="penalty-band" name="band" {
                    option value="" { (ctx.t("不选（不予处罚或减轻）", "None (no penalty, or mitigation)")) }
                    @for regime in &standard.regimes {
                        optgroup label=(regime.name) {
                            @for band in &regime.bands {
                                option value=(band.id) selected[typed.value("penalty", "band") == band.id] { (regime.name) " · " (band.name) }
                            }
                        }
                    }
                }
            }
            @if let Some(base) = standard.bases.first() {
                div class="field" {
                    label for="penalty-base" { (base.name) (ctx.t("（元）", " (yuan)")) }
                    input id="penalty-base" name="base_amount" type="text" inputmode="decimal" maxlength="20" value=(typed.value("penalty", "base_amount"));
                }
            }
            div class="field" {
                label for="penalty-amount" { (ctx.t("罚款金额（元）", "Fine (yuan)")) " *" }
                input id="penalty-amount" name="amount" type="text" inputmode="decimal" required maxlength="20" value=(typed.value("penalty", "amount"));
            }
            @if !standard.circumstances.is_empty() {
                fieldset {
                    legend { (ctx.t("查明的情节", "Circumstances found")) }
                    @for c in &standard.circumstances {
                        label class="check-line" { input type="checkbox" name="circumstances" value=(c.id) checked[typed.checked("penalty", "circumstances", &c.id)]; " " (c.name) }
                    }
                }
            }
            @let grounds: Vec<_> = standard.mitigation.iter().flat_map(|m| m.grounds.iter()).chain(standard.no_penalty.iter().flat_map(|n| n.grounds.iter())).collect();
            @if !grounds.is_empty() {
                fieldset {
                    legend { (ctx.t("减轻或不予处罚的依据", "Grounds for mitigation or no penalty")) }
                    @for g in grounds {
                        label class="check-line" { input type="checkbox" name="grounds" value=(g.id) checked[typed.checked("penalty", "grounds", &g.id)]; " " (g.name) }
                    }
                }
            }
            div class="field" {
                label for="penalty-justification" { (ctx.t("说明理由", "Reasons")) " *" }
                textarea id="penalty-justification" name="justification" rows="3" maxlength="2000" { (typed.value("penalty", "justification")) }
            }
            fieldset {
                legend { (ctx.t("减轻处罚审批（低于法定最低限额时填写）", "Approval of a 减轻 below the statutory minimum")) }
                div class="field" {
                    label for="penalty-approved-by" { (ctx.t("批准人（账户）", "Approved by (account)")) }
                    input id="penalty-approved-by" name="approved_by" type="text" maxlength="100" value=(typed.value("penalty", "approved_by"));
                }
                div class="field" {
                    label for="penalty-approval-reference" { (ctx.t("审批文号", "Approval reference")) }
                    input id="penalty-approval-reference" name="approval_reference" type="text" maxlength="100" value=(typed.value("penalty", "approval_reference"));
                }
            }
            @if let Some(check) = &notice.check { (check_block(ctx, check)) }
            div class="actions" {
                button id="penalty-check-submit" type="submit" name="intent" value="check" class="secondary" { (ctx.t("核对裁量幅度", "Check against the standard")) }
                @if notice.check.as_ref().is_some_and(|c| !c.refused) {
                    " "
                    button id="penalty-record-submit" type="submit" name="intent" value="record" { (ctx.t("确认并记录处罚决定", "Confirm and record the decision")) }
                }
            }
        }
    }
}

/// 收费: the published fee schedule and the form recording a fee.
fn fee_section(view: &CaseView<'_>, p: &PublishedPower) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    html! {
        h2 { (ctx.t("收费", "Fees")) }
        @if p.content.fees.is_empty() || p.content.fees.iter().all(|f| f.amount_fen.is_zero()) {
            p id="fee-standard" { (ctx.t("按公布的收费标准，本事项不收费。", "By its published schedule this power charges no fee.")) }
        } @else {
            ul id="fee-standard" { @for f in &p.content.fees { li { (f.name) "：" (f.amount_fen.to_string()) } } }
        }
        form id="fee-form" method="post" action=(ctx.link(&format!("{base}/fee"))) class="console-form" {
            (view.form_head())
            div class="field" {
                label for="fee-item" { (ctx.t("收费项目", "Fee item")) " *" }
                input id="fee-item" name="item" type="text" required maxlength="100" list="fee-items"
                    value=(typed.value("fee", "item"));
                datalist id="fee-items" { @for f in &p.content.fees { option value=(f.name) {} } }
            }
            div class="field" {
                label for="fee-amount" { (ctx.t("金额（元）", "Amount (yuan)")) " *" }
                input id="fee-amount" name="amount" type="text" inputmode="decimal" required maxlength="20"
                    value=(typed.value("fee", "amount"));
            }
            div class="field" {
                label for="fee-note" { (ctx.t("备注（如票据号）", "Note (receipt number…)")) }
                input id="fee-note" name="note" type="text" maxlength="500" value=(typed.value("fee", "note"));
            }
            div class="actions" { button id="fee-submit" type="submit" class="secondary" { (ctx.t("记录收费", "Record the fee")) } }
        }
    }
}

/// 延长期限: the extension the version allows, and its form while days remain.
fn extension_section(
    view: &CaseView<'_>,
    case: &Case,
    ext: &aggregates::power::Extension,
) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    html! {
        @let remaining = ext.days.saturating_sub(case.extended_days);
        h2 { (ctx.t("延长期限", "Extend the limit")) }
        p class="hint" id="extension-basis" {
            (ext.basis)
            " "
            @match ctx.lang {
                Lang::Zh => { "（可延长 " (ext.days) " 个工作日，已延长 " (case.extended_days) " 个工作日。）" }
                Lang::En => { "(Up to " (ext.days) " working days; " (case.extended_days) " used.)" }
            }
        }
        @if remaining > 0 {
            form id="extension-form" method="post" action=(ctx.link(&format!("{base}/extension"))) class="console-form" {
                (view.form_head())
                div class="field" {
                    label for="extension-days" { (ctx.t("延长工作日数", "Working days")) " *" }
                    input id="extension-days" name="days" type="number" min="1" max=(remaining) step="1" inputmode="numeric" required
                        value=(typed.value("extension", "days"));
                }
                div class="field" {
                    label for="extension-approved-by" { (ctx.t("批准人", "Approved by")) " *" }
                    input id="extension-approved-by" name="approved_by" type="text" required maxlength="100"
                        value=(typed.value("extension", "approved_by"));
                }
                div class="field" {
                    label for="extension-reason" { (ctx.t("延期理由（将告知申请人）", "Reason (told to the applicant)")) " *" }
                    input id="extension-reason" name="reason" type="text" required maxlength="500"
                        value=(typed.value("extension", "reason"));
                }
                div class="actions" { button id="extension-submit" type="submit" class="secondary" { (ctx.t("记录延期", "Record the extension")) } }
            }
        }
    }
}

/// 撤回/终止: withdrawing or terminating the case, folded away.
fn withdraw_section(view: &CaseView<'_>) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    html! {
        details id="withdraw" {
            summary { (ctx.t("撤回/终止办件", "Withdraw or terminate the case")) }
            form id="withdraw-form" method="post" action=(ctx.link(&format!("{base}/withdraw"))) class="console-form" {
                (view.form_head())
                div class="field" {
                    label for="withdraw-reason" { (ctx.t("原因", "Reason")) " *" }
                    input id="withdraw-reason" name="reason" type="text" required maxlength="500" value=(typed.value("withdraw", "reason"));
                }
                div class="actions" { button id="withdraw-submit" type="submit" class="secondary" { (ctx.t("撤回/终止", "Withdraw")) } }
            }
        }
    }
}

/// 申请材料: how to reach an online applicant and the files they submitted, each opened through
/// a link whose every use is recorded.
fn materials_section(ctx: &Ctx, base: &str, case: &Case) -> Markup {
    if case.contact.is_none() && case.materials.is_empty() {
        return html! {};
    }
    html! {
        section id="materials" aria-label=(ctx.t("申请材料", "Materials")) {
            h2 { (ctx.t("网上申请：联系方式与申请材料", "Online application: contact and materials")) }
            @if let Some(c) = &case.contact {
                p id="contact" {
                    (ctx.t("联系方式：", "Contact: "))
                    @if let Some(e) = &c.email { (e) }
                    @if c.email.is_some() && c.mobile.is_some() { " · " }
                    @if let Some(m) = &c.mobile { (m) }
                }
            }
            @if case.materials.is_empty() {
                p { (ctx.t("申请人未上传材料。", "The applicant uploaded no files.")) }
            } @else {
                ul id="material-files" {
                    @for m in &case.materials {
                        li {
                            (m.material) "："
                            a href=(ctx.link(&format!("{base}/materials/{}", m.sha256))) target="_blank" rel="noopener" {
                                (ctx.t("查看", "Open")) " " (m.media_type.label())
                            }
                            " (" (kilobytes(m.bytes)) ")"
                        }
                    }
                }
                p class="hint" { (ctx.t("每次查看材料都会记录查阅人和时间。", "Every opening of a file is recorded with who and when.")) }
            }
        }
    }
}

/// 决定书: the document issued when the case concluded, for the officer to open and hand over.
fn document_section(ctx: &Ctx, base: &str, case: &Case) -> Markup {
    let Some(d) = &case.result_document else {
        return html! {};
    };
    html! {
        section id="result-document" aria-label=(ctx.t("决定书", "Result document")) {
            h2 { (ctx.t("决定书", "Result document")) }
            p {
                strong { (d.title) } " · " (ctx.t("出具于 ", "issued ")) (cst(d.issued_at)) " · "
                a id="result-pdf" href=(ctx.link(&format!("{base}/result.pdf"))) target="_blank" rel="noopener" {
                    (ctx.t("打开 PDF", "Open the PDF"))
                }
                " (" (kilobytes(d.size)) ")"
            }
            p class="hint" {
                (ctx.t("申请人凭查询码在“办件查询”下载同一文件；任何人可在“文书核验”页面上传文件核对真伪。",
                       "The applicant downloads the same file with the query code; anyone can check a copy on the document check page."))
            }
        }
    }
}

/// Records that the department's staff opened a file of the case naming the party (an
/// inspector's read was recorded when the case was loaded); the page to answer instead if the
/// record could not be kept (the file is then not shown).
async fn record_opening(
    engine: &Engine,
    ctx: &Ctx,
    signed: &SignedIn,
    request_id: &RequestId,
    case_id: &aggregates::case::CaseId,
    purpose: &str,
) -> Result<(), HttpResponse> {
    if signed.principal.claims.role == Role::Inspector {
        return Ok(());
    }
    engine
        .record_personal_data_read(
            signed.principal.actor(),
            case_id,
            purpose,
            signed.meta(request_id),
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "recording a read failed");
            crate::web::pages::message_page(
                ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "查阅记录未能保存，文件未予显示。请稍后再试。",
                    "The read could not be recorded, so the file is not shown. Please try again.",
                ),
            )
        })
}

/// `GET /officer/cases/{id}/result.pdf`: the result document as issued (its opening recorded
/// like a material's, as it names the party).
pub(crate) async fn result_pdf(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    path: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let id = path.into_inner();
    let (case_id, case, _) = match load_readable(&engine, &ctx, &signed, &id).await {
        Ok(x) => x,
        Err(p) => return p,
    };
    let not_found = || {
        crate::web::pages::message_page(
            &ctx,
            StatusCode::NOT_FOUND,
            Section::Officer,
            ctx.t("尚无决定书", "No result document"),
            ctx.t(
                "这个办件尚未出具决定书。",
                "This case has no result document yet.",
            ),
        )
    };
    let Some(issued) = &case.result_document else {
        return not_found();
    };
    if let Err(page) = record_opening(
        &engine,
        &ctx,
        &signed,
        &request_id,
        &case_id,
        "result_document",
    )
    .await
    {
        return page;
    }
    match engine.material_file(&issued.sha256).await {
        Ok(Some(file)) => crate::web::api::documents::pdf_response(
            &case.tracking_no,
            &issued.sha256,
            file.content,
        ),
        Ok(None) => not_found(),
        Err(e) => crate::web::pages::unavailable(&ctx, Section::Officer, e.into()),
    }
}

/// A size for people: `12 KB`, `1.5 MB`.
fn kilobytes(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// `GET /officer/cases/{id}/materials/{sha256}`: one file of the case, to its department's staff
/// and to inspectors; every opening is recorded as a read of personal data.
pub(crate) async fn material(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let (id, sha256) = path.into_inner();
    // Loading records an inspector's read; the department's own staff are recorded below.
    let (case_id, case, _) = match load_readable(&engine, &ctx, &signed, &id).await {
        Ok(x) => x,
        Err(p) => return p,
    };
    let not_found = || {
        crate::web::pages::message_page(
            &ctx,
            StatusCode::NOT_FOUND,
            Section::Officer,
            ctx.t("未找到材料", "No such file"),
            ctx.t("这个办件没有这份材料。", "This case has no such file."),
        )
    };
    let Some(listed) = case.materials.iter().find(|m| m.sha256 == sha256) else {
        return not_found();
    };
    if let Err(page) =
        record_opening(&engine, &ctx, &signed, &request_id, &case_id, "material").await
    {
        return page;
    }
    let file = match engine.material_file(&sha256).await {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(),
        Err(e) => return crate::web::pages::unavailable(&ctx, Section::Officer, e.into()),
    };
    let extension = match listed.media_type {
        aggregates::case::MediaType::Pdf => "pdf",
        aggregates::case::MediaType::Jpeg => "jpg",
        aggregates::case::MediaType::Png => "png",
    };
    HttpResponse::Ok()
        .content_type(listed.media_type.as_str())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "inline; filename=\"{}-{}.{extension}\"",
                case.tracking_no,
                &sha256[..8]
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store, private"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(file.content)
}

/// 一次性告知补正: where an outcome of the current step leads to a step that waits for the
/// applicant (and stops the clock), one form that lists every material of the version with a
/// box to tick and what is needed.
fn supplement_section(
    view: &CaseView<'_>,
    power: &PublishedPower,
    allowed: &[aggregates::case::AllowedOutcome],
) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    let waiting: Vec<&aggregates::case::AllowedOutcome> = allowed
        .iter()
        .filter(|a| {
            power
                .flowchart
                .step(&a.to)
                .is_some_and(|s| s.pauses_clock && !power.flowchart.is_end(&s.id))
        })
        .collect();
    if waiting.is_empty() || power.content.materials.is_empty() {
        return html! {};
    }
    html! {
        h2 id="supplement" { (ctx.t("一次性告知补正", "Ask for missing materials")) }
        p class="hint" { (ctx.t(
            "材料不齐全或不符合法定形式的，应一次告知申请人需要补正的全部内容（行政许可法第三十二条）。勾选每项需补正的材料并写明原因；告知后计时暂停，申请人可凭查询码在网上补正。",
            "Where materials are missing or not in the required form, tell the applicant everything at once (Administrative Licensing Law, art. 32). Tick each material and say what is needed; the clock then stops and the applicant can answer online with the query code."
        )) }
        form id="supplement-form" method="post" action=(ctx.link(&format!("{base}/supplement"))) class="console-form" {
            (view.form_head())
            @if waiting.len() == 1 {
                input type="hidden" name="outcome" value=(waiting[0].outcome);
            } @else {
                div class="field" {
                    label for="supplement-outcome" { (ctx.t("办理结果", "Outcome")) }
                    select id="supplement-outcome" name="outcome" {
                        @for a in &waiting { option value=(a.outcome) { (a.outcome) } }
                    }
                }
            }
            @for (i, m) in power.content.materials.iter().enumerate() {
                div class="field supplement-item" {
                    input type="hidden" name=(format!("material-{i}")) value=(m.name);
                    label class="check-line" {
                        input type="checkbox" name=(format!("ask-{i}")) value="1" checked[typed.checked("supplement", &format!("ask-{i}"), "1")];
                        " " (m.name)
                    }
                    input id=(format!("reason-{i}")) name=(format!("reason-{i}")) type="text" maxlength="200"
                        aria-label=(format!("{}{}", m.name, ctx.t("：需补正的内容", ": what is needed")))
                        placeholder=(ctx.t("需补正的内容，如：未提交、缺少签字", "What is needed, e.g. missing, unsigned"))
                        value=(typed.value("supplement", &format!("reason-{i}")));
                }
            }
            div class="actions" { button id="supplement-submit" type="submit" { (ctx.t("告知补正", "Send the notice")) } }
        }
    }
}

/// 补发查询码: folded away, with the reason asked.
fn reissue_section(view: &CaseView<'_>) -> Markup {
    let CaseView {
        ctx, base, typed, ..
    } = *view;
    html! {
        details id="query-code" {
            summary { (ctx.t("补发查询码", "Reissue the query code")) }
            form id="query-code-form" method="post" action=(ctx.link(&format!("{base}/query-code"))) class="console-form" {
                (view.form_head())
                p class="hint" { (ctx.t(
                    "申请人遗失查询码时使用：核验身份后补发新的查询码，原查询码随即失效。",
                    "When the applicant lost the code: after checking their identity, a new code replaces the old one at once."
                )) }
                div class="field" {
                    label for="query-code-reason" { (ctx.t("补发原因", "Why")) " *" }
                    input id="query-code-reason" name="reason" type="text" required maxlength="500" value=(typed.value("query-code", "reason"));
                }
                div class="actions" { button id="query-code-submit" type="submit" class="secondary" { (ctx.t("补发查询码", "Issue a new code")) } }
            }
        }
    }
}
