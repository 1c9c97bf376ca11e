//! The home page with the catalogue search (职权目录), and one power's guide (办事指南).
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::flowchart::StepKind;
use aggregates::power::{Category, Disclosure, FeeItem};
use maud::{Markup, PreEscaped, html};

use super::{Ctx, Lang, Page, Section, layout, message_page, respond, working_days};
use crate::engine::Engine;
use crate::queries::{PowerQuery, PowerSummary};
use crate::web::render::{FlowchartStyle, flowchart_svg_bounded};

const CATEGORIES: [Category; 10] = [
    Category::Licensing,
    Category::Penalty,
    Category::Enforcement,
    Category::Levy,
    Category::Benefit,
    Category::Inspection,
    Category::Confirmation,
    Category::Reward,
    Category::Adjudication,
    Category::Other,
];

/// The category's id as in the API (`licensing`).
fn category_id(category: Category) -> String {
    serde_json::to_value(category)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The category's name in the page language.
pub(crate) fn category_name(lang: Lang, category: Category) -> &'static str {
    let en = match category {
        Category::Licensing => "Administrative licensing",
        Category::Penalty => "Administrative penalty",
        Category::Enforcement => "Administrative enforcement",
        Category::Levy => "Administrative levy",
        Category::Benefit => "Administrative benefit",
        Category::Inspection => "Administrative inspection",
        Category::Confirmation => "Administrative confirmation",
        Category::Reward => "Administrative reward",
        Category::Adjudication => "Administrative adjudication",
        Category::Other => "Other administrative power",
    };
    lang.t(category.chinese(), en)
}

/// A category from its id or Chinese alias (`licensing`, `许可`).
fn parse_category(text: &str) -> Option<Category> {
    if let Some(c) = CATEGORIES
        .iter()
        .find(|c| c.chinese() == text || category_id(**c) == text)
    {
        return Some(*c);
    }
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}

fn status_words(lang: Lang, status: &str) -> &'static str {
    match status {
        "active" => lang.t("有效", "In force"),
        "suspended" => lang.t("暂停办理", "Suspended"),
        "revoked" => lang.t("已取消", "Revoked"),
        _ => lang.t("未知", "Unknown"),
    }
}

fn disclosure_words(lang: Lang, d: Disclosure) -> &'static str {
    match d {
        Disclosure::Proactive => lang.t("主动公开", "Published proactively"),
        Disclosure::OnRequest => lang.t("依申请公开", "Disclosed on request"),
        Disclosure::Withheld => lang.t("不予公开", "Not disclosed"),
    }
}

/// `GET /`: the catalogue with its search form.
pub(crate) async fn home(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let all = match engine.reads_own().list_powers(&PowerQuery::default()).await {
        Ok(all) => all,
        Err(e) => return super::unavailable(&ctx, Section::Catalogue, e),
    };
    let departments: BTreeMap<String, String> = all
        .iter()
        .map(|p| (p.department.clone(), p.department_name.clone()))
        .collect();

    let mut errors: Vec<String> = Vec::new();
    if ctx.bad_query {
        errors.push(
            ctx.t(
                "网址中的查询参数无法识别。",
                "The query in the address could not be read.",
            )
            .to_string(),
        );
    }
    let q = match ctx.params.text("q") {
        Ok(q) => q,
        Err(p) => {
            errors.push(p.message(ctx.lang, ctx.t("关键词", "The keywords")));
            None
        }
    };
    let department = match ctx.params.text("department") {
        Ok(Some(d)) if departments.contains_key(d) => Some(d),
        Ok(None) => None,
        Ok(Some(_)) | Err(_) => {
            errors.push(
                ctx.t(
                    "所选部门不存在，请从列表中选择。",
                    "No such department; please choose one from the list.",
                )
                .to_string(),
            );
            None
        }
    };
    let category = match ctx.params.text("category") {
        Ok(None) => None,
        Ok(Some(c)) => match parse_category(c) {
            Some(c) => Some(c),
            None => {
                errors.push(
                    ctx.t(
                        "所选职权类别不存在，请从列表中选择。",
                        "No such category; please choose one from the list.",
                    )
                    .to_string(),
                );
                None
            }
        },
        Err(_) => {
            errors.push(
                ctx.t(
                    "所选职权类别不存在，请从列表中选择。",
                    "No such category; please choose one from the list.",
                )
                .to_string(),
            );
            None
        }
    };

    let results: Option<Vec<PowerSummary>> = if errors.is_empty() {
        let query = PowerQuery {
            q: q.map(str::to_string),
            department: department.map(str::to_string),
            category,
        };
        match engine.reads_own().list_powers(&query).await {
            Ok(r) => Some(r),
            Err(e) => return super::unavailable(&ctx, Section::Catalogue, e),
        }
    } else {
        None
    };
    let filtered = q.is_some() || department.is_some() || category.is_some();

    let body = html! {
        h1 { (ctx.t("行政权力职权目录", "Catalogue of administrative powers")) }
        p class="lead" {
            (ctx.t(
                "查询本区各部门的行政权力事项：法律依据、办理条件、申请材料、办理时限、收费和流程图。",
                "Find the administrative powers of the district's departments: legal basis, \
                 conditions, materials, time limits, fees and flowcharts."
            ))
        }
        @for e in &errors {
            p class="error" role="alert" { (e) }
        }
        form id="search" method="get" action="/" class="search" role="search" {
            (ctx.lang_input())
            div class="field" {
                label for="q" { (ctx.t("关键词", "Keywords")) }
                input id="q" name="q" type="search" value=(q.unwrap_or(""))
                    maxlength="200" autocomplete="off"
                    aria-describedby="q-hint";
                p id="q-hint" class="hint" {
                    (ctx.t("可输入事项名称、编码或部门，如“食品”。", "Name, code or department, e.g. 食品."))
                }
            }
            div class="field" {
                label for="department" { (ctx.t("实施部门", "Department")) }
                select id="department" name="department" {
                    option value="" { (ctx.t("全部部门", "All departments")) }
                    @for (id, name) in &departments {
                        option value=(id) selected[department == Some(id.as_str())] { (name) }
                    }
                }
            }
            div class="field" {
                label for="category" { (ctx.t("职权类别", "Category")) }
                select id="category" name="category" {
                    option value="" { (ctx.t("全部类别", "All categories")) }
                    @for c in CATEGORIES {
                        option value=(category_id(c)) selected[category == Some(c)] {
                            (category_name(ctx.lang, c))
                        }
                    }
                }
            }
            div class="actions" {
                button id="search-submit" type="submit" { (ctx.t("查询", "Search")) }
                @if filtered {
                    " "
                    a href=(ctx.link("/")) { (ctx.t("清除条件", "Clear")) }
                }
            }
        }
        @if let Some(results) = &results {
            h2 id="results-heading" {
                @match ctx.lang {
                    Lang::Zh => { "共 " (results.len()) " 项" }
                    Lang::En => { (results.len()) " powers" }
                }
            }
            @if results.is_empty() {
                p id="no-results" {
                    (ctx.t(
                        "没有找到符合条件的职权事项。请换一个关键词，或清除部门和类别条件。",
                        "No power matches. Try other keywords, or clear the department and category."
                    ))
                }
            }
            ul id="powers" class="power-list" aria-labelledby="results-heading" {
                @for p in results {
                    (power_item(&ctx, p))
                }
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    respond(
        status,
        layout(Page {
            ctx: &ctx,
            title: ctx.t("职权目录", "Catalogue").to_string(),
            section: Section::Catalogue,
            keep_params: true,
            body,
        }),
    )
}

fn power_item(ctx: &Ctx, p: &PowerSummary) -> Markup {
    let href = ctx.link(&format!("/powers/{}", super::encode_component(&p.code)));
    html! {
        li {
            a class="power-link" href=(href) { (p.name) }
            @if p.status != "active" {
                " "
                span class="badge" { (status_words(ctx.lang, &p.status)) }
            }
            dl class="facts" {
                div {
                    dt { (ctx.t("编码", "Code")) }
                    dd { code { (p.code) } }
                }
                div {
                    dt { (ctx.t("类别", "Category")) }
                    dd class="category" { (category_name(ctx.lang, p.category)) }
                }
                div {
                    dt { (ctx.t("实施部门", "Department")) }
                    dd class="department" { (p.department_name) }
                }
                @if let Some(days) = p.statutory_limit_days {
                    div {
                        dt { (ctx.t("法定时限", "Statutory limit")) }
                        dd class="statutory" { (working_days(ctx.lang, days)) }
                    }
                }
                @if let Some(days) = p.promised_limit_days {
                    div {
                        dt { (ctx.t("承诺时限", "Promised limit")) }
                        dd class="promised" { (working_days(ctx.lang, days)) }
                    }
                }
            }
        }
    }
}

fn fee_text(lang: Lang, fee: &FeeItem) -> String {
    if fee.amount_fen.is_zero() {
        if fee.name.trim() == "不收费" {
            lang.t("不收费", "Free of charge").to_string()
        } else {
            format!("{}：{}", fee.name, lang.t("不收费", "free of charge"))
        }
    } else {
        match lang {
            Lang::Zh => format!("{}：{} 元", fee.name, fee.amount_fen.decimal()),
            Lang::En => format!("{}: CNY {}", fee.name, fee.amount_fen.decimal()),
        }
    }
}

/// Whether a link from the data may be shown as a link.
fn safe_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// `GET /powers/{code}`: the guide of one power (办事指南).
pub(crate) async fn power(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let code = req.match_info().get("code").unwrap_or("");
    let not_found = |ctx: &Ctx| {
        message_page(
            ctx,
            StatusCode::NOT_FOUND,
            Section::Catalogue,
            ctx.t("未找到职权事项", "No such power"),
            ctx.t(
                "目录中没有这个编码的职权事项。请从职权目录中查找。",
                "The catalogue has no power with this code. Please look it up in the catalogue.",
            ),
        )
    };
    if !aggregates::power::is_valid_power_code(code) {
        return not_found(&ctx);
    }
    let page = match engine.reads_own().power_page(code, None).await {
        Ok(Some(page)) => page,
        Ok(None) => return not_found(&ctx),
        Err(e) => return super::unavailable(&ctx, Section::Catalogue, e),
    };
    let v = &page.view;
    let c = &v.content;
    let chart_title = match ctx.lang {
        Lang::Zh => format!("{} 办理流程图", v.name),
        Lang::En => format!("{} — flowchart", v.name),
    };
    let svg = flowchart_svg_bounded(
        page.published.flowchart.spec(),
        &FlowchartStyle {
            current: None,
            visited: &[],
            title: &chart_title,
        },
        &[],
    )
    .await;
    let svg = strip_xml_prolog(&svg);
    // The 常见问题 are shown if they can be read; the guide stands without them.
    let questions = engine
        .reads_own()
        .power_questions(&v.department, &v.code)
        .await
        .unwrap_or_default();
    let flow = &page.published.flowchart;
    let step_name = |id: &str| {
        flow.step(id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| id.to_string())
    };

    let body = html! {
        p class="breadcrumb" {
            a href=(ctx.link("/")) { (ctx.t("职权目录", "Catalogue")) }
            " › "
            (category_name(ctx.lang, v.category))
        }
        h1 { (v.name) }
        dl class="facts summary" {
            div { dt { (ctx.t("事项编码", "Code")) } dd id="power-code" { code { (v.code) } } }
            div { dt { (ctx.t("职权类别", "Category")) } dd { (category_name(ctx.lang, v.category)) } }
            div { dt { (ctx.t("实施部门", "Department")) } dd { (v.department_name) } }
            div { dt { (ctx.t("状态", "Status")) } dd id="power-status" { (status_words(ctx.lang, &v.status)) } }
            div {
                dt { (ctx.t("版本", "Version")) }
                dd {
                    (v.version)
                    " "
                    span class="hash" title=(v.content_hash) {
                        "(" (v.content_hash.chars().take(19).collect::<String>()) "…)"
                    }
                }
            }
        }

        @if page.published.category.on_application() && v.status == "active" {
            p class="cta" {
                a id="apply-online" class="button-link" href=(ctx.link(&format!("/powers/{}/apply", super::encode_component(&v.code)))) {
                    (ctx.t("网上申请", "Apply online"))
                }
            }
        }

        section aria-labelledby="h-basis" {
            h2 id="h-basis" { (ctx.t("法律依据", "Legal basis")) }
            ul class="basis" {
                @for b in &c.legal_basis {
                    li {
                        strong { "《" (b.law) "》" }
                        " " (b.article)
                        @if let Some(excerpt) = &b.excerpt {
                            blockquote { p { (excerpt) } }
                        }
                        @if let Some(url) = b.url.as_deref().filter(|u| safe_url(u)) {
                            p class="source" {
                                a href=(url) rel="noopener noreferrer" { (ctx.t("原文出处", "Source text")) }
                            }
                        }
                    }
                }
            }
        }

        @if !c.conditions.is_empty() {
            section aria-labelledby="h-conditions" {
                h2 id="h-conditions" { (ctx.t("办理条件", "Conditions")) }
                ol { @for cond in &c.conditions { li { (cond) } } }
            }
        }

        @if !c.materials.is_empty() {
            section aria-labelledby="h-materials" {
                h2 id="h-materials" { (ctx.t("申请材料", "Materials")) }
                ol class="materials" {
                    @for m in &c.materials {
                        li {
                            (m.name)
                            @if let Some(n) = m.copies {
                                " "
                                span class="muted" {
                                    @match ctx.lang {
                                        Lang::Zh => { "（" (n) " 份）" }
                                        Lang::En => { "(" (n) (if n == 1 { " copy" } else { " copies" }) ")" }
                                    }
                                }
                            }
                            @if let Some(note) = &m.note {
                                br;
                                span class="muted" { (note) }
                            }
                        }
                    }
                }
            }
        }

        @if !c.forms.is_empty() {
            section aria-labelledby="h-forms" {
                h2 id="h-forms" { (ctx.t("表格下载", "Forms")) }
                ul class="forms" id="forms" {
                    @for f in &c.forms {
                        li {
                            a href=(format!("/api/v1/powers/{}/forms/{}", super::encode_component(&v.code), f.sha256)) download {
                                (f.title)
                            }
                            " " span class="muted" { "（PDF）" }
                        }
                    }
                }
            }
        }

        (super::questions::section(&ctx, &v.code, &questions))

        section aria-labelledby="h-limits" {
            h2 id="h-limits" { (ctx.t("办理时限", "Time limits")) }
            dl class="facts" {
                div {
                    dt { (ctx.t("法定时限", "Statutory limit")) }
                    dd id="statutory-limit" { (working_days(ctx.lang, c.statutory_limit_days)) }
                }
                @if let Some(days) = c.promised_limit_days {
                    div {
                        dt { (ctx.t("承诺时限", "Promised limit")) }
                        dd id="promised-limit" { (working_days(ctx.lang, days)) }
                    }
                }
                @if let Some(ext) = &c.extension {
                    div {
                        dt { (ctx.t("延长期限", "Extension")) }
                        dd { (working_days(ctx.lang, ext.days)) br; span class="muted" { (ext.basis) } }
                    }
                }
            }
            @if let Some(source) = &c.limit_source {
                p class="limit-source" {
                    strong { (ctx.t("时限依据：", "Where the limit comes from: ")) }
                    (source)
                }
            }
            p class="hint" {
                (ctx.t(
                    "时限按工作日计算：受理当日不计入，自次日起计算；法定节假日不计，调休上班日计入。",
                    "Limits count working days: the day of acceptance is not counted; counting \
                     starts the next day; public holidays are not counted; make-up workdays are."
                ))
                " "
                a href=(ctx.link("/calculator")) { (ctx.t("期限计算", "Deadline calculator")) }
            }
        }

        section aria-labelledby="h-fees" {
            h2 id="h-fees" { (ctx.t("收费标准", "Fees")) }
            @if c.fees.is_empty() {
                p id="fees" { (ctx.t("不收费", "Free of charge")) }
            } @else {
                ul id="fees" {
                    @for fee in &c.fees {
                        li {
                            (fee_text(ctx.lang, fee))
                            @if let Some(basis) = &fee.basis {
                                br;
                                span class="muted" { (basis) }
                            }
                        }
                    }
                }
            }
        }

        section aria-labelledby="h-disclosure" {
            h2 id="h-disclosure" { (ctx.t("公开属性与监督", "Disclosure and supervision")) }
            dl class="facts" {
                div {
                    dt { (ctx.t("公开属性", "Disclosure")) }
                    dd id="disclosure" { (disclosure_words(ctx.lang, c.disclosure)) }
                }
                div {
                    dt { (ctx.t("监督渠道", "Supervision")) }
                    dd id="supervision" { (c.supervision_channel) }
                }
            }
        }

        section aria-labelledby="h-flow" {
            h2 id="h-flow" { (ctx.t("办理流程", "Procedure")) }
            div class="flow" {
                figure id="flowchart" {
                    div class="chart" { (PreEscaped(svg)) }
                    figcaption {
                        (ctx.t(
                            "流程图：粗框为起始环节，圆角双框为办结环节；虚线框环节暂停计时（等待期间不计入办理时限）；红色虚线为例外流转。文字版见环节列表。",
                            "Flowchart: the bold box is the first step, rounded double boxes are the \
                             end steps; dashed steps pause the clock (waiting there does not count \
                             towards the limit); dark red dashed arrows are exceptional transitions. \
                             The list of steps gives the same in text."
                        ))
                    }
                }
                div class="steps-text" {
                    h3 id="h-steps" { (ctx.t("办理环节（文字版）", "Steps (text version)")) }
                    ol id="steps" class="steps" aria-labelledby="h-steps" {
                        @for s in flow.steps() {
                            li data-step=(s.id) {
                                strong { (s.name) }
                                @match s.kind {
                                    StepKind::Start => { " " span class="badge" { (ctx.t("起始", "first step")) } }
                                    StepKind::End => { " " span class="badge" { (ctx.t("办结", "end")) } }
                                    StepKind::Task => {}
                                }
                                @if s.pauses_clock {
                                    " " span class="badge pause" { (ctx.t("暂停计时", "clock paused")) }
                                }
                                ul class="step-facts" {
                                    @if let Some(role) = &s.role {
                                        li { (ctx.t("岗位：", "Role: ")) (role) }
                                    }
                                    @if let Some(days) = s.limit_days {
                                        li { (ctx.t("环节时限：", "Own limit: ")) (working_days(ctx.lang, days)) }
                                    }
                                    @if let Some(result) = &s.result {
                                        li { (ctx.t("办理结果：", "Result: ")) (result) }
                                    }
                                    @for t in flow.outgoing(&s.id) {
                                        li {
                                            "“" (t.outcome) "” → " (step_name(&t.to))
                                            @if t.exception {
                                                " " span class="muted" { (ctx.t("（例外）", "(exception)")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p class="actions" {
            a href=(ctx.link("/track")) { (ctx.t("已办理？查询办件进度", "Already applied? Track your case")) }
        }
    };
    respond(
        StatusCode::OK,
        layout(Page {
            ctx: &ctx,
            title: v.name.clone(),
            section: Section::Catalogue,
            keep_params: true,
            body,
        }),
    )
}

/// The SVG without an XML declaration or doctype, for inlining in HTML.
fn strip_xml_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => "",
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn categories_parse_by_id_and_chinese_name() {
        assert_eq!(parse_category("licensing"), Some(Category::Licensing));
        assert_eq!(parse_category("行政许可"), Some(Category::Licensing));
        assert_eq!(parse_category("许可"), Some(Category::Licensing));
        assert_eq!(parse_category("<script>"), None);
    }
}
