//! `GET /track`: the tracking form (办件查询) and the public status of a case.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::{CaseStatus, LimitStatus};
use maud::{Markup, html};
use projections::public_case::PublicCaseView;

use super::{Ctx, Lang, Page, Section, cst, layout, respond_private, weekday, ymd};
use crate::engine::Engine;

/// The status of a case in words.
pub(crate) fn status_words(lang: Lang, status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::New => lang.t("未受理", "Not opened"),
        CaseStatus::Open => lang.t("办理中", "In progress"),
        CaseStatus::Paused => lang.t("暂停计时", "Clock paused"),
        CaseStatus::Concluded => lang.t("已办结", "Concluded"),
        CaseStatus::Withdrawn => lang.t("已撤回", "Withdrawn"),
    }
}

fn form(ctx: &Ctx, no: &str) -> Markup {
    html! {
        form id="track" method="get" action="/track" class="track" {
            (ctx.lang_input())
            div class="field" {
                label for="tracking_no" { (ctx.t("办件编号", "Tracking number")) }
                input id="tracking_no" name="no" type="text" value=(no) maxlength="64"
                    autocomplete="off" autocapitalize="characters" spellcheck="false"
                    required aria-describedby="no-hint";
                p id="no-hint" class="hint" {
                    (ctx.t("见受理回执，如 YG20260306ABCDEFGH。", "On your receipt, e.g. YG20260306ABCDEFGH."))
                }
            }
            div class="field" {
                label for="query_code" { (ctx.t("查询码", "Query code")) }
                input id="query_code" name="code" type="text" maxlength="64"
                    autocomplete="off" autocapitalize="characters" spellcheck="false"
                    required aria-describedby="code-hint";
                p id="code-hint" class="hint" {
                    (ctx.t("受理时告知的 10 位查询码，不区分大小写。", "The 10-character code given when your case was accepted; case does not matter."))
                }
            }
            div class="actions" {
                button id="track-submit" type="submit" { (ctx.t("查询", "Look up")) }
            }
        }
    }
}

fn page(
    ctx: &Ctx,
    status: StatusCode,
    title: String,
    keep_params: bool,
    body: Markup,
) -> HttpResponse {
    respond_private(
        status,
        layout(Page {
            ctx,
            title,
            section: Section::Track,
            keep_params,
            body,
        }),
    )
}

/// The one page for an unknown number and a wrong code alike: it echoes nothing asked.
pub(super) fn not_found(ctx: &Ctx) -> HttpResponse {
    let body = html! {
        h1 id="not-found" { (ctx.t("未找到办件", "No matching case")) }
        p class="error" role="alert" id="error" {
            (ctx.t(
                "没有与该办件编号和查询码相符的办件。请核对受理回执上的编号和查询码后重试。",
                "No case matches this tracking number and query code. Please check both against \
                 your receipt and try again."
            ))
        }
        (form(ctx, ""))
    };
    page(
        ctx,
        StatusCode::NOT_FOUND,
        ctx.t("未找到办件", "No matching case").to_string(),
        false,
        body,
    )
}

/// 429: too many lookups from this address (shared with the API's public lookup).
pub(super) fn too_many_lookups(ctx: &Ctx, wait_secs: u64) -> HttpResponse {
    let message = match ctx.lang {
        Lang::Zh => format!("查询过于频繁，请 {wait_secs} 秒后再试。"),
        Lang::En => format!("Too many lookups from your address; try again in {wait_secs} s."),
    };
    let mut response = super::message_page(
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        Section::Track,
        ctx.t("查询过于频繁", "Too many lookups"),
        &message,
    );
    let headers = response.headers_mut();
    headers.insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(wait_secs),
    );
    headers.insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

/// `GET /track`.
pub(crate) async fn track(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if ctx.bad_query {
        return super::bad_query(&ctx, Section::Track);
    }
    let no = ctx.params.get("no");
    let code = ctx.params.get("code");
    let (no, code) = match (no, code) {
        (None, None) => {
            let body = html! {
                h1 { (ctx.t("办件查询", "Track a case")) }
                p class="lead" {
                    (ctx.t(
                        "输入受理回执上的办件编号和查询码，查看办理进度、已用时限和期限届满日。",
                        "Enter the tracking number and query code from your receipt to see the \
                         progress, the working days used and the due date."
                    ))
                }
                (form(&ctx, ""))
            };
            return page(
                &ctx,
                StatusCode::OK,
                ctx.t("办件查询", "Track a case").to_string(),
                true,
                body,
            );
        }
        (Some(no), Some(code)) => (no, code),
        (no, _) => {
            let body = html! {
                h1 { (ctx.t("办件查询", "Track a case")) }
                p class="error" role="alert" id="error" {
                    (ctx.t("请同时填写办件编号和查询码。", "Please enter both the tracking number and the query code."))
                }
                (form(&ctx, no.filter(|n| n.len() <= 64 && !n.chars().any(char::is_control)).unwrap_or("")))
            };
            return page(
                &ctx,
                StatusCode::BAD_REQUEST,
                ctx.t("办件查询", "Track a case").to_string(),
                false,
                body,
            );
        }
    };
    if let Err(wait) = crate::web::rate_limit::check_public_lookup(&req) {
        return too_many_lookups(&ctx, wait);
    }
    match engine.reads_own().public_case(no, code).await {
        Ok(Some(view)) => {
            // The case's leaves in the transparency log; the status shows without them if the
            // log cannot be read.
            let log = match crate::web::extract::running_log(&req) {
                Some(_) => crate::follow::translog::case_log(engine.repo(), &view.tracking_no)
                    .await
                    .ok(),
                None => None,
            };
            // The department's 整改 answer to this case's bad rating or complaint, if any.
            let rectification = match aggregates::case::CaseId::parse(&view.tracking_no) {
                Some(id) => engine
                    .reads_own()
                    .public_rectification(&id)
                    .await
                    .ok()
                    .flatten()
                    .filter(|d| d.ever_opened),
                None => None,
            };
            status_page(&ctx, &view, code, log.as_ref(), rectification.as_ref())
        }
        Ok(None) => not_found(&ctx),
        Err(e) => super::unavailable(&ctx, Section::Track, e),
    }
}

fn limit_block(ctx: &Ctx, id: &str, label: &str, limit: &LimitStatus, paused: bool) -> Markup {
    let max = limit.limit_days.max(1);
    let value = limit.used_days.min(max);
    let state = if limit.overdue {
        "overdue"
    } else if limit.remaining_days <= 2 {
        "due-soon"
    } else {
        "on-time"
    };
    let label_id = format!("{id}-label");
    html! {
        div class={ "limit " (state) } {
            p id=(label_id) class="limit-label" {
                strong { (label) }
                " "
                @match ctx.lang {
                    Lang::Zh => { "已用 " (limit.used_days) " / " (limit.limit_days) " 个工作日" }
                    Lang::En => { (limit.used_days) " of " (limit.limit_days) " working days used" }
                }
            }
            progress id=(id) max=(max) value=(value) aria-labelledby=(label_id) {
                (limit.used_days) " / " (limit.limit_days)
            }
            p class="limit-due" {
                @if limit.overdue {
                    strong class="flag overdue" {
                        @match ctx.lang {
                            Lang::Zh => { "已超期 " (-limit.remaining_days) " 个工作日" }
                            Lang::En => { "Overdue by " (-limit.remaining_days) " working days" }
                        }
                    }
                    " "
                }
                @if paused && limit.due.is_none() {
                    span class="paused-note" { (ctx.t("计时暂停中，期限届满日顺延。", "The clock is paused; the due date moves with the pause.")) }
                } @else if let Some(due) = limit.due {
                    (ctx.t("期限届满日：", "Due: "))
                    time datetime=(ymd(due)) { (ymd(due)) }
                    @match ctx.lang {
                        Lang::Zh => { "（" (weekday(ctx.lang, due)) "）" }
                        Lang::En => { " (" (weekday(ctx.lang, due)) ")" }
                    }
                    @if !limit.overdue {
                        " · "
                        @match ctx.lang {
                            Lang::Zh => { "剩余 " (limit.remaining_days) " 个工作日" }
                            Lang::En => { (limit.remaining_days) " working days left" }
                        }
                    }
                } @else {
                    (ctx.t("期限届满日暂无法计算。", "The due date cannot be computed yet."))
                }
            }
            @if limit.extended_days > 0 {
                p class="limit-extended" id={ (id) "-extended" } {
                    @match ctx.lang {
                        Lang::Zh => { "已依法延长 " (limit.extended_days) " 个工作日。" }
                        Lang::En => { "Lawfully extended by " (limit.extended_days) " working days." }
                    }
                }
            }
            @if limit.provisional && limit.due.is_some() {
                p class="limit-provisional" id={ (id) "-provisional" } {
                    (super::provisional_note(ctx, &limit.provisional_years))
                }
            }
        }
    }
}

/// The case's events in the transparency log and the newest signed tree head.
/// An event's type in people's words.
fn event_words(lang: Lang, event_type: &str) -> &'static str {
    match event_type {
        "CaseOpened" => lang.t("收件/受理", "received"),
        "MaterialsSubmitted" => lang.t("提交材料", "materials submitted"),
        "SupplementRequested" => lang.t("告知补正", "supplement requested"),
        "StepCompleted" => lang.t("环节办理", "step completed"),
        "ClockPaused" => lang.t("暂停计时", "clock paused"),
        "ClockResumed" => lang.t("恢复计时", "clock resumed"),
        "LimitExtended" => lang.t("延长期限", "limit extended"),
        "CaseConcluded" => lang.t("办结", "concluded"),
        "ResultDocumentIssued" => lang.t("出具决定书", "result document issued"),
        "CaseWithdrawn" => lang.t("撤回/终止", "withdrawn"),
        "QueryCodeReissued" => lang.t("补发查询码", "query code reissued"),
        "FeeCharged" => lang.t("收费", "fee charged"),
        "PenaltyDecisionRecorded" => lang.t("记录处罚决定", "penalty decision recorded"),
        "PenaltyDecisionPublished" => lang.t("处罚决定公开", "decision published"),
        "PenaltyDecisionRevoked" => lang.t("撤销处罚决定", "decision revoked"),
        _ => lang.t("其他记录", "other record"),
    }
}

fn log_section(ctx: &Ctx, log: &crate::follow::translog::CaseLog) -> Markup {
    html! {
        // Folded below what a citizen came for: the record's proof, for those who check it.
        details id="log" {
            summary { h2 id="h-log" class="inline" { (ctx.t("透明日志（核验本案记录未被改写）", "Transparency log (check this record was not rewritten)")) } }
            p class="hint" {
                (ctx.t(
                    "每个办理事件都是公开日志中的一个叶子；任何人都可以用 yangguang log verify 核验本案的记录未被改写。",
                    "Each event of this case is a leaf of the public log; anyone can check with yangguang log verify that this record was not rewritten."
                ))
            }
            @if let Some(head) = &log.tree_head {
                dl class="facts" id="tree-head" {
                    div { dt { (ctx.t("日志规模", "Tree size")) } dd { (head.tree_size) } }
                    div { dt { (ctx.t("根哈希", "Root hash")) } dd { code class="hash" { (head.root_hash) } } }
                    div { dt { (ctx.t("签名时间", "Signed")) } dd { time datetime=(head.issued_at) { (head.issued_at) } } }
                }
            }
            table id="log-events" {
                caption { (ctx.t("本案事件", "Events of this case")) }
                thead { tr {
                    th scope="col" { (ctx.t("序号", "Sequence")) }
                    th scope="col" { (ctx.t("事件", "Event")) }
                    th scope="col" { (ctx.t("叶子编号", "Leaf index")) }
                } }
                tbody {
                    @for e in &log.events {
                        tr {
                            td { (e.sequence) }
                            td { (e.event_type.as_deref().map(|t| event_words(ctx.lang, t)).unwrap_or("—")) }
                            td {
                                @match (e.leaf_index, &e.proof) {
                                    (Some(i), Some(link)) => {
                                        a href=(link) aria-label=(format!("{} {i}", ctx.t("包含证明", "Inclusion proof of leaf"))) { (i) }
                                    }
                                    (Some(i), None) => { (i) " " span class="muted" { (ctx.t("（待签名）", "(not yet signed)")) } }
                                    (None, _) => { span class="muted" { (ctx.t("待记入", "pending")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn status_page(
    ctx: &Ctx,
    v: &PublicCaseView,
    code: &str,
    log: Option<&crate::follow::translog::CaseLog>,
    rectification: Option<&projections::rectifications::RectificationDoc>,
) -> HttpResponse {
    let paused = v.status == CaseStatus::Paused;
    let closed = matches!(v.status, CaseStatus::Concluded | CaseStatus::Withdrawn);
    // The nearer limit (promised if any) carries the id the tests and scripts look for.
    let mut limits: Vec<(&str, &str, &LimitStatus)> = Vec::new();
    if let Some(p) = &v.promised {
        limits.push(("working-days", ctx.t("承诺时限", "Promised limit"), p));
    }
    if let Some(s) = &v.statutory {
        let id = if limits.is_empty() {
            "working-days"
        } else {
            "working-days-statutory"
        };
        limits.push((id, ctx.t("法定时限", "Statutory limit"), s));
    }
    let body = html! {
        p class="breadcrumb" {
            a href=(ctx.link("/track")) { (ctx.t("办件查询", "Track a case")) }
        }
        h1 { (v.power_name) }
        dl class="facts summary" {
            div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code { (v.tracking_no) } } }
            div {
                dt { (ctx.t("办理状态", "Status")) }
                dd { p id="status" class={ "status status-" (v.status.to_string()) } { (status_words(ctx.lang, v.status)) } }
            }
            div {
                dt { (ctx.t("当前环节", "Current step")) }
                dd { p id="current-step" { (v.current_step) } }
            }
            div { dt { (ctx.t("申请人", "Applicant")) } dd id="applicant" { (v.applicant) } }
            div {
                dt { (ctx.t("受理日期", "Received")) }
                dd { time datetime=(ymd(v.received_on)) { (ymd(v.received_on)) } }
            }
        }

        (super::supplement::section(ctx, v, code))
        p class="hint" id="feed" {
            a href=(format!("/track/feed?no={}&code={}", super::encode_component(&v.tracking_no), super::encode_component(code))) type="application/atom+xml" {
                (ctx.t("订阅办理进度（Atom）", "Follow in a feed reader (Atom)"))
            }
        }

        section aria-labelledby="h-time" {
            h2 id="h-time" { (ctx.t("办理时限", "Time limits")) }
            @if limits.is_empty() {
                p { (ctx.t("办理时限暂无法计算。", "The time limits cannot be computed just now.")) }
            }
            @for (id, label, limit) in &limits {
                (limit_block(ctx, id, label, limit, paused))
            }
            @if closed {
                p class="hint" { (ctx.t("办件已结束，时限统计截至结束之日。", "The case has ended; the count stops on that day.")) }
            }
        }

        @if let Some(result) = &v.result {
            section aria-labelledby="h-result" {
                h2 id="h-result" { (ctx.t("办理结果", "Result")) }
                p id="result" {
                    strong { (result) }
                    @if let Some(at) = v.closed_at {
                        " · " (ctx.t("办结时间：", "Concluded at ")) (cst(at))
                    }
                }
                @if let Some(d) = &v.result_document {
                    p id="result-document" {
                        a class="button-link" href=(format!("/track/result?no={}&code={}&lang={}", super::encode_component(&v.tracking_no), super::encode_component(code), ctx.lang.code())) {
                            (ctx.t("查看决定书", "Read the document")) "：" (d.title)
                        }
                        " "
                        a id="result-pdf" href=(format!("/track/result.pdf?no={}&code={}", super::encode_component(&v.tracking_no), super::encode_component(code))) download {
                            (ctx.t("下载 PDF", "Download PDF"))
                        }
                    }
                }
            }
        } @else if v.status == CaseStatus::Withdrawn {
            section aria-labelledby="h-result" {
                h2 id="h-result" { (ctx.t("办理结果", "Result")) }
                p id="result" {
                    (ctx.t("已撤回", "Withdrawn"))
                    @if let Some(at) = v.closed_at { " · " (cst(at)) }
                }
            }
        }

        section aria-labelledby="h-timeline" {
            h2 id="h-timeline" { (ctx.t("办理过程", "Timeline")) }
            ol id="timeline" class="timeline" {
                @for step in &v.timeline {
                    li {
                        time datetime=(step.at.to_rfc3339()) { (cst(step.at)) }
                        " "
                        strong class="step" { (step.step) }
                        " — "
                        span class="outcome" { (step.outcome) }
                        @if step.next != step.step {
                            " → " (step.next)
                        }
                    }
                }
            }
            @if v.timeline.is_empty() {
                p class="muted" { (ctx.t("已受理，尚无已完成的办理环节。", "Received; no step completed yet.")) }
            }
        }

        @if !v.paused.is_empty() {
            section aria-labelledby="h-paused" {
                h2 id="h-paused" { (ctx.t("暂停计时", "Clock paused")) }
                ul id="paused" {
                    @for p in &v.paused {
                        li {
                            (cst(p.from)) " – "
                            @match p.until {
                                Some(until) => { (cst(until)) }
                                None => { (ctx.t("至今", "now")) }
                            }
                            (ctx.t("：", ": ")) (p.reason)
                        }
                    }
                }
                p class="hint" { (ctx.t("暂停计时期间不计入办理时限。", "Paused days do not count towards the limits.")) }
            }
        }
        @if let Some(log) = log {
            (log_section(ctx, log))
        }
        @if let Some(r) = rectification {
            (super::feedback::rectification(ctx, &v.tracking_no, code, r))
        }
        (super::feedback::forms(ctx, &v.tracking_no, code, v.status))
        p class="hint" {
            (ctx.t(
                "本页只显示办理进度，不显示申请人的个人信息。",
                "This page shows progress only, never the applicant's personal data."
            ))
        }
    };
    page(ctx, StatusCode::OK, v.power_name.clone(), true, body)
}
