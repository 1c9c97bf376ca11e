//! 决定书 on the web: the applicant's printable page and PDF (`/track/result`,
//! `/track/result.pdf`, with the query code), and 文书核验 (`/verify`) for anyone holding a
//! copy.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::{CaseEvent, CaseId};
use maud::{Markup, html};

use super::{Ctx, Page, Section, cst, layout, respond_private};
use crate::engine::Engine;
use crate::engine::document::{Facts, compose};
use crate::engine::pdf::Block;

/// A document's blocks as HTML.
pub(crate) fn blocks_html(blocks: &[Block]) -> Markup {
    html! {
        article class="document" id="document" lang="zh-CN" {
            @for block in blocks {
                @match block {
                    Block::Title(t) => { h2 class="doc-title" { (t) } }
                    Block::Centered(t) => { p class="doc-center" { (t) } }
                    Block::Paragraph(t) => { p class="doc-para" { (t) } }
                    Block::Plain(t) => { p class="doc-plain" { (t) } }
                    Block::Right(t) => { p class="doc-right" { (t) } }
                    Block::Small(t) => { p class="doc-small" { (t) } }
                    Block::Gap => { div class="doc-gap" {} }
                }
            }
        }
    }
}

fn page(ctx: &Ctx, status: StatusCode, title: String, body: Markup) -> HttpResponse {
    respond_private(
        status,
        layout(Page {
            ctx,
            title,
            section: Section::Track,
            keep_params: false,
            body,
        }),
    )
}

fn link(path: &str, no: &str, code: &str, ctx: &Ctx) -> String {
    format!(
        "{path}?no={}&code={}&lang={}",
        super::encode_component(no),
        super::encode_component(code),
        ctx.lang.code()
    )
}

/// The number and code asked for, after the lookup limit; or the page to answer instead.
#[allow(clippy::result_large_err)] // a page answered instead, built once per request
fn asked<'a>(req: &HttpRequest, ctx: &'a Ctx) -> Result<(&'a str, &'a str), HttpResponse> {
    if ctx.bad_query {
        return Err(super::bad_query(ctx, Section::Track));
    }
    let (Some(no), Some(code)) = (ctx.params.get("no"), ctx.params.get("code")) else {
        return Err(super::track::not_found(ctx));
    };
    if let Err(wait) = crate::web::rate_limit::check_public_lookup(req) {
        return Err(super::track::too_many_lookups(ctx, wait));
    }
    Ok((no, code))
}

fn not_issued(ctx: &Ctx, no: &str, code: &str) -> HttpResponse {
    let body = html! {
        h1 id="no-document" { (ctx.t("决定书尚未出具", "No result document yet")) }
        p {
            (ctx.t(
                "办件作出决定后，本页提供决定书的查看、打印和下载。办件撤回等不作出决定的，不出具决定书。",
                "Once the case is decided, its result document can be read, printed and downloaded here. \
                 A withdrawn case has none."
            ))
        }
        p { a href=(link("/track", no, code, ctx)) { (ctx.t("返回办理进度", "Back to the case")) } }
    };
    page(
        ctx,
        StatusCode::NOT_FOUND,
        ctx.t("决定书尚未出具", "No result document yet").into(),
        body,
    )
}

/// `GET /track/result?no=&code=`: the document, the party masked, with its PDF to download.
pub(crate) async fn document_page(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let (no, code) = match asked(&req, &ctx) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let doc = match engine.reads_own().verified_case(no, code).await {
        Ok(Some(doc)) => doc,
        Ok(None) => return super::track::not_found(&ctx),
        Err(e) => return super::unavailable(&ctx, Section::Track, e),
    };
    let Some(issued) = doc.case.result_document.clone() else {
        return not_issued(&ctx, no, code);
    };
    let Some(case_id) = CaseId::parse(&doc.case.tracking_no) else {
        return super::track::not_found(&ctx);
    };
    let loaded = match engine.load_case(&case_id).await {
        Ok(Some((_, stored))) => stored,
        Ok(None) => return super::track::not_found(&ctx),
        Err(e) => return super::unavailable(&ctx, Section::Track, e),
    };
    let events: Vec<CaseEvent> = loaded
        .iter()
        .filter_map(|e| serde_json::from_value(e.payload.clone()).ok())
        .collect();
    let power = match engine
        .catalogue()
        .version_of(&doc.case.power_code, doc.case.power_version)
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => return not_issued(&ctx, no, code),
        Err(e) => return super::unavailable(&ctx, Section::Track, e),
    };
    let reasons = crate::engine::document::concluding_note(&events);
    let verify_url = engine.notify().verify_url();
    let composed = compose(&Facts {
        case: &doc.case,
        power: &power,
        title: &issued.title,
        reasons: reasons.as_deref(),
        issued_at: issued.issued_at,
        verify_url: verify_url.as_deref(),
        masked: true,
    });
    let body = html! {
        p class="breadcrumb no-print" {
            a href=(link("/track", no, code, &ctx)) { (ctx.t("办理进度", "The case")) }
        }
        h1 { (issued.title) }
        p class="actions no-print" {
            a class="button-link" id="download-pdf" href=(link("/track/result.pdf", no, code, &ctx)) download {
                (ctx.t("下载决定书（PDF）", "Download the document (PDF)"))
            }
        }
        p class="hint no-print" {
            (ctx.t(
                "本页为决定书的网页版，申请人身份信息已部分隐去；完整的决定书以 PDF 文件为准，可下载打印。",
                "This is the web version of the document, with the applicant's details partly hidden; \
                 the PDF is the complete document, to download and print."
            ))
        }
        (blocks_html(&composed.blocks))
        section class="no-print" aria-labelledby="h-check" {
            h2 id="h-check" { (ctx.t("真伪核验", "Checking it")) }
            dl class="facts" {
                div { dt { (ctx.t("出具时间", "Issued")) } dd { (cst(issued.issued_at)) } }
                div {
                    dt { (ctx.t("文件摘要（SHA-256）", "File digest (SHA-256)")) }
                    dd { code class="digest" id="document-sha256" { (issued.sha256) } }
                }
            }
            p {
                (ctx.t(
                    "摘要值已记入透明日志。任何人可在",
                    "The digest is in the transparency log. Anyone can check a copy on the "
                ))
                a href=(format!("/verify?lang={}", ctx.lang.code())) { (ctx.t("文书核验", "document check")) }
                (ctx.t("页面上传文件核对真伪。", " page by uploading it."))
            }
        }
    };
    page(&ctx, StatusCode::OK, issued.title.clone(), body)
}

/// `GET /track/result.pdf?no=&code=`: the PDF as issued.
pub(crate) async fn document_pdf(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let (no, code) = match asked(&req, &ctx) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match engine.reads_own().result_document_file(no, code).await {
        Ok(Some(Some((issued, bytes)))) => {
            crate::web::api::documents::pdf_response(no, &issued.sha256, bytes)
        }
        Ok(Some(None)) => not_issued(&ctx, no, code),
        Ok(None) => super::track::not_found(&ctx),
        Err(e) => super::unavailable(&ctx, Section::Track, e),
    }
}

fn verify_form(ctx: &Ctx, no: &str) -> Markup {
    html! {
        form id="verify" method="post" action=(format!("/verify?lang={}", ctx.lang.code())) enctype="multipart/form-data" {
            div class="field" {
                label for="verify-no" { (ctx.t("决定书编号", "Document number")) }
                input id="verify-no" name="tracking_no" type="text" value=(no) maxlength="64"
                    autocomplete="off" autocapitalize="characters" spellcheck="false" required
                    aria-describedby="verify-no-hint";
                p id="verify-no-hint" class="hint" {
                    (ctx.t("决定书标题下方“编号：”后的内容，如 YG20261207ABCDEFGH。",
                           "Printed under the title after 编号, e.g. YG20261207ABCDEFGH."))
                }
            }
            div class="field" {
                label for="verify-file" { (ctx.t("决定书文件（PDF）", "The document's file (PDF)")) }
                input id="verify-file" name="file" type="file" accept=".pdf,application/pdf" required;
            }
            div class="actions" {
                button id="verify-submit" type="submit" { (ctx.t("核验", "Check")) }
            }
        }
    }
}

fn verify_page(ctx: &Ctx, status: StatusCode, outcome: Option<Markup>, no: &str) -> HttpResponse {
    let body = html! {
        h1 { (ctx.t("文书核验", "Check a document")) }
        p class="lead" {
            (ctx.t(
                "上传本系统出具的决定书 PDF 文件并填写其编号，核对文件是否与出具时完全一致。核验不需要查询码，结果不显示当事人信息。",
                "Upload a result document this service issued and give its number to check that the \
                 file is exactly as issued. No query code is needed, and the answer never shows who it \
                 was issued to."
            ))
        }
        @if let Some(o) = outcome { (o) }
        (verify_form(ctx, no))
    };
    respond_private(
        status,
        layout(Page {
            ctx,
            title: ctx.t("文书核验", "Check a document").into(),
            section: Section::Track,
            keep_params: false,
            body,
        }),
    )
}

/// `GET /verify`: the form.
pub(crate) async fn verify_get(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    verify_page(&ctx, StatusCode::OK, None, "")
}

/// `POST /verify`: the check, shown above the form.
pub(crate) async fn verify_post(
    req: HttpRequest,
    engine: web::Data<Engine>,
    payload: web::Payload,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(wait) = crate::web::rate_limit::check_public_lookup(&req) {
        return super::track::too_many_lookups(&ctx, wait);
    }
    let checked = crate::web::api::documents::read_check(&req, payload)
        .await
        .and_then(|mut input| {
            // People type the number as they read it: small letters and spaces are forgiven.
            input.tracking_no = input
                .tracking_no
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase();
            if crate::web::api::documents::is_tracking_number(&input.tracking_no) {
                Ok(input)
            } else {
                Err(crate::web::api::documents::NOT_A_NUMBER)
            }
        });
    let input = match checked {
        Ok(input) => input,
        Err((status, _, zh, en)) => {
            let outcome =
                html! { p class="error" role="alert" id="verify-error" { (ctx.t(zh, en)) } };
            return verify_page(&ctx, status, Some(outcome), "");
        }
    };
    let no: String = input
        .tracking_no
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let check = match engine
        .reads_own()
        .check_document(&input.tracking_no, &input.sha256)
        .await
    {
        Ok(c) => c,
        Err(e) => return super::unavailable(&ctx, Section::Track, e),
    };
    let outcome = match &check.document {
        Some(d) if check.authentic => html! {
            div class="ok-note verify-outcome" role="status" id="verify-authentic" {
                p { strong { (ctx.t("✓ 真实有效", "✓ Authentic")) } }
                p {
                    @match ctx.lang {
                        super::Lang::Zh => {
                            "这份文件与" (d.department_name) "于" (cst(d.issued_at)) "出具的《" (d.title) "》完全一致。"
                        }
                        super::Lang::En => {
                            "This file is exactly the “" (d.title) "” issued by " (d.department_name) " on " (cst(d.issued_at)) "."
                        }
                    }
                }
                dl class="facts" {
                    div { dt { (ctx.t("编号", "Number")) } dd { (d.tracking_no) } }
                    div { dt { (ctx.t("事项", "Power")) } dd { (d.power_name) } }
                    @if let Some(r) = &d.result {
                        div { dt { (ctx.t("办理结果", "Decision")) } dd { (r) } }
                    }
                    div { dt { (ctx.t("文件摘要（SHA-256）", "Digest (SHA-256)")) } dd { code class="digest" { (check.sha256) } } }
                }
            }
        },
        _ => html! {
            div class="error verify-outcome" role="alert" id="verify-not-authentic" {
                p { strong { (ctx.t("✗ 未能核验", "✗ Not confirmed")) } }
                p {
                    (ctx.t(
                        "没有与该编号相符的决定书，或文件与出具时不一致（已被改动、重新保存或扫描）。请核对编号，并上传从本系统下载的原始 PDF 文件。",
                        "No document matches this number, or the file differs from the one issued (changed, \
                         saved again or scanned). Check the number and upload the PDF as downloaded from this service."
                    ))
                }
            }
        },
    };
    verify_page(&ctx, StatusCode::OK, Some(outcome), &no)
}
