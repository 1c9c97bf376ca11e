//! `GET /statistics` (and `.csv`): 统计公开 (考核评价公开), the figures of a period per department
//! and power, with charts, a CSV download and how each figure is counted.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, PreEscaped, html};
use projections::statistics::Figures;

use super::{Ctx, Page, Section, layout, respond};
use crate::engine::Engine;
use crate::queries::{Directory, Month};
use crate::web::api::statistics::StatisticsQuery;

fn page(ctx: &Ctx, status: StatusCode, title: String, body: Markup) -> HttpResponse {
    respond(
        status,
        layout(Page {
            ctx,
            title,
            section: Section::Statistics,
            keep_params: true,
            body,
        }),
    )
}

/// The choice of a department by name (全部部门 first), `selected` chosen.
pub(super) fn department_field(ctx: &Ctx, names: &Directory, selected: Option<&str>) -> Markup {
    html! {
        div class="field" {
            label for="department" { (ctx.t("部门", "Department")) }
            select id="department" name="department" {
                option value="" { (ctx.t("全部部门", "All departments")) }
                @for (id, name) in names.departments() {
                    option value=(id) selected[selected == Some(id)] { (name) }
                }
            }
        }
    }
}

/// The query parameter `name`, absent when empty.
pub(super) fn field<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.params.get(name).filter(|v| !v.is_empty())
}

/// The query string of a department and a period or year: `{first}` then `&department=…`.
pub(super) fn with_department(first: String, department: Option<&str>) -> String {
    match department {
        Some(d) => format!("{first}&department={d}"),
        None => first,
    }
}

/// The filter of the page's query: department, `from` and `to` (empty fields are absent).
fn query(ctx: &Ctx) -> Result<StatisticsQuery, ()> {
    let field = |name: &str| field(ctx, name);
    let month = |name: &str| -> Result<Option<Month>, ()> {
        field(name)
            .map(|v| v.parse::<Month>().map_err(|_| ()))
            .transpose()
    };
    Ok(StatisticsQuery {
        department: field("department").map(str::to_string),
        from: month("from")?,
        to: month("to")?,
    })
}

fn rate(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
}

fn days(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

/// The figures `f`, as a definition list (two columns on a phone); `id` names the list.
fn summary(ctx: &Ctx, f: &Figures, id: Option<&str>) -> Markup {
    html! {
        dl class="facts figures" id=[id] {
            div { dt { (ctx.t("收件", "Received")) } dd class="received" { (f.received) (ctx.t(" 件", "")) } }
            div { dt { (ctx.t("办结", "Concluded")) } dd class="concluded" { (f.concluded) (ctx.t(" 件", "")) } }
            div { dt { (ctx.t("按时办结率", "Concluded on time")) } dd class="on-time" { (rate(f.on_time_rate)) } }
            div {
                dt { (ctx.t("平均办理用时", "Average time")) }
                dd class="days" {
                    @if let Some(d) = f.average_working_days { (format!("{d:.1}")) (ctx.t(" 个工作日", " working days")) } @else { "—" }
                }
            }
            div { dt { (ctx.t("撤回", "Withdrawn")) } dd class="withdrawn" { (f.withdrawn) (ctx.t(" 件", "")) } }
            div { dt { (ctx.t("评价", "Ratings")) } dd class="ratings" { (f.ratings_total) (ctx.t(" 条", "")) } }
            div { dt { (ctx.t("差评率", "Bad ratings")) } dd class="bad-rate" { (rate(f.bad_rating_rate)) } }
            div { dt { (ctx.t("投诉", "Complaints")) } dd class="complaints" { (f.complaints) (ctx.t(" 件", "")) } }
            div {
                dt { (ctx.t("督办", "Supervision orders")) }
                dd class="orders" {
                    (ctx.t("发出 ", "issued ")) (f.orders_issued)
                    (ctx.t("，按时回复 ", ", on time ")) (f.orders_replied_on_time)
                    @if f.orders_replied_late > 0 { (ctx.t("，逾期 ", ", late ")) (f.orders_replied_late) }
                }
            }
        }
    }
}

/// The header row of a figures table, after its first column's title.
fn figure_headers(ctx: &Ctx, first: &str) -> Markup {
    html! {
        thead { tr {
            th scope="col" { (first) }
            th scope="col" { (ctx.t("收件", "Received")) }
            th scope="col" { (ctx.t("办结", "Concluded")) }
            th scope="col" { (ctx.t("按时办结率", "On time")) }
            th scope="col" { (ctx.t("平均用时（工作日）", "Average working days")) }
            th scope="col" { (ctx.t("撤回", "Withdrawn")) }
            th scope="col" { (ctx.t("评价", "Ratings")) }
            th scope="col" { (ctx.t("差评率", "Bad ratings")) }
            th scope="col" { (ctx.t("投诉", "Complaints")) }
            th scope="col" { (ctx.t("督办（按时回复/发出）", "Orders (replied on time / issued)")) }
        } }
    }
}

fn figure_cells(f: &Figures) -> Markup {
    html! {
        td class="received" { (f.received) }
        td class="concluded" { (f.concluded) }
        td class="on-time" { (rate(f.on_time_rate)) }
        td class="days" { (days(f.average_working_days)) }
        td class="withdrawn" { (f.withdrawn) }
        td class="ratings" { (f.ratings_total) }
        td class="bad-rate" { (rate(f.bad_rating_rate)) }
        td class="complaints" { (f.complaints) }
        td class="orders" { (f.orders_replied_on_time) " / " (f.orders_issued) }
    }
}

/// How each figure is counted, as the page states it.
fn method(ctx: &Ctx) -> Markup {
    html! {
        section id="method" {
            h2 { (ctx.t("统计方法", "How the figures are counted")) }
            ul {
                li { (ctx.t(
                    "数据来源：办理人员在本系统中办理每一环节时记录的事件，随事件实时累计，不经人工填报。每项数据按事件发生时的北京时间计入所在月份：三月受理、四月办结的办件，计入三月的收件和四月的办结。",
                    "Source: the events officers record in this system as they take each step, counted as they happen, never entered by hand. Each figure counts in the month its event happened (Beijing time): a case received in March and concluded in April counts as received in March and concluded in April."
                )) }
                li { (ctx.t("收件：期间内受理（立案）的办件数，按受理时间计。", "Received: cases received (registered) in the period, by the time of receipt.")) }
                li { (ctx.t("办结：期间内办结的办件数，按办结时间计；撤回、终止的办件另列为“撤回”。", "Concluded: cases concluded in the period, by the time of conclusion; withdrawn or terminated cases are counted apart.")) }
                li { (ctx.t(
                    "办理用时：自受理之日的次日起至办结之日止的工作日数，依法暂停计时的期间（补正、听证、检测、检验、鉴定、专家评审等）不计入；工作日按本系统公布的工作日历（国务院办公厅公布的节假日安排）计算。",
                    "Time taken: working days from the day after receipt to the day of conclusion, without the periods the clock lawfully stopped (supplements, hearings, tests, expert reviews…); working days per the calendar this system publishes (the State Council's holiday arrangements)."
                )) }
                li { (ctx.t(
                    "按时办结率：办理用时不超过法定时限（含依法延长的期限）的办结件数，占能够计算用时的办结件数的比例；平均办理用时为这些办件用时的平均值。",
                    "On time: of the concluded cases whose time could be counted, the share that stayed within the statutory limit (with any lawful extension); the average time is over the same cases."
                )) }
                li { (ctx.t(
                    "评价：期间内收到的“好差评”，分非常满意、满意、基本满意、不满意、非常不满意五级；差评率为“不满意”与“非常不满意”之和占评价总数的比例。投诉：期间内收到的投诉件数。",
                    "Ratings: ratings received in the period, on five levels from very satisfied to very dissatisfied; the bad-rating rate is dissatisfied and very dissatisfied over all ratings. Complaints: complaints received in the period."
                )) }
                li { (ctx.t(
                    "督办：期间内纪检监察部门发出的督办件数；回复按回复时间计入，在回复期限内的为按时回复，超过期限的为逾期回复；退回重办后的再次回复另计一次。",
                    "Supervision orders: orders the inspectors issued in the period; replies count in their own month, on time when by the due date, late after it; a reply after an order was returned counts again."
                )) }
                li { (ctx.t("比率保留一位小数；“—”表示期间内没有可计算的办件或评价。", "Rates have one decimal; “—” means nothing in the period to compute them from.")) }
            }
        }
    }
}

/// `GET /statistics`.
pub(crate) async fn statistics(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if ctx.bad_query {
        return super::bad_query(&ctx, Section::Statistics);
    }
    let title = ctx.t("统计公开", "Statistics");
    let refused = |message: &str| {
        let body = html! { h1 { (title) } p class="error" role="alert" id="error" { (message) } };
        page(&ctx, StatusCode::BAD_REQUEST, title.to_string(), body)
    };
    let Ok(query) = query(&ctx) else {
        return refused(ctx.t(
            "月份应写作“年-月”，例如 2026-03。",
            "Write a month as year-month, e.g. 2026-03.",
        ));
    };
    let Ok((department, from, to)) = query.resolve(engine.now()) else {
        return refused(ctx.t(
            "截止月份不能早于起始月份，一次最多查询120个月；部门请从列表中选择。",
            "The last month cannot come before the first, a period is at most 120 months, and the department is chosen from the list.",
        ));
    };
    let reads = engine.reads_own();
    let (figures, names) = match (
        reads.public_statistics(from, to, department).await,
        reads.directory().await,
    ) {
        (Ok(s), Ok(n)) => (s, n),
        (Err(e), _) | (_, Err(e)) => return super::unavailable(&ctx, Section::Statistics, e),
    };
    let chart = |name: &str, value: fn(&Figures) -> Option<f64>, max: Option<f64>, unit: &str| {
        let points: Vec<(String, f64)> = figures
            .departments
            .iter()
            .filter_map(|d| value(&d.figures).map(|v| (d.department_name.clone(), v)))
            .collect();
        crate::web::charts::stacked_bars(
            name,
            &points,
            max,
            unit,
            ctx.t(
                "期间内没有可计算的数据",
                "Nothing to compute it from in this period",
            ),
        )
    };
    let query_string = with_department(format!("from={from}&to={to}"), department);
    let csv = ctx.link(&format!("/statistics.csv?{query_string}"));
    let api = format!("/api/v1/public/statistics?{query_string}");
    let scope = match department {
        Some(d) => names.department(d).to_string(),
        None => ctx.t("全部部门", "All departments").to_string(),
    };
    let body = html! {
        h1 { (title) }
        p class="lead" {
            (ctx.t(
                "各部门行政权力运行情况的考核评价数据：收件、办结、按时办结率、办理用时、群众评价、投诉和督办，由办理过程中记录的事件自动统计。",
                "How each department exercises its powers: cases received and concluded, on time, time taken, citizens' ratings, complaints and supervision orders, counted from the events recorded as cases are handled."
            ))
        }
        form id="filter" method="get" action="/statistics" class="filters" {
            (ctx.lang_input())
            (department_field(&ctx, &names, department))
            div class="field" { label for="from" { (ctx.t("起始月份", "From")) } input id="from" name="from" type="month" value=(from.to_string()); }
            div class="field" { label for="to" { (ctx.t("截止月份", "To")) } input id="to" name="to" type="month" value=(to.to_string()); }
            div class="actions" { button id="filter-submit" type="submit" { (ctx.t("查看", "Show")) } }
        }
        h2 id="period" {
            (scope) " · "
            @if from == to { (from.chinese()) } @else { (from.chinese()) " – " (to.chinese()) }
        }
        (summary(&ctx, &figures.totals, Some("totals")))
        p {
            a id="csv" href=(csv) download { (ctx.t("下载 CSV（各部门及事项）", "Download CSV (departments and powers)")) }
            " · "
            a id="api" href=(api) { (ctx.t("开放数据接口（JSON）", "Open data (JSON)")) }
            " · "
            a id="annual-report" href=(ctx.link("/reports/annual")) { (ctx.t("政府信息公开工作年度报告", "Annual disclosure report")) }
        }
        @if figures.departments.is_empty() {
            p id="no-figures" class="muted" { (ctx.t("该期间暂无统计数据。", "Nothing recorded in this period.")) }
        } @else {
            h2 { (ctx.t("各部门情况", "By department")) }
            ul id="departments" class="stat-cards" {
                @for d in &figures.departments {
                    li data-department=(d.department) {
                        h3 { (d.department_name) }
                        (summary(&ctx, &d.figures, None))
                    }
                }
            }
            div class="chart chart-narrow" id="chart-on-time" { (PreEscaped(chart(ctx.t("按时办结率", "Concluded on time"), |f| f.on_time_rate, Some(100.0), "%"))) }
            div class="chart chart-narrow" id="chart-days" { (PreEscaped(chart(ctx.t("平均办理用时（工作日）", "Average time (working days)"), |f| f.average_working_days, None, ""))) }
            div class="chart chart-narrow" id="chart-bad-rate" { (PreEscaped(chart(ctx.t("差评率", "Bad ratings"), |f| f.bad_rating_rate, Some(100.0), "%"))) }
            h2 { (ctx.t("各事项情况", "By power")) }
            @for d in &figures.departments {
                details class="department-powers" data-department=(d.department) {
                    summary { (d.department_name) (ctx.t("（", " (powers: ")) (d.powers.len()) (ctx.t(" 项）", ")")) }
                    div class="table-scroll" {
                        table class="list powers wide" {
                            (figure_headers(&ctx, ctx.t("事项", "Power")))
                            tbody {
                                @for p in &d.powers {
                                    tr data-power=(p.power_code) {
                                        th scope="row" { a href=(ctx.link(&format!("/powers/{}", p.power_code))) { (p.power_name) } }
                                        (figure_cells(&p.figures))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (method(&ctx))
    };
    page(&ctx, StatusCode::OK, title.to_string(), body)
}

/// `GET /statistics.csv`.
pub(crate) async fn statistics_csv(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if ctx.bad_query {
        return super::bad_query(&ctx, Section::Statistics);
    }
    let Ok(query) = query(&ctx) else {
        return super::bad_query(&ctx, Section::Statistics);
    };
    let Ok((department, from, to)) = query.resolve(engine.now()) else {
        return super::bad_query(&ctx, Section::Statistics);
    };
    match engine
        .reads_own()
        .public_statistics(from, to, department)
        .await
    {
        Ok(figures) => crate::web::api::statistics::csv_response(&figures),
        Err(e) => super::unavailable(&ctx, Section::Statistics, e),
    }
}
