//! `GET /decisions` and `GET /decisions/{id}`: published penalty decisions (行政处罚决定公开).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use projections::decisions::PublishedDecision;

use super::{Ctx, Page, Section, cst, layout, respond, ymd};
use crate::engine::Engine;

const PER_PAGE: usize = 20;

fn page(ctx: &Ctx, status: StatusCode, title: String, body: Markup) -> HttpResponse {
    respond(
        status,
        layout(Page {
            ctx,
            title,
            section: Section::Decisions,
            keep_params: true,
            body,
        }),
    )
}

fn party_line(ctx: &Ctx, d: &PublishedDecision) -> Markup {
    html! {
        (d.party)
        @if d.party_is_person {
            " " span class="muted" { (ctx.t("（自然人，已隐去姓名）", "(a natural person, name withheld)")) }
        }
    }
}

/// `GET /decisions?page=N`.
pub(crate) async fn list(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if ctx.bad_query {
        return super::bad_query(&ctx, Section::Decisions);
    }
    let page_no = match ctx.params.get("page").map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if (1..=100_000).contains(&n) => n,
        Some(_) => return super::bad_query(&ctx, Section::Decisions),
    };
    let all = match engine.reads_own().published_decisions(None, false).await {
        Ok(all) => all,
        Err(e) => return super::unavailable(&ctx, Section::Decisions, e),
    };
    let pages = all.len().div_ceil(PER_PAGE).max(1);
    let shown: Vec<&PublishedDecision> = all
        .iter()
        .skip((page_no - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let title = ctx.t("行政处罚决定公开", "Published penalty decisions");
    let body = html! {
        h1 { (title) }
        p class="lead" {
            (ctx.t(
                "依照《中华人民共和国行政处罚法》第四十八条公开的行政处罚决定。当事人为自然人的，隐去姓名；不公开身份证件号码、住址和联系方式。决定被撤销的，撤回公开并说明理由。",
                "Penalty decisions published under art. 48 of the Administrative Penalty Law. \
                 Natural persons are not named; no ID number, address or contact is published. \
                 A revoked decision is withdrawn, with the reason."
            ))
        }
        @if shown.is_empty() {
            p id="no-decisions" class="muted" { (ctx.t("暂无公开的处罚决定。", "No decisions published yet.")) }
        } @else {
            table id="decisions" class="list" {
                caption class="visually-hidden" { (title) }
                thead { tr {
                    th scope="col" { (ctx.t("决定书文号", "Document number")) }
                    th scope="col" { (ctx.t("当事人", "Party")) }
                    th scope="col" { (ctx.t("处罚内容", "Penalty")) }
                    th scope="col" { (ctx.t("处罚机关", "Authority")) }
                    th scope="col" { (ctx.t("决定日期", "Decided")) }
                } }
                tbody {
                    @for d in &shown {
                        tr {
                            td { a href=(ctx.link(&format!("/decisions/{}", d.id))) { (d.document_no) } }
                            td { (party_line(&ctx, d)) }
                            td { (d.penalty) }
                            td { (d.authority) }
                            td { time datetime=(ymd(d.decided_on)) { (ymd(d.decided_on)) } }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav aria-label=(ctx.t("分页", "Pages")) class="pager" {
                    @if page_no > 1 {
                        a rel="prev" href=(ctx.link(&format!("/decisions?page={}", page_no - 1))) { (ctx.t("上一页", "Previous")) }
                    }
                    " " span { (page_no) " / " (pages) } " "
                    @if page_no < pages {
                        a rel="next" href=(ctx.link(&format!("/decisions?page={}", page_no + 1))) { (ctx.t("下一页", "Next")) }
                    }
                }
            }
        }
    };
    page(&ctx, StatusCode::OK, title.to_string(), body)
}

/// `GET /decisions/{id}`.
pub(crate) async fn detail(
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let decision = match engine.reads_own().published_decision(&id).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return super::message_page(
                &ctx,
                StatusCode::NOT_FOUND,
                Section::Decisions,
                ctx.t("未找到处罚决定", "No such decision"),
                ctx.t(
                    "没有这一公开的行政处罚决定。",
                    "No published decision has this address.",
                ),
            );
        }
        Err(e) => return super::unavailable(&ctx, Section::Decisions, e),
    };
    let d = &decision;
    let body = html! {
        p class="breadcrumb" {
            a href=(ctx.link("/decisions")) { (ctx.t("行政处罚决定公开", "Published penalty decisions")) }
        }
        h1 id="document-no" { (d.document_no) }
        @if let Some(w) = &d.withdrawn {
            p id="withdrawn" class="error" role="status" {
                (ctx.t("该处罚决定已撤销，公开信息已撤回。撤回理由：", "This decision was revoked and its publication withdrawn. Reason: "))
                (w.reason) " (" (cst(w.at)) ")"
            }
            dl class="facts" {
                div { dt { (ctx.t("处罚机关", "Authority")) } dd { (d.authority) } }
            }
        } @else {
            dl class="facts" id="decision" {
                div { dt { (ctx.t("当事人", "Party")) } dd id="party" { (party_line(&ctx, d)) } }
                div { dt { (ctx.t("违法事实", "Violation")) } dd id="violation" { (d.violation) } }
                div { dt { (ctx.t("处罚内容", "Penalty")) } dd id="penalty" { (d.penalty) } }
                div { dt { (ctx.t("处罚依据（事项）", "Power")) } dd {
                    a href=(ctx.link(&format!("/powers/{}", d.power_code))) { (d.power_name) }
                } }
                div { dt { (ctx.t("处罚机关", "Authority")) } dd { (d.authority) } }
                div { dt { (ctx.t("决定日期", "Decided")) } dd { (ymd(d.decided_on)) } }
                div { dt { (ctx.t("公开时间", "Published")) } dd { (cst(d.published_at)) } }
            }
        }
    };
    page(&ctx, StatusCode::OK, d.document_no.clone(), body)
}
