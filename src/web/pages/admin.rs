//! Catalogue administrators' pages (职权目录管理): the department's catalogue, a new power
//! version uploaded as YAML with every validation problem shown next to its step and the
//! flowchart drawn before publishing, publishing, and suspending, reinstating or revoking
//! with a reason.
//!
//! The YAML is one entry of a catalogue file (`code`, `name`, `category`, `department`,
//! `department_name`, `version`), the shape `yangguang catalogue export` writes, so an
//! administrator can export, edit and upload. Publishing re-checks everything: the preview
//! is a convenience, never a promise. The commands are the API's (`RegisterPower`,
//! `PublishPowerVersion`, `SuspendPower`...), with the account as the actor.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::power::{PowerCommand, PowerError, VersionProblem};
use cqrs_es::AggregateError;
use maud::{Markup, PreEscaped, html};
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Section, layout, respond_private};
use crate::engine::Engine;
use crate::engine::catalogue_file::PowerEntry;
use crate::queries::PowerQuery;
use crate::web::render::{FlowchartStyle, flowchart_svg_bounded};

/// Largest YAML accepted, in bytes (the API's JSON limit).
const MAX_YAML: usize = crate::web::api::JSON_LIMIT;

fn page(ctx: &Ctx, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
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

use super::redirect;

fn status_words(lang: Lang, status: &str) -> &'static str {
    match status {
        "active" => lang.t("有效", "In force"),
        "suspended" => lang.t("已暂停", "Suspended"),
        "revoked" => lang.t("已取消", "Revoked"),
        _ => lang.t("未知", "Unknown"),
    }
}

/// `GET /admin`: the department's catalogue.
pub(crate) async fn catalogue(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let powers = match engine
        .reads_own()
        .list_powers(&PowerQuery {
            department: Some(signed.department().to_string()),
            ..PowerQuery::default()
        })
        .await
    {
        Ok(p) => p,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let done = ctx.params.get("done");
    let code = ctx.params.get("code").unwrap_or("");
    let body = html! {
        (signed.bar(&ctx))
        h1 { (ctx.t("本部门职权目录", "Your department's catalogue")) }
        @match done {
            Some("published") => p class="ok-note" role="status" id="done" { (ctx.t("已发布新版本：", "New version published: ")) code { (code) } }
            Some("unchanged") => p class="ok-note" role="status" id="done" { (ctx.t("内容与当前版本相同，未发布新版本：", "Same content as the current version; nothing published: ")) code { (code) } }
            Some("status") => p class="ok-note" role="status" id="done" { (ctx.t("状态已更改：", "Status changed: ")) code { (code) } }
            _ => {}
        }
        (super::calendar_admin::provisional_banner(&ctx, &engine))
        p {
            a id="upload-link" href=(ctx.link("/admin/upload")) { (ctx.t("上传新版本（YAML）", "Upload a new version (YAML)")) }
            " · "
            a id="calendar-link" href=(ctx.link("/admin/calendar")) { (ctx.t("工作日历管理", "Working-day calendar")) }
            " · "
            a id="notifications-link" href=(ctx.link("/admin/notifications")) { (ctx.t("办理通知发送情况", "Notifications to applicants")) }
        }
        div class="table-scroll" {
            table id="catalogue" {
                caption { (ctx.t("职权事项", "Powers")) }
                thead { tr {
                    th scope="col" { (ctx.t("编码", "Code")) }
                    th scope="col" { (ctx.t("名称", "Name")) }
                    th scope="col" { (ctx.t("类别", "Category")) }
                    th scope="col" { (ctx.t("当前版本", "Current version")) }
                    th scope="col" { (ctx.t("状态", "Status")) }
                    th scope="col" { (ctx.t("操作", "Actions")) }
                } }
                tbody {
                    @for p in &powers {
                        tr data-code=(p.code) {
                            td { code { (p.code) } }
                            td { a href=(ctx.link(&format!("/powers/{}", super::encode_component(&p.code)))) { (p.name) } }
                            td { (p.category_name) }
                            td { @if let Some(v) = p.current_version { "v" (v) } @else { "—" } }
                            td class="power-status" { (status_words(ctx.lang, &p.status)) }
                            td {
                                a href=(ctx.link(&format!("/admin/upload?code={}", super::encode_component(&p.code)))) { (ctx.t("编辑并上传新版本", "Edit and upload a new version")) }
                                @if p.status != "revoked" {
                                    @let form_id = format!("status-{}", p.code);
                                    form id=(form_id) method="post" action=(ctx.link(&format!("/admin/powers/{}/status", super::encode_component(&p.code)))) class="status-form" {
                                        (signed.csrf_input())
                                        (ctx.lang_input())
                                        div class="field" {
                                            label for={(form_id) "-action"} { (ctx.t("更改状态", "Change status")) }
                                            select id={(form_id) "-action"} name="action" {
                                                @if p.status == "active" {
                                                    option value="suspend" { (ctx.t("暂停（不再受理新办件）", "Suspend (no new cases)")) }
                                                } @else {
                                                    option value="reinstate" { (ctx.t("恢复", "Reinstate")) }
                                                }
                                                option value="revoke" { (ctx.t("取消（不可恢复）", "Revoke (for good)")) }
                                            }
                                        }
                                        div class="field" {
                                            label for={(form_id) "-reason"} { (ctx.t("原因", "Reason")) " *" }
                                            input id={(form_id) "-reason"} name="reason" type="text" required maxlength="500";
                                        }
                                        div class="actions" { button type="submit" class="secondary" { (ctx.t("提交", "Submit")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if powers.is_empty() {
            p id="no-powers" { (ctx.t("本部门还没有登记职权事项。", "Your department has no powers yet.")) }
        } @else {
            (forms_upload(&ctx, &signed, &powers.iter().map(|p| (p.code.clone(), p.name.clone())).collect::<Vec<_>>()))
        }
    };
    page(
        &ctx,
        StatusCode::OK,
        ctx.t("职权目录管理", "Catalogue"),
        body,
    )
}

fn upload_form(ctx: &Ctx, signed: &SignedIn, yaml: &str) -> Markup {
    html! {
        form id="upload" method="post" action=(ctx.link("/admin/upload")) class="console-form" {
            (signed.csrf_input())
            (ctx.lang_input())
            div class="field" {
                label for="yaml" { (ctx.t("职权事项（YAML）", "The power (YAML)")) }
                p class="hint" id="yaml-hint" {
                    (ctx.t(
                        "格式与 yangguang catalogue export 导出的一项相同：code、name、category、department、department_name、version。",
                        "The shape of one entry of `yangguang catalogue export`: code, name, category, department, department_name, version."
                    ))
                }
                textarea id="yaml" name="yaml" rows="24" spellcheck="false" aria-describedby="yaml-hint" { (yaml) }
            }
            div class="actions" {
                button id="preview-submit" type="submit" { (ctx.t("校验并预览", "Check and preview")) }
            }
        }
    }
}

/// `GET /admin/upload[?code=X]`: the form, filled with power X's current version if given.
pub(crate) async fn upload_form_page(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let mut yaml = String::new();
    if let Some(code) = ctx.params.get("code") {
        match engine.catalogue().load(code).await {
            Ok(Some(record)) if record.power.department == signed.department() => {
                if let Some(current) = record.versions.last() {
                    let entry = PowerEntry {
                        code: record.power.code.clone(),
                        name: record.power.name.clone(),
                        category: record
                            .power
                            .category
                            .unwrap_or(aggregates::power::Category::Other),
                        department: record.power.department.clone(),
                        department_name: record.power.department_name.clone(),
                        version: current.content.clone(),
                    };
                    yaml = serde_norway::to_string(&entry).unwrap_or_default();
                }
            }
            Ok(_) => {}
            Err(e) => return super::unavailable(&ctx, Section::Officer, e),
        }
    }
    let body = html! {
        (signed.bar(&ctx))
        p class="breadcrumb" { a href=(ctx.link("/admin")) { (ctx.t("职权目录管理", "Catalogue")) } " › " (ctx.t("上传新版本", "Upload a version")) }
        h1 { (ctx.t("上传新版本", "Upload a new version")) }
        (upload_form(&ctx, &signed, &yaml))
    };
    page(
        &ctx,
        StatusCode::OK,
        ctx.t("上传新版本", "Upload a version"),
        body,
    )
}

/// What an uploaded YAML gave: the entry if it parsed, and every problem.
struct Checked {
    entry: Option<PowerEntry>,
    /// Problems that are not about one step (fields, the file itself).
    general: Vec<VersionProblem>,
    /// Problems by step id.
    by_step: Vec<(String, VersionProblem)>,
}

impl Checked {
    fn ok(&self) -> bool {
        self.entry.is_some() && self.general.is_empty() && self.by_step.is_empty()
    }
}

fn problem(code: &str, field: &str, message: String) -> VersionProblem {
    VersionProblem {
        code: code.into(),
        field: field.into(),
        step: None,
        message,
    }
}

fn check_yaml(lang: Lang, yaml: &str, department: &str) -> Checked {
    let malformed = |message: String| Checked {
        entry: None,
        general: vec![problem("malformed", "yaml", message)],
        by_step: Vec::new(),
    };
    if yaml.trim().is_empty() {
        return malformed(lang.t("内容为空。", "The text is empty.").into());
    }
    if yaml.len() > MAX_YAML {
        return malformed(format!("{} > {MAX_YAML} bytes", yaml.len()));
    }
    if let Err(e) = aggregates::yaml::check(yaml) {
        return malformed(e);
    }
    let entry: PowerEntry = match serde_norway::from_str(yaml) {
        Ok(e) => e,
        Err(e) => return malformed(e.to_string()),
    };
    let mut general = Vec::new();
    if !aggregates::power::is_valid_power_code(&entry.code) {
        general.push(problem(
            "invalid_code",
            "code",
            lang.t(
                "编码只能用 A-Z、0-9 和 -，最多 40 个字符。",
                "The code uses A-Z, 0-9 and -, at most 40 characters.",
            )
            .into(),
        ));
    }
    if entry.department != department {
        general.push(problem(
            "wrong_department",
            "department",
            match lang {
                Lang::Zh => format!("您只能管理本部门（{department}）的职权事项。"),
                Lang::En => format!("You administer only your department's ({department}) powers."),
            },
        ));
    }
    for (field, value) in [
        ("name", &entry.name),
        ("department_name", &entry.department_name),
    ] {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
            general.push(problem(
                "invalid_text",
                field,
                lang.t(
                    "必填，最多 100 个字符，不能含控制字符。",
                    "Required: at most 100 characters, no control characters.",
                )
                .into(),
            ));
        }
    }
    let mut by_step = Vec::new();
    if let Err(found) = entry.version.validate_new() {
        for p in found {
            match &p.step {
                Some(step) => by_step.push((step.clone(), p)),
                None => general.push(p),
            }
        }
    }
    Checked {
        entry: Some(entry),
        general,
        by_step,
    }
}

/// The preview's flowchart drawing (bounded: see [`flowchart_svg_bounded`]), if the YAML
/// gave an entry.
async fn preview_svg(checked: &Checked) -> Option<std::sync::Arc<str>> {
    let entry = checked.entry.as_ref()?;
    let flagged: Vec<String> = checked.by_step.iter().map(|(s, _)| s.clone()).collect();
    Some(
        flowchart_svg_bounded(
            &entry.version.flowchart,
            &FlowchartStyle {
                current: None,
                visited: &[],
                title: &format!("{} 办理流程图（预览）", entry.name),
            },
            &flagged,
        )
        .await,
    )
}

fn preview(
    ctx: &Ctx,
    signed: &SignedIn,
    yaml: &str,
    checked: &Checked,
    current: Option<u32>,
    svg: Option<&str>,
) -> Markup {
    let step_ids: Vec<&str> = checked
        .entry
        .as_ref()
        .map(|e| {
            e.version
                .flowchart
                .steps
                .iter()
                .map(|s| s.id.as_str())
                .collect()
        })
        .unwrap_or_default();
    // Problems naming a step the flowchart does not declare are listed with the others.
    let orphans: Vec<&(String, VersionProblem)> = checked
        .by_step
        .iter()
        .filter(|(s, _)| !step_ids.contains(&s.as_str()))
        .collect();
    let count = checked.general.len() + checked.by_step.len();
    html! {
        (signed.bar(ctx))
        p class="breadcrumb" { a href=(ctx.link("/admin")) { (ctx.t("职权目录管理", "Catalogue")) } " › " (ctx.t("预览", "Preview")) }
        h1 { (ctx.t("新版本预览", "Preview of the new version")) }
        @if !checked.ok() {
            div class="error" role="alert" id="problems-summary" {
                @match ctx.lang {
                    Lang::Zh => { "发现 " (count) " 个问题，修改后才能发布。" }
                    Lang::En => { (count) " problem(s) found; fix them before publishing." }
                }
            }
            @if !checked.general.is_empty() || !orphans.is_empty() {
                h2 { (ctx.t("整体问题", "General problems")) }
                ul id="problems" {
                    @for p in &checked.general {
                        li class="problem" data-code=(p.code) { code { (p.field) } " — " (p.message) " " span class="badge" { (p.code) } }
                    }
                    @for (step, p) in &orphans {
                        li class="problem" data-code=(p.code) data-step=(step) { code { (step) } " — " (p.message) " " span class="badge" { (p.code) } }
                    }
                }
            }
        } @else if let Some(entry) = &checked.entry {
            p class="ok-note" role="status" id="valid" {
                (ctx.t("校验通过。", "No problems found. "))
                @match (ctx.lang, current) {
                    (Lang::Zh, Some(v)) => { "发布后将成为 " code { (entry.code) } " 的第 " (v + 1) " 版（内容与当前版本相同则不发布）。" }
                    (Lang::Zh, None) => { "发布后将登记 " code { (entry.code) } " 并发布第 1 版。" }
                    (Lang::En, Some(v)) => { "Publishing makes it version " (v + 1) " of " code { (entry.code) } " (nothing is published if it equals the current one)." }
                    (Lang::En, None) => { "Publishing registers " code { (entry.code) } " and publishes version 1." }
                }
            }
        }
        @if let Some(entry) = &checked.entry {
            dl class="facts summary" {
                div { dt { (ctx.t("编码", "Code")) } dd { code { (entry.code) } } }
                div { dt { (ctx.t("名称", "Name")) } dd { (entry.name) } }
                div { dt { (ctx.t("类别", "Category")) } dd { (entry.category.chinese()) } }
                div { dt { (ctx.t("法定时限", "Statutory limit")) } dd { (super::working_days(ctx.lang, entry.version.statutory_limit_days)) } }
            }
            h2 { (ctx.t("流程图预览", "Flowchart preview")) }
            figure id="flowchart" {
                div class="chart" {
                    (PreEscaped(svg.unwrap_or_default()))
                }
                figcaption { (ctx.t("有问题的环节以深红粗框标出。", "Steps with problems have a thick dark red border.")) }
            }
            h2 { (ctx.t("环节", "Steps")) }
            div class="table-scroll" {
                table id="steps" {
                    thead { tr {
                        th scope="col" { (ctx.t("环节", "Step")) }
                        th scope="col" { (ctx.t("岗位", "Post")) }
                        th scope="col" { (ctx.t("出口", "Outcomes")) }
                        th scope="col" { (ctx.t("问题", "Problems")) }
                    } }
                    tbody {
                        @for step in &entry.version.flowchart.steps {
                            @let problems: Vec<&VersionProblem> = checked.by_step.iter().filter(|(s, _)| *s == step.id).map(|(_, p)| p).collect();
                            tr data-step=(step.id) class=[(!problems.is_empty()).then_some("has-problem")] {
                                th scope="row" { (step.name) br; code { (step.id) } }
                                td { (step.role.clone().unwrap_or_default()) }
                                td {
                                    ul class="plain" {
                                        @for t in entry.version.flowchart.transitions.iter().filter(|t| t.from == step.id) {
                                            li { (t.outcome) " → " code { (t.to) } }
                                        }
                                    }
                                }
                                td {
                                    @if problems.is_empty() { "—" } @else {
                                        ul class="step-problems" {
                                            @for p in problems { li class="problem" data-code=(p.code) { (p.message) " " span class="badge" { (p.code) } } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if checked.ok() {
                form id="publish" method="post" action=(ctx.link("/admin/publish")) class="console-form" {
                    (signed.csrf_input())
                    (ctx.lang_input())
                    input type="hidden" name="yaml" value=(yaml);
                    div class="actions" { button id="publish-submit" type="submit" { (ctx.t("发布", "Publish")) } }
                }
            }
        }
        h2 { (ctx.t("修改后重新校验", "Edit and check again")) }
        (upload_form(ctx, signed, yaml))
    }
}

async fn current_version(
    engine: &Engine,
    code: &str,
) -> Result<Option<u32>, crate::engine::LoadError> {
    Ok(engine
        .catalogue()
        .load(code)
        .await?
        .and_then(|r| r.versions.last().map(|v| v.version)))
}

/// `POST /admin/upload`: checks the YAML and shows the problems and the flowchart.
pub(crate) async fn upload(
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
    let checked = check_yaml(ctx.lang, &yaml, signed.department());
    let current = match &checked.entry {
        Some(e) => match current_version(&engine, &e.code).await {
            Ok(v) => v,
            Err(e) => return super::unavailable(&ctx, Section::Officer, e),
        },
        None => None,
    };
    let status = if checked.ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page(
        &ctx,
        status,
        ctx.t("新版本预览", "Preview"),
        preview(
            &ctx,
            &signed,
            &yaml,
            &checked,
            current,
            preview_svg(&checked).await.as_deref(),
        ),
    )
}

/// `POST /admin/publish`: registers the power if new and publishes the version.
pub(crate) async fn publish(
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
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let yaml = form.raw("yaml").replace("\r\n", "\n");
    let checked = check_yaml(ctx.lang, &yaml, signed.department());
    let (true, Some(entry)) = (checked.ok(), checked.entry.as_ref()) else {
        return page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t("新版本预览", "Preview"),
            preview(
                &ctx,
                &signed,
                &yaml,
                &checked,
                None,
                preview_svg(&checked).await.as_deref(),
            ),
        );
    };
    let actor = signed.principal.actor();
    // A refusal adds a general problem only: the drawing (no step flagged) stays the same.
    let svg = preview_svg(&checked).await;
    let fail = |message: String| {
        let mut checked = check_yaml(ctx.lang, &yaml, signed.department());
        checked.general.push(problem("refused", "power", message));
        page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t("新版本预览", "Preview"),
            preview(&ctx, &signed, &yaml, &checked, None, svg.as_deref()),
        )
    };
    let registered = engine
        .execute_power(
            &entry.code,
            PowerCommand::RegisterPower {
                actor: actor.clone(),
                code: entry.code.clone(),
                name: entry.name.clone(),
                category: entry.category,
                department: entry.department.clone(),
                department_name: entry.department_name.clone(),
            },
            signed.meta(&request_id),
        )
        .await;
    match registered {
        Ok(_) => {}
        Err(AggregateError::UserError(e)) => return fail(super::refusal_words(ctx.lang, &e)),
        Err(e) => {
            tracing::error!(error = %e, "registering a power failed");
            return super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "暂时无法保存，请稍后再试。",
                    "It could not be saved; please try again.",
                ),
            );
        }
    }
    let published = engine
        .execute_power(
            &entry.code,
            PowerCommand::PublishPowerVersion {
                actor,
                content: Box::new(entry.version.clone()),
            },
            signed.meta(&request_id),
        )
        .await;
    let done = match published {
        Ok(events) if events.is_empty() => "unchanged",
        Ok(_) => "published",
        Err(AggregateError::UserError(e)) => return fail(super::refusal_words(ctx.lang, &e)),
        Err(e) => {
            tracing::error!(error = %e, "publishing a version failed");
            return super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "暂时无法保存，请稍后再试。",
                    "It could not be saved; please try again.",
                ),
            );
        }
    };
    redirect(&ctx.link(&format!(
        "/admin?done={done}&code={}",
        super::encode_component(&entry.code)
    )))
}

/// `POST /admin/powers/{code}/status`: suspend, reinstate or revoke with a reason.
pub(crate) async fn change_status(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    code: web::Path<String>,
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
    let reason = form.get("reason").unwrap_or("").to_string();
    let actor = signed.principal.actor();
    let command = match form.get("action") {
        Some("suspend") => PowerCommand::SuspendPower { actor, reason },
        Some("reinstate") => PowerCommand::ReinstatePower { actor, reason },
        Some("revoke") => PowerCommand::RevokePower { actor, reason },
        _ => {
            return super::message_page(
                &ctx,
                StatusCode::BAD_REQUEST,
                Section::Officer,
                ctx.t("请求有误", "Bad request"),
                ctx.t("未知的操作。", "Unknown action."),
            );
        }
    };
    match engine.catalogue().load(&code).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return super::message_page(
                &ctx,
                StatusCode::NOT_FOUND,
                Section::Officer,
                ctx.t("未找到", "Not found"),
                ctx.t("没有这个编码的职权事项。", "No power with this code."),
            );
        }
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    }
    match engine
        .execute_power(&code, command, signed.meta(&request_id))
        .await
    {
        Ok(_) => redirect(&ctx.link(&format!(
            "/admin?done=status&code={}",
            super::encode_component(&code)
        ))),
        Err(AggregateError::UserError(e)) => {
            let status = if matches!(e, PowerError::NotAdminOfDepartment { .. }) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            super::message_page(
                &ctx,
                status,
                Section::Officer,
                ctx.t("未能更改状态", "The status was not changed"),
                &super::refusal_words(ctx.lang, &e),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "changing a power's status failed");
            super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "暂时无法保存，请稍后再试。",
                    "It could not be saved; please try again.",
                ),
            )
        }
    }
}

/// 表格下载: the form to upload a form file for one of the department's powers.
fn forms_upload(ctx: &Ctx, signed: &SignedIn, powers: &[(String, String)]) -> Markup {
    html! {
        section aria-labelledby="h-forms" {
            h2 id="h-forms" { (ctx.t("上传表格（表格下载）", "Upload a form (for download)")) }
            p class="hint" {
                (ctx.t(
                    "上传 PDF 表格（如申请书样表）后，按提示把它写入新版本的 forms 并发布，事项页面的“表格下载”即提供下载。",
                    "Upload a PDF form (such as an application template), name it in a new version's forms as shown, and publish: the power's page then offers it."
                ))
            }
            form id="form-upload" method="post" action=(ctx.link("/admin/forms")) enctype="multipart/form-data" class="console-form" {
                (signed.csrf_input())
                div class="field" {
                    label for="form-power" { (ctx.t("职权事项", "Power")) }
                    select id="form-power" name="code" {
                        @for (code, name) in powers { option value=(code) { (name) } }
                    }
                }
                div class="field" {
                    label for="form-file" { (ctx.t("表格文件（PDF，10 MB 以内）", "The form (PDF, at most 10 MB)")) }
                    input id="form-file" name="file" type="file" accept=".pdf,application/pdf" required;
                }
                div class="actions" { button id="form-upload-submit" type="submit" { (ctx.t("上传", "Upload")) } }
            }
        }
    }
}

/// `POST /admin/forms`: stores a form for one of the department's powers and shows how to name
/// it in a version.
pub(crate) async fn upload_form_file(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    payload: web::Payload,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Admin]) {
        return p;
    }
    let limits = crate::web::extract::PartLimits {
        file: crate::engine::application::MAX_FILE_BYTES,
        field: 1024,
        total: crate::engine::application::MAX_FILE_BYTES + 8192,
        parts: 4,
    };
    let refuse = |status: StatusCode, zh: &str, en: &str| {
        super::message_page(
            &ctx,
            status,
            Section::Officer,
            ctx.t("表格未上传", "The form was not uploaded"),
            ctx.t(zh, en),
        )
    };
    let parts = match crate::web::extract::read_parts(&req, payload, limits).await {
        Ok(parts) => parts,
        Err(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "文件过大或表单无法识别（PDF 不超过 10 MB）。",
                "The file is too large or the form could not be read (a PDF of at most 10 MB).",
            );
        }
    };
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.bytes).trim().to_string())
    };
    if !signed.csrf_matches(&field(super::session::CSRF_FIELD).unwrap_or_default()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "表单校验码不符（可能来自旧页面或其他网站），未做任何更改。请返回页面重新提交。",
            "The form's check token does not match; nothing was changed. Reload the page and submit again.",
        );
    }
    let code = field("code").unwrap_or_default();
    let record = match engine.catalogue().load(&code).await {
        Ok(Some(r)) if r.power.department == signed.department() => r,
        Ok(_) => {
            return refuse(
                StatusCode::NOT_FOUND,
                "本部门没有这个职权事项。",
                "Your department has no such power.",
            );
        }
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let Some(file) = parts.into_iter().find(|p| p.name == "file") else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择要上传的 PDF 文件。",
            "Choose the PDF to upload.",
        );
    };
    let file_name = file
        .file_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{}.pdf", record.power.name));
    let stored = match engine
        .store_form(Some(file_name.clone()), file.content_type, file.bytes)
        .await
    {
        Ok(s) => s,
        Err(crate::engine::forms::FormError::File(p)) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, &p.zh(), &p.en());
        }
        Err(crate::engine::forms::FormError::NotPdf) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "表格只接受 PDF 文件。",
                "Forms are PDF files.",
            );
        }
        Err(crate::engine::forms::FormError::Store(e)) => {
            return super::unavailable(&ctx, Section::Officer, e.into());
        }
    };
    let title = file_name
        .rsplit_once('.')
        .map_or(file_name.as_str(), |(stem, _)| stem)
        .to_string();
    let snippet = format!(
        "forms:\n  - title: {title}\n    file_name: {file_name}\n    sha256: {}\n",
        stored.sha256
    );
    let body = html! {
        p class="ok-note" role="status" id="form-stored" {
            (ctx.t("表格已上传：", "Form uploaded: ")) (file_name)
        }
        p {
            (ctx.t(
                "在“上传新版本”的 YAML 中，于 version 下加入以下内容（可修改 title），校验并发布后即在事项页面提供下载：",
                "In the YAML of a new version, add this under version (the title may be changed), then check and publish: the power's page will offer it."
            ))
        }
        pre id="form-yaml" { code { (snippet) } }
        p {
            a href=(ctx.link(&format!("/admin/upload?code={}", super::encode_component(&record.power.code)))) {
                (ctx.t("编辑该事项的新版本", "Edit a new version of the power"))
            }
        }
    };
    page(
        &ctx,
        StatusCode::CREATED,
        ctx.t("表格已上传", "Form uploaded"),
        body,
    )
}
