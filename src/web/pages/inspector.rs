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
use aggregates::case::{CaseEvent, CaseId};
use chrono::{Datelike, NaiveDate};
use cqrs_es::AggregateError;
use maud::{Markup, PreEscaped, html};
use projections::alert_queue::AlertDoc;
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Section, cst, encode_component, layout, respond_private, ymd};
use crate::engine::Engine;
use crate::queries::CaseFileError;
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
        nav class="subnav" aria-label=(ctx.t("监察台", "Desk")) {
            a href=(ctx.link("/inspector")) { (ctx.t("预警督办", "Alerts")) }
            " · "
            a href=(ctx.link("/inspector/scorecards")) { (ctx.t("绩效评估", "Scorecards")) }
        }
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
    let mut alerts: Vec<(AlertDoc, i64)> = Vec::new();
    let mut departments: Vec<String> = Vec::new();
    if errors.is_empty() {
        engine
            .wait_for_view("alerts", crate::store::Cursor::default())
            .await;
        let docs = match engine.repo().view_docs_text("alerts", None).await {
            Ok(d) => d,
            Err(e) => return super::unavailable(&ctx, Section::Officer, e.into()),
        };
        for doc in docs {
            let Ok(doc) = serde_json::from_str::<AlertDoc>(&doc) else {
                continue;
            };
            if !departments.contains(&doc.alert.department) {
                departments.push(doc.alert.department.clone());
            }
            let age = doc
                .alert
                .raised_at
                .map(|at| (ctx.now - at).num_days())
                .unwrap_or(0);
            let wanted = status.is_none_or(|s| s == doc.alert.status)
                && rule.is_none_or(|r| Some(r) == doc.alert.rule)
                && severity.is_none_or(|s| Some(s) == doc.alert.severity)
                && department
                    .as_deref()
                    .is_none_or(|d| d == doc.alert.department)
                && min_age.is_none_or(|m| age >= m);
            if wanted {
                alerts.push((doc, age));
            }
        }
        departments.sort();
        // Red first, then the oldest: what needs attention first.
        alerts.sort_by(|a, b| {
            (b.0.alert.severity, a.0.alert.raised_at)
                .cmp(&(a.0.alert.severity, b.0.alert.raised_at))
        });
    }
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
                    @for d in &departments {
                        option value=(d) selected[selected("department", d)] { (d) }
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
        p id="alert-count" { (ctx.t("共 ", "")) (alerts.len()) (ctx.t(" 条", " alerts")) }
        @if !alerts.is_empty() {
            table id="alerts" class="list" {
                caption class="visually-hidden" { (title) }
                thead { tr {
                    th scope="col" { (ctx.t("等级", "Severity")) }
                    th scope="col" { (ctx.t("规则", "Rule")) }
                    th scope="col" { (ctx.t("办件", "Case")) }
                    th scope="col" { (ctx.t("部门", "Department")) }
                    th scope="col" { (ctx.t("生成时间", "Raised")) }
                    th scope="col" { (ctx.t("天数", "Days")) }
                    th scope="col" { (ctx.t("状态", "Status")) }
                } }
                tbody {
                    @for (doc, age) in &alerts {
                        @let a = &doc.alert;
                        tr data-alert=(doc.id) {
                            td { @if let Some(s) = a.severity {
                                span class={ "flag " @match s { Severity::Red => "overdue", Severity::Yellow => "due-soon", Severity::Info => "ok" } } { (severity_words(ctx.lang, s)) }
                            } }
                            td { @if let Some(r) = a.rule { (rule_words(ctx.lang, r)) } }
                            td { a href=(ctx.link(&format!("{}#alert-{}", subject_path(a.rule, &a.case_id), encode_component(&doc.id)))) { code { (a.case_id) } } }
                            td { (a.department) }
                            td { @if let Some(at) = a.raised_at { (cst(at)) } }
                            td { (age) }
                            td class="alert-status" { (status_words(ctx.lang, a.status)) }
                        }
                    }
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
    let done = ctx.params.get("done");
    let error = ctx.params.get("error");
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
            div { dt { (ctx.t("事项", "Power")) } dd { (case.power_name) " (" (case.power_code) " v" (case.power_version) ")" } }
            div { dt { (ctx.t("部门", "Department")) } dd { (case.department) } }
            div { dt { (ctx.t("状态", "Status")) } dd id="case-status" { (super::track::status_words(ctx.lang, case.status)) } }
            div { dt { (ctx.t("当前环节", "Current step")) } dd { (case.current_step_name) } }
            @if let Some(p) = &case.party {
                div { dt { (ctx.t("当事人", "Party")) } dd id="party" { (p.name) " · " (p.id_number)
                    @if let Some(ph) = &p.phone { " · " (ph) }
                    @if let Some(ad) = &p.address { " · " (ad) } } }
            }
            @if let Some(r) = &case.received_at { div { dt { (ctx.t("受理时间", "Received")) } dd { (cst(*r)) } } }
            @if let Some(pen) = &case.penalty {
                div { dt { (ctx.t("处罚决定", "Penalty")) } dd id="penalty" {
                    (pen.amount_fen.decimal()) (ctx.t(" 元 · ", " yuan · ")) (pen.check.label)
                    @if pen.check.deviation { " " strong class="flag overdue" { (ctx.t("偏离裁量基准", "departs from the standard")) } }
                } }
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
            p id="path" { (ctx.t("路径：", "Path: ")) (file.path.join(" → ")) }
        }
        section aria-labelledby="h-alerts" {
            h2 id="h-alerts" { (ctx.t("本案预警", "Alerts on this case")) }
            @if file.alerts.is_empty() { p class="muted" { (ctx.t("无。", "None.")) } }
            @for doc in &file.alerts {
                (alert_block(&ctx, &signed, doc, &case.tracking_no))
            }
        }
        section aria-labelledby="h-events" {
            h2 id="h-events" { (ctx.t("全部事件", "Every event")) }
            ol id="events" class="timeline" {
                @for e in &file.events {
                    li data-sequence=(e.sequence) {
                        time { (cst(e.recorded_at.fixed_offset())) } " "
                        strong { (event_words(ctx.lang, &e.payload, &e.event_type)) }
                        " — " span class="actor" { (e.metadata.get("actor").and_then(|a| a.as_str()).unwrap_or("")) }
                    }
                }
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
                            strong { (ctx.t("评价", "Rating")) } "：" (r["score"]) "/5 "
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
                    li { (cst(r.at)) " · " code { (r.reader) } " · " (read_purpose(&ctx, &r.purpose)) }
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

fn event_words(lang: Lang, payload: &serde_json::Value, event_type: &str) -> String {
    match serde_json::from_value::<CaseEvent>(payload.clone()) {
        Ok(CaseEvent::StepCompleted {
            from_name,
            outcome,
            to_name,
            ..
        }) => {
            format!("{from_name}：{outcome} → {to_name}")
        }
        Ok(CaseEvent::PenaltyDecisionRecorded {
            amount_fen, check, ..
        }) => format!(
            "{}{} {} · {}",
            lang.t("处罚决定 ", "Penalty decision "),
            amount_fen.decimal(),
            lang.t("元", "yuan"),
            check.label
        ),
        Ok(CaseEvent::FeeCharged {
            item, amount_fen, ..
        }) => {
            format!("{}{item} {}", lang.t("收费 ", "Fee "), amount_fen.decimal())
        }
        Ok(CaseEvent::ClockPaused { reason, .. }) => {
            format!("{}{reason}", lang.t("暂停计时：", "Clock paused: "))
        }
        Ok(CaseEvent::ClockResumed { reason, .. }) => {
            format!("{}{reason}", lang.t("恢复计时：", "Clock resumed: "))
        }
        Ok(CaseEvent::CaseConcluded { result, .. }) => {
            format!("{}{result}", lang.t("办结：", "Concluded: "))
        }
        Ok(CaseEvent::LimitExtended {
            days,
            approved_by,
            reason,
            ..
        }) => match lang {
            Lang::Zh => format!("延长期限：{days} 个工作日，批准人 {approved_by}；{reason}"),
            Lang::En => {
                format!("Limit extended: {days} working days, approved by {approved_by}; {reason}")
            }
        },
        _ => event_type.to_string(),
    }
}

fn alert_block(ctx: &Ctx, signed: &SignedIn, doc: &AlertDoc, case_id: &str) -> Markup {
    let a = &doc.alert;
    let action = |verb: &str| {
        format!(
            "/inspector/alerts/{}/{verb}?case={}",
            encode_component(&doc.id),
            encode_component(case_id)
        )
    };
    let anchor = format!("alert-{}", doc.id);
    html! {
        article class="alert-card" id=(anchor) data-status=(a.status.as_str()) {
            h3 {
                @if let Some(s) = a.severity { (severity_words(ctx.lang, s)) " · " }
                @if let Some(r) = a.rule { (rule_words(ctx.lang, r)) }
                " · " span class="alert-status" { (status_words(ctx.lang, a.status)) }
            }
            p class="muted" { code { (doc.id) } @if let Some(at) = a.raised_at { " · " (cst(at)) } }
            @let provisional: Vec<i32> = a.details.get("provisional_years")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            @if !provisional.is_empty() {
                p class="alert-provisional warning" {
                    (ctx.t("所依据的期限届满日：", "The due date it rests on: "))
                    (super::provisional_note(ctx, &provisional))
                }
            }
            details { summary { (ctx.t("规则所见", "What the rule saw")) }
                pre { (serde_json::to_string_pretty(&a.details).unwrap_or_default()) } }
            @if let Some(ack) = &a.acknowledged { p { (ctx.t("签收人：", "Acknowledged by ")) code { (ack.by) } } }
            @if let Some(res) = &a.resolution {
                p class="resolution" { (ctx.t("结论：", "Finding: "))
                    @match res.finding { Finding::Justified => { (ctx.t("有正当理由", "justified")) } Finding::Violation => { (ctx.t("违规", "violation")) } }
                    @if let Some(acc) = &res.accountability { " · " (ctx.t("责任追究：", "Accountability: ")) (acc) } }
            }
            @if let Some(d) = &a.dismissal { p { (ctx.t("撤销理由：", "Dismissed: ")) (d.reason) } }
            @if a.status == AlertStatus::Raised {
                form method="post" action=(action("acknowledge")) class="inline" {
                    (signed.csrf_input()) (ctx.lang_input())
                    label for={ (anchor) "-ack-note" } { (ctx.t("签收备注", "Note")) }
                    input id={ (anchor) "-ack-note" } name="note" type="text" maxlength="2000";
                    button type="submit" class="ack-submit" { (ctx.t("签收", "Acknowledge")) }
                }
            }
            @if a.status == AlertStatus::Acknowledged {
                form method="post" action=(action("resolve")) class="stack" {
                    (signed.csrf_input()) (ctx.lang_input())
                    fieldset {
                        legend { (ctx.t("调查结论", "Finding")) }
                        label class="choice" { input type="radio" name="finding" value="justified" required; " " (ctx.t("有正当理由", "Justified")) }
                        label class="choice" { input type="radio" name="finding" value="violation" required; " " (ctx.t("违规", "Violation")) }
                    }
                    div class="field" {
                        label for={ (anchor) "-acc" } { (ctx.t("责任追究（违规时必填）", "Accountability action (required for a violation)")) }
                        input id={ (anchor) "-acc" } name="accountability" type="text" maxlength="500";
                    }
                    div class="field" {
                        label for={ (anchor) "-note" } { (ctx.t("备注", "Note")) }
                        input id={ (anchor) "-note" } name="note" type="text" maxlength="2000";
                    }
                    button type="submit" class="resolve-submit" { (ctx.t("办结", "Resolve")) }
                }
            }
            @if matches!(a.status, AlertStatus::Raised | AlertStatus::Acknowledged) {
                form method="post" action=(action("dismiss")) class="inline" {
                    (signed.csrf_input()) (ctx.lang_input())
                    label for={ (anchor) "-reason" } { (ctx.t("撤销理由", "Reason to dismiss")) }
                    input id={ (anchor) "-reason" } name="reason" type="text" maxlength="500" required;
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
    back(&ctx, &case_id, &id, result)
}

/// Back to the case file (or the desk), with what happened.
fn back(ctx: &Ctx, case_id: &str, alert_id: &str, result: Result<String, String>) -> HttpResponse {
    let base = if case_id.is_empty() || case_id.len() > 64 {
        "/inspector".to_string()
    } else if is_question_id(case_id) {
        format!("/inspector/questions/{}", encode_component(case_id))
    } else {
        format!("/inspector/cases/{}", encode_component(case_id))
    };
    let query = match &result {
        Ok(verb) => format!("done={}", encode_component(verb)),
        Err(message) => format!("error={}", encode_component(message)),
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
                            th scope="row" { (r.department) }
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
    let done = ctx.params.get("done");
    let error = ctx.params.get("error");
    let department_name = match engine.catalogue().load(&q.power_code).await {
        Ok(Some(r)) => r.power.department_name.clone(),
        _ => q.department.clone(),
    };
    let body = html! {
        (signed.bar(&ctx))
        p class="breadcrumb" { a href=(ctx.link("/inspector")) { (ctx.t("电子监察台", "Supervision desk")) } }
        h1 { (ctx.t("网上咨询", "Question from the public")) " " code { (q.id) } }
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
            @for doc in &alerts { (alert_block(&ctx, &signed, doc, &q.id)) }
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
