//! 督办 in the console:
//!
//! - `POST /inspector/orders`: an inspector issues an order from an alert's card on the case
//!   file (what to do, working days); a refusal goes back to the card with what was typed;
//! - `GET /inspector/orders`: every order, waiting for a reply first;
//! - `GET /officer/orders`: the department's inbox (its officers and administrators);
//! - `GET /inspector/orders/{id}`, `GET /officer/orders/{id}`: an order with its history and
//!   the form its reader may use — the department's reply, the inspector's acceptance or
//!   return; `POST /officer/orders/{id}/reply`, `POST /inspector/orders/{id}/{accept|return}`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::case::china_date;
use aggregates::order::OrderStatus;
use maud::{Markup, html};
use projections::orders::{OrderDoc, OrderEntry};
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Section, cst, encode_component, layout, respond_private, ymd};
use crate::engine::Engine;
use crate::engine::orders::OrderCommandError;
use crate::queries::Directory;

fn status_words(
    lang: Lang,
    doc: &OrderDoc,
    today: chrono::NaiveDate,
) -> (&'static str, &'static str) {
    match doc.status {
        OrderStatus::AwaitingReply if doc.overdue_on(today) => {
            (lang.t("逾期未回复", "overdue"), "flag overdue")
        }
        OrderStatus::AwaitingReply if doc.round > 1 => (
            lang.t("退回重办，待回复", "returned, awaiting reply"),
            "flag due-soon",
        ),
        OrderStatus::AwaitingReply => (lang.t("待回复", "awaiting reply"), "flag due-soon"),
        OrderStatus::Replied => (lang.t("已回复，待审核", "replied, to be judged"), "badge"),
        OrderStatus::Closed => (lang.t("已办结", "closed"), "badge"),
        OrderStatus::New => (lang.t("未发出", "not issued"), "badge"),
    }
}

fn page(
    ctx: &Ctx,
    signed: &SignedIn,
    status: StatusCode,
    title: String,
    body: Markup,
) -> HttpResponse {
    let body = html! { (signed.bar(ctx)) (body) };
    respond_private(
        status,
        layout(Page {
            ctx,
            title,
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}

/// The path of order `id` for the reader's role.
fn order_path(signed: &SignedIn, id: &str) -> String {
    match signed.principal.claims.role {
        Role::Inspector => format!("/inspector/orders/{}", encode_component(id)),
        _ => format!("/officer/orders/{}", encode_component(id)),
    }
}

fn list_table(ctx: &Ctx, signed: &SignedIn, names: &Directory, list: &[OrderDoc]) -> Markup {
    let today = china_date(ctx.now);
    html! {
        @if list.is_empty() {
            p id="no-orders" class="muted" { (ctx.t("暂无督办。", "No supervision orders.")) }
        } @else {
            table id="orders" class="list" {
                thead { tr {
                    th scope="col" { (ctx.t("督办事项", "Order")) }
                    th scope="col" { (ctx.t("办件", "Case")) }
                    th scope="col" { (ctx.t("被督办部门", "Department")) }
                    th scope="col" { (ctx.t("回复期限", "Due")) }
                    th scope="col" { (ctx.t("状态", "Status")) }
                } }
                tbody {
                    @for o in list {
                        @let (words, class) = status_words(ctx.lang, o, today);
                        tr data-order=(o.id) {
                            td { a href=(ctx.link(&order_path(signed, &o.id))) { (first_instructions(o)) } }
                            td { (o.subject.case_id) br; span class="muted" { (o.subject.power_name) } }
                            td { (names.department(&o.subject.department)) }
                            td { @if let Some(d) = o.due { (ymd(d)) } }
                            td { span class=(class) { (words) } }
                        }
                    }
                }
            }
        }
    }
}

fn first_instructions(o: &OrderDoc) -> String {
    o.history
        .iter()
        .find_map(|e| match e {
            OrderEntry::Issued { instructions, .. } => {
                Some(instructions.chars().take(40).collect())
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// `GET /inspector/orders` and `GET /officer/orders`.
pub(crate) async fn list(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let inspector = req.path().starts_with("/inspector");
    let roles: &[Role] = if inspector {
        &[Role::Inspector]
    } else {
        &[Role::Officer, Role::Admin]
    };
    if let Err(p) = signed.require(&ctx, roles) {
        return p;
    }
    let reads = engine.reads_own();
    let department = (!inspector).then(|| signed.department().to_string());
    let list = match reads.orders(department.as_deref()).await {
        Ok(l) => l,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let names = reads.directory().await.unwrap_or_default();
    let title = ctx.t("督办", "Supervision orders");
    let body = html! {
        @if inspector {
            (super::inspector::subnav(&ctx))
        } @else {
            p class="breadcrumb" { a href=(ctx.link("/officer/worklist")) { (ctx.t("办件清单", "Worklist")) } }
        }
        h1 { (title) }
        @if !inspector {
            p class="hint" { (ctx.t(
                "纪检监察机关对本部门发出的督办：请在回复期限内说明情况并提出整改措施；逾期将升级为红牌预警。",
                "Orders from the inspectors to this department: reply with an explanation and the corrective action by the date; a late reply is escalated as a red alert."
            )) }
        }
        (list_table(&ctx, &signed, &names, &list))
    };
    page(&ctx, &signed, StatusCode::OK, title.to_string(), body)
}

/// What was typed into a refused form, shown again.
#[derive(Default)]
struct Typed {
    error: Option<String>,
    fields: Vec<(String, String)>,
}

impl Typed {
    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// `GET /inspector/orders/{id}` and `GET /officer/orders/{id}`.
pub(crate) async fn view(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    id: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    render(
        &ctx,
        &engine,
        &signed,
        &id,
        Typed::default(),
        StatusCode::OK,
    )
    .await
}

async fn render(
    ctx: &Ctx,
    engine: &Engine,
    signed: &SignedIn,
    id: &str,
    typed: Typed,
    status: StatusCode,
) -> HttpResponse {
    let inspector = signed.principal.claims.role == Role::Inspector;
    if let Err(p) = signed.require(ctx, &[Role::Inspector, Role::Officer, Role::Admin]) {
        return p;
    }
    let reads = engine.reads_own();
    let department = (!inspector).then(|| signed.department().to_string());
    let doc = match reads.order(id, department.as_deref()).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return super::message_page(
                ctx,
                StatusCode::NOT_FOUND,
                Section::Officer,
                ctx.t("未找到督办", "No such order"),
                ctx.t("没有这份督办单。", "There is no such supervision order."),
            );
        }
        Err(e) => return super::unavailable(ctx, Section::Officer, e),
    };
    let names = reads.directory().await.unwrap_or_default();
    let today = china_date(ctx.now);
    let (words, class) = status_words(ctx.lang, &doc, today);
    let done = ctx.params.get("done");
    let action = |verb: &str| {
        if inspector {
            format!("/inspector/orders/{}/{verb}", encode_component(&doc.id))
        } else {
            format!("/officer/orders/{}/{verb}", encode_component(&doc.id))
        }
    };
    let title = ctx.t("督办单", "Supervision order").to_string();
    let body = html! {
        p class="breadcrumb" {
            a href=(ctx.link(if inspector { "/inspector/orders" } else { "/officer/orders" })) { (ctx.t("督办", "Orders")) }
        }
        h1 { (title) }
        @if let Some(d) = done {
            p id="done" class="notice" role="status" { @match d {
                "reply" => (ctx.t("已回复，等待纪检监察机关审核。", "Replied; the inspectors will judge it.")),
                "accept" => (ctx.t("已认可回复，督办办结。", "The reply is accepted; the order is closed.")),
                "return" => (ctx.t("已退回重办。", "Returned.")),
                _ => (ctx.t("督办已发出。", "The order is issued.")),
            } }
        }
        @if let Some(e) = &typed.error { p id="error" class="error" role="alert" { (e) } }
        dl class="facts summary" {
            div { dt { (ctx.t("状态", "Status")) } dd id="order-status" { span class=(class) { (words) } } }
            div { dt { (ctx.t("被督办部门", "Department")) } dd { (names.department(&doc.subject.department)) } }
            div { dt { (ctx.t("事项", "Power")) } dd { (doc.subject.power_name) } }
            div { dt { (ctx.t("办件", "Case")) } dd {
                @if inspector { a href=(ctx.link(&format!("/inspector/cases/{}", encode_component(&doc.subject.case_id)))) { (doc.subject.case_id) } }
                @else { a href=(ctx.link(&format!("/officer/cases/{}", encode_component(&doc.subject.case_id)))) { (doc.subject.case_id) } }
            } }
            @if let Some(d) = doc.due { div { dt { (ctx.t("回复期限", "Reply by")) } dd id="order-due" { (ymd(d)) (ctx.t("（北京时间当日）", " (Beijing date)")) } } }
        }
        section aria-labelledby="h-history" {
            h2 id="h-history" { (ctx.t("办理经过", "History")) }
            ol id="order-history" class="timeline" {
                @for e in &doc.history { li { (entry(ctx, &names, e)) } }
            }
        }
        @if !inspector && doc.status == OrderStatus::AwaitingReply {
            form id="reply-form" method="post" action=(ctx.link(&action("reply"))) class="console-form" {
                (signed.csrf_input()) (ctx.lang_input())
                h2 { (ctx.t("回复督办", "Reply")) }
                div class="field" {
                    label for="explanation" { (ctx.t("情况说明", "Explanation")) }
                    textarea id="explanation" name="explanation" rows="4" maxlength="2000" required { (typed.get("explanation")) }
                }
                div class="field" {
                    label for="corrective-action" { (ctx.t("整改措施", "Corrective action")) }
                    textarea id="corrective-action" name="corrective_action" rows="4" maxlength="2000" required { (typed.get("corrective_action")) }
                }
                div class="actions" { button id="reply-submit" type="submit" { (ctx.t("提交回复", "Send the reply")) } }
            }
        }
        @if inspector && doc.status == OrderStatus::Replied {
            form id="accept-form" method="post" action=(ctx.link(&action("accept"))) class="console-form" {
                (signed.csrf_input()) (ctx.lang_input())
                h2 { (ctx.t("认可回复", "Accept the reply")) }
                div class="field" {
                    label for="note" { (ctx.t("意见（可不填）", "Note (optional)")) }
                    input id="note" name="note" type="text" maxlength="2000" value=(typed.get("note"));
                }
                div class="actions" { button id="accept-submit" type="submit" { (ctx.t("认可，督办办结", "Accept and close")) } }
            }
            form id="return-form" method="post" action=(ctx.link(&action("return"))) class="console-form" {
                (signed.csrf_input()) (ctx.lang_input())
                h2 { (ctx.t("退回重办", "Return")) }
                div class="field" {
                    label for="reason" { (ctx.t("退回理由", "Why")) }
                    textarea id="reason" name="reason" rows="3" maxlength="2000" required { (typed.get("reason")) }
                }
                div class="field" {
                    label for="return-days" { (ctx.t("重新给予的工作日", "Working days given again")) }
                    input id="return-days" name="limit_days" type="number" min="1" max="60" required
                        value=(if typed.get("limit_days").is_empty() { "5" } else { typed.get("limit_days") });
                }
                div class="actions" { button id="return-submit" type="submit" class="secondary" { (ctx.t("退回", "Return")) } }
            }
        }
    };
    page(ctx, signed, status, title, body)
}

fn entry(ctx: &Ctx, names: &Directory, e: &OrderEntry) -> Markup {
    html! {
        @match e {
            OrderEntry::Issued { instructions, limit_days, due, by, at } => {
                time { (cst(*at)) } " " strong { (ctx.t("发出督办", "Issued")) } " — " (names.person(by))
                p { (instructions) }
                p class="muted" { @match ctx.lang {
                    Lang::Zh => { (limit_days) " 个工作日内回复，期限 " (ymd(*due)) }
                    Lang::En => { "Reply within " (limit_days) " working days, by " (ymd(*due)) }
                } }
            }
            OrderEntry::Replied { explanation, corrective_action, late, by, at } => {
                time { (cst(*at)) } " " strong { (ctx.t("部门回复", "Reply")) } " — " (names.person(by))
                @if *late { " " span class="flag overdue" { (ctx.t("逾期回复", "late")) } }
                p { strong { (ctx.t("情况说明：", "Explanation: ")) } (explanation) }
                p { strong { (ctx.t("整改措施：", "Corrective action: ")) } (corrective_action) }
            }
            OrderEntry::Returned { reason, limit_days, due, by, at } => {
                time { (cst(*at)) } " " strong { (ctx.t("退回重办", "Returned")) } " — " (names.person(by))
                p { (reason) }
                p class="muted" { @match ctx.lang {
                    Lang::Zh => { (limit_days) " 个工作日内重新回复，期限 " (ymd(*due)) }
                    Lang::En => { "Reply again within " (limit_days) " working days, by " (ymd(*due)) }
                } }
            }
            OrderEntry::Accepted { note, by, at } => {
                time { (cst(*at)) } " " strong { (ctx.t("认可回复，办结", "Accepted, closed")) } " — " (names.person(by))
                @if let Some(n) = note { p { (n) } }
            }
        }
    }
}

/// The refusal in words; `None` when the store failed (logged), for a 503 page.
fn refusal(ctx: &Ctx, e: OrderCommandError) -> Option<String> {
    match e {
        OrderCommandError::Refused(cqrs_es::AggregateError::UserError(e)) => {
            Some(super::refusal_words(ctx.lang, &e))
        }
        OrderCommandError::Refused(cqrs_es::AggregateError::AggregateConflict) => Some(
            ctx.t(
                "督办单同时被他人处理，请刷新后重试。",
                "Someone acted on the order at the same moment; reload and try again.",
            )
            .to_string(),
        ),
        OrderCommandError::UnknownCase => {
            Some(ctx.t("没有这一办件。", "No such case.").to_string())
        }
        OrderCommandError::NoCalendar => Some(
            ctx.t(
                "工作日历不足以计算期限。",
                "The calendar cannot count that due date.",
            )
            .to_string(),
        ),
        OrderCommandError::Refused(e) => {
            tracing::error!(error = %e, "an order command failed");
            None
        }
        OrderCommandError::Load(e) => {
            tracing::error!(error = %e, "reading for an order command failed");
            None
        }
    }
}

fn days(text: &str) -> u32 {
    text.trim().parse().unwrap_or(0)
}

/// `POST /inspector/orders`: issue from an alert's card (`case`, `alert` in the form).
pub(crate) async fn issue(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let form = match signed.verify_post(&mut ctx, &body) {
        Ok(f) => f,
        Err(p) => return p,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let case = form.raw("case").to_string();
    let alert = form.get("alert").map(str::to_string);
    let issued = engine
        .issue_order(
            signed.principal.actor(),
            &case,
            alert.clone(),
            form.raw("instructions").to_string(),
            days(form.raw("limit_days")),
            signed.meta(&request_id),
        )
        .await;
    match issued {
        Ok(id) => super::redirect(&ctx.link(&format!(
            "/inspector/orders/{}?done=issue",
            encode_component(&id)
        ))),
        Err(e) => {
            let Some(message) = refusal(&ctx, e) else {
                return super::try_again_later(&ctx, Section::Officer);
            };
            let alert = alert.unwrap_or_default();
            let mut query = format!(
                "error={}&alert={}",
                encode_component(&message),
                encode_component(&alert)
            );
            for name in ["instructions", "limit_days"] {
                if let Some(v) = form.get(name) {
                    query.push_str(&format!("&{name}={}", encode_component(v)));
                }
            }
            let base = if aggregates::case::CaseId::parse(&case).is_some() {
                format!("/inspector/cases/{}", encode_component(&case))
            } else {
                "/inspector".to_string()
            };
            super::redirect(&format!(
                "{}#alert-{}",
                ctx.link(&format!("{base}?{query}")),
                encode_component(&alert)
            ))
        }
    }
}

/// `POST /officer/orders/{id}/reply` and `POST /inspector/orders/{id}/{accept|return}`.
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
    let (id, verb) = path.into_inner();
    let inspector_path = req.path().starts_with("/inspector");
    let actor = signed.principal.actor();
    let meta = signed.meta(&request_id);
    let result = match (inspector_path, verb.as_str()) {
        (false, "reply") => {
            if let Err(p) = signed.require(&ctx, &[Role::Officer, Role::Admin]) {
                return p;
            }
            engine
                .reply_to_order(
                    &id,
                    actor,
                    form.raw("explanation").to_string(),
                    form.raw("corrective_action").to_string(),
                    meta,
                )
                .await
        }
        (true, "accept") => {
            if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
                return p;
            }
            engine
                .accept_order_reply(&id, actor, form.get("note").map(str::to_string), meta)
                .await
        }
        (true, "return") => {
            if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
                return p;
            }
            engine
                .return_order_reply(
                    &id,
                    actor,
                    form.raw("reason").to_string(),
                    days(form.raw("limit_days")),
                    meta,
                )
                .await
        }
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
    match result {
        Ok(()) => super::redirect(&ctx.link(&format!(
            "{}?done={}",
            order_path(&signed, &id),
            encode_component(&verb)
        ))),
        Err(e) => {
            let Some(message) = refusal(&ctx, e) else {
                return super::try_again_later(&ctx, Section::Officer);
            };
            let fields = [
                "explanation",
                "corrective_action",
                "note",
                "reason",
                "limit_days",
            ]
            .iter()
            .map(|k| (k.to_string(), form.raw(k).to_string()))
            .collect();
            let typed = Typed {
                error: Some(message),
                fields,
            };
            render(
                &ctx,
                &engine,
                &signed,
                &id,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
