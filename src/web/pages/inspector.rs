//! The inspector's desk (电子监察台), for discipline inspectors signed in to the console:
//!
//! - `GET /inspector`: the alert queue, filtered by status, rule, department, severity and age;
//! - `GET /inspector/cases/{id}`: a case's whole file — the party, every event with who did it,
//!   the public's complaints and rating, the flowchart with the path taken highlighted, the
//!   alerts on the case with their actions, and who read the file before. Opening it records a
//!   `PersonalDataRead` event first;
//! - `POST /inspector/alerts/{id}/{acknowledge|resolve|dismiss}`: the alert's life cycle, with
//!   the session's CSRF token;
//! - `GET /inspector/scorecards` (and `.csv`): department scorecards for a period, with charts.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::alert::{AlertCommand, AlertRule, AlertStatus, Finding, Severity};
use aggregates::case::CaseId;
use chrono::{Datelike, NaiveDate};
use cqrs_es::AggregateError;
use maud::{Markup, PreEscaped, html};
use projections::alert_queue::AlertDoc;
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Section, cst, encode_component, layout, respond_private, ymd};
use crate::engine::Engine;
use crate::queries::CaseFileError;
use crate::queries::Directory;
use crate::web::render::{FlowchartStyle, flowchart_svg_bounded};

fn page(
    ctx: &Ctx,
    signed: &SignedIn,
    status: StatusCode,
    title: String,
    body: Markup,
) -> HttpResponse {
    let body = html! {
        (signed.bar(ctx))
        (subnav(ctx))
        (body)
    };
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

use super::redirect;

/// The desk's sections, on every inspector page.
pub(super) fn subnav(ctx: &Ctx) -> Markup {
    html! {
        nav class="subnav" aria-label=(ctx.t("监察台", "Desk")) {
            a href=(ctx.link("/inspector")) { (ctx.t("预警督办", "Alerts")) }
            " · "
            a href=(ctx.link("/inspector/orders")) { (ctx.t("督办单", "Orders")) }
            " · "
            a href=(ctx.link("/inspector/spot-checks")) { (ctx.t("抽查", "Spot checks")) }
            " · "
            a href=(ctx.link("/inspector/scorecards")) { (ctx.t("绩效评估", "Scorecards")) }
        }
    }
}

fn severity_words(lang: Lang, s: Severity) -> &'static str {
    match s {
        Severity::Info => lang.t("提示", "info"),
        Severity::Yellow => lang.t("黄牌", "yellow"),
        Severity::Red => lang.t("红牌", "red"),
    }
}

fn status_words(lang: Lang, s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::New => lang.t("未生成", "new"),
        AlertStatus::Raised => lang.t("待签收", "raised"),
        AlertStatus::Acknowledged => lang.t("调查中", "acknowledged"),
        AlertStatus::Resolved => lang.t("已办结", "resolved"),
        AlertStatus::Dismissed => lang.t("已撤销", "dismissed"),
    }
}

fn rule_words(lang: Lang, rule: AlertRule) -> String {
    match lang {
        Lang::Zh => rule.chinese().to_string(),
        Lang::En => rule.as_str().replace('_', " "),
    }
}

const STATUSES: [AlertStatus; 4] = [
    AlertStatus::Raised,
    AlertStatus::Acknowledged,
    AlertStatus::Resolved,
    AlertStatus::Dismissed,
];
const SEVERITIES: [Severity; 3] = [Severity::Red, Severity::Yellow, Severity::Info];

/// Cases per page of the alert queue.
const PAGE_SIZE: usize = 50;

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Red => "overdue",
        Severity::Yellow => "due-soon",
        Severity::Info => "ok",
    }
}

/// A group's rules, each once, in the order of its alerts (most serious first): the rule, the
/// id of its first alert, and how many alerts of it the case has.
fn rules_of(group: &crate::queries::AlertGroup) -> Vec<(AlertRule, &str, usize)> {
    let mut out: Vec<(AlertRule, &str, usize)> = Vec::new();
    for doc in &group.alerts {
        let Some(rule) = doc.alert.rule else { continue };
        match out.iter_mut().find(|(r, _, _)| *r == rule) {
            Some(entry) => entry.2 += 1,
            None => out.push((rule, doc.id.as_str(), 1)),
        }
    }
    out
}

/// The desk's address with the same filters on page `n`.
fn page_link(ctx: &Ctx, n: usize) -> String {
    let mut query: Vec<String> = ["status", "rule", "severity", "department", "min_age_days"]
        .iter()
        .filter_map(|k| {
            ctx.params
                .get(k)
                .map(|v| format!("{k}={}", encode_component(v)))
        })
        .collect();
    query.push(format!("page={n}"));
    format!("/inspector?{}", query.join("&"))
}

/// `GET /inspector`: the alert queue.
pub(crate) async fn desk(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let mut errors: Vec<&str> = Vec::new();
    if ctx.bad_query {
        errors.push(ctx.t(
            "网址中的查询参数无法识别。",
            "The query in the address could not be read.",
        ));
    }
    let status = match ctx.params.get("status") {
        None => None,
        Some(s) => match STATUSES.iter().find(|x| x.as_str() == s) {
            Some(x) => Some(*x),
            None => {
                errors.push(ctx.t("没有这一状态。", "No such status."));
                None
            }
        },
    };
    let rule = match ctx.params.get("rule") {
        None => None,
        Some(r) => match AlertRule::parse(r) {
            Some(x) => Some(x),
            None => {
                errors.push(ctx.t("没有这一规则。", "No such rule."));
                None
            }
        },
    };
    let severity = match ctx.params.get("severity") {
        None => None,
        Some(s) => match SEVERITIES.iter().find(|x| x.as_str() == s) {
            Some(x) => Some(*x),
            None => {
                errors.push(ctx.t("没有这一等级。", "No such severity."));
                None
            }
        },
    };
    let department = match ctx.params.get("department") {
        None => None,
        Some(d) if aggregates::power::is_valid_department_id(d) => Some(d.to_string()),
        Some(_) => {
            errors.push(ctx.t("部门代码有误。", "That is not a department id."));
            None
        }
    };
    let min_age = match ctx.params.get("min_age_days").map(str::parse::<i64>) {
        None => None,
        Some(Ok(n)) if (0..=36_500).contains(&n) => Some(n),
        Some(_) => {
            errors.push(ctx.t("天数须为 0 至 36500。", "Days must be 0 to 36500."));
            None
        }
    };
    let page_no = match ctx.params.get("page").map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if (1..=100_000).contains(&n) => n,
        Some(_) => {
            errors.push(ctx.t("页码有误。", "That is not a page number."));
            1
        }
    };
    let reads = engine.reads_own();
    let names = match reads.directory().await {
        Ok(d) => d,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let mut groups = Vec::new();
    if errors.is_empty() {
        let filter = crate::queries::AlertFilter {
            status,
            rule,
            severity,
            department,
            min_age_days: min_age,
        };
        groups = match reads.alert_queue(&filter, ctx.now).await {
            Ok(g) => g,
            Err(e) => return super::unavailable(&ctx, Section::Officer, e),
        };
    }
    let alert_total: usize = groups.iter().map(|g| g.alerts.len()).sum();
    let pages = groups.len().div_ceil(PAGE_SIZE).max(1);
    let page_no = page_no.min(pages);
    let shown = &groups
        [((page_no - 1) * PAGE_SIZE).min(groups.len())..(page_no * PAGE_SIZE).min(groups.len())];
    let selected = |name: &str, value: &str| ctx.params.get(name) == Some(value);
    let title = ctx.t("预警督办", "Alerts");
    let body = html! {
        h1 { (title) }
        @for e in &errors { p class="error" role="alert" { (e) } }
        form id="alert-filters" method="get" action="/inspector" class="filters" {
            (ctx.lang_input())
            div class="field" {
                label for="f-status" { (ctx.t("状态", "Status")) }
                select id="f-status" name="status" {
                    option value="" { (ctx.t("全部", "All")) }
                    @for s in STATUSES {
                        option value=(s.as_str()) selected[selected("status", s.as_str())] { (status_words(ctx.lang, s)) }
                    }
                }
            }
            div class="field" {
                label for="f-rule" { (ctx.t("规则", "Rule")) }
                select id="f-rule" name="rule" {
                    option value="" { (ctx.t("全部", "All")) }
                    @for r in AlertRule::ALL {
                        option value=(r.as_str()) selected[selected("rule", r.as_str())] { (rule_words(ctx.lang, r)) }
                    }
                }
            }
            div class="field" {
                label for="f-severity" { (ctx.t("等级", "Severity")) }
                select id="f-severity" name="severity" {
                    option value="" { (ctx.t("全部", "All")) }
                    @for s in SEVERITIES {
                        option value=(s.as_str()) selected[selected("severity", s.as_str())] { (severity_words(ctx.lang, s)) }
                    }
                }
            }
            div class="field" {
                label for="f-department" { (ctx.t("部门", "Department")) }
                select id="f-department" name="department" {
                    option value="" { (ctx.t("全部", "All")) }
                    @for (id, name) in names.departments() {
                        option value=(id) selected[selected("department", id)] { (name) }
                    }
                }
            }
            div class="field" {
                label for="f-age" { (ctx.t("生成至少（天）", "At least (days old)")) }
                input id="f-age" name="min_age_days" type="number" min="0" max="36500"
                    value=(ctx.params.get("min_age_days").unwrap_or(""));
            }
            div class="actions" {
                button id="filter-submit" type="submit" { (ctx.t("筛选", "Filter")) }
            }
        }
        p id="alert-count" {
            @match ctx.lang {
                Lang::Zh => { "共 " (groups.len()) " 件办件、" (alert_total) " 条预警" }
                Lang::En => { (groups.len()) " cases, " (alert_total) " alerts" }
            }
        }
        @if !shown.is_empty() {
            table id="alerts" class="list" {
                caption class="visually-hidden" { (title) }
                thead { tr {
                    th scope="col" { (ctx.t("等级", "Severity")) }
                    th scope="col" { (ctx.t("办件", "Case")) }
                    th scope="col" { (ctx.t("事项 · 当事人", "Power · party")) }
                    th scope="col" { (ctx.t("部门", "Department")) }
                    th scope="col" { (ctx.t("预警", "Alerts")) }
                    th scope="col" { (ctx.t("首次预警", "First raised")) }
                    th scope="col" { (ctx.t("天数", "Days")) }
                } }
                tbody {
                    @for g in shown {
                        @let age = g.first_raised.map(|at| (ctx.now - at).num_days()).unwrap_or(0);
                        tr data-case=(g.subject) {
                            td { @if let Some(s) = g.severity {
                                span class={ "flag " (severity_class(s)) } { (severity_words(ctx.lang, s)) }
                            } }
                            td { a href=(ctx.link(&subject_path(g.alerts.first().and_then(|a| a.alert.rule), &g.subject))) { (g.subject) } }
                            td {
                                (names.power(&g.power_code).unwrap_or(ctx.t("（未知事项）", "(unknown power)")))
                                @if let Some(p) = &g.party { br; span class="muted" { (p) } }
                            }
                            td { (names.department(&g.department)) }
                            td {
                                ul class="rules" {
                                    @for (rule, first, n) in rules_of(g) {
                                        li data-alert=(first) {
                                            a href=(ctx.link(&format!("{}#alert-{}", subject_path(Some(rule), &g.subject), encode_component(first)))) {
                                                (rule_words(ctx.lang, rule))
                                            }
                                            @if n > 1 { " ×" (n) }
                                        }
                                    }
                                }
                                p class="muted rule-states" {
                                    @for (i, s) in STATUSES.iter().filter(|s| g.count(**s) > 0).enumerate() {
                                        @if i > 0 { " · " }
                                        span class="alert-status" { (status_words(ctx.lang, *s)) " " (g.count(*s)) }
                                    }
                                }
                            }
                            td { @if let Some(at) = g.first_raised { (cst(at)) } }
                            td { (age) }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav class="pager" aria-label=(ctx.t("分页", "Pages")) {
                    @if page_no > 1 { a rel="prev" href=(ctx.link(&page_link(&ctx, page_no - 1))) { (ctx.t("上一页", "Previous")) } " " }
                    span { (ctx.t("第 ", "Page ")) (page_no) " / " (pages) (ctx.t(" 页", "")) }
                    @if page_no < pages { " " a rel="next" href=(ctx.link(&page_link(&ctx, page_no + 1))) { (ctx.t("下一页", "Next")) } }
                }
            }
        } @else {
            p id="no-alerts" class="muted" { (ctx.t("没有符合条件的预警。", "No alerts match.")) }
        }
    };
    page(&ctx, &signed, StatusCode::OK, title.to_string(), body)
}

/// `GET /inspector/cases/{id}`: the case file; the read is recorded first.
pub(crate) async fn case_file(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let not_found = || {
        super::message_page(
            &ctx,
            StatusCode::NOT_FOUND,
            Section::Officer,
            ctx.t("未找到办件", "No such case"),
            ctx.t("没有这一办件。", "There is no such case."),
        )
    };
    let Some(id) = CaseId::parse(&id) else {
        return not_found();
    };
    let file = match engine
        .reads_own()
        .open_case_file(
            signed.principal.actor(),
            &id,
            "inspector_case_page",
            signed.meta(&request_id),
        )
        .await
    {
        Ok(file) => file,
        Err(CaseFileError::NotFound) => return not_found(),
        Err(CaseFileError::Load(e)) => return super::unavailable(&ctx, Section::Officer, e),
        Err(CaseFileError::Recording(e)) => {
            tracing::error!(error = %e, "recording a read failed");
            return super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "查阅记录未能保存，卷宗未予显示。请稍后再试。",
                    "The read could not be recorded, so the file is not shown. Please try again shortly.",
                ),
            );
        }
    };
    let case = &file.case;
    let power = engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await
        .ok()
        .flatten();
    let svg = match power.as_ref() {
        Some(p) => Some(
            flowchart_svg_bounded(
                p.flowchart.spec(),
                &FlowchartStyle {
                    current: Some(case.current_step.as_str()),
                    visited: &file.path,
                    title: &format!("{} 办理流程图（已走路径）", case.power_name),
                },
                &[],
            )
            .await,
        ),
        None => None,
    };
    let names = engine.reads_own().directory().await.unwrap_or_default();
    let times = engine.case_times(case).await.ok().flatten();
    let step_names: std::collections::HashMap<&str, &str> = power
        .as_ref()
        .map(|p| {
            p.flowchart
                .spec()
                .steps
                .iter()
                .map(|s| (s.id.as_str(), s.name.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let path: Vec<&str> = file
        .path
        .iter()
        .map(|id| step_names.get(id.as_str()).copied().unwrap_or(id.as_str()))
        .collect();
    let done = ctx.params.get("done");
    // An error about one alert is shown in that alert's card, where the page lands.
    let error = ctx
        .params
        .get("error")
        .filter(|_| ctx.params.get("alert").is_none());
    let title = format!("{} {}", ctx.t("卷宗", "Case file"), case.tracking_no);
    let body = html! {
        p class="breadcrumb" { a href=(ctx.link("/inspector")) { (ctx.t("预警督办", "Alerts")) } }
        h1 { (title) }
        @if let Some(d) = done { p id="done" class="notice" role="status" { (done_words(ctx.lang, d)) } }
        @if let Some(e) = error { p id="error" class="error" role="alert" { (e.chars().take(300).collect::<String>()) } }
        p class="hint" id="read-recorded" {
            (ctx.t("本次查阅已记录（含当事人个人信息）。", "This read of the party's personal data has been recorded."))
        }
        dl class="facts summary" {
            div { dt { (ctx.t("事项", "Power")) } dd { (case.power_name) } }
            div { dt { (ctx.t("部门", "Department")) } dd id="department" { (names.department(&case.department)) } }
            div { dt { (ctx.t("状态", "Status")) } dd id="case-status" { (super::track::status_words(ctx.lang, case.status)) } }
            div { dt { (ctx.t("当前环节", "Current step")) } dd { (case.current_step_name) } }
            @if let Some(p) = &case.party {
                div { dt { (ctx.t("当事人", "Party")) } dd id="party" { (p.name) " · " (p.id_number)
                    @if let Some(ph) = &p.phone { " · " (ph) }
                    @if let Some(ad) = &p.address { " · " (ad) } } }
            }
            @if let Some(r) = &case.received_at { div { dt { (ctx.t("受理时间", "Received")) } dd { (cst(*r)) } } }
            @if let Some(r) = &case.result { div { dt { (ctx.t("办理结果", "Result")) } dd { (r) } } }
            @if let Some(pen) = &case.penalty {
                div { dt { (ctx.t("处罚决定", "Penalty")) } dd id="penalty" {
                    (super::alert_words::yuan(ctx.lang, pen.amount_fen)) " · " (pen.check.label)
                    @if pen.check.deviation { " " strong class="flag overdue" { (ctx.t("偏离裁量基准", "departs from the standard")) } }
                } }
            }
        }
        section aria-labelledby="h-limits" id="limits" {
            h2 id="h-limits" { (ctx.t("办理时限", "Time limits")) }
            @match &times {
                Some(t) => {
                    @if let Some(p) = &t.promised { (super::officer::limit_block(&ctx, &engine, "limit-promised", ctx.t("承诺时限", "Promised limit"), p)) }
                    (super::officer::limit_block(&ctx, &engine, "limit-statutory", ctx.t("法定时限", "Statutory limit"), &t.statutory))
                    @if let Some(s) = &t.step { (super::officer::limit_block(&ctx, &engine, "limit-step", ctx.t("本环节时限", "This step's limit"), s)) }
                }
                None => { p class="muted" { (ctx.t("时限暂无法计算。", "The limits cannot be computed now.")) } }
            }
        }
        section aria-labelledby="h-flow" {
            h2 id="h-flow" { (ctx.t("流程图与已走路径", "Flowchart and the path taken")) }
            @if let Some(svg) = &svg {
                div class="chart" id="flowchart" { (PreEscaped(svg)) }
                p class="hint" { (ctx.t("浅蓝为已经过的环节，黄色为当前环节。", "Light blue: steps passed; yellow: the current step.")) }
            } @else {
                p class="muted" { (ctx.t("流程图暂不可用。", "The flowchart is not available.")) }
            }
            p id="path" { (ctx.t("路径：", "Path: ")) (path.join(" → ")) }
        }
        section aria-labelledby="h-alerts" {
            h2 id="h-alerts" { (ctx.t("本案预警", "Alerts on this case")) }
            @if file.alerts.is_empty() { p class="muted" { (ctx.t("无。", "None.")) } }
            @for doc in &file.alerts {
                (alert_block(&ctx, &signed, &names, doc, &case.tracking_no))
            }
        }
        section aria-labelledby="h-events" {
            h2 id="h-events" { (ctx.t("全部事件", "Every event")) }
            ol id="events" class="timeline" {
                @for e in &file.events { (super::officer::event_line(&ctx, &names, e)) }
            }
        }
        section aria-labelledby="h-feedback" {
            h2 id="h-feedback" { (ctx.t("群众投诉与评价", "Complaints and rating")) }
            @if file.feedback.is_empty() { p class="muted" { (ctx.t("无。", "None.")) } }
            ul id="feedback" {
                @for e in &file.feedback {
                    li {
                        time { (cst(e.recorded_at.fixed_offset())) } " "
                        @if let Some(c) = e.payload.get("ComplaintFiled") {
                            strong { (ctx.t("投诉", "Complaint")) " #" (c["number"]) } "：" (c["text"].as_str().unwrap_or(""))
                        } @else if let Some(r) = e.payload.get("ServiceRated") {
                            strong { (ctx.t("评价", "Rating")) } "："
                            (rating_words(ctx.lang, r["score"].as_u64().unwrap_or(0))) " "
                            (r["comment"].as_str().unwrap_or(""))
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-reads" {
            h2 id="h-reads" { (ctx.t("查阅记录（含本次）", "Reads of this file, this one included")) }
            @if file.reads.is_empty() { p class="muted" { (ctx.t("无。", "None.")) } }
            ul id="reads" {
                @for r in &file.reads {
                    li { (cst(r.at)) " · " (names.person(&r.reader)) " · " (read_purpose(&ctx, &r.purpose)) }
                }
            }
        }
    };
    page(&ctx, &signed, StatusCode::OK, title, body)
}

fn done_words(lang: Lang, done: &str) -> &'static str {
    match done {
        "acknowledge" => lang.t("已签收。", "Acknowledged."),
        "resolve" => lang.t("已办结。", "Resolved."),
        "dismiss" => lang.t("已撤销。", "Dismissed."),
        _ => lang.t("已完成。", "Done."),
    }
}

/// A rating (好差评, 1 to 5) in words.
fn rating_words(lang: Lang, score: u64) -> &'static str {
    match score {
        5 => lang.t("非常满意", "very satisfied"),
        4 => lang.t("满意", "satisfied"),
        3 => lang.t("基本满意", "fairly satisfied"),
        2 => lang.t("不满意", "dissatisfied"),
        1 => lang.t("非常不满意", "very dissatisfied"),
        _ => lang.t("未评价", "not rated"),
    }
}

/// What an inspector had typed into an alert's form when it was refused: shown again, with the
/// error, inside the alert's own card (where the page lands), not at the top of the page.
struct Typed<'a> {
    error: Option<&'a str>,
    finding: Option<&'a str>,
    accountability: &'a str,
    note: &'a str,
    reason: &'a str,
    instructions: &'a str,
    limit_days: &'a str,
}

impl<'a> Typed<'a> {
    /// What the address carries back for alert `id`, if the refusal was about it.
    fn for_alert(ctx: &'a Ctx, id: &str) -> Option<Typed<'a>> {
        (ctx.params.get("alert") == Some(id)).then(|| Typed {
            error: ctx.params.get("error"),
            finding: ctx.params.get("finding"),
            accountability: ctx.params.get("accountability").unwrap_or(""),
            note: ctx.params.get("note").unwrap_or(""),
            reason: ctx.params.get("reason").unwrap_or(""),
            instructions: ctx.params.get("instructions").unwrap_or(""),
            limit_days: ctx.params.get("limit_days").unwrap_or(""),
        })
    }
}

fn alert_block(
    ctx: &Ctx,
    signed: &SignedIn,
    names: &Directory,
    doc: &AlertDoc,
    case_id: &str,
) -> Markup {
    let a = &doc.alert;
    let action = |verb: &str| {
        format!(
            "/inspector/alerts/{}/{verb}?case={}",
            encode_component(&doc.id),
            encode_component(case_id)
        )
    };
    let anchor = format!("alert-{}", doc.id);
    let typed = Typed::for_alert(ctx, &doc.id);
    let (typed_note, typed_accountability, typed_reason) = typed
        .as_ref()
        .map_or(("", "", ""), |t| (t.note, t.accountability, t.reason));
    let explanation = super::alert_words::explain(ctx.lang, a.rule, &a.details, names);
    html! {
        article class="alert-card" id=(anchor) data-status=(a.status.as_str()) {
            h3 {
                @if let Some(s) = a.severity { (severity_words(ctx.lang, s)) " · " }
                @if let Some(r) = a.rule { (rule_words(ctx.lang, r)) }
                " · " span class="alert-status" { (status_words(ctx.lang, a.status)) }
            }
            @if let Some(at) = a.raised_at { p class="muted" { (ctx.t("预警时间：", "Raised: ")) (cst(at)) } }
            @if let Some(e) = typed.as_ref().and_then(|t| t.error) {
                p class="error alert-error" role="alert" { (e.chars().take(300).collect::<String>()) }
            }
            @let provisional: Vec<i32> = a.details.get("provisional_years")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            @if !provisional.is_empty() {
                p class="alert-provisional warning" {
                    (ctx.t("所依据的期限届满日：", "The due date it rests on: "))
                    (super::provisional_note(ctx, &provisional))
                }
            }
            @if let Some(x) = &explanation {
                p class="alert-happened" { (x.happened) }
                p class="alert-expected" { strong { (ctx.t("应当：", "Expected: ")) } (x.expected) }
                @if !x.facts.is_empty() {
                    dl class="facts alert-facts" {
                        @for (label, value) in &x.facts { div { dt { (label) } dd { (value) } } }
                    }
                }
            }
            @let case_evidence: Vec<&aggregates::alert::EventRef> = a.evidence.iter().filter(|e| e.aggregate_type == "Case").collect();
            @if !case_evidence.is_empty() {
                p class="alert-evidence muted" {
                    (ctx.t("依据的记录：", "Records it rests on: "))
                    @for (i, e) in case_evidence.iter().enumerate() {
                        @if i > 0 { "、" }
                        a href={ "#event-" (e.sequence) } { (ctx.t("第 ", "no. ")) (e.sequence) (ctx.t(" 条", "")) }
                    }
                }
            }
            @if let Some(ack) = &a.acknowledged {
                p { (ctx.t("签收人：", "Acknowledged by ")) (names.person(&ack.by))
                    @if let Some(n) = &ack.note { " · " (n) } }
            }
            @if let Some(res) = &a.resolution {
                p class="resolution" { (ctx.t("结论：", "Finding: "))
                    @match res.finding { Finding::Justified => { (ctx.t("有正当理由", "justified")) } Finding::Violation => { (ctx.t("违规", "violation")) } }
                    @if let Some(acc) = &res.accountability { " · " (ctx.t("责任追究：", "Accountability: ")) (acc) }
                    " · " (names.person(&res.by))
                    @if let Some(n) = &res.note { " · " (n) } }
            }
            @if let Some(d) = &a.dismissal { p { (ctx.t("撤销理由：", "Dismissed: ")) (d.reason) " · " (names.person(&d.by)) } }
            @if a.status == AlertStatus::Raised {
                form method="post" action=(action("acknowledge")) class="inline" {
                    (signed.csrf_input()) (ctx.lang_input())
                    label for={ (anchor) "-ack-note" } { (ctx.t("签收备注", "Note")) }
                    input id={ (anchor) "-ack-note" } name="note" type="text" maxlength="2000" value=(typed_note);
                    button type="submit" class="ack-submit" { (ctx.t("签收", "Acknowledge")) }
                }
            }
            @if a.status == AlertStatus::Acknowledged {
                @let finding = typed.as_ref().and_then(|t| t.finding);
                form method="post" action=(action("resolve")) class="stack" {
                    (signed.csrf_input()) (ctx.lang_input())
                    fieldset {
                        legend { (ctx.t("调查结论", "Finding")) }
                        label class="choice" { input type="radio" name="finding" value="justified" required checked[finding == Some("justified")]; " " (ctx.t("有正当理由", "Justified")) }
                        label class="choice" { input type="radio" name="finding" value="violation" required checked[finding == Some("violation")]; " " (ctx.t("违规", "Violation")) }
                    }
                    div class="field" {
                        label for={ (anchor) "-acc" } { (ctx.t("责任追究（违规时必填）", "Accountability action (required for a violation)")) }
                        input id={ (anchor) "-acc" } name="accountability" type="text" maxlength="500" value=(typed_accountability);
                    }
                    div class="field" {
                        label for={ (anchor) "-note" } { (ctx.t("备注", "Note")) }
                        input id={ (anchor) "-note" } name="note" type="text" maxlength="2000" value=(typed_note);
                    }
                    button type="submit" class="resolve-submit" { (ctx.t("办结", "Resolve")) }
                }
            }
            @if matches!(a.status, AlertStatus::Raised | AlertStatus::Acknowledged) && !case_id.starts_with('Q') {
                details class="order-issue" open[typed.as_ref().is_some_and(|t| !t.instructions.is_empty())] {
                    summary { (ctx.t("发出督办", "Issue a supervision order")) }
                    form method="post" action=(ctx.link("/inspector/orders")) class="stack" {
                        (signed.csrf_input()) (ctx.lang_input())
                        input type="hidden" name="case" value=(case_id);
                        input type="hidden" name="alert" value=(doc.id);
                        div class="field" {
                            label for={ (anchor) "-instructions" } { (ctx.t("督办要求（被督办部门须说明和整改的事项）", "What the department is to explain and correct")) }
                            textarea id={ (anchor) "-instructions" } name="instructions" rows="3" maxlength="2000" required {
                                (typed.as_ref().map_or("", |t| t.instructions))
                            }
                        }
                        div class="field" {
                            label for={ (anchor) "-days" } { (ctx.t("回复期限（工作日）", "Reply within (working days)")) }
                            input id={ (anchor) "-days" } name="limit_days" type="number" min="1" max="60" required
                                value=(typed.as_ref().map(|t| t.limit_days).filter(|d| !d.is_empty()).unwrap_or("5"));
                        }
                        button type="submit" class="order-submit" { (ctx.t("发出督办", "Issue")) }
                    }
                }
            }
            @if matches!(a.status, AlertStatus::Raised | AlertStatus::Acknowledged) {
                form method="post" action=(action("dismiss")) class="inline" {
                    (signed.csrf_input()) (ctx.lang_input())
                    label for={ (anchor) "-reason" } { (ctx.t("撤销理由", "Reason to dismiss")) }
                    input id={ (anchor) "-reason" } name="reason" type="text" maxlength="500" required value=(typed_reason);
                    button type="submit" class="secondary dismiss-submit" { (ctx.t("撤销", "Dismiss")) }
                }
            }
        }
    }
}

/// `POST /inspector/alerts/{id}/{verb}`.
pub(crate) async fn act(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let (id, verb) = path.into_inner();
    let form = match signed.verify_post(&mut ctx, &body) {
        Ok(f) => f,
        Err(p) => return p,
    };
    let case_id = ctx.params.get("case").unwrap_or("").to_string();
    let kept: Vec<(&str, String)> = ["finding", "accountability", "note", "reason"]
        .iter()
        .filter_map(|k| form.get(k).map(|v| (*k, v.to_string())))
        .collect();
    let kept: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let actor = signed.principal.actor();
    let note = form.get("note").map(str::to_string);
    let command = match verb.as_str() {
        "acknowledge" => AlertCommand::AcknowledgeAlert { actor, note },
        "resolve" => {
            let finding = match form.get("finding") {
                Some("justified") => Finding::Justified,
                Some("violation") => Finding::Violation,
                _ => {
                    return back(
                        &ctx,
                        &case_id,
                        &id,
                        Err(ctx.t("请选择调查结论。", "Choose a finding.").to_string()),
                        &kept,
                    );
                }
            };
            AlertCommand::ResolveAlert {
                actor,
                finding,
                accountability: form.get("accountability").map(str::to_string),
                note,
            }
        }
        "dismiss" => AlertCommand::DismissAlert {
            actor,
            reason: form.get("reason").unwrap_or("").to_string(),
        },
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
    let result = match engine
        .execute_alert(&id, command, signed.meta(&request_id))
        .await
    {
        Ok(_) => Ok(verb.clone()),
        Err(AggregateError::UserError(e)) => Err(super::refusal_words(ctx.lang, &e)),
        Err(AggregateError::AggregateConflict) => Err(ctx
            .t(
                "预警同时被他人处理，请刷新后重试。",
                "Someone acted on the alert at the same moment; reload and try again.",
            )
            .to_string()),
        Err(e) => {
            tracing::error!(error = %e, "alert action failed");
            return super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t("请稍后再试。", "Please try again shortly."),
            );
        }
    };
    back(&ctx, &case_id, &id, result, &kept)
}

/// Back to the case file (or the desk), with what happened; a refusal carries what was typed
/// (`kept`) so the alert's form shows it again with the error beside it.
fn back(
    ctx: &Ctx,
    case_id: &str,
    alert_id: &str,
    result: Result<String, String>,
    kept: &[(&str, &str)],
) -> HttpResponse {
    let base = if case_id.is_empty() || case_id.len() > 64 {
        "/inspector".to_string()
    } else if is_question_id(case_id) {
        format!("/inspector/questions/{}", encode_component(case_id))
    } else {
        format!("/inspector/cases/{}", encode_component(case_id))
    };
    let query = match &result {
        Ok(verb) => format!("done={}", encode_component(verb)),
        Err(message) => {
            let mut query = format!(
                "error={}&alert={}",
                encode_component(message),
                encode_component(alert_id)
            );
            for (name, value) in kept {
                if !value.is_empty() {
                    query.push_str(&format!("&{name}={}", encode_component(value)));
                }
            }
            query
        }
    };
    redirect(&format!(
        "{}#alert-{}",
        ctx.link(&format!("{base}?{query}")),
        encode_component(alert_id)
    ))
}

fn period(ctx: &Ctx) -> Result<(NaiveDate, NaiveDate), &'static str> {
    let today = ctx.now.date_naive();
    let parse = |name: &str| {
        ctx.params
            .get(name)
            .map(str::parse::<NaiveDate>)
            .transpose()
    };
    let from =
        parse("from").map_err(|_| ctx.t("起始日期有误。", "The first day is not a date."))?;
    let to = parse("to").map_err(|_| ctx.t("截止日期有误。", "The last day is not a date."))?;
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let to = to.unwrap_or(today);
    if to < from {
        return Err(ctx.t(
            "截止日不能早于起始日。",
            "The last day is before the first.",
        ));
    }
    Ok((from, to))
}

/// `GET /inspector/scorecards`.
pub(crate) async fn scorecards(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let title = ctx.t("绩效评估", "Scorecards");
    let (from, to) = match period(&ctx) {
        Ok(p) => p,
        Err(message) => {
            let body =
                html! { h1 { (title) } p class="error" role="alert" id="error" { (message) } };
            return page(
                &ctx,
                &signed,
                StatusCode::BAD_REQUEST,
                title.to_string(),
                body,
            );
        }
    };
    let rows = match engine.reads_own().scorecards(from, to).await {
        Ok(r) => r,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let opt = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into());
    let on_time = crate::web::charts::bar_chart(
        ctx.t("按时办结率（%）", "Concluded on time (%)"),
        &rows,
        |r| r.on_time_rate,
        Some(100.0),
    );
    let alerts = crate::web::charts::bar_chart(
        ctx.t("每百件预警数", "Alerts per 100 cases"),
        &rows,
        |r| r.alerts_per_100_cases,
        None,
    );
    let csv = ctx.link(&format!(
        "/inspector/scorecards.csv?from={}&to={}",
        ymd(from),
        ymd(to)
    ));
    let body = html! {
        h1 { (title) }
        form id="period" method="get" action="/inspector/scorecards" class="filters" {
            (ctx.lang_input())
            div class="field" { label for="from" { (ctx.t("起始日", "From")) } input id="from" name="from" type="date" value=(ymd(from)); }
            div class="field" { label for="to" { (ctx.t("截止日", "To")) } input id="to" name="to" type="date" value=(ymd(to)); }
            div class="actions" { button id="period-submit" type="submit" { (ctx.t("统计", "Show")) } }
        }
        p { a id="csv" href=(csv) { (ctx.t("导出 CSV", "Download CSV")) } }
        @if rows.is_empty() {
            p id="no-rows" class="muted" { (ctx.t("该期间没有办件。", "No cases in this period.")) }
        } @else {
            table id="scorecards" class="list" {
                caption { (ymd(from)) " – " (ymd(to)) }
                thead { tr {
                    th scope="col" { (ctx.t("部门", "Department")) }
                    th scope="col" { (ctx.t("受理", "Cases")) }
                    th scope="col" { (ctx.t("办结", "Concluded")) }
                    th scope="col" { (ctx.t("按时率%", "On time %")) }
                    th scope="col" { (ctx.t("平均用时（工作日）", "Average working days")) }
                    th scope="col" { (ctx.t("预警", "Alerts")) }
                    th scope="col" { (ctx.t("每百件预警", "Alerts per 100")) }
                    th scope="col" { (ctx.t("违规", "Violations")) }
                    th scope="col" { (ctx.t("档内平均位置%", "Position in band %")) }
                    th scope="col" { (ctx.t("裁量偏离", "Deviations")) }
                } }
                tbody {
                    @for r in &rows {
                        tr data-department=(r.department) {
                            th scope="row" { (r.department_name) }
                            td class="cases" { (r.cases) }
                            td { (r.concluded) }
                            td { (opt(r.on_time_rate)) }
                            td { (opt(r.average_working_days)) }
                            td class="alerts" { (r.alerts) }
                            td { (opt(r.alerts_per_100_cases)) }
                            td class="violations" { (r.violations) }
                            td { (opt(r.average_band_position)) }
                            td class="deviations" { (r.discretion_deviations) }
                        }
                    }
                }
            }
            div class="chart" id="chart-on-time" { (PreEscaped(on_time)) }
            div class="chart" id="chart-alerts" { (PreEscaped(alerts)) }
        }
    };
    page(&ctx, &signed, StatusCode::OK, title.to_string(), body)
}

/// `GET /inspector/scorecards.csv`.
pub(crate) async fn scorecards_csv(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let Ok((from, to)) = period(&ctx) else {
        return super::bad_query(&ctx, Section::Officer);
    };
    match engine.reads_own().scorecards(from, to).await {
        Ok(rows) => crate::web::api::scorecards_csv_response(&rows, from, to),
        Err(e) => super::unavailable(&ctx, Section::Officer, e),
    }
}

/// What a recorded read was for, in words.
fn read_purpose<'a>(ctx: &Ctx, purpose: &'a str) -> &'a str {
    match purpose {
        "officer_case_page" => ctx.t("承办人员查看办件", "an officer's case page"),
        "inspector_case_page" => ctx.t("监察人员查看办件", "an inspector's case page"),
        "inspector_case_file" | "api_case" | "api_case_events" => {
            ctx.t("通过接口调阅办件", "the case read through the API")
        }
        "inspector_alert_detail" => ctx.t("查看告警详情", "an alert's details"),
        "material" => ctx.t("查看申请材料", "a material opened"),
        "result_document" => ctx.t("查看决定书", "the result document opened"),
        other => other,
    }
}

/// Whether an alert's subject is a question from the public (`Q` + date + 8 symbols), not a
/// case (tracking numbers start `YG`).
fn is_question_id(id: &str) -> bool {
    id.starts_with('Q') && id.len() == 17 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Where an alert's subject is shown: the case file, or the question.
fn subject_path(rule: Option<AlertRule>, id: &str) -> String {
    if rule == Some(AlertRule::UnansweredQuestion) || is_question_id(id) {
        format!("/inspector/questions/{}", encode_component(id))
    } else {
        format!("/inspector/cases/{}", encode_component(id))
    }
}

/// `GET /inspector/questions/{id}`: a question from the public with its alerts, to act on.
pub(crate) async fn question(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    id: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Inspector]) {
        return p;
    }
    let not_found = || {
        super::message_page(
            &ctx,
            StatusCode::NOT_FOUND,
            Section::Officer,
            ctx.t("未找到咨询", "No such question"),
            ctx.t("没有这条咨询。", "There is no such question."),
        )
    };
    if id.len() > 64 {
        return not_found();
    }
    let reads = engine.reads_own();
    reads.wait_for_view("questions").await;
    let q = match engine
        .repo()
        .view_doc::<projections::questions::QuestionDoc>("questions", &id)
        .await
    {
        Ok(Some(q)) => q,
        Ok(None) => return not_found(),
        Err(e) => return super::unavailable(&ctx, Section::Officer, e.into()),
    };
    reads.wait_for_view("alerts").await;
    let alerts: Vec<AlertDoc> = match engine
        .repo()
        .view_docs_text("alerts", Some(&q.department))
        .await
    {
        Ok(docs) => docs
            .iter()
            .filter_map(|d| serde_json::from_str::<AlertDoc>(d).ok())
            .filter(|d| d.alert.case_id == q.id)
            .collect(),
        Err(e) => return super::unavailable(&ctx, Section::Officer, e.into()),
    };
    let done = ctx.params.get("done").map(|d| done_words(ctx.lang, d));
    let error = ctx
        .params
        .get("error")
        .filter(|_| ctx.params.get("alert").is_none());
    let names = reads.directory().await.unwrap_or_default();
    let department_name = names.department(&q.department);
    let body = html! {
        (signed.bar(&ctx))
        p class="breadcrumb" { a href=(ctx.link("/inspector")) { (ctx.t("电子监察台", "Supervision desk")) } }
        h1 { (ctx.t("网上咨询", "Question from the public")) }
        @if let Some(d) = done { p class="ok-note" role="status" id="done" { (d) } }
        @if let Some(e) = error { p class="error" role="alert" id="error" { (e) } }
        dl class="facts summary" {
            div { dt { (ctx.t("事项", "Power")) } dd { (q.power_name) } }
            div { dt { (ctx.t("部门", "Department")) } dd { (department_name) } }
            @if let Some(at) = q.asked_at { div { dt { (ctx.t("咨询时间", "Asked")) } dd { (cst(at)) } } }
        }
        blockquote id="question-text" { (q.text) }
        @match &q.answer {
            Some(a) => { p id="question-answer" { strong { (ctx.t("答复：", "Answer: ")) } (a.text) " · " (cst(a.at)) } }
            None => { p class="flag overdue" id="question-unanswered" { (ctx.t("尚未答复", "Not answered yet")) } }
        }
        section aria-labelledby="h-alerts" {
            h2 id="h-alerts" { (ctx.t("预警", "Alerts")) }
            @for doc in &alerts { (alert_block(&ctx, &signed, &names, doc, &q.id)) }
            @if alerts.is_empty() { p class="muted" { (ctx.t("无。", "None.")) } }
        }
    };
    respond_private(
        StatusCode::OK,
        layout(Page {
            ctx: &ctx,
            title: ctx.t("网上咨询", "Question").to_string(),
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}
