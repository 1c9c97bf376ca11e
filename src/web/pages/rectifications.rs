//! 好差评整改 in the console: `GET /officer/rectifications`, the department's cases whose bad
//! rating or complaint waits for a call back (回访) and a rectification (整改), with the limits
//! counted in working days, and `POST /officer/rectifications/{no}/{call-back|rectification}`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::case::{CaseId, china_date};
use aggregates::feedback::FeedbackCommand;
use maud::html;
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Section, cst, encode_component, layout, respond_private, ymd};
use crate::engine::Engine;

/// `GET /officer/rectifications`.
pub(crate) async fn inbox(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Officer, Role::Admin]) {
        return p;
    }
    let reads = engine.reads_own();
    let list = match reads.rectifications(signed.department()).await {
        Ok(l) => l,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let names = reads.directory().await.unwrap_or_default();
    let policy = engine.alert_policy();
    let calendar = engine.calendar();
    let due = |since: chrono::DateTime<chrono::FixedOffset>, days: u32| {
        calendar
            .add_working_days(china_date(since), days, &[])
            .ok()
            .map(|c| c.due)
    };
    let today = china_date(ctx.now);
    let done = ctx.params.get("done").is_some();
    let error = ctx.params.get("error");
    let title = ctx.t("好差评整改", "Ratings and complaints to rectify");
    let body = html! {
        (signed.bar(&ctx))
        p class="breadcrumb" { a href=(ctx.link("/officer/worklist")) { (ctx.t("办件清单", "Worklist")) } }
        h1 { (title) }
        @if done { p class="ok-note" role="status" id="done" { (ctx.t("已记录。", "Recorded.")) } }
        @if let Some(e) = error { p class="error" role="alert" id="error" { (e) } }
        p class="hint" { @match ctx.lang {
            Lang::Zh => { "差评和投诉须在 " (policy.call_back_days) " 个工作日内回访、" (policy.rectification_days) " 个工作日内整改并答复；整改答复显示在群众的办件查询页面，群众可追评一次。" }
            Lang::En => { "Call back within " (policy.call_back_days) " working days and rectify within " (policy.rectification_days) "; the reply shows on the citizen's tracking page, who may rate once more." }
        } }
        @if list.is_empty() { p id="no-tasks" class="muted" { (ctx.t("暂无差评或投诉。", "No bad ratings or complaints.")) } }
        ol id="tasks" class="questions" {
            @for t in &list {
                li id={ "task-" (t.case_id) } data-case=(t.case_id) {
                    p {
                        a href=(ctx.link(&format!("/officer/cases/{}", encode_component(&t.case_id)))) { (t.case_id) }
                        " · " (names.power(&t.power_code).unwrap_or(""))
                        @if let Some(score) = t.rating { @if score <= 2 {
                            " · " strong { (if score == 1 { ctx.t("非常不满意", "very dissatisfied") } else { ctx.t("不满意", "dissatisfied") }) }
                        } }
                        @if t.complaints > 0 { " · " (ctx.t("投诉 ", "complaints: ")) (t.complaints) }
                    }
                    @if let Some(c) = &t.rating_comment { blockquote { (c) } }
                    @match t.open_since {
                        Some(since) => {
                            @let call_due = due(since, policy.call_back_days);
                            @let fix_due = due(since, policy.rectification_days);
                            p class="hint" {
                                (ctx.t("收到：", "Received: ")) (cst(since))
                                @if let Some(d) = call_due { " · " (ctx.t("回访期限 ", "call back by ")) (ymd(d)) }
                                @if let Some(d) = fix_due { " · " (ctx.t("整改期限 ", "rectify by ")) (ymd(d)) }
                            }
                            @if fix_due.is_some_and(|d| today > d) || (t.call_back.is_none() && call_due.is_some_and(|d| today > d)) {
                                p class="flag overdue" { (ctx.t("已逾期", "Overdue")) }
                            }
                            @match &t.call_back {
                                Some(c) => { p { strong { (ctx.t("已回访：", "Called back: ")) } (c.text) " " span class="muted" { "（" (names.person(&c.by)) " · " (cst(c.at)) "）" } } }
                                None => {
                                    form method="post" action=(ctx.link(&format!("/officer/rectifications/{}/call-back", encode_component(&t.case_id)))) class="console-form call-back-form" {
                                        (signed.csrf_input()) (ctx.lang_input())
                                        div class="field" {
                                            label for={ "call-back-" (t.case_id) } { (ctx.t("回访记录（内部）", "Call back note (internal)")) }
                                            textarea id={ "call-back-" (t.case_id) } name="text" rows="2" maxlength="2000" required {}
                                        }
                                        div class="actions" { button type="submit" { (ctx.t("记录回访", "Record the call back")) } }
                                    }
                                }
                            }
                            form method="post" action=(ctx.link(&format!("/officer/rectifications/{}/rectification", encode_component(&t.case_id)))) class="console-form rectification-form" {
                                (signed.csrf_input()) (ctx.lang_input())
                                div class="field" {
                                    label for={ "reply-" (t.case_id) } { (ctx.t("整改答复（群众可见，勿写个人信息）", "Reply to the citizen (public; no personal data)")) }
                                    textarea id={ "reply-" (t.case_id) } name="text" rows="3" maxlength="2000" required {}
                                }
                                div class="actions" { button type="submit" { (ctx.t("提交整改答复", "Send the rectification")) } }
                            }
                        }
                        None => {
                            @if let Some(r) = &t.rectification {
                                p { strong { (ctx.t("整改答复：", "Reply: ")) } (r.text) " " span class="muted" { "（" (names.person(&r.by)) " · " (cst(r.at)) "）" } }
                            }
                            @if let Some(f) = t.follow_up { p { (ctx.t("群众追评：", "Follow-up rating: ")) (f) " / 5" } }
                        }
                    }
                }
            }
        }
    };
    respond_private(
        StatusCode::OK,
        layout(Page {
            ctx: &ctx,
            title: title.to_string(),
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}

/// `POST /officer/rectifications/{no}/{call-back|rectification}`.
pub(crate) async fn act(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let form = match signed.verify_post(&mut ctx, &body) {
        Ok(f) => f,
        Err(p) => return p,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Officer, Role::Admin]) {
        return p;
    }
    let (no, verb) = path.into_inner();
    let actor = signed.principal.actor();
    let text = form.raw("text").to_string();
    let at = engine.now();
    let command = match verb.as_str() {
        "call-back" => FeedbackCommand::RecordCallBack {
            actor,
            note: text,
            at,
        },
        "rectification" => FeedbackCommand::RecordRectification {
            actor,
            reply: text,
            at,
        },
        _ => {
            return super::message_page(
                &ctx,
                StatusCode::NOT_FOUND,
                Section::Officer,
                ctx.t("未找到", "Not found"),
                ctx.t("没有这一操作。", "No such action."),
            );
        }
    };
    let Some(id) = CaseId::parse(&no) else {
        return super::message_page(
            &ctx,
            StatusCode::NOT_FOUND,
            Section::Officer,
            ctx.t("未找到办件", "No such case"),
            ctx.t("没有这一办件。", "There is no such case."),
        );
    };
    let back = |query: String| {
        super::redirect(&format!(
            "{}#task-{}",
            ctx.link(&format!("/officer/rectifications?{query}")),
            encode_component(&no)
        ))
    };
    match engine
        .execute_feedback(&id, command, signed.meta(&request_id))
        .await
    {
        Ok(_) => back("done=1".into()),
        Err(cqrs_es::AggregateError::UserError(e)) => back(format!(
            "error={}",
            encode_component(&super::refusal_words(ctx.lang, &e))
        )),
        Err(e) => {
            tracing::error!(error = %e, "recording a rectification failed");
            super::try_again_later(&ctx, Section::Officer)
        }
    }
}
