//! The administrators' calendar page (工作日历管理): which years are official, provisional or
//! missing; a year's notice uploaded as YAML, checked with every problem listed in the page's
//! language, previewed (its holidays, and the running cases whose due dates move and by how
//! much), then loaded into the store for every server of the deployment.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::calendar::{CalendarYear, WorkingCalendar, YearProblem};
use chrono::Datelike;
use maud::{Markup, html};

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Section, layout, redirect, respond_private, ymd};
use crate::engine::Engine;
use crate::queries::MovedDueDate;

/// Largest YAML accepted, in bytes.
const MAX_YAML: usize = 64 * 1024;

fn page(ctx: &Ctx, status: StatusCode, body: Markup) -> HttpResponse {
    respond_private(
        status,
        layout(Page {
            ctx,
            title: ctx.t("工作日历管理", "Working-day calendar").to_string(),
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}

/// The warning banner of the administrators' pages while a year that matters now is
/// provisional (this year, or next year from 1 November).
pub(crate) fn provisional_banner(ctx: &Ctx, engine: &Engine) -> Markup {
    let years = engine.provisional_warning();
    html! {
        @if !years.is_empty() {
            @let list = years.iter().map(i32::to_string).collect::<Vec<_>>().join(ctx.t("、", ", "));
            p class="warning" id="calendar-warning" role="status" {
                @match ctx.lang {
                    Lang::Zh => { "尚未导入国务院办公厅公布的" (list) "年节假日安排：涉及该年的期限按法定节假日预计，公布后请及时导入。" }
                    Lang::En => { "The State Council's holiday arrangements for " (list) " are not loaded: limits reaching into it are provisional. Load them once published." }
                }
                " "
                a href=(ctx.link("/admin/calendar")) { (ctx.t("工作日历管理", "Working-day calendar")) }
            }
        }
    }
}

fn problem_words(lang: Lang, problem: &YearProblem) -> String {
    match lang {
        Lang::Zh => problem.zh(),
        Lang::En => problem.to_string(),
    }
}

/// The year file, checked: the year and the calendar it would make, or every problem.
fn check(
    ctx: &Ctx,
    engine: &Engine,
    yaml: &str,
) -> Result<(CalendarYear, WorkingCalendar), Vec<String>> {
    if yaml.trim().is_empty() {
        return Err(vec![ctx.t("内容为空。", "The text is empty.").into()]);
    }
    if yaml.len() > MAX_YAML {
        return Err(vec![match ctx.lang {
            Lang::Zh => format!("内容过长（上限 {} KB）。", MAX_YAML / 1024),
            Lang::En => format!("The text is too long (at most {} KB).", MAX_YAML / 1024),
        }]);
    }
    let year = match CalendarYear::from_yaml(yaml) {
        Ok(year) => year,
        Err(_) => {
            return Err(vec![
                ctx.t(
                    "无法读取：须为一年的节假日安排（YAML，格式同内置的 2026.yaml：year、source、holidays）。",
                    "Not readable: one year's arrangements as YAML, in the shape of the built-in 2026.yaml (year, source, holidays).",
                )
                .into(),
            ]);
        }
    };
    engine
        .check_calendar_year(&year)
        .map(|calendar| (year.clone(), calendar))
        .map_err(|problems| {
            problems
                .iter()
                .map(|p| problem_words(ctx.lang, p))
                .collect()
        })
}

fn years_table(ctx: &Ctx, engine: &Engine) -> Markup {
    let calendar = engine.calendar();
    let first = calendar.covered_years().first().copied().unwrap_or(2024);
    let this_year = aggregates::case::china_date(engine.now()).year();
    html! {
        table id="calendar-years" {
            caption { (ctx.t("各年度工作日历", "Each year's calendar")) }
            thead { tr {
                th scope="col" { (ctx.t("年度", "Year")) }
                th scope="col" { (ctx.t("状态", "State")) }
                th scope="col" { (ctx.t("依据", "Source")) }
            } }
            tbody {
                @for year in first..=this_year + 2 {
                    tr id={ "year-" (year) } {
                        td { (year) }
                        @if let Some(data) = calendar.year(year) {
                            td class="official" { (ctx.t("已公布", "Official")) }
                            td {
                                (data.source.title)
                                @if let Some(no) = &data.source.document_no { "（" (no) "）" }
                            }
                        } @else if calendar.is_provisional(year) {
                            td class="provisional" { (ctx.t("预计", "Provisional")) }
                            td { (ctx.t("周末及《全国年节及纪念日放假办法》规定的法定节假日，未含调休", "Weekends and the statutory holidays of the national holiday measures, without swapped days")) }
                        } @else {
                            td class="missing" { (ctx.t("缺失", "Missing")) }
                            td { (ctx.t("无法计算涉及该年的期限", "Limits reaching into it cannot be computed")) }
                        }
                    }
                }
            }
        }
    }
}

fn upload_form(ctx: &Ctx, signed: &SignedIn, yaml: &str) -> Markup {
    html! {
        form id="calendar-upload" method="post" action=(ctx.link("/admin/calendar/check")) class="console-form" {
            (signed.csrf_input())
            (ctx.lang_input())
            div class="field" {
                label for="yaml" { (ctx.t("年度节假日安排（YAML）", "A year's arrangements (YAML)")) }
                p class="hint" id="yaml-hint" {
                    (ctx.t(
                        "依国务院办公厅通知逐日录入：year、source（标题、文号、发布日期、发文机关、原文网址）、holidays（名称、起止日期、调休上班日）。",
                        "Transcribed from the State Council General Office's notice: year, source (title, document number, date, publisher, the URL of the text), holidays (name, first and last day off, make-up workdays)."
                    ))
                }
                textarea id="yaml" name="yaml" rows="20" spellcheck="false" aria-describedby="yaml-hint" { (yaml) }
            }
            div class="actions" {
                button id="calendar-check" type="submit" { (ctx.t("校验并预览", "Check and preview")) }
            }
        }
    }
}

/// Every problem of an uploaded year, then the form again with what was typed.
fn problems_block(ctx: &Ctx, signed: &SignedIn, yaml: &str, problems: &[String]) -> Markup {
    html! {
        section id="calendar-problems" class="problems" role="alert" {
            h2 { (ctx.t("发现以下问题，未导入", "Problems found; nothing was loaded")) }
            ul { @for p in problems { li { (p) } } }
        }
        (upload_form(ctx, signed, yaml))
    }
}

fn moved_table(ctx: &Ctx, moved: &[MovedDueDate]) -> Markup {
    let date = |d: Option<chrono::NaiveDate>| d.map(ymd).unwrap_or_else(|| "—".into());
    html! {
        @if moved.is_empty() {
            p id="moved-none" { (ctx.t("没有在办案件的期限届满日因此改变。", "No running case's due date changes.")) }
        } @else {
            table id="moved" {
                caption {
                    @match ctx.lang {
                        Lang::Zh => { "导入后期限届满日改变的在办案件（" (moved.len()) " 项）" }
                        Lang::En => { "Running cases whose due dates change (" (moved.len()) ")" }
                    }
                }
                thead { tr {
                    th scope="col" { (ctx.t("办件编号", "Tracking number")) }
                    th scope="col" { (ctx.t("事项", "Power")) }
                    th scope="col" { (ctx.t("时限", "Limit")) }
                    th scope="col" { (ctx.t("现届满日", "Due now")) }
                    th scope="col" { (ctx.t("导入后", "Due after")) }
                    th scope="col" { (ctx.t("变化", "Change")) }
                } }
                tbody {
                    @for m in moved {
                        tr {
                            td { code { (m.tracking_no) } }
                            td { (m.power_name) }
                            td { @if m.limit == "statutory" { (ctx.t("法定时限", "Statutory")) } @else { (ctx.t("承诺时限", "Promised")) } }
                            td { (date(m.before)) }
                            td { (date(m.after)) }
                            td {
                                @match (m.calendar_days, ctx.lang) {
                                    (Some(d), Lang::Zh) if d > 0 => { "推后 " (d) " 天" }
                                    (Some(d), Lang::Zh) if d < 0 => { "提前 " (-d) " 天" }
                                    (Some(d), Lang::En) if d > 0 => { (d) " days later" }
                                    (Some(d), Lang::En) if d < 0 => { (-d) " days earlier" }
                                    _ => { "—" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /admin/calendar`.
pub(crate) async fn calendar_page(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let loaded = ctx.params.get("loaded").and_then(|y| y.parse::<i32>().ok());
    let body = html! {
        (signed.bar(&ctx))
        p class="breadcrumb" { a href=(ctx.link("/admin")) { (ctx.t("职权目录管理", "Catalogue")) } " › " (ctx.t("工作日历管理", "Working-day calendar")) }
        h1 { (ctx.t("工作日历管理", "Working-day calendar")) }
        @if let Some(year) = loaded {
            p class="notice" id="calendar-loaded" role="status" {
                @match ctx.lang {
                    Lang::Zh => { (year) " 年节假日安排已导入，所有在办案件的期限已按新安排计算。" }
                    Lang::En => { "The arrangements for " (year) " are loaded; every running case's limits now count with them." }
                }
            }
        }
        (provisional_banner(&ctx, &engine))
        (years_table(&ctx, &engine))
        h2 { (ctx.t("导入年度节假日安排", "Load a year's arrangements")) }
        (upload_form(&ctx, &signed, ""))
    };
    page(&ctx, StatusCode::OK, body)
}

/// `POST /admin/calendar/check`: every problem, or the year and the due dates it moves, with
/// a button to load it.
pub(crate) async fn check_page(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let form = match signed.verify_post(&mut ctx, &body) {
        Ok(f) => f,
        Err(p) => return p,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let yaml = form.raw("yaml").replace("\r\n", "\n");
    let (status, result) = match check(&ctx, &engine, &yaml) {
        Err(problems) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                (problems_block(&ctx, &signed, &yaml, &problems))
            },
        ),
        Ok((year, candidate)) => {
            let moved = match engine.calendar_preview(&candidate).await {
                Ok(m) => m,
                Err(e) => return super::unavailable(&ctx, Section::Officer, e),
            };
            (
                StatusCode::OK,
                html! {
                    section id="calendar-preview" {
                        h2 {
                            @match ctx.lang {
                                Lang::Zh => { (year.year) " 年：" (year.source.title) }
                                Lang::En => { (year.year) ": " (year.source.title) }
                            }
                        }
                        table id="holidays" {
                            thead { tr {
                                th scope="col" { (ctx.t("节日", "Holiday")) }
                                th scope="col" { (ctx.t("放假", "Days off")) }
                                th scope="col" { (ctx.t("调休上班", "Make-up workdays")) }
                            } }
                            tbody {
                                @for h in &year.holidays {
                                    tr {
                                        td { (h.name) }
                                        td { (ymd(h.from)) " — " (ymd(h.to)) }
                                        td { (h.make_up_workdays.iter().map(|d| ymd(*d)).collect::<Vec<_>>().join(ctx.t("、", ", "))) }
                                    }
                                }
                            }
                        }
                        (moved_table(&ctx, &moved))
                        form id="calendar-load" method="post" action=(ctx.link("/admin/calendar/load")) class="console-form" {
                            (signed.csrf_input())
                            (ctx.lang_input())
                            input type="hidden" name="yaml" value=(yaml);
                            div class="actions" {
                                button id="calendar-load-submit" type="submit" { (ctx.t("确认导入", "Load it")) }
                                " "
                                a href=(ctx.link("/admin/calendar")) { (ctx.t("取消", "Cancel")) }
                            }
                        }
                    }
                },
            )
        }
    };
    let body = html! {
        (signed.bar(&ctx))
        p class="breadcrumb" { a href=(ctx.link("/admin/calendar")) { (ctx.t("工作日历管理", "Working-day calendar")) } " › " (ctx.t("校验", "Check")) }
        h1 { (ctx.t("导入年度节假日安排", "Load a year's arrangements")) }
        (result)
    };
    page(&ctx, status, body)
}

/// `POST /admin/calendar/load`: checks again and loads.
pub(crate) async fn load(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let form = match signed.verify_post(&mut ctx, &body) {
        Ok(f) => f,
        Err(p) => return p,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let yaml = form.raw("yaml").replace("\r\n", "\n");
    match check(&ctx, &engine, &yaml) {
        Err(problems) => page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                (signed.bar(&ctx))
                h1 { (ctx.t("导入年度节假日安排", "Load a year's arrangements")) }
                (problems_block(&ctx, &signed, &yaml, &problems))
            },
        ),
        Ok((year, _)) => match engine
            .load_calendar_year(&year, &signed.principal.claims.sub)
            .await
        {
            Ok(()) => redirect(&ctx.link(&format!("/admin/calendar?loaded={}", year.year))),
            Err(e) => {
                tracing::error!(error = %e, "loading a calendar year failed");
                page(
                    &ctx,
                    StatusCode::SERVICE_UNAVAILABLE,
                    html! {
                        (signed.bar(&ctx))
                        p class="error" role="alert" { (ctx.t("暂时无法导入，请稍后再试。", "The year could not be loaded just now; please try again.")) }
                    },
                )
            }
        },
    }
}
