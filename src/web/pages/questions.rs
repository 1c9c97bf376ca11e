//! 网上咨询 / 便民问答 on the pages: a power's 常见问题 and its question form (public), and the
//! department's inbox with the answer forms (console).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use maud::{Markup, html};
use projections::questions::{PublicQuestion, QuestionDoc};
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Page, Section, cst, layout, respond_private};
use crate::engine::Engine;
use crate::engine::questions::AskError;

/// The power page's 常见问题 and the form to ask.
pub(crate) fn section(ctx: &Ctx, code: &str, questions: &[PublicQuestion]) -> Markup {
    html! {
        section aria-labelledby="h-questions" id="questions" {
            h2 id="h-questions" { (ctx.t("常见问题", "Questions and answers")) }
            @if questions.is_empty() {
                p class="muted" { (ctx.t("暂无已公开的问答。", "No answered questions yet.")) }
            } @else {
                dl class="faq" id="faq" {
                    @for q in questions {
                        dt { (q.question) }
                        dd {
                            p { (q.answer) }
                            p class="hint" { (ctx.t("答复于 ", "Answered ")) (cst(q.answered_at)) }
                        }
                    }
                }
            }
            details id="ask" {
                summary { (ctx.t("我要咨询", "Ask a question")) }
                (ask_form(ctx, code, "", "", None))
            }
        }
    }
}

fn ask_form(ctx: &Ctx, code: &str, text: &str, email: &str, error: Option<&str>) -> Markup {
    html! {
        form id="ask-form" method="post" action=(format!("/powers/{}/questions", super::encode_component(code))) {
            (ctx.lang_input())
            @if let Some(e) = error { p class="error" role="alert" id="ask-error" { (e) } }
            div class="field" {
                label for="ask-text" { (ctx.t("咨询内容（5 至 500 字）", "Your question (5 to 500 characters)")) }
                textarea id="ask-text" name="text" rows="4" maxlength="500" required
                    aria-describedby="ask-hint" aria-invalid=[error.map(|_| "true")] { (text) }
                p id="ask-hint" class="hint" {
                    (ctx.t(
                        "请勿填写身份证号、电话等个人信息；答复一般会公开在本页。查询本人办件进度请用“办件查询”。",
                        "Do not include ID numbers, phone numbers or other personal data: answers are usually published here. For your own case, use Track a case."
                    ))
                }
            }
            div class="field" {
                label for="ask-email" { (ctx.t("电子邮箱（选填，用于接收答复）", "E-mail (optional, for the answer)")) }
                input id="ask-email" name="email" type="email" maxlength="254" autocomplete="email" value=(email);
            }
            div class="actions" { button id="ask-submit" type="submit" { (ctx.t("提交咨询", "Send")) } }
        }
    }
}

fn public_page(ctx: &Ctx, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    respond_private(
        status,
        layout(Page {
            ctx,
            title: title.to_string(),
            section: Section::Catalogue,
            keep_params: false,
            body,
        }),
    )
}

/// `POST /powers/{code}/questions`: takes a question; the same form again with the problem.
pub(crate) async fn ask(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    code: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let form = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| super::Params::parse(text).ok());
    let Some(form) = form else {
        return super::message_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            Section::Catalogue,
            ctx.t("请求有误", "Bad request"),
            ctx.t("表单内容无法识别。", "The form could not be read."),
        );
    };
    ctx.adopt_form_lang(&form);
    if crate::web::rate_limit::check_public_write(&req).is_err() {
        return super::message_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            Section::Catalogue,
            ctx.t("提交过于频繁", "Too many submissions"),
            ctx.t("请稍后再试。", "Please try again later."),
        );
    }
    let text = form.raw("text").to_string();
    let email = form.raw("email").to_string();
    let meta = crate::engine::CommandMeta::public(request_id.to_string());
    let asked = engine
        .ask_question(
            &code,
            text.clone(),
            Some(email.clone()).filter(|e| !e.trim().is_empty()),
            meta,
        )
        .await;
    let back = html! {
        p { a href=(ctx.link(&format!("/powers/{}", super::encode_component(&code)))) { (ctx.t("返回事项页面", "Back to the power")) } }
    };
    match asked {
        Ok(id) => {
            let body = html! {
                h1 { (ctx.t("已收到您的咨询", "Your question has been received")) }
                p class="ok-note" role="status" id="asked" {
                    (ctx.t("咨询编号：", "Question number: ")) code { (id) }
                }
                p {
                    (ctx.t(
                        "部门答复后，问答将公开在事项页面的“常见问题”中（涉及个人事务的不公开）；留了电子邮箱的，答复也会发到邮箱。",
                        "Once the department answers, the question and answer appear under Questions and answers on the power's page (unless it concerns personal affairs); an answer is also mailed if you left an address."
                    ))
                }
                (back)
            };
            public_page(
                &ctx,
                StatusCode::CREATED,
                ctx.t("已收到咨询", "Question received"),
                body,
            )
        }
        Err(AskError::UnknownPower) => super::message_page(
            &ctx,
            StatusCode::NOT_FOUND,
            Section::Catalogue,
            ctx.t("未找到职权事项", "No such power"),
            ctx.t(
                "目录中没有这个职权事项。",
                "The catalogue has no such power.",
            ),
        ),
        Err(AskError::Refused(cqrs_es::AggregateError::UserError(e))) => {
            let words = super::refusal_words(ctx.lang, &e);
            let body = html! {
                h1 { (ctx.t("我要咨询", "Ask a question")) }
                (ask_form(&ctx, &code, &text, &email, Some(&words)))
                (back)
            };
            public_page(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                ctx.t("我要咨询", "Ask a question"),
                body,
            )
        }
        Err(AskError::Refused(e)) => {
            tracing::error!(error = %e, "taking a question failed");
            super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Catalogue,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "暂时无法提交，请稍后再试。",
                    "It could not be sent; please try again later.",
                ),
            )
        }
        Err(AskError::Load(e)) => super::unavailable(&ctx, Section::Catalogue, e),
    }
}

/// Working days a question has waited since the day it was asked.
fn waited_days(engine: &Engine, q: &QuestionDoc) -> Option<u32> {
    let asked = aggregates::case::china_date(q.asked_at?);
    let today = aggregates::case::china_date(engine.now());
    engine
        .calendar()
        .working_days_between(asked, today, &[])
        .ok()
}

/// `GET /officer/questions`: the department's questions, unanswered first, with answer forms.
pub(crate) async fn inbox(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Officer, Role::Admin]) {
        return p;
    }
    let list = match engine
        .reads_own()
        .department_questions(signed.department())
        .await
    {
        Ok(l) => l,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let limit = engine.alert_policy().question_answer_days;
    let done = ctx.params.get("done").is_some();
    let body = html! {
        h1 { (ctx.t("网上咨询", "Questions from the public")) }
        @if done { p class="ok-note" role="status" id="done" { (ctx.t("已答复。", "Answered.")) } }
        p class="hint" {
            @match ctx.lang {
                super::Lang::Zh => { "请在 " (limit) " 个工作日内答复；答复默认公开在事项页面的“常见问题”中，涉及个人事务的请勾选“不公开”。" }
                super::Lang::En => { "Answer within " (limit) " working days; answers are published on the power's page unless marked private." }
            }
        }
        @if list.is_empty() { p id="no-questions" { (ctx.t("暂无咨询。", "No questions.")) } }
        ol class="questions" id="question-list" {
            @for q in &list {
                li id={ "q-" (q.id) } {
                    p {
                        strong { (q.power_name) } " · " (ctx.t("咨询编号 ", "No. ")) code { (q.id) }
                        @if let Some(at) = q.asked_at { " · " (cst(at)) }
                    }
                    blockquote { (q.text) }
                    @match &q.answer {
                        Some(a) => {
                            p class="answer" {
                                strong { (ctx.t("答复：", "Answer: ")) } (a.text)
                                " " span class="muted" {
                                    "（" (a.by) " · " (cst(a.at)) " · "
                                    (if a.public { ctx.t("已公开", "published") } else { ctx.t("不公开", "private") })
                                    "）"
                                }
                            }
                        }
                        None => {
                            @let waited = waited_days(&engine, q);
                            @if let Some(days) = waited {
                                @if limit > 0 && days > limit {
                                    p class="flag due-soon overdue" { (ctx.t("已超过答复期限", "Past the time to answer")) " · " (days) (ctx.t(" 个工作日未答复", " working days waiting")) }
                                } @else {
                                    p class="hint" { (ctx.t("待答复，已等待 ", "Waiting ")) (days) (ctx.t(" 个工作日", " working days")) }
                                }
                            }
                            @if q.wants_mail { p class="hint" { (ctx.t("咨询人留有电子邮箱，答复将发送给本人。", "The asker left an address; the answer will be mailed.")) } }
                            form method="post" action=(ctx.link(&format!("/officer/questions/{}/answer", q.id))) class="console-form answer-form" {
                                (signed.csrf_input())
                                (ctx.lang_input())
                                div class="field" {
                                    label for={ "answer-" (q.id) } { (ctx.t("答复内容", "Answer")) }
                                    textarea id={ "answer-" (q.id) } name="text" rows="3" maxlength="2000" required {}
                                }
                                div class="field" {
                                    label {
                                        input type="checkbox" name="private" value="1";
                                        " " (ctx.t("不公开（涉及个人事务）", "Private (personal affairs)"))
                                    }
                                }
                                div class="actions" { button type="submit" { (ctx.t("答复", "Answer")) } }
                            }
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
            title: ctx.t("网上咨询", "Questions").to_string(),
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}

/// `POST /officer/questions/{id}/answer`.
pub(crate) async fn answer(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
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
    let public = form.get("private") != Some("1");
    let answered = engine
        .answer_question(
            &id,
            signed.principal.actor(),
            form.raw("text").to_string(),
            public,
            signed.meta(&request_id),
        )
        .await;
    match answered {
        Ok(()) => super::redirect(&ctx.link("/officer/questions?done=1")),
        Err(cqrs_es::AggregateError::UserError(e)) => {
            let status = match aggregates::refusal::Refusal::kind(&e) {
                aggregates::refusal::RefusalKind::NotFound => StatusCode::NOT_FOUND,
                aggregates::refusal::RefusalKind::Conflict => StatusCode::CONFLICT,
                aggregates::refusal::RefusalKind::Forbidden => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            super::message_page(
                &ctx,
                status,
                Section::Officer,
                ctx.t("未能答复", "Not answered"),
                &super::refusal_words(ctx.lang, &e),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "answering a question failed");
            super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "暂时无法保存，请稍后再试。",
                    "It could not be saved; please try again.",
                ),
            )
        }
    }
}
