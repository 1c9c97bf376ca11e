//! 网上补正 on the tracking page: an open 补正 notice shown with everything it asks for, one
//! file field per item, and `POST /track/supplement` (multipart) answering it with the query code.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::CaseStatus;
use aggregates::refusal::Refusal;
use maud::{Markup, html};
use projections::public_case::PublicCaseView;
use tracing_actix_web::RequestId;

use super::{Ctx, Lang, Section, cst};
use crate::engine::Engine;
use crate::engine::application::{ApplyError, MAX_FILE_BYTES, Upload};
use crate::web::api::applications::{LIMITS, public_meta};
use crate::web::extract::read_parts;

/// The notice and its form, while the case waits for the answer.
pub(crate) fn section(ctx: &Ctx, v: &PublicCaseView, code: &str) -> Markup {
    let Some(s) = v.supplement.as_ref() else {
        return html! {};
    };
    if matches!(v.status, CaseStatus::Concluded | CaseStatus::Withdrawn) {
        return html! {};
    }
    html! {
        section id="supplement" aria-labelledby="h-supplement" class="notice" {
            h2 id="h-supplement" { (ctx.t("需要补正材料", "Materials to supplement")) }
            p {
                (ctx.t("承办部门于 ", "On ")) (cst(s.requested_at))
                (ctx.t(" 一次性告知需补正以下材料。补正期间暂停计时，提交后继续办理。",
                       " the department asked for the following, all at once. The clock stands still until you answer."))
            }
            form id="supplement-form" method="post" action="/track/supplement" enctype="multipart/form-data" class="stack" {
                (ctx.lang_input())
                input type="hidden" name="no" value=(v.tracking_no);
                input type="hidden" name="code" value=(code);
                @for (k, item) in s.items.iter().enumerate() {
                    div class="field" {
                        label for=(format!("item-{k}")) { (item.material) }
                        p class="hint" { (item.reason) }
                        input id=(format!("item-{k}")) name=(format!("item-{k}")) type="file" multiple
                            accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";
                    }
                }
                div class="field" {
                    label for="supplement-note" { (ctx.t("说明（选填，500 字以内）", "A note (optional, at most 500 characters)")) }
                    textarea id="supplement-note" name="note" rows="2" maxlength="500" {}
                }
                p class="hint" {
                    @match ctx.lang {
                        Lang::Zh => { "PDF、JPEG 或 PNG，单个文件不超过 " (MAX_FILE_BYTES / 1024 / 1024) " MB，PDF 不得设密码。" }
                        Lang::En => { "PDF, JPEG or PNG, at most " (MAX_FILE_BYTES / 1024 / 1024) " MB each, PDFs without a password." }
                    }
                }
                button id="supplement-submit" type="submit" { (ctx.t("提交补正材料", "Submit")) }
            }
        }
    }
}

/// `POST /track/supplement`.
pub(crate) async fn submit(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    payload: web::Payload,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let message = |status: StatusCode, title: &str, text: &str| {
        super::message_page(&ctx, status, Section::Track, title, text)
    };
    if crate::web::rate_limit::check_public_write(&req).is_err()
        || crate::web::rate_limit::check_public_lookup(&req).is_err()
    {
        return message(
            StatusCode::TOO_MANY_REQUESTS,
            ctx.t("提交过于频繁", "Too many submissions"),
            ctx.t("请稍后再试。", "Please try again later."),
        );
    }
    let parts = match read_parts(&req, payload, LIMITS).await {
        Ok(p) => p,
        Err(e) => {
            let status = match e {
                crate::web::extract::PartsError::NotMultipart => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::PAYLOAD_TOO_LARGE,
            };
            return message(
                status,
                ctx.t("未能提交", "Not submitted"),
                ctx.t(
                    "文件过大或过多（单个不超过 10 MB，合计不超过 30 MB），请返回后重新选择。",
                    "The files are too large or too many (10 MB each, 30 MB in all); go back and choose again.",
                ),
            );
        }
    };
    let mut fields = std::collections::HashMap::new();
    let mut files = Vec::new();
    for part in parts {
        if let Some(k) = part.name.strip_prefix("item-") {
            if part.bytes.is_empty() && part.file_name.as_deref().unwrap_or("").is_empty() {
                continue;
            }
            files.push((k.parse::<usize>().unwrap_or(usize::MAX), part));
        } else if part.file_name.is_none() {
            fields.insert(part.name, String::from_utf8_lossy(&part.bytes).into_owned());
        }
    }
    let field = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or("");
    let (no, code) = (field("no").to_string(), field("code").to_string());
    let not_found = || {
        message(
            StatusCode::NOT_FOUND,
            ctx.t("未找到办件", "No matching case"),
            ctx.t(
                "没有与该办件编号和查询码相符的办件。",
                "No case matches this tracking number and query code.",
            ),
        )
    };
    let doc = match engine.reads_own().verified_case(&no, &code).await {
        Ok(Some(doc)) => doc,
        Ok(None) => return not_found(),
        Err(e) => return super::unavailable(&ctx, Section::Track, e),
    };
    let (Some(id), Some(open)) = (
        aggregates::case::CaseId::parse(&doc.case.tracking_no),
        doc.case.supplement.as_ref(),
    ) else {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t("无需补正", "Nothing to supplement"),
            ctx.t(
                "该办件目前没有需要补正的材料。",
                "Nothing is asked to be supplemented for this case now.",
            ),
        );
    };
    let power = match engine
        .catalogue()
        .version_of(&doc.case.power_code, doc.case.power_version)
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => return super::unavailable(&ctx, Section::Track, e),
    };
    // Each file field is for one item of the notice; the item names the material.
    let uploads: Vec<Upload> = files
        .into_iter()
        .map(|(k, part)| Upload {
            material: open
                .items
                .get(k)
                .and_then(|item| {
                    power
                        .content
                        .materials
                        .iter()
                        .position(|m| m.name == item.material)
                })
                .unwrap_or(usize::MAX),
            file_name: part.file_name,
            declared_type: part.content_type,
            bytes: part.bytes,
        })
        .collect();
    let note = Some(field("note").to_string()).filter(|n| !n.is_empty());
    match engine
        .submit_supplement(&id, uploads, note, public_meta(&request_id))
        .await
    {
        Ok(_) => {
            let mut location = format!(
                "/track?no={}&code={}",
                super::encode_component(&no),
                super::encode_component(&code)
            );
            if ctx.lang == Lang::En {
                location.push_str("&lang=en");
            }
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
        Err(ApplyError::Invalid(problems)) => {
            let text = problems
                .iter()
                .map(|p| match ctx.lang {
                    Lang::Zh => p.message.clone(),
                    Lang::En => p.message_en.clone(),
                })
                .collect::<Vec<_>>()
                .join(ctx.t("；", "; "));
            message(
                StatusCode::UNPROCESSABLE_ENTITY,
                ctx.t("补正材料未提交", "Not submitted"),
                &format!(
                    "{text}{}",
                    ctx.t(
                        "。请返回后重新选择文件。",
                        ". Go back and choose the files again."
                    )
                ),
            )
        }
        // A second post of the same answer (a double click) met the first one.
        Err(ApplyError::Refused(cqrs_es::AggregateError::AggregateConflict)) => message(
            StatusCode::CONFLICT,
            ctx.t("补正材料已提交", "Already submitted"),
            ctx.t(
                "补正材料刚刚已经提交，请返回办件查询页面刷新查看。",
                "The materials were just submitted; go back to the tracking page and reload it.",
            ),
        ),
        Err(ApplyError::Refused(cqrs_es::AggregateError::UserError(e))) => message(
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t("补正材料未提交", "Not submitted"),
            &match ctx.lang {
                Lang::Zh => e.zh(),
                Lang::En => e.en(),
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "a supplement failed");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "补正材料未能保存，请稍后再试。",
                    "The files could not be saved. Please try again later.",
                ),
            )
        }
    }
}
