//! The public's complaint and rating forms on a case's status page (`/track`), and their
//! `POST /track/complaint` and `POST /track/rating`. They carry the tracking number and the
//! query code the visitor already entered; the same checks as the API apply (one answer for a
//! wrong code and an unknown number, the lookup budget, and a smaller budget for writes).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::{CaseId, CaseStatus};
use aggregates::feedback::{CaseFacts, FeedbackCommand};
use cqrs_es::AggregateError;
use maud::{Markup, html};
use tracing_actix_web::RequestId;

use super::{Ctx, Params, Section};
use crate::engine::{CommandMeta, Engine};

/// The two forms, for a case in `status`.
pub(crate) fn forms(ctx: &Ctx, no: &str, code: &str, status: CaseStatus) -> Markup {
    html! {
        section aria-labelledby="h-feedback" {
            h2 id="h-feedback" { (ctx.t("评价与投诉", "Rate or complain")) }
            @if status == CaseStatus::Concluded {
                form id="rating" method="post" action="/track/rating" class="stack" {
                    (ctx.lang_input())
                    input type="hidden" name="no" value=(no);
                    input type="hidden" name="code" value=(code);
                    fieldset {
                        legend { (ctx.t("对本次办理的评价（好差评）", "How was the service?")) }
                        @for (score, zh, en) in [(5, "非常满意", "Very satisfied"), (4, "满意", "Satisfied"), (3, "基本满意", "Fair"), (2, "不满意", "Dissatisfied"), (1, "非常不满意", "Very dissatisfied")] {
                            label class="choice" {
                                input type="radio" name="score" value=(score) required;
                                " " (ctx.t(zh, en))
                            }
                        }
                    }
                    div class="field" {
                        label for="rating-comment" { (ctx.t("意见（选填，500 字以内）", "Comment (optional, at most 500 characters)")) }
                        textarea id="rating-comment" name="comment" maxlength="500" rows="2" {}
                    }
                    button id="rating-submit" type="submit" { (ctx.t("提交评价", "Submit rating")) }
                }
            }
            form id="complaint" method="post" action="/track/complaint" class="stack" {
                (ctx.lang_input())
                input type="hidden" name="no" value=(no);
                input type="hidden" name="code" value=(code);
                div class="field" {
                    label for="complaint-text" { (ctx.t("投诉内容（2000 字以内）", "Your complaint (at most 2000 characters)")) }
                    textarea id="complaint-text" name="text" maxlength="2000" rows="4" required
                        aria-describedby="complaint-hint" {}
                    p id="complaint-hint" class="hint" {
                        (ctx.t(
                            "投诉直接送达纪检监察人员，不会公开。请勿填写与投诉无关的个人信息。",
                            "Complaints go to the discipline inspectors only and are never published. \
                             Please leave out personal details the complaint does not need."
                        ))
                    }
                }
                button id="complaint-submit" type="submit" { (ctx.t("提交投诉", "Submit complaint")) }
            }
        }
    }
}

fn answer(ctx: &Ctx, status: StatusCode, title: &str, message: &str, no: &str) -> HttpResponse {
    let body = html! {
        h1 id=(if status.is_success() { "feedback-done" } else { "error-title" }) { (title) }
        p id=(if status.is_success() { "feedback-message" } else { "error" })
            role=(if status.is_success() { "status" } else { "alert" })
            class=(if status.is_success() { "" } else { "error" }) { (message) }
        p { a href=(ctx.link(&format!("/track?no={}", super::encode_component(no)))) { (ctx.t("返回办件查询", "Back to tracking")) } }
    };
    let mut response = super::respond_private(
        status,
        super::layout(super::Page {
            ctx,
            title: title.to_string(),
            section: Section::Track,
            keep_params: false,
            body,
        }),
    );
    if status == StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("60"),
        );
    }
    response
}

enum Kind {
    Complaint,
    Rating,
    FollowUp,
}

async fn submit(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    payload: web::Payload,
    kind: Kind,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    // Read no more than a form can hold, however the body is sent.
    let body = crate::web::extract::read_capped(payload, crate::web::api::PUBLIC_WRITE_LIMIT).await;
    let form = body
        .as_deref()
        .and_then(|body| std::str::from_utf8(body).ok())
        .and_then(|text| Params::parse(text).ok());
    let Some(form) = form else {
        return super::bad_query(&ctx, Section::Track);
    };
    // The language chosen on the page comes back in the form.
    match form.get("lang") {
        Some("en") => {
            ctx.lang = super::Lang::En;
            ctx.explicit = true;
        }
        Some("zh") => ctx.explicit = true,
        _ => {}
    }
    let no = form.get("no").unwrap_or("").to_string();
    let code = form.get("code").unwrap_or("");
    if crate::web::rate_limit::check_public_write(&req).is_err()
        || crate::web::rate_limit::check_public_lookup(&req).is_err()
    {
        return answer(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            ctx.t("提交过于频繁", "Too many submissions"),
            ctx.t("请稍后再试。", "Please try again later."),
            &no,
        );
    }
    let verified = engine.reads_own().verified_case(&no, code).await;
    let (id, doc) = match verified.map(|doc| doc.zip(CaseId::parse(&no))) {
        Ok(Some((doc, id))) => (id, doc),
        Ok(None) => {
            return answer(
                &ctx,
                StatusCode::NOT_FOUND,
                ctx.t("未找到办件", "No matching case"),
                ctx.t(
                    "没有与该办件编号和查询码相符的办件。",
                    "No case matches this tracking number and query code.",
                ),
                "",
            );
        }
        Err(e) => return super::unavailable(&ctx, Section::Track, e),
    };
    let case = CaseFacts {
        status: doc.case.status,
        department: doc.case.department,
        power_code: doc.case.power_code,
    };
    let at = engine.now();
    let command = match kind {
        Kind::Complaint => FeedbackCommand::FileComplaint {
            case,
            text: form.get("text").unwrap_or("").to_string(),
            at,
        },
        Kind::Rating => FeedbackCommand::RateService {
            case,
            score: form.get("score").and_then(|s| s.parse().ok()).unwrap_or(0),
            comment: form.get("comment").map(str::to_string),
            at,
        },
        Kind::FollowUp => FeedbackCommand::RateFollowUp {
            score: form.get("score").and_then(|s| s.parse().ok()).unwrap_or(0),
            comment: form.get("comment").map(str::to_string),
            at,
        },
    };
    let meta = CommandMeta::public(request_id.to_string());
    let refused = |message: &str| {
        answer(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t("未能提交", "Not submitted"),
            message,
            &no,
        )
    };
    match engine.execute_feedback(&id, command, meta).await {
        Ok(_) => match kind {
            Kind::Complaint => answer(
                &ctx,
                StatusCode::OK,
                ctx.t("投诉已收到", "Complaint received"),
                ctx.t(
                    "您的投诉已送达纪检监察人员。",
                    "Your complaint has reached the discipline inspectors.",
                ),
                &no,
            ),
            Kind::Rating | Kind::FollowUp => answer(
                &ctx,
                StatusCode::OK,
                ctx.t("评价已收到", "Rating received"),
                ctx.t("感谢您的评价。", "Thank you for your rating."),
                &no,
            ),
        },
        Err(AggregateError::UserError(e)) => refused(&super::refusal_words(ctx.lang, &e)),
        Err(AggregateError::AggregateConflict) => refused(ctx.t(
            "提交时发生冲突，请重试。",
            "Someone submitted at the same moment; please try again.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "feedback could not be stored");
            let mut response = answer(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t("请稍后再试。", "Please try again shortly."),
                &no,
            );
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("5"),
            );
            response
        }
    }
}

/// `POST /track/complaint`.
pub(crate) async fn complaint(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    payload: web::Payload,
) -> HttpResponse {
    submit(req, engine, request_id, payload, Kind::Complaint).await
}

/// `POST /track/follow-up`: 追评, after the department's rectification.
pub(crate) async fn follow_up(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    payload: web::Payload,
) -> HttpResponse {
    submit(req, engine, request_id, payload, Kind::FollowUp).await
}

/// The department's answer to a bad rating or a complaint (整改答复), and the follow-up rating
/// form (追评) until it is given.
pub(crate) fn rectification(
    ctx: &Ctx,
    no: &str,
    code: &str,
    doc: &projections::rectifications::RectificationDoc,
) -> Markup {
    const SCORES: [(u8, &str, &str); 5] = [
        (5, "非常满意", "Very satisfied"),
        (4, "满意", "Satisfied"),
        (3, "基本满意", "Fair"),
        (2, "不满意", "Dissatisfied"),
        (1, "非常不满意", "Very dissatisfied"),
    ];
    html! {
        @if doc.open_since.is_some() {
            section aria-labelledby="h-rectification" id="rectification-pending" {
                h2 id="h-rectification" { (ctx.t("整改情况", "Rectification")) }
                p { (ctx.t(
                    "您的评价或投诉已转办理部门：部门将在 1 个工作日内回访，15 个工作日内整改并在此答复。",
                    "Your rating or complaint went to the department: it calls you back within 1 working day and answers here with its rectification within 15."
                )) }
            }
        }
        @if let Some(r) = &doc.rectification {
            section aria-labelledby="h-rectification-done" id="rectification" {
                h2 id="h-rectification-done" { (ctx.t("部门整改答复", "The department's reply")) }
                p class="muted" { (super::cst(r.at)) }
                blockquote id="rectification-reply" { (r.text) }
                @match doc.follow_up {
                    Some(score) => {
                        p id="follow-up-given" { (ctx.t("您的追评：", "Your follow-up rating: "))
                            (SCORES.iter().find(|s| s.0 == score).map(|s| ctx.t(s.1, s.2)).unwrap_or("")) }
                    }
                    None => {
                        form id="follow-up" method="post" action="/track/follow-up" class="stack" {
                            (ctx.lang_input())
                            input type="hidden" name="no" value=(no);
                            input type="hidden" name="code" value=(code);
                            fieldset {
                                legend { (ctx.t("对整改的追评（一次）", "Rate the rectification (once)")) }
                                @for (score, zh, en) in SCORES {
                                    label class="choice" {
                                        input type="radio" name="score" value=(score) required;
                                        " " (ctx.t(zh, en))
                                    }
                                }
                            }
                            div class="field" {
                                label for="follow-up-comment" { (ctx.t("意见（选填，500 字以内）", "Comment (optional, at most 500 characters)")) }
                                textarea id="follow-up-comment" name="comment" maxlength="500" rows="2" {}
                            }
                            button id="follow-up-submit" type="submit" { (ctx.t("提交追评", "Submit")) }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /track/rating`.
pub(crate) async fn rating(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    payload: web::Payload,
) -> HttpResponse {
    submit(req, engine, request_id, payload, Kind::Rating).await
}
