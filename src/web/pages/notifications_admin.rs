//! `GET /admin/notifications`: how the notifications to the department's applicants stand — sent,
//! waiting, failing — and each failing one with its error and next try, so a relay that is down
//! is seen (办理通知).
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::case::CaseId;
use maud::html;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Section, layout, respond_private};
use crate::engine::Engine;
use crate::follow::notifier::{mask_email, mask_mobile};

/// Failing notifications listed at most.
const LISTED: i64 = 200;

fn kind_words(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "received" => lang.t("已收到申请", "received"),
        "accepted" => lang.t("已受理", "accepted"),
        "supplement" => lang.t("需补正材料", "supplement needed"),
        "extended" => lang.t("办理期限延长", "limit extended"),
        "decided" => lang.t("已办结", "decided"),
        "document_ready" => lang.t("决定书已出具", "result document ready"),
        "withdrawn" => lang.t("已撤回/终止", "withdrawn"),
        "answered" => lang.t("咨询已答复", "question answered"),
        _ => lang.t("其他", "other"),
    }
}

/// `GET /admin/notifications`.
pub(crate) async fn page(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let (counts, failing) = match (
        engine.repo().outbox_counts().await,
        engine.repo().failing_notifications(LISTED).await,
    ) {
        (Ok(c), Ok(f)) => (c, f),
        (Err(e), _) | (_, Err(e)) => {
            return super::unavailable(&ctx, Section::Officer, e.into());
        }
    };
    // Only the department's own cases.
    let mut mine = Vec::new();
    for n in failing {
        let Some(id) = CaseId::parse(&n.case_id) else {
            continue;
        };
        if let Ok(Some((case, _))) = engine.load_case(&id).await {
            if case.department == signed.department() {
                mine.push((n, case.power_name));
            }
        } else if let Ok(Some(q)) = engine
            .reads_own()
            .department_question(signed.department(), &n.case_id)
            .await
        {
            // The answer to a question from the public.
            mine.push((n, q.power_name));
        }
    }
    let when = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .map(|t| super::cst(t.fixed_offset()))
            .unwrap_or_default()
    };
    let body = html! {
        (signed.bar(&ctx))
        h1 { (ctx.t("办理通知发送情况", "Notifications to applicants")) }
        dl class="facts summary" id="outbox-counts" {
            div { dt { (ctx.t("已发送", "Sent")) } dd id="sent" { (counts.sent) } }
            div { dt { (ctx.t("待发送", "Waiting")) } dd id="queued" { (counts.queued) } }
            div { dt { (ctx.t("发送失败、待重试", "Failing, to be retried")) } dd id="failing" { (counts.failing) } }
        }
        p class="hint" { (ctx.t(
            "通知按顺序自动重试（30 秒起逐次加倍，最长每 6 小时一次），办件本身不受影响。持续失败时请检查邮件中继（notifications.smtp_url）。",
            "Notifications are retried automatically (from 30 seconds, doubling, at most every 6 hours); the cases are not held up. If failures persist, check the mail relay (notifications.smtp_url)."
        )) }
        @if mine.is_empty() {
            p id="no-failures" { (ctx.t("本部门没有发送失败的通知。", "No failing notifications for your department.")) }
        } @else {
            div class="table-scroll" {
                table id="failing-notifications" {
                    caption { (ctx.t("发送失败的通知", "Failing notifications")) }
                    thead { tr {
                        th scope="col" { (ctx.t("办件或咨询编号", "Case or question number")) }
                        th scope="col" { (ctx.t("事项", "Power")) }
                        th scope="col" { (ctx.t("通知", "Notice")) }
                        th scope="col" { (ctx.t("发送方式", "Channel")) }
                        th scope="col" { (ctx.t("收件人", "To")) }
                        th scope="col" { (ctx.t("已尝试", "Tries")) }
                        th scope="col" { (ctx.t("最近错误", "Last error")) }
                        th scope="col" { (ctx.t("下次重试", "Next try")) }
                    } }
                    tbody {
                        @for (n, power) in &mine {
                            tr {
                                td { code { (n.case_id) } }
                                td { (power) }
                                td { (kind_words(ctx.lang, &n.kind)) }
                                td { @if n.channel == "email" { (ctx.t("电子邮件", "e-mail")) } @else { (ctx.t("短信", "text message")) } }
                                td { @if n.channel == "email" { (mask_email(&n.recipient)) } @else { (mask_mobile(&n.recipient)) } }
                                td { (n.attempts) }
                                td class="error-text" { (n.last_error.as_deref().unwrap_or("")) }
                                td { (when(n.next_attempt_at)) }
                            }
                        }
                    }
                }
            }
        }
    };
    respond_private(
        actix_web::http::StatusCode::OK,
        layout(Page {
            ctx: &ctx,
            title: ctx
                .t("办理通知发送情况", "Notifications to applicants")
                .to_string(),
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}
