//! `GET /calculator`: the deadline calculator (期限计算), day by day.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::calendar::{CalendarError, DayKind, DeadlineCalculation, MAX_WORKING_DAYS};
use chrono::NaiveDate;
use maud::{Markup, html};

use super::{Ctx, Lang, Page, Section, layout, respond, weekday, ymd};
use crate::engine::Engine;

/// What kind of day, in words.
pub(crate) fn kind_words(lang: Lang, kind: &DayKind) -> String {
    match (kind, lang) {
        (DayKind::Workday, _) => lang.t("工作日", "Workday").into(),
        (DayKind::Weekend, _) => lang.t("周末", "Weekend").into(),
        (DayKind::Holiday { name }, Lang::Zh) => format!("{name} 休"),
        (DayKind::Holiday { name }, Lang::En) => format!("Holiday: {name}"),
        (DayKind::MakeUpWorkday { name }, Lang::Zh) => format!("调休上班（{name}）"),
        (DayKind::MakeUpWorkday { name }, Lang::En) => format!("Make-up workday ({name})"),
        (DayKind::ProvisionalHoliday { name }, Lang::Zh) => {
            format!("{name} 休（法定节假日，预计）")
        }
        (DayKind::ProvisionalHoliday { name }, Lang::En) => {
            format!("Statutory holiday: {name} (provisional)")
        }
        (DayKind::AssumedWorkday, _) => lang.t("推定工作日", "Assumed workday").into(),
        (DayKind::AssumedWeekend, _) => lang.t("推定休息日", "Assumed rest day").into(),
    }
}

fn kind_class(kind: &DayKind) -> &'static str {
    match kind {
        DayKind::Workday => "workday",
        DayKind::Weekend => "weekend",
        DayKind::Holiday { .. } => "holiday",
        DayKind::MakeUpWorkday { .. } => "makeup",
        DayKind::ProvisionalHoliday { .. } => "holiday provisional",
        DayKind::AssumedWorkday => "assumed-workday",
        DayKind::AssumedWeekend => "assumed-weekend",
    }
}

fn years_list(lang: Lang, years: &[i32]) -> String {
    let sep = lang.t("、", ", ");
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

fn form(ctx: &Ctx, start: &str, days: &str) -> Markup {
    html! {
        form id="calculator" method="get" action="/calculator" class="calculator" {
            (ctx.lang_input())
            div class="field" {
                label for="start" { (ctx.t("受理日期", "Date of acceptance")) }
                input id="start" name="start" type="date" value=(start) required
                    aria-describedby="start-hint";
                p id="start-hint" class="hint" { (ctx.t("格式 YYYY-MM-DD，当日不计入。", "YYYY-MM-DD; this day is not counted.")) }
            }
            div class="field" {
                label for="days" { (ctx.t("工作日数", "Working days")) }
                input id="days" name="days" type="number" min="0" max=(MAX_WORKING_DAYS)
                    step="1" inputmode="numeric" value=(days) required;
            }
            div class="actions" {
                button id="calculator-submit" type="submit" { (ctx.t("计算", "Calculate")) }
            }
        }
    }
}

fn rule(ctx: &Ctx) -> Markup {
    html! {
        p id="rule" class="rule" {
            (ctx.t(
                "受理当日不计入，自次日起计算；法定节假日不计，调休上班日计入。",
                "The day of acceptance is not counted; counting starts the next day; public \
                 holidays are not counted, make-up workdays are."
            ))
        }
    }
}

/// `GET /calculator`.
pub(crate) async fn calculator(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let calendar = engine.calendar();
    let covered = calendar.covered_years();
    let raw_start = ctx.params.get("start");
    let raw_days = ctx.params.get("days");
    // Echo only what is safe to put back into the form.
    let echo = |v: Option<&str>| {
        v.filter(|s| s.len() <= 16 && s.chars().all(|c| c.is_ascii_graphic()))
            .unwrap_or("")
            .to_string()
    };
    let (start_echo, days_echo) = (echo(raw_start), echo(raw_days));

    let mut status = StatusCode::OK;
    let mut error: Option<String> = None;
    let mut result: Option<DeadlineCalculation> = None;
    if ctx.bad_query {
        status = StatusCode::BAD_REQUEST;
        error = Some(
            ctx.t(
                "网址中的查询参数无法识别。",
                "The query in the address could not be read.",
            )
            .into(),
        );
    } else if raw_start.is_some() || raw_days.is_some() {
        let start = raw_start.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
        let days = raw_days
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|d| *d <= MAX_WORKING_DAYS);
        match (start, days) {
            (None, _) => {
                status = StatusCode::BAD_REQUEST;
                error = Some(
                    ctx.t(
                        "请填写有效的受理日期（格式 YYYY-MM-DD）。",
                        "Please enter a valid date of acceptance (YYYY-MM-DD).",
                    )
                    .into(),
                );
            }
            (_, None) => {
                status = StatusCode::BAD_REQUEST;
                error = Some(match ctx.lang {
                    Lang::Zh => format!("工作日数须为 0 至 {MAX_WORKING_DAYS} 之间的整数。"),
                    Lang::En => format!(
                        "The number of working days must be a whole number from 0 to {MAX_WORKING_DAYS}."
                    ),
                });
            }
            (Some(start), Some(days)) => match engine.deadline(start, days) {
                Ok(calc) => result = Some(calc),
                Err(CalendarError::YearNotCovered { year, covered }) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    let years = years_list(ctx.lang, &covered);
                    error = Some(match ctx.lang {
                        Lang::Zh => format!(
                            "工作日历只收录了 {years} 年的法定节假日安排，无法计算涉及 {year} 年的期限。"
                        ),
                        Lang::En => format!(
                            "The working-day calendar covers only {years}; a limit that reaches into {year} cannot be computed."
                        ),
                    });
                }
                Err(CalendarError::TooFar) => {
                    status = StatusCode::BAD_REQUEST;
                    error = Some(
                        ctx.t("工作日数过大。", "The number of working days is too large.")
                            .into(),
                    );
                }
                Err(other) => {
                    tracing::error!(error = %other, "calendar failed");
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    error = Some(
                        ctx.t(
                            "工作日历数据有误，暂时无法计算。",
                            "The calendar data is faulty; the limit cannot be computed.",
                        )
                        .into(),
                    );
                }
            },
        }
    }

    let body = html! {
        h1 { (ctx.t("期限计算", "Deadline calculator")) }
        p class="lead" {
            (ctx.t(
                "输入受理日期和工作日数，按国务院办公厅公布的节假日安排计算期限届满日。",
                "Enter the date of acceptance and a number of working days to find the due \
                 date under the State Council's holiday arrangements."
            ))
        }
        (rule(&ctx))
        @if let Some(e) = &error {
            p class="error" role="alert" id="error" { (e) }
        }
        (form(&ctx, &start_echo, &days_echo))
        @if let Some(calc) = &result {
            section aria-labelledby="h-result" {
                h2 id="h-result" { (ctx.t("计算结果", "Result")) }
                p id="due-date" class="due" {
                    (ctx.t("期限届满日：", "Due date: "))
                    strong { time datetime=(ymd(calc.due)) { (ymd(calc.due)) } }
                    " " (weekday(ctx.lang, calc.due))
                }
                p {
                    @match ctx.lang {
                        Lang::Zh => { "自 " (ymd(calc.start)) "（" (weekday(ctx.lang, calc.start)) "）受理，计 " (calc.working_days) " 个工作日。" }
                        Lang::En => { "Accepted on " (ymd(calc.start)) " (" (weekday(ctx.lang, calc.start)) "), " (calc.working_days) " working days." }
                    }
                }
                @let provisional = engine.calendar().provisional_years(calc.start, calc.due);
                @if !provisional.is_empty() {
                    p class="warning" id="provisional" {
                        (super::provisional_note(&ctx, &provisional))
                        " "
                        (ctx.t(
                            "这些年份按周末和《全国年节及纪念日放假办法》规定的法定节假日计算，未含调休。",
                            "Those years are counted with weekends and the statutory holidays of the \
                             national holiday measures, without any swapped working days.",
                        ))
                    }
                } @else if calc.days.iter().any(|d| d.kind.is_assumed()) {
                    p class="warning" { (ctx.t("部分日期超出已收录年份，按周一至周五为工作日推定。", "Some dates lie outside the covered years and were assumed (Monday to Friday as workdays).")) }
                }
                @if !calc.days.is_empty() {
                    table id="days" class="days" {
                        caption { (ctx.t("受理次日起的每一天", "Every day after the date of acceptance")) }
                        thead {
                            tr {
                                th scope="col" { (ctx.t("日期", "Date")) }
                                th scope="col" { (ctx.t("星期", "Weekday")) }
                                th scope="col" { (ctx.t("类型", "Kind")) }
                                th scope="col" { (ctx.t("计入", "Counted")) }
                            }
                        }
                        tbody {
                            @for d in &calc.days {
                                tr class={ (kind_class(&d.kind)) @if d.counted { " counted" } } {
                                    td { time datetime=(ymd(d.date)) { (ymd(d.date)) } }
                                    td { (weekday(ctx.lang, d.date)) }
                                    td { (kind_words(ctx.lang, &d.kind)) }
                                    td {
                                        @match d.ordinal {
                                            Some(n) if d.counted => {
                                                @match ctx.lang {
                                                    Lang::Zh => { "第 " (n) " 日" }
                                                    Lang::En => { "day " (n) }
                                                }
                                            }
                                            _ => { span class="muted" { (ctx.t("不计", "not counted")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-sources" class="sources" {
            h2 id="h-sources" { (ctx.t("日历依据", "Calendar sources")) }
            p {
                (ctx.t("已收录年份：", "Covered years: "))
                (years_list(ctx.lang, &covered))
            }
            ul {
                @for y in calendar.years() {
                    li {
                        (y.year) (ctx.t("年：", ": ")) (y.source.title)
                        @if let Some(no) = &y.source.document_no { "（" (no) "）" }
                    }
                }
                @if let Some(law) = covered
                    .last()
                    .and_then(|last| aggregates::calendar::statutory::version_for(last + 1))
                {
                    li {
                        (ctx.t("尚未公布安排的年份（预计）：", "Years without a published arrangement (provisional): "))
                        (law.source.title)
                        @if let Some(no) = &law.source.document_no { "（" (no) "）" }
                    }
                }
            }
        }
    };
    respond(
        status,
        layout(Page {
            ctx: &ctx,
            title: ctx.t("期限计算", "Deadline calculator").to_string(),
            section: Section::Calculator,
            keep_params: true,
            body,
        }),
    )
}
