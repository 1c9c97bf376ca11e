//! 抽查 in the inspector's desk: `GET /inspector/spot-checks` (the draw form and every spot
//! check), `POST /inspector/spot-checks` (draw), `GET /inspector/spot-checks/{id}` (the sample,
//! the seed and the population's fingerprint, whether the draw reproduces, and a finding form
//! per case), `POST /inspector/spot-checks/{id}/findings`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::spot_check::SpotFinding;
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Page, Section, cst, encode_component, layout, respond_private, ymd};
use crate::engine::Engine;
use crate::engine::spot_checks::SpotCheckCommandError;

fn page(
    ctx: &Ctx,
    signed: &SignedIn,
    status: StatusCode,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let body = html! {
        (signed.bar(ctx))
        (super::inspector::subnav(ctx))
        (body)
    };
    respond_private(
        status,
        layout(Page {
            ctx,
            title: title.to_string(),
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}

fn finding_words(ctx: &Ctx, f: SpotFinding) -> &'static str {
    match f {
        SpotFinding::Compliant => ctx.t("规范", "compliant"),
        SpotFinding::Deficient => ctx.t("存在问题", "deficient"),
    }
}

fn refusal(ctx: &Ctx, e: SpotCheckCommandError) -> Option<String> {
    match e {
        SpotCheckCommandError::Refused(cqrs_es::AggregateError::UserError(e)) => {
            Some(super::refusal_words(ctx.lang, &e))
        }
        SpotCheckCommandError::Refused(e) => {
            tracing::error!(error = %e, "a spot check command failed");
            None
        }
        SpotCheckCommandError::Load(e) => {
            tracing::error!(error = %e, "reading a spot check's population failed");
            None
        }
    }
}

/// `GET /inspector/spot-checks`.
pub(crate) async fn list(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let reads = engine.reads_own();
    let checks = match reads.spot_checks(None).await {
        Ok(c) => c,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let names = reads.directory().await.unwrap_or_default();
    let today = ctx.now.date_naive();
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let error = ctx.params.get("error");
    let value =
        |name: &str, default: String| ctx.params.get(name).map(str::to_string).unwrap_or(default);
    let title = ctx.t("抽查", "Spot checks");
    let body = html! {
        h1 { (title) }
        p class="hint" { (ctx.t(
            "从部门在期间内办结的办件中随机抽取样本。抽样按“种子:办件编号”的 SHA-256 值从小到大排序取前若干件，种子与全部办件的指纹一并记录，任何人可据此复现。",
            "A random sample of the department's cases concluded in the period: ranked by SHA-256 of “seed:tracking number”, lowest first. The seed and the population's fingerprint are recorded, so anyone can reproduce the draw."
        )) }
        @if let Some(e) = error { p id="error" class="error" role="alert" { (e) } }
        form id="draw-form" method="post" action=(ctx.link("/inspector/spot-checks")) class="filters" {
            (signed.csrf_input()) (ctx.lang_input())
            div class="field" {
                label for="sc-department" { (ctx.t("部门", "Department")) }
                select id="sc-department" name="department" required {
                    @for (id, name) in names.departments() {
                        option value=(id) selected[ctx.params.get("department") == Some(id)] { (name) }
                    }
                }
            }
            div class="field" { label for="sc-from" { (ctx.t("办结起始日", "Concluded from")) } input id="sc-from" name="from" type="date" required value=(value("from", ymd(first))); }
            div class="field" { label for="sc-to" { (ctx.t("办结截止日", "Concluded to")) } input id="sc-to" name="to" type="date" required value=(value("to", ymd(today))); }
            div class="field" { label for="sc-size" { (ctx.t("抽取件数", "Cases to draw")) } input id="sc-size" name="size" type="number" min="1" max="200" required value=(value("size", "5".into())); }
            div class="field" { label for="sc-seed" { (ctx.t("种子（不填则随机）", "Seed (random if empty)")) } input id="sc-seed" name="seed" type="text" inputmode="numeric" maxlength="20" value=(value("seed", String::new())); }
            div class="actions" { button id="draw-submit" type="submit" { (ctx.t("抽取样本", "Draw")) } }
        }
        @if checks.is_empty() {
            p id="no-checks" class="muted" { (ctx.t("尚无抽查。", "No spot checks yet.")) }
        } @else {
            table id="spot-checks" class="list" {
                thead { tr {
                    th scope="col" { (ctx.t("抽查时间", "Drawn")) }
                    th scope="col" { (ctx.t("部门", "Department")) }
                    th scope="col" { (ctx.t("期间", "Period")) }
                    th scope="col" { (ctx.t("样本 / 总数", "Sample / population")) }
                    th scope="col" { (ctx.t("已检查", "Checked")) }
                } }
                tbody {
                    @for c in &checks {
                        tr data-check=(c.id) {
                            td { a href=(ctx.link(&format!("/inspector/spot-checks/{}", encode_component(&c.id)))) { @if let Some(at) = c.at { (cst(at)) } } }
                            td { (names.department(&c.department)) }
                            td { @if let (Some(f), Some(t)) = (c.from, c.to) { (ymd(f)) " – " (ymd(t)) } }
                            td { (c.cases.len()) " / " (c.population_count) }
                            td { (c.cases.iter().filter(|x| x.finding.is_some()).count()) }
                        }
                    }
                }
            }
        }
    };
    page(&ctx, &signed, StatusCode::OK, title, body)
}

/// `POST /inspector/spot-checks`.
pub(crate) async fn draw(
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
    let back = |message: &str| {
        let mut query = format!("error={}", encode_component(message));
        for k in ["department", "from", "to", "size", "seed"] {
            if let Some(v) = form.get(k) {
                query.push_str(&format!("&{k}={}", encode_component(v)));
            }
        }
        super::redirect(&ctx.link(&format!("/inspector/spot-checks?{query}")))
    };
    let department = form.raw("department").to_string();
    if !aggregates::power::is_valid_department_id(&department) {
        return back(ctx.t("请选择部门。", "Choose a department."));
    }
    let (Ok(from), Ok(to)) = (
        form.raw("from").parse::<NaiveDate>(),
        form.raw("to").parse::<NaiveDate>(),
    ) else {
        return back(ctx.t("日期格式有误。", "A date is not a date."));
    };
    let size = form.raw("size").trim().parse::<u32>().unwrap_or(0);
    let seed = match form.get("seed") {
        None => None,
        Some(s) => match s.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => return back(ctx.t("种子须为非负整数。", "The seed is a whole number.")),
        },
    };
    match engine
        .draw_spot_check(
            signed.principal.actor(),
            &department,
            from,
            to,
            size,
            seed,
            signed.meta(&request_id),
        )
        .await
    {
        Ok(id) => {
            super::redirect(&ctx.link(&format!("/inspector/spot-checks/{}", encode_component(&id))))
        }
        Err(e) => match refusal(&ctx, e) {
            Some(message) => back(&message),
            None => super::try_again_later(&ctx, Section::Officer),
        },
    }
}

/// `GET /inspector/spot-checks/{id}`.
pub(crate) async fn view(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    id: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let reads = engine.reads_own();
    let v = match reads.spot_check(&id).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return super::message_page(
                &ctx,
                StatusCode::NOT_FOUND,
                Section::Officer,
                ctx.t("未找到抽查", "No such spot check"),
                ctx.t("没有这次抽查。", "There is no such spot check."),
            );
        }
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let names = reads.directory().await.unwrap_or_default();
    let c = &v.check;
    let error = ctx.params.get("error");
    let title = ctx.t("抽查样本", "Spot check");
    let body = html! {
        h1 { (title) }
        @if let Some(e) = error { p id="error" class="error" role="alert" { (e) } }
        dl class="facts summary" {
            div { dt { (ctx.t("部门", "Department")) } dd { (names.department(&c.department)) } }
            div { dt { (ctx.t("办结期间", "Concluded in")) } dd { @if let (Some(f), Some(t)) = (c.from, c.to) { (ymd(f)) " – " (ymd(t)) } } }
            div { dt { (ctx.t("抽取 / 总数", "Drawn / population")) } dd { (c.cases.len()) " / " (c.population_count) } }
            div { dt { (ctx.t("种子", "Seed")) } dd id="seed" { code { (c.seed) } } }
            div { dt { (ctx.t("全部办件指纹（SHA-256）", "Population fingerprint (SHA-256)")) } dd { code class="hash" { (c.population_sha256) } } }
            div { dt { (ctx.t("复现", "Reproduced")) } dd id="reproduced" {
                @if v.reproduction.matches { span class="badge" { (ctx.t("按种子重新抽取，结果一致", "drawn again from the seed: the same")) } }
                @else { strong class="flag overdue" { (ctx.t("按种子重新抽取，结果不一致", "drawn again from the seed: different")) } }
            } }
            div { dt { (ctx.t("抽查人", "Drawn by")) } dd { (names.person(&c.by)) @if let Some(at) = c.at { " · " (cst(at)) } } }
        }
        table id="sample" class="list" {
            thead { tr {
                th scope="col" { (ctx.t("序号", "No.")) }
                th scope="col" { (ctx.t("办件", "Case")) }
                th scope="col" { (ctx.t("检查结论", "Finding")) }
            } }
            tbody {
                @for (i, s) in c.cases.iter().enumerate() {
                    tr data-case=(s.case_id) {
                        td { (i + 1) }
                        td { a href=(ctx.link(&format!("/inspector/cases/{}", encode_component(&s.case_id)))) { (s.case_id) } }
                        td {
                            @match s.finding {
                                Some(f) => {
                                    strong { (finding_words(&ctx, f)) }
                                    @if let Some(n) = &s.note { "：" (n) }
                                    @if let Some(by) = &s.by { " " span class="muted" { "（" (names.person(by)) "）" } }
                                }
                                None => {
                                    form method="post" action=(ctx.link(&format!("/inspector/spot-checks/{}/findings", encode_component(&c.id)))) class="inline finding-form" {
                                        (signed.csrf_input()) (ctx.lang_input())
                                        input type="hidden" name="case_id" value=(s.case_id);
                                        label class="choice" { input type="radio" name="finding" value="compliant" required; " " (ctx.t("规范", "Compliant")) }
                                        label class="choice" { input type="radio" name="finding" value="deficient" required; " " (ctx.t("存在问题", "Deficient")) }
                                        label for={ "note-" (s.case_id) } class="visually-hidden" { (ctx.t("问题说明", "Note")) }
                                        input id={ "note-" (s.case_id) } name="note" type="text" maxlength="2000" placeholder=(ctx.t("问题说明（存在问题时必填）", "Note (required if deficient)"));
                                        button type="submit" { (ctx.t("记录", "Record")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&ctx, &signed, StatusCode::OK, title, body)
}

/// `POST /inspector/spot-checks/{id}/findings`.
pub(crate) async fn finding(
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
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let path = format!("/inspector/spot-checks/{}", encode_component(&id));
    let finding = match form.get("finding") {
        Some("compliant") => SpotFinding::Compliant,
        Some("deficient") => SpotFinding::Deficient,
        _ => {
            let message = ctx.t("请选择检查结论。", "Choose a finding.");
            return super::redirect(
                &ctx.link(&format!("{path}?error={}", encode_component(message))),
            );
        }
    };
    match engine
        .record_spot_finding(
            &id,
            signed.principal.actor(),
            form.raw("case_id").to_string(),
            finding,
            form.get("note").map(str::to_string),
            signed.meta(&request_id),
        )
        .await
    {
        Ok(()) => super::redirect(&ctx.link(&path)),
        Err(e) => match refusal(&ctx, e) {
            Some(message) => {
                super::redirect(&ctx.link(&format!("{path}?error={}", encode_component(&message))))
            }
            None => super::try_again_later(&ctx, Section::Officer),
        },
    }
}
