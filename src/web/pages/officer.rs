//! Officers' pages (承办人员): the department's worklist (办件清单), opening a case (受理/立案),
//! and the case page where each step is logged (办理): the timeline, the flowchart with the
//! current step, one button per allowed outcome, pausing and resuming the clock, withdrawing,
//! and for penalty powers the decision form checked against the discretion standard (裁量基准)
//! before it is recorded.
//!
//! Every page needs a signed-in account ([`SignedIn`]); every form carries the session's
//! synchronizer token and, for a case, the version the officer saw. The commands are the
//! API's: the same aggregate checks, the account as the actor. When someone else moved the
//! case meanwhile (409), the page shows the events added since and keeps what was typed.
//! No scripts: every form works as plain HTML.
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::{
    Case, CaseCommand, CaseError, CaseEvent, CaseStatus, Channel, LimitStatus, china_offset,
};
use aggregates::discretion::{DiscretionCheck, PenaltyDecisionInput, format_yuan};
use aggregates::party::{Party, PartyKind};
use aggregates::power::{Category, PublishedPower};
use aggregates::{Actor, Role};
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use cqrs_es::AggregateError;
use maud::{Markup, PreEscaped, html};
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Params, Section, cst, layout, respond_private, ymd};
use crate::engine::Engine;
use crate::queries::{PowerQuery, PowerSummary, WorklistItem, WorklistQuery};
use crate::store::StoredEvent;
use crate::web::render::{FlowchartStyle, flowchart_svg_bounded};

const STATUSES: [CaseStatus; 4] = [
    CaseStatus::Open,
    CaseStatus::Paused,
    CaseStatus::Concluded,
    CaseStatus::Withdrawn,
];

const CHANNELS: [(Channel, &str, &str, &str); 6] = [
    (
        Channel::Window,
        "window",
        "窗口受理",
        "At the service window",
    ),
    (Channel::Online, "online", "网上申请", "Online application"),
    (Channel::Mail, "mail", "邮寄", "By post"),
    (
        Channel::Inspection,
        "inspection",
        "监督检查中发现",
        "Found in an inspection",
    ),
    (
        Channel::Complaint,
        "complaint",
        "投诉举报",
        "Complaint or report",
    ),
    (
        Channel::Referral,
        "referral",
        "移送",
        "Referred by another body",
    ),
];

use super::redirect;

fn page(ctx: &Ctx, status: StatusCode, title: String, body: Markup) -> HttpResponse {
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

/// `GET /officer`: to the worklist.
pub(crate) async fn officer_root(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    redirect(&ctx.link("/officer/worklist"))
}

/// The department's powers, for filters and the open-case form.
async fn department_powers(
    engine: &Engine,
    department: &str,
) -> Result<Vec<PowerSummary>, crate::engine::LoadError> {
    engine
        .list_powers(&PowerQuery {
            department: Some(department.to_string()),
            ..PowerQuery::default()
        })
        .await
}

/// Red (overdue) or yellow (the jurisdiction's yellow-card threshold reached) for a limit.
fn card(engine: &Engine, limit: &LimitStatus) -> Option<&'static str> {
    if limit.overdue {
        Some("overdue")
    } else if engine.alert_policy().yellow.reached(limit) {
        Some("due-soon")
    } else {
        None
    }
}

fn card_flag(ctx: &Ctx, class: Option<&str>) -> Markup {
    html! {
        @match class {
            Some("overdue") => { " " strong class="flag overdue" { (ctx.t("红牌·已超期", "Red card · overdue")) } }
            Some(_) => { " " strong class="flag due-soon" { (ctx.t("黄牌·临近期限", "Yellow card · due soon")) } }
            None => {}
        }
    }
}

/// `GET /officer/worklist`: the department's cases, nearest deadline first.
pub(crate) async fn worklist(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Officer, Role::Admin]) {
        return p;
    }
    let department = signed.department().to_string();
    let powers = match department_powers(&engine, &department).await {
        Ok(p) => p,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let department_name = powers
        .first()
        .map(|p| p.department_name.clone())
        .unwrap_or_else(|| department.clone());

    let mut errors: Vec<&str> = Vec::new();
    if ctx.bad_query {
        errors.push(ctx.t(
            "网址中的查询参数无法识别。",
            "The query in the address could not be read.",
        ));
    }
    let power = match ctx.params.text("power") {
        Ok(None) => None,
        Ok(Some(p)) if powers.iter().any(|x| x.code == p) => Some(p.to_string()),
        _ => {
            errors.push(ctx.t(
                "所选职权事项不属于本部门，请从列表中选择。",
                "That power is not one of your department's; please choose from the list.",
            ));
            None
        }
    };
    let status = match ctx.params.get("status") {
        None => None,
        Some(s) => match STATUSES.iter().find(|x| x.to_string() == s) {
            Some(x) => Some(*x),
            None => {
                errors.push(ctx.t(
                    "所选状态不存在，请从列表中选择。",
                    "No such status; please choose from the list.",
                ));
                None
            }
        },
    };
    let items: Vec<WorklistItem> = if errors.is_empty() {
        match engine
            .worklist(
                &department,
                &WorklistQuery {
                    power: power.clone(),
                    status,
                },
            )
            .await
        {
            Ok(items) => items,
            Err(e) => return super::unavailable(&ctx, Section::Officer, e),
        }
    } else {
        Vec::new()
    };

    let body = html! {
        (signed.bar(&ctx))
        h1 { (ctx.t("办件清单", "Worklist")) }
        p class="signed-in" { (ctx.t("部门：", "Department: ")) (department_name) }
        @if signed.principal.claims.role == Role::Officer {
            p { a id="new-case" class="button-link" href=(ctx.link("/officer/cases/new")) { (ctx.t("受理/立案新办件", "Open a new case")) } }
        }
        @for e in &errors {
            p class="error" role="alert" { (e) }
        }
        form id="worklist-filter" method="get" action="/officer/worklist" class="search" {
            (ctx.lang_input())
            div class="field" {
                label for="filter-power" { (ctx.t("职权事项", "Power")) }
                select id="filter-power" name="power" {
                    option value="" { (ctx.t("全部事项", "All powers")) }
                    @for p in &powers {
                        option value=(p.code) selected[power.as_deref() == Some(p.code.as_str())] { (p.name) }
                    }
                }
            }
            div class="field" {
                label for="filter-status" { (ctx.t("状态", "Status")) }
                select id="filter-status" name="status" {
                    option value="" { (ctx.t("办理中和暂停计时", "In progress and paused")) }
                    @for s in STATUSES {
                        option value=(s.to_string()) selected[status == Some(s)] {
                            (super::track::status_words(ctx.lang, s))
                        }
                    }
                }
            }
            div class="actions" {
                button id="filter-submit" type="submit" { (ctx.t("筛选", "Filter")) }
            }
        }
        div class="table-scroll" {
            table id="worklist" class="worklist" {
                caption {
                    @match ctx.lang {
                        Lang::Zh => { "共 " (items.len()) " 件，按剩余时限排列。黄牌：临近期限；红牌：已超期。" }
                        Lang::En => { (items.len()) " cases, nearest deadline first. Yellow card: due soon; red card: overdue." }
                    }
                }
                thead {
                    tr {
                        th scope="col" { (ctx.t("办件编号", "Tracking number")) }
                        th scope="col" { (ctx.t("职权事项", "Power")) }
                        th scope="col" { (ctx.t("当事人", "Party")) }
                        th scope="col" { (ctx.t("状态", "Status")) }
                        th scope="col" { (ctx.t("当前环节", "Current step")) }
                        th scope="col" { (ctx.t("受理时间", "Received")) }
                        th scope="col" { (ctx.t("期限届满日", "Due")) }
                        th scope="col" { (ctx.t("剩余工作日", "Working days left")) }
                    }
                }
                tbody {
                    @for item in &items {
                        (row(&ctx, item))
                    }
                }
            }
        }
        @if items.is_empty() && errors.is_empty() {
            p id="no-cases" { (ctx.t("本部门暂无符合条件的办件。", "Your department has no matching cases.")) }
        }
    };
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    respond_private(
        code,
        layout(Page {
            ctx: &ctx,
            title: ctx.t("办件清单", "Worklist").to_string(),
            section: Section::Officer,
            keep_params: true,
            body,
        }),
    )
}

fn row(ctx: &Ctx, item: &WorklistItem) -> Markup {
    let class = if item.overdue {
        Some("overdue")
    } else if item.yellow_card {
        Some("due-soon")
    } else {
        None
    };
    html! {
        tr class=[class] data-case=(item.id) {
            td { a href=(ctx.link(&format!("/officer/cases/{}", super::encode_component(&item.id)))) { code { (item.id) } } }
            td { (item.power_name) }
            td { (item.party_name) }
            td { (super::track::status_words(ctx.lang, item.status)) }
            td { (item.current_step) }
            td { @if let Some(at) = item.received_at { (cst(at)) } }
            td {
                @if let Some(d) = item.promised_due {
                    (ctx.t("承诺 ", "promised ")) (ymd(d)) br;
                }
                @if let Some(d) = item.statutory_due {
                    (ctx.t("法定 ", "statutory ")) (ymd(d))
                }
                @if !item.provisional_years.is_empty() {
                    br;
                    span class="provisional-tag" title=(super::provisional_note(ctx, &item.provisional_years)) {
                        (ctx.t("（预计）", "(provisional)"))
                    }
                }
                @if item.promised_due.is_none() && item.statutory_due.is_none() {
                    @if item.status == CaseStatus::Paused {
                        (ctx.t("计时暂停中", "clock paused"))
                    } @else {
                        "—"
                    }
                }
            }
            td {
                @if let Some(d) = item.remaining_days { (d) }
                (card_flag(ctx, class))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Opening a case

/// What the officer typed into the open-case form, kept as typed.
#[derive(Debug, Default, Clone)]
struct OpenForm {
    power: String,
    kind: String,
    name: String,
    id_number: String,
    phone: String,
    address: String,
    channel: String,
    received_at: String,
}

impl OpenForm {
    fn from_params(p: &Params) -> OpenForm {
        let get = |n: &str| p.raw(n).to_string();
        OpenForm {
            power: get("power"),
            kind: get("kind"),
            name: get("name"),
            id_number: get("id_number"),
            phone: get("phone"),
            address: get("address"),
            channel: get("channel"),
            received_at: get("received_at"),
        }
    }
}

/// Problems found in a form, by field name.
type FieldErrors = Vec<(&'static str, String)>;

fn field_error(errors: &FieldErrors, field: &str) -> Option<String> {
    let found: Vec<&str> = errors
        .iter()
        .filter(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
        .collect();
    (!found.is_empty()).then(|| found.join(" "))
}

/// A labelled text input with its error (announced, and tied to the input for screen
/// readers).
#[allow(clippy::too_many_arguments)]
fn text_field(
    id: &str,
    label: &str,
    value: &str,
    errors: &FieldErrors,
    field: &'static str,
    required: bool,
    maxlength: usize,
    hint: Option<&str>,
) -> Markup {
    let error = field_error(errors, field);
    let described = match (&error, hint) {
        (Some(_), _) => Some(format!("{id}-error")),
        (None, Some(_)) => Some(format!("{id}-hint")),
        _ => None,
    };
    html! {
        div class="field" {
            label for=(id) { (label) @if required { " *" } }
            input id=(id) name=(field) type="text" value=(value) required[required]
                maxlength=(maxlength) aria-invalid=[error.as_ref().map(|_| "true")]
                aria-describedby=[described];
            @if let Some(e) = &error {
                p class="field-error" id={(id) "-error"} { (e) }
            } @else if let Some(h) = hint {
                p class="hint" id={(id) "-hint"} { (h) }
            }
        }
    }
}

fn now_local(engine: &Engine) -> String {
    engine
        .now()
        .with_timezone(&china_offset())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn open_form_markup(
    ctx: &Ctx,
    signed: &SignedIn,
    powers: &[PowerSummary],
    form: &OpenForm,
    errors: &FieldErrors,
    message: Option<&str>,
) -> Markup {
    let kind = if form.kind == "organisation" {
        "organisation"
    } else {
        "person"
    };
    let power_error = field_error(errors, "power");
    let channel_error = field_error(errors, "channel");
    let time_error = field_error(errors, "received_at");
    html! {
        (signed.bar(ctx))
        p class="breadcrumb" { a href=(ctx.link("/officer/worklist")) { (ctx.t("办件清单", "Worklist")) } " › " (ctx.t("受理/立案", "Open a case")) }
        h1 { (ctx.t("受理/立案新办件", "Open a new case")) }
        @if let Some(m) = message {
            p class="error" role="alert" id="error" { (m) }
        }
        @if !errors.is_empty() {
            div class="error" role="alert" id="form-errors" {
                p { (ctx.t("请更正以下问题后再提交：", "Please correct these and submit again:")) }
                ul { @for (_, m) in errors { li { (m) } } }
            }
        }
        form id="open-case" method="post" action="/officer/cases" class="console-form" novalidate {
            (signed.csrf_input())
            (ctx.lang_input())
            div class="field" {
                label for="power" { (ctx.t("职权事项", "Power")) " *" }
                select id="power" name="power" required aria-invalid=[power_error.as_ref().map(|_| "true")]
                    aria-describedby=[power_error.as_ref().map(|_| "power-error")] {
                    option value="" { (ctx.t("请选择", "Choose")) }
                    @for p in powers.iter().filter(|p| p.status == "active" && p.current_version.is_some()) {
                        option value=(p.code) selected[form.power == p.code] { (p.name) " (" (p.code) ")" }
                    }
                }
                @if let Some(e) = &power_error { p class="field-error" id="power-error" { (e) } }
            }
            fieldset {
                legend { (ctx.t("当事人", "Party")) }
                div class="choices" role="radiogroup" {
                    label { input type="radio" id="kind-person" name="kind" value="person" checked[kind == "person"]; " " (ctx.t("自然人（居民身份证号码）", "Natural person (resident ID number)")) }
                    label { input type="radio" id="kind-organisation" name="kind" value="organisation" checked[kind == "organisation"]; " " (ctx.t("法人或其他组织（统一社会信用代码）", "Organisation (unified social credit code)")) }
                }
                (text_field("party-name", ctx.t("姓名或名称", "Name"), &form.name, errors, "name", true, 100, None))
                (text_field("party-id", ctx.t("身份证号码或统一社会信用代码", "ID number or unified social credit code"), &form.id_number, errors, "id_number", true, 18,
                    Some(ctx.t("18 位，最后一位为校验码（GB 11643 / GB 32100）。", "18 characters, the last one a check character (GB 11643 / GB 32100)."))))
                (text_field("party-phone", ctx.t("联系电话", "Phone"), &form.phone, errors, "phone", false, 20, None))
                (text_field("party-address", ctx.t("地址", "Address"), &form.address, errors, "address", false, 200, None))
            }
            div class="field" {
                label for="channel" { (ctx.t("受理渠道", "Channel")) " *" }
                select id="channel" name="channel" required aria-describedby=[channel_error.as_ref().map(|_| "channel-error")] {
                    @for (_, value, zh, en) in CHANNELS {
                        option value=(value) selected[form.channel == value] { (ctx.t(zh, en)) }
                    }
                }
                @if let Some(e) = &channel_error { p class="field-error" id="channel-error" { (e) } }
            }
            div class="field" {
                label for="received_at" { (ctx.t("收到时间（北京时间）", "Received at (China Standard Time)")) " *" }
                input id="received_at" name="received_at" type="datetime-local" required value=(form.received_at)
                    aria-invalid=[time_error.as_ref().map(|_| "true")]
                    aria-describedby=[time_error.as_ref().map(|_| "received_at-error")];
                @if let Some(e) = &time_error { p class="field-error" id="received_at-error" { (e) } }
            }
            div class="actions" {
                button id="open-case-submit" type="submit" { (ctx.t("受理并生成办件编号", "Open the case")) }
            }
        }
    }
}

/// `GET /officer/cases/new`: the form.
pub(crate) async fn new_case_form(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Officer]) {
        return p;
    }
    let powers = match department_powers(&engine, signed.department()).await {
        Ok(p) => p,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let form = OpenForm {
        power: ctx.params.get("power").unwrap_or("").to_string(),
        channel: "window".into(),
        received_at: now_local(&engine),
        ..OpenForm::default()
    };
    page(
        &ctx,
        StatusCode::OK,
        ctx.t("受理/立案", "Open a case").to_string(),
        open_form_markup(&ctx, &signed, &powers, &form, &Vec::new(), None),
    )
}

/// A `datetime-local` value (or RFC 3339) as a moment in China Standard Time.
fn parse_local_time(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .and_then(|naive| naive.and_local_timezone(china_offset()).single())
}

fn party_problem_words(lang: Lang, field: &str, kind: PartyKind) -> (&'static str, String) {
    match (field, kind) {
        ("party.name", _) => (
            "name",
            lang.t(
                "姓名或名称必填，最多 100 个字符，不能含控制字符。",
                "The name is required: at most 100 characters, no control characters.",
            )
            .into(),
        ),
        ("party.id_number", PartyKind::Person) => (
            "id_number",
            lang.t(
                "居民身份证号码无效：应为 18 位，出生日期合理，最后一位校验码符合 GB 11643-1999。",
                "Not a valid resident ID number: 18 characters, a plausible birth date, and the \
                 GB 11643-1999 check character last.",
            )
            .into(),
        ),
        ("party.id_number", PartyKind::Organisation) => (
            "id_number",
            lang.t(
                "统一社会信用代码无效：应为 18 位（不含 I、O、Z、S、V），最后一位校验码符合 GB 32100-2015。",
                "Not a valid unified social credit code: 18 characters (no I, O, Z, S, V), the \
                 GB 32100-2015 check character last.",
            )
            .into(),
        ),
        ("party.phone", _) => (
            "phone",
            lang.t(
                "联系电话应为 5 至 20 位数字（可含 - + ( ) 和空格）。",
                "The phone must be 5 to 20 digits (with - + ( ) or spaces).",
            )
            .into(),
        ),
        _ => (
            "address",
            lang.t(
                "地址最多 200 个字符，不能含控制字符。",
                "The address is at most 200 characters, without control characters.",
            )
            .into(),
        ),
    }
}

/// A domain refusal in the officer's words.
fn case_error_words(lang: Lang, e: &CaseError) -> String {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    match e {
        CaseError::NotAnOfficer => t("只有承办人员可以办理办件。", "Only officers handle cases."),
        CaseError::WrongDepartment { .. } => t(
            "该办件属于其他部门。",
            "This case belongs to another department.",
        ),
        CaseError::UnknownPower { .. } => t(
            "没有已发布的该职权事项。",
            "No published power with that code.",
        ),
        CaseError::PowerNotActive { .. } => t(
            "该职权事项已暂停或取消，不能受理新办件。",
            "That power is suspended or revoked: no new cases.",
        ),
        CaseError::InvalidParty { .. } => t("当事人信息有误。", "The party's details are wrong."),
        CaseError::AlreadyOpened | CaseError::NotOpened => t(
            "办件状态有误，请刷新。",
            "The case is not as expected; reload it.",
        ),
        CaseError::StaleVersion { .. } => {
            t("办件已被他人更新。", "Someone else has updated the case.")
        }
        CaseError::OutcomeNotAllowed { outcome, .. } => match lang {
            Lang::Zh => format!("当前环节不能选择“{outcome}”。"),
            Lang::En => format!("“{outcome}” is not an outcome of the current step."),
        },
        CaseError::SeparationOfDuties { .. } => t(
            "岗位分离：该环节须由办理前一相关环节以外的人员办理。",
            "Separation of duties: this step must be done by someone other than who did the \
             related earlier step.",
        ),
        CaseError::CaseClosed { .. } => t(
            "办件已办结或已撤回，不能再办理。",
            "The case is concluded or withdrawn.",
        ),
        CaseError::AlreadyPaused => t("计时已经暂停。", "The clock is already paused."),
        CaseError::NotPaused => t("计时没有暂停。", "The clock is not paused."),
        CaseError::ClockHeldByStep { .. } => t(
            "计时由当前环节暂停，办理完该环节后自动恢复。",
            "The current step holds the clock; it restarts when the step is completed.",
        ),
        CaseError::InvalidTime(_) => t(
            "时间有误：不能晚于现在，也不能早于上一环节。",
            "The time is wrong: not in the future, not before the previous step.",
        ),
        CaseError::InvalidText { field, .. } => match (lang, field.as_str()) {
            (Lang::Zh, "note") => "备注最多 500 个字符，不能含控制字符。".into(),
            (Lang::Zh, "justification") => "说明理由必填，1 至 2000 个字符。".into(),
            (Lang::Zh, "item") => "收费项目必填，最多 100 个字符。".into(),
            (Lang::Zh, "approved_by") => "批准人必填，最多 100 个字符。".into(),
            (Lang::En, "approved_by") => "The approver is required, at most 100 characters.".into(),
            (Lang::Zh, "amount_fen") => "收费金额应在 0.01 元至 1000 万元之间。".into(),
            (Lang::En, "item") => "The fee item is required, at most 100 characters.".into(),
            (Lang::En, "amount_fen") => "The amount must be 0.01 to 10,000,000 yuan.".into(),
            (Lang::Zh, _) => "原因必填，1 至 500 个字符，不能含控制字符。".into(),
            (Lang::En, "note") => "The note is at most 500 characters.".into(),
            (Lang::En, "justification") => "The reasons are required, 1 to 2000 characters.".into(),
            (Lang::En, _) => "A reason is required: 1 to 500 characters.".into(),
        },
        CaseError::NotAPenaltyPower { .. } => {
            t("该事项不是行政处罚事项。", "This is not a penalty power.")
        }
        CaseError::NoDiscretionStandard { .. } => t(
            "该事项版本没有裁量基准。",
            "This version has no discretion standard.",
        ),
        CaseError::PenaltyDecisionRefused { check } => match lang {
            Lang::Zh => format!("处罚决定不能记录：{}", check.message),
            Lang::En => format!("The decision cannot be recorded: {}", check.message),
        },
        CaseError::ZeroFee => t("收费金额须大于零。", "A fee must be more than nothing."),
        CaseError::ExtensionNotAllowed { .. } => t(
            "该事项版本没有可延长的期限。",
            "This version allows no extension of its limit.",
        ),
        CaseError::ExtensionTooLong { remaining } => match lang {
            Lang::Zh => {
                format!("延长天数须为 1 至 {remaining} 个工作日（法定可延长期限的剩余部分）。")
            }
            Lang::En => format!(
                "An extension of 1 to {remaining} working days is allowed (what the law still allows)."
            ),
        },
        CaseError::LimitAlreadyPassed { due } => match lang {
            Lang::Zh => format!("法定期限已于 {due} 届满，不能再延长。"),
            Lang::En => {
                format!("The statutory limit ended on {due}; it can no longer be extended.")
            }
        },
        CaseError::NoConcludedDecision => t(
            "办件尚未办结或没有处罚决定。",
            "The case has no concluded penalty decision.",
        ),
        CaseError::AlreadyPublished { .. } => {
            t("该处罚决定已经公开。", "The decision is published already.")
        }
        CaseError::DecisionRevoked => t("该处罚决定已撤销。", "The decision was revoked."),
        CaseError::SelfApproval => t(
            "减轻处罚须由本人以外的负责人批准。",
            "A 减轻 decision must be approved by someone else.",
        ),
        CaseError::Unavailable => t(
            "目录暂时无法读取，请稍后再试。",
            "The catalogue cannot be read just now; try again shortly.",
        ),
    }
}

/// `POST /officer/cases`: opens the case and shows the tracking number and query code once.
pub(crate) async fn open_case(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let params = match signed.verify_post(&mut ctx, &body) {
        Ok(p) => p,
        Err(page) => return page,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Officer]) {
        return p;
    }
    let powers = match department_powers(&engine, signed.department()).await {
        Ok(p) => p,
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let form = OpenForm::from_params(&params);
    let mut errors: FieldErrors = Vec::new();
    if !powers.iter().any(|p| p.code == form.power.trim()) {
        errors.push((
            "power",
            ctx.t(
                "请选择本部门的职权事项。",
                "Choose one of your department's powers.",
            )
            .into(),
        ));
    }
    let kind = if form.kind == "organisation" {
        PartyKind::Organisation
    } else {
        PartyKind::Person
    };
    let optional = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    };
    let party = Party {
        kind,
        name: form.name.trim().to_string(),
        id_number: form.id_number.trim().to_ascii_uppercase(),
        phone: optional(&form.phone),
        address: optional(&form.address),
    };
    for problem in party.problems() {
        errors.push(party_problem_words(ctx.lang, &problem.field, kind));
    }
    let channel = CHANNELS
        .iter()
        .find(|(_, v, _, _)| *v == form.channel)
        .map(|(c, ..)| *c);
    if channel.is_none() {
        errors.push((
            "channel",
            ctx.t("请选择受理渠道。", "Choose a channel.").into(),
        ));
    }
    let received_at = parse_local_time(&form.received_at);
    if received_at.is_none() {
        errors.push((
            "received_at",
            ctx.t(
                "请填写收到时间，如 2026-03-06 09:00。",
                "Enter when it was received, e.g. 2026-03-06 09:00.",
            )
            .into(),
        ));
    }
    let render_again = |status: StatusCode, errors: &FieldErrors, message: Option<&str>| {
        page(
            &ctx,
            status,
            ctx.t("受理/立案", "Open a case").to_string(),
            open_form_markup(&ctx, &signed, &powers, &form, errors, message),
        )
    };
    let (Some(channel), Some(received_at), true) = (channel, received_at, errors.is_empty()) else {
        return render_again(StatusCode::UNPROCESSABLE_ENTITY, &errors, None);
    };
    let request = crate::web::api::cases::OpenCaseRequest {
        power_code: form.power.trim().to_string(),
        party,
        channel,
        received_at,
    };
    let opened = crate::web::api::cases::open_new_case(
        &engine,
        signed.principal.actor(),
        signed.meta(&request_id),
        request,
    )
    .await;
    let (tracking_no, query_code) = match opened {
        Ok(Some((tracking_no, query_code, _))) => (tracking_no, query_code),
        Ok(None) => {
            return render_again(
                StatusCode::SERVICE_UNAVAILABLE,
                &errors,
                Some(ctx.t("请稍后再试。", "Please try again.")),
            );
        }
        Err(AggregateError::UserError(CaseError::InvalidTime(_))) => {
            errors.push((
                "received_at",
                ctx.t(
                    "收到时间不能晚于现在。",
                    "The time received cannot be in the future.",
                )
                .into(),
            ));
            return render_again(StatusCode::UNPROCESSABLE_ENTITY, &errors, None);
        }
        Err(AggregateError::UserError(e)) => {
            let words = case_error_words(ctx.lang, &e);
            return render_again(StatusCode::UNPROCESSABLE_ENTITY, &errors, Some(&words));
        }
        Err(e) => {
            tracing::error!(error = %e, "opening a case failed");
            return render_again(
                StatusCode::SERVICE_UNAVAILABLE,
                &errors,
                Some(ctx.t(
                    "暂时无法保存，请稍后再试。",
                    "The case could not be saved just now; please try again.",
                )),
            );
        }
    };
    let case_href = ctx.link(&format!(
        "/officer/cases/{}",
        super::encode_component(&tracking_no)
    ));
    let body = html! {
        (signed.bar(&ctx))
        h1 id="opened" { (ctx.t("已受理", "Case opened")) }
        p role="status" { (ctx.t("请把办件编号和查询码告知申请人（查询码只显示这一次）。", "Give the applicant the tracking number and the query code (the code is shown only this once).")) }
        dl class="facts summary" {
            div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code id="tracking-no" { (tracking_no) } } }
            div { dt { (ctx.t("查询码", "Query code")) } dd { code id="query-code" { (query_code) } } }
        }
        p { a id="to-case" href=(case_href) { (ctx.t("进入办件办理", "Go to the case")) } }
    };
    let mut response = page(
        &ctx,
        StatusCode::CREATED,
        ctx.t("已受理", "Case opened").to_string(),
        body,
    );
    if let Ok(v) = header::HeaderValue::from_str(&case_href) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

// ---------------------------------------------------------------------------------------
// The case page

/// What the officer typed into one of the case page's forms, to show it again.
#[derive(Default)]
struct Typed {
    /// Which form: `step`, `clock`, `withdraw` or `penalty`.
    form: &'static str,
    params: Option<Params>,
}

impl Typed {
    fn value(&self, form: &str, name: &str) -> String {
        match &self.params {
            Some(p) if self.form == form => p.raw(name).to_string(),
            _ => String::new(),
        }
    }

    fn checked(&self, form: &str, name: &str, value: &str) -> bool {
        match &self.params {
            Some(p) if self.form == form => p.all(name).contains(&value),
            _ => false,
        }
    }
}

/// A message above the case, and what else to show.
#[derive(Default)]
struct Notice {
    status: Option<StatusCode>,
    error: Option<String>,
    /// A 409: the version the officer's form was made from.
    conflict_since: Option<u64>,
    /// A penalty check to show before recording.
    check: Option<DiscretionCheck>,
}

async fn load_readable(
    engine: &Engine,
    ctx: &Ctx,
    signed: &SignedIn,
    id: &str,
) -> Result<(Case, Vec<StoredEvent>), HttpResponse> {
    let loaded = match engine.load_case(id).await {
        Ok(l) => l,
        Err(e) => return Err(super::unavailable(ctx, Section::Officer, e)),
    };
    // Another department's case reads exactly as a number never issued: the page must not
    // tell a stranger which tracking numbers are real (security finding 10).
    let no_such_case = || {
        super::message_page(
            ctx,
            StatusCode::NOT_FOUND,
            Section::Officer,
            ctx.t("未找到办件", "No such case"),
            ctx.t(
                "没有这个办件编号的办件。",
                "There is no case with this number.",
            ),
        )
    };
    let Some((case, events)) = loaded else {
        return Err(no_such_case());
    };
    if !signed.principal.can_read_department(&case.department) {
        return Err(no_such_case());
    }
    // Every page of a case shows its party: an inspector's read is recorded here, on the one
    // path those pages load the case through, before anything is shown (as on the desk); the
    // department's own staff work on their cases and are not recorded.
    if signed.principal.claims.role == Role::Inspector {
        let meta = crate::engine::CommandMeta {
            actor: signed.principal.claims.sub.clone(),
            role: Role::Inspector.as_str().into(),
            department: signed.principal.claims.department.clone(),
            request_id: format!("page-{}", uuid::Uuid::now_v7()),
        };
        if let Err(e) = engine
            .record_personal_data_read(signed.principal.actor(), id, "officer_case_page", meta)
            .await
        {
            tracing::error!(error = %e, "recording a read failed");
            return Err(super::message_page(
                ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "查阅记录未能保存，办件未予显示。请稍后再试。",
                    "The read could not be recorded, so the case is not shown. Please try again.",
                ),
            ));
        }
    }
    Ok((case, events))
}

/// `GET /officer/cases/{id}`.
pub(crate) async fn case_page(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    id: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    render_case(
        &ctx,
        &engine,
        &signed,
        &id,
        Typed::default(),
        Notice::default(),
    )
    .await
}

fn event_line(ctx: &Ctx, event: &StoredEvent) -> Markup {
    let actor = event
        .metadata
        .get("actor")
        .and_then(|a| a.as_str())
        .unwrap_or("")
        .to_string();
    let parsed: Option<CaseEvent> = serde_json::from_value(event.payload.clone()).ok();
    let at = parsed
        .as_ref()
        .map(|e| cst(e.at()))
        .unwrap_or_else(|| cst(event.recorded_at.fixed_offset()));
    html! {
        li data-sequence=(event.sequence) {
            time { (at) } " "
            @match &parsed {
                Some(CaseEvent::CaseOpened { channel, .. }) => {
                    strong { (ctx.t("受理/立案", "Opened")) }
                    " · " (CHANNELS.iter().find(|c| c.0 == *channel).map(|c| ctx.t(c.2, c.3)).unwrap_or(""))
                }
                Some(CaseEvent::StepCompleted { from_name, outcome, to_name, note, exception, .. }) => {
                    strong { (from_name) "：" (outcome) } " → " (to_name)
                    @if *exception { " " span class="badge" { (ctx.t("异常流转", "exception path")) } }
                    @if let Some(n) = note { br; span class="note" { (ctx.t("备注：", "Note: ")) (n) } }
                }
                Some(CaseEvent::ClockPaused { reason, .. }) => {
                    strong { (ctx.t("暂停计时", "Clock paused")) } "：" (reason)
                }
                Some(CaseEvent::ClockResumed { reason, .. }) => {
                    strong { (ctx.t("恢复计时", "Clock resumed")) } "：" (reason)
                }
                Some(CaseEvent::CaseConcluded { result, .. }) => {
                    strong { (ctx.t("办结", "Concluded")) } "：" (result)
                }
                Some(CaseEvent::CaseWithdrawn { reason, .. }) => {
                    strong { (ctx.t("撤回/终止", "Withdrawn")) } "：" (reason)
                }
                Some(CaseEvent::LimitExtended { days, approved_by, reason, .. }) => {
                    strong { (ctx.t("延长期限", "Limit extended")) } "："
                    @match ctx.lang {
                        Lang::Zh => { "延长 " (days) " 个工作日，批准人 " (approved_by) "；" (reason) }
                        Lang::En => { (days) " working days, approved by " (approved_by) "; " (reason) }
                    }
                }
                Some(CaseEvent::PenaltyDecisionRecorded { amount_fen, check, .. }) => {
                    strong { (ctx.t("记录处罚决定", "Penalty decision recorded")) } "：" (format_yuan(*amount_fen)) " · " (check.label)
                    @if check.deviation { " " strong class="flag due-soon" { (ctx.t("偏离裁量基准", "departs from the standard")) } }
                }
                Some(CaseEvent::FeeCharged { item, amount_fen, standard_fen, note, .. }) => {
                    strong { (ctx.t("收费", "Fee charged")) } "：" (item) " " (format_yuan(*amount_fen))
                    @if standard_fen.is_none_or(|s| *amount_fen > s) {
                        " " strong class="flag due-soon" { (ctx.t("不符合公布的收费标准", "not as published")) }
                    }
                    @if let Some(n) = note { br; span class="note" { (ctx.t("备注：", "Note: ")) (n) } }
                }
                Some(CaseEvent::PenaltyDecisionPublished { document_no, .. }) => {
                    strong { (ctx.t("处罚决定已公开", "Decision published")) } "：" (document_no)
                }
                Some(CaseEvent::PenaltyDecisionRevoked { reason, .. }) => {
                    strong { (ctx.t("处罚决定已撤销", "Decision revoked")) } "：" (reason)
                }
                None => { strong { (event.event_type) } }
            }
            @if !actor.is_empty() { " — " span class="actor" { (actor) } }
        }
    }
}

fn limit_block(ctx: &Ctx, engine: &Engine, id: &str, label: &str, limit: &LimitStatus) -> Markup {
    let class = card(engine, limit);
    html! {
        div class={"limit" @if let Some(c) = class { " " (c) }} id=(id) {
            p {
                strong { (label) } " "
                (super::working_days(ctx.lang, limit.limit_days)) " · "
                (ctx.t("已用 ", "used ")) (limit.used_days) " · "
                (ctx.t("剩余 ", "left ")) (limit.remaining_days)
                @if let Some(d) = limit.due { " · " (ctx.t("届满日 ", "due ")) (ymd(d)) }
                @else if let Some(year) = limit.missing_year {
                    " · "
                    @match ctx.lang {
                        Lang::Zh => { "届满日暂无法计算（尚未收录 " (year) " 年节假日安排）" }
                        Lang::En => { "due date unknown (no holiday arrangements for " (year) " yet)" }
                    }
                }
                @else { " · " (ctx.t("计时暂停中", "clock paused")) }
                (card_flag(ctx, class))
            }
            @if limit.extended_days > 0 {
                p class="limit-extended hint" id={ (id) "-extended" } {
                    @match ctx.lang {
                        Lang::Zh => { "已依法延长 " (limit.extended_days) " 个工作日（含在上列时限内）。" }
                        Lang::En => { "Lawfully extended by " (limit.extended_days) " working days (included above)." }
                    }
                }
            }
            @if limit.provisional {
                p class="limit-provisional hint" id={ (id) "-provisional" } {
                    (super::provisional_note(ctx, &limit.provisional_years))
                }
            }
        }
    }
}

fn range_words(range: Option<aggregates::discretion::FenRange>) -> String {
    range
        .map(|r| format!("{} – {}", format_yuan(r.min_fen), format_yuan(r.max_fen)))
        .unwrap_or_else(|| "—".into())
}

fn check_block(ctx: &Ctx, check: &DiscretionCheck) -> Markup {
    let outside = check.deviation || check.refused;
    html! {
        section id="penalty-check" class={"check " @if outside { "warning" } @else { "ok" }} role="status" aria-live="polite" {
            h3 { (ctx.t("裁量核对结果", "Discretion check")) }
            dl class="facts" {
                div { dt { (ctx.t("适用情形", "Regime")) } dd { (check.regime_name.clone().unwrap_or_else(|| "—".into())) } }
                div { dt { (ctx.t("法定罚款幅度", "Statutory range")) } dd id="statutory-range" { (range_words(check.statutory_range)) } }
                div { dt { (ctx.t("所选裁量档次幅度", "Band's range")) } dd id="band-range" { (check.band_name.clone().unwrap_or_default()) " " (range_words(check.band_range)) } }
                div { dt { (ctx.t("拟罚款", "Proposed fine")) } dd { (format_yuan(check.amount_fen)) } }
            }
            p id="verdict" {
                @if outside {
                    strong class="flag overdue" { (ctx.t("警告", "Warning")) } " "
                } @else {
                    strong class="flag ok" { (ctx.t("在幅度内", "Within the band")) } " "
                }
                strong { (check.label) } "：" (check.message)
            }
            @if check.approval_required {
                p { (ctx.t("需经批准：", "Needs approval: ")) (check.approval.clone().unwrap_or_default()) }
            }
        }
    }
}

async fn render_case(
    ctx: &Ctx,
    engine: &Engine,
    signed: &SignedIn,
    id: &str,
    typed: Typed,
    notice: Notice,
) -> HttpResponse {
    let (case, events) = match load_readable(engine, ctx, signed, id).await {
        Ok(x) => x,
        Err(p) => return p,
    };
    let power: Option<std::sync::Arc<PublishedPower>> = match engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await
    {
        Ok(p) => p,
        Err(e) => return super::unavailable(ctx, Section::Officer, e),
    };
    let computed = power
        .as_ref()
        .map(|p| case.times(&p.flowchart, &engine.calendar(), engine.now()));
    let limits_error = match &computed {
        Some(Err(e)) => Some(super::calendar_error_words(ctx, e)),
        _ => None,
    };
    let times = computed.and_then(Result::ok);
    let allowed = power
        .as_ref()
        .map(|p| case.allowed(&p.flowchart))
        .unwrap_or_default();
    let mut visited: Vec<String> = Vec::new();
    for e in &events {
        if let Ok(CaseEvent::StepCompleted { from, .. }) =
            serde_json::from_value::<CaseEvent>(e.payload.clone())
        {
            visited.push(from);
        }
    }
    let title = format!("{} {}", case.power_name, case.tracking_no);
    let svg = match power.as_ref() {
        Some(p) => Some(
            flowchart_svg_bounded(
                p.flowchart.spec(),
                &FlowchartStyle {
                    current: matches!(case.status, CaseStatus::Open | CaseStatus::Paused)
                        .then_some(case.current_step.as_str()),
                    visited: &visited,
                    title: &format!("{} 办理流程图", case.power_name),
                },
                &[],
            )
            .await,
        ),
        None => None,
    };
    let is_officer = signed.principal.claims.role == Role::Officer;
    let open = matches!(case.status, CaseStatus::Open | CaseStatus::Paused);
    let base = format!(
        "/officer/cases/{}",
        super::encode_component(&case.tracking_no)
    );
    let version = case.version.to_string();
    let manual_pause = case.open_pause().filter(|p| p.step.is_none());
    let held_by_step = case.open_pause().is_some_and(|p| p.step.is_some());
    let done = ctx.params.get("done");
    let new_events: Vec<&StoredEvent> = match notice.conflict_since {
        Some(v) => events.iter().filter(|e| e.sequence as u64 > v).collect(),
        None => Vec::new(),
    };
    let discretion = power
        .as_ref()
        .filter(|p| p.category == Category::Penalty)
        .and_then(|p| p.content.discretion.clone());

    let body = html! {
        (signed.bar(ctx))
        p class="breadcrumb" { a href=(ctx.link("/officer/worklist")) { (ctx.t("办件清单", "Worklist")) } " › " (case.tracking_no) }
        h1 { (case.power_name) }
        @if let Some(e) = &notice.error {
            p class="error" role="alert" id="error" { (e) }
        }
        @if notice.conflict_since.is_some() {
            section id="conflict" class="warning" role="alert" {
                h2 { (ctx.t("办件已被他人更新", "Someone else updated this case meanwhile")) }
                p { (ctx.t(
                    "您提交时，办件已有以下新记录，您的操作没有保存。下面的表单保留了您填写的内容，请核对后重新提交。",
                    "When you submitted, the case already had these new entries, so your action was not saved. The forms below keep what you typed; check and submit again."
                )) }
                ol id="new-events" class="timeline" {
                    @for e in &new_events { (event_line(ctx, e)) }
                }
            }
        }
        @if let Some(d) = done {
            p class="ok-note" role="status" id="done" {
                @match d {
                    "step" => (ctx.t("已记录办理环节。", "The step is recorded.")),
                    "pause" => (ctx.t("已暂停计时。", "The clock is paused.")),
                    "resume" => (ctx.t("已恢复计时。", "The clock runs again.")),
                    "withdraw" => (ctx.t("办件已撤回/终止。", "The case is withdrawn.")),
                    "penalty" => (ctx.t("已记录处罚决定。", "The penalty decision is recorded.")),
                    "fee" => (ctx.t("已记录收费。", "The fee is recorded.")),
                    "publish" => (ctx.t("处罚决定已公开。", "The decision is published.")),
                    "revoke" => (ctx.t("处罚决定已撤销，公开信息已撤回。", "The decision is revoked and its publication withdrawn.")),
                    _ => (ctx.t("已保存。", "Saved.")),
                }
            }
        }
        dl class="facts summary" {
            div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code id="tracking-no" { (case.tracking_no) } } }
            div { dt { (ctx.t("状态", "Status")) } dd id="status" class="status" { (super::track::status_words(ctx.lang, case.status)) } }
            div { dt { (ctx.t("当前环节", "Current step")) } dd id="current-step" { (case.current_step_name) } }
            @if let Some(r) = &case.result { div { dt { (ctx.t("办理结果", "Result")) } dd id="result" { (r) } } }
            div { dt { (ctx.t("当事人", "Party")) } dd id="party" {
                @if let Some(p) = &case.party {
                    (p.name) br; code { (p.id_number) }
                    @if let Some(ph) = &p.phone { br; (ph) }
                    @if let Some(a) = &p.address { br; (a) }
                }
            } }
            div { dt { (ctx.t("受理时间", "Received")) } dd { @if let Some(at) = case.received_at { (cst(at)) } } }
            div { dt { (ctx.t("事项版本", "Power version")) } dd { (case.power_code) " v" (case.power_version) } }
            div { dt { (ctx.t("版本号", "Case version")) } dd id="case-version" { (case.version) } }
            div { dt { (ctx.t("已收费", "Fees charged")) } dd id="fees-charged" {
                @if case.fees.is_empty() { (ctx.t("无", "none")) }
                @for f in &case.fees { (f.item) " " (format_yuan(f.amount_fen)) br; }
            } }
        }
        @if let Some(t) = &times {
            section id="limits" aria-label=(ctx.t("办理时限", "Time limits")) {
                @if let Some(p) = &t.promised { (limit_block(ctx, engine, "limit-promised", ctx.t("承诺时限", "Promised limit"), p)) }
                (limit_block(ctx, engine, "limit-statutory", ctx.t("法定时限", "Statutory limit"), &t.statutory))
                @if let Some(s) = &t.step { (limit_block(ctx, engine, "limit-step", ctx.t("本环节时限", "This step's limit"), s)) }
                @if case.status == CaseStatus::Paused { p class="paused-note" id="paused-note" { (ctx.t("计时暂停中", "The clock is paused")) } }
            }
        }
        @if let Some(e) = &limits_error {
            p class="warning" id="limits-error" { (e) }
        }
        @if let Some(svg) = &svg {
            figure id="flowchart" {
                div class="chart" { (PreEscaped(svg)) }
                figcaption { (ctx.t("办理流程图：当前环节以黄色标出，已办环节以浅蓝色标出。", "Flowchart: the current step in yellow, steps done in light blue.")) }
            }
        }
        @if let Some(r) = case.penalty.as_ref().and_then(|p| p.revoked.as_ref()) {
            p class="warning" id="revoked" { (ctx.t("处罚决定已撤销：", "The decision was revoked: ")) (r.reason) " (" (cst(r.at)) ")" }
        }
        @if is_officer && case.status == CaseStatus::Concluded && case.penalty.as_ref().is_some_and(|p| p.revoked.is_none()) {
            section id="publication" {
                h2 { (ctx.t("处罚决定公开", "Publishing the decision")) }
                @if let Some(p) = &case.publication {
                    p id="published" {
                        (ctx.t("已公开：", "Published: ")) (p.document_no) " · " (cst(p.at)) " · "
                        a href=(ctx.link(&format!("/decisions/{}", projections::decisions::decision_id(&case.tracking_no)))) { (ctx.t("查看公开页面", "See the public page")) }
                    }
                } @else {
                    p class="hint" { (ctx.t("处罚决定应自作出之日起 7 个工作日内公开；当事人为自然人的，公开时隐去姓名。", "Publish within 7 working days of the decision; a natural person's name is withheld.")) }
                    form id="publish-form" method="post" action=(ctx.link(&format!("{base}/publish"))) class="console-form" {
                        (signed.csrf_input())
                        (ctx.lang_input())
                        input type="hidden" name="expected_version" value=(version);
                        div class="field" {
                            label for="publish-document-no" { (ctx.t("决定书文号", "Document number")) " *" }
                            input id="publish-document-no" name="document_no" type="text" required maxlength="100" value=(typed.value("publish", "document_no"));
                        }
                        div class="field" {
                            label for="publish-violation" { (ctx.t("主要违法事实", "The violation")) " *" }
                            textarea id="publish-violation" name="violation" rows="2" required maxlength="2000" { (typed.value("publish", "violation")) }
                        }
                        div class="field" {
                            label for="publish-penalty" { (ctx.t("处罚内容", "The penalty in words")) " *" }
                            input id="publish-penalty" name="penalty" type="text" required maxlength="500" value=(typed.value("publish", "penalty"));
                        }
                        div class="actions" { button id="publish-submit" type="submit" { (ctx.t("公开处罚决定", "Publish the decision")) } }
                    }
                }
                form id="revoke-form" method="post" action=(ctx.link(&format!("{base}/revoke"))) class="console-form" {
                    (signed.csrf_input())
                    (ctx.lang_input())
                    input type="hidden" name="expected_version" value=(version);
                    div class="field" {
                        label for="revoke-reason" { (ctx.t("撤销理由（如经复议、诉讼撤销；公开显示）", "Why it was revoked (review, court…; shown publicly)")) " *" }
                        input id="revoke-reason" name="reason" type="text" required maxlength="500" value=(typed.value("revoke", "reason"));
                    }
                    div class="actions" { button id="revoke-submit" type="submit" class="secondary" { (ctx.t("撤销处罚决定", "Revoke the decision")) } }
                }
            }
        }
        @if is_officer && open {
            section id="act" {
                h2 { (ctx.t("办理当前环节", "Complete the current step")) }
                @if allowed.is_empty() {
                    p { (ctx.t("当前环节没有可选的办理结果。", "The current step has no outcomes.")) }
                } @else {
                    form id="step-form" method="post" action=(ctx.link(&format!("{base}/step"))) class="console-form" {
                        (signed.csrf_input())
                        (ctx.lang_input())
                        input type="hidden" name="expected_version" value=(version);
                        div class="field" {
                            label for="step-note" { (ctx.t("备注（可选）", "Note (optional)")) }
                            textarea id="step-note" name="note" rows="2" maxlength="500" { (typed.value("step", "note")) }
                        }
                        div class="outcomes" role="group" aria-label=(ctx.t("办理结果", "Outcome")) {
                            @for a in &allowed {
                                button type="submit" name="outcome" value=(a.outcome) class={"outcome" @if a.exception { " secondary" }} data-to=(a.to) {
                                    (a.outcome) " → " (a.to_name)
                                }
                            }
                        }
                    }
                }
                h2 { (ctx.t("计时", "Clock")) }
                @if held_by_step {
                    p id="held-by-step" { (ctx.t("当前环节暂停计时（如补正、听证），办理完该环节后自动恢复。", "The current step stops the clock (e.g. awaiting documents); it restarts when the step is done.")) }
                } @else if manual_pause.is_some() {
                    form id="resume-form" method="post" action=(ctx.link(&format!("{base}/clock"))) class="console-form" {
                        (signed.csrf_input())
                        (ctx.lang_input())
                        input type="hidden" name="expected_version" value=(version);
                        input type="hidden" name="action" value="resume";
                        div class="field" {
                            label for="resume-reason" { (ctx.t("恢复计时的原因", "Why the clock runs again")) " *" }
                            input id="resume-reason" name="reason" type="text" required maxlength="500" value=(typed.value("clock", "reason"));
                        }
                        div class="actions" { button id="resume-submit" type="submit" { (ctx.t("恢复计时", "Resume the clock")) } }
                    }
                } @else {
                    form id="pause-form" method="post" action=(ctx.link(&format!("{base}/clock"))) class="console-form" {
                        (signed.csrf_input())
                        (ctx.lang_input())
                        input type="hidden" name="expected_version" value=(version);
                        input type="hidden" name="action" value="pause";
                        div class="field" {
                            label for="pause-reason" { (ctx.t("暂停计时的原因（如听证、鉴定、公告）", "Why the clock stops (hearing, expert opinion, public notice…)")) " *" }
                            input id="pause-reason" name="reason" type="text" required maxlength="500" value=(typed.value("clock", "reason"));
                        }
                        div class="actions" { button id="pause-submit" type="submit" class="secondary" { (ctx.t("暂停计时", "Pause the clock")) } }
                    }
                }
                @if let Some(standard) = &discretion {
                    h2 id="penalty" { (ctx.t("行政处罚决定", "Penalty decision")) }
                    @if let Some(p) = &case.penalty {
                        p id="penalty-recorded" { (ctx.t("已记录：", "Recorded: ")) (format_yuan(p.amount_fen)) " · " (p.check.label) }
                    }
                    form id="penalty-form" method="post" action=(ctx.link(&format!("{base}/penalty"))) class="console-form" {
                        (signed.csrf_input())
                        (ctx.lang_input())
                        input type="hidden" name="expected_version" value=(version);
                        div class="field" {
                            label for="penalty-band" { (ctx.t("裁量档次", "Band")) }
                            select id="penalty-band" name="band" {
                                option value="" { (ctx.t("不选（不予处罚或减轻）", "None (no penalty, or mitigation)")) }
                                @for regime in &standard.regimes {
                                    optgroup label=(regime.name) {
                                        @for band in &regime.bands {
                                            option value=(band.id) selected[typed.value("penalty", "band") == band.id] { (regime.name) " · " (band.name) }
                                        }
                                    }
                                }
                            }
                        }
                        @if let Some(base) = standard.bases.first() {
                            div class="field" {
                                label for="penalty-base" { (base.name) (ctx.t("（元）", " (yuan)")) }
                                input id="penalty-base" name="base_amount" type="text" inputmode="decimal" maxlength="20" value=(typed.value("penalty", "base_amount"));
                            }
                        }
                        div class="field" {
                            label for="penalty-amount" { (ctx.t("罚款金额（元）", "Fine (yuan)")) " *" }
                            input id="penalty-amount" name="amount" type="text" inputmode="decimal" required maxlength="20" value=(typed.value("penalty", "amount"));
                        }
                        @if !standard.circumstances.is_empty() {
                            fieldset {
                                legend { (ctx.t("查明的情节", "Circumstances found")) }
                                @for c in &standard.circumstances {
                                    label class="check-line" { input type="checkbox" name="circumstances" value=(c.id) checked[typed.checked("penalty", "circumstances", &c.id)]; " " (c.name) }
                                }
                            }
                        }
                        @let grounds: Vec<_> = standard.mitigation.iter().flat_map(|m| m.grounds.iter()).chain(standard.no_penalty.iter().flat_map(|n| n.grounds.iter())).collect();
                        @if !grounds.is_empty() {
                            fieldset {
                                legend { (ctx.t("减轻或不予处罚的依据", "Grounds for mitigation or no penalty")) }
                                @for g in grounds {
                                    label class="check-line" { input type="checkbox" name="grounds" value=(g.id) checked[typed.checked("penalty", "grounds", &g.id)]; " " (g.name) }
                                }
                            }
                        }
                        div class="field" {
                            label for="penalty-justification" { (ctx.t("说明理由", "Reasons")) " *" }
                            textarea id="penalty-justification" name="justification" rows="3" maxlength="2000" { (typed.value("penalty", "justification")) }
                        }
                        fieldset {
                            legend { (ctx.t("减轻处罚审批（低于法定最低限额时填写）", "Approval of a 减轻 below the statutory minimum")) }
                            div class="field" {
                                label for="penalty-approved-by" { (ctx.t("批准人（账户）", "Approved by (account)")) }
                                input id="penalty-approved-by" name="approved_by" type="text" maxlength="100" value=(typed.value("penalty", "approved_by"));
                            }
                            div class="field" {
                                label for="penalty-approval-reference" { (ctx.t("审批文号", "Approval reference")) }
                                input id="penalty-approval-reference" name="approval_reference" type="text" maxlength="100" value=(typed.value("penalty", "approval_reference"));
                            }
                        }
                        @if let Some(check) = &notice.check { (check_block(ctx, check)) }
                        div class="actions" {
                            button id="penalty-check-submit" type="submit" name="intent" value="check" class="secondary" { (ctx.t("核对裁量幅度", "Check against the standard")) }
                            @if notice.check.as_ref().is_some_and(|c| !c.refused) {
                                " "
                                button id="penalty-record-submit" type="submit" name="intent" value="record" { (ctx.t("确认并记录处罚决定", "Confirm and record the decision")) }
                            }
                        }
                    }
                }
                @if let Some(p) = &power {
                    h2 { (ctx.t("收费", "Fees")) }
                    @if p.content.fees.is_empty() || p.content.fees.iter().all(|f| f.amount_fen == 0) {
                        p id="fee-standard" { (ctx.t("按公布的收费标准，本事项不收费。", "By its published schedule this power charges no fee.")) }
                    } @else {
                        ul id="fee-standard" { @for f in &p.content.fees { li { (f.name) "：" (format_yuan(f.amount_fen)) } } }
                    }
                    form id="fee-form" method="post" action=(ctx.link(&format!("{base}/fee"))) class="console-form" {
                        (signed.csrf_input())
                        (ctx.lang_input())
                        input type="hidden" name="expected_version" value=(version);
                        div class="field" {
                            label for="fee-item" { (ctx.t("收费项目", "Fee item")) " *" }
                            input id="fee-item" name="item" type="text" required maxlength="100" list="fee-items"
                                value=(typed.value("fee", "item"));
                            datalist id="fee-items" { @for f in &p.content.fees { option value=(f.name) {} } }
                        }
                        div class="field" {
                            label for="fee-amount" { (ctx.t("金额（元）", "Amount (yuan)")) " *" }
                            input id="fee-amount" name="amount" type="text" inputmode="decimal" required maxlength="20"
                                value=(typed.value("fee", "amount"));
                        }
                        div class="field" {
                            label for="fee-note" { (ctx.t("备注（如票据号）", "Note (receipt number…)")) }
                            input id="fee-note" name="note" type="text" maxlength="500" value=(typed.value("fee", "note"));
                        }
                        div class="actions" { button id="fee-submit" type="submit" class="secondary" { (ctx.t("记录收费", "Record the fee")) } }
                    }
                }
                @if let Some(ext) = power.as_ref().and_then(|p| p.content.extension.as_ref()) {
                    @let remaining = ext.days.saturating_sub(case.extended_days);
                    h2 { (ctx.t("延长期限", "Extend the limit")) }
                    p class="hint" id="extension-basis" {
                        (ext.basis)
                        " "
                        @match ctx.lang {
                            Lang::Zh => { "（可延长 " (ext.days) " 个工作日，已延长 " (case.extended_days) " 个工作日。）" }
                            Lang::En => { "(Up to " (ext.days) " working days; " (case.extended_days) " used.)" }
                        }
                    }
                    @if remaining > 0 {
                        form id="extension-form" method="post" action=(ctx.link(&format!("{base}/extension"))) class="console-form" {
                            (signed.csrf_input())
                            (ctx.lang_input())
                            input type="hidden" name="expected_version" value=(version);
                            div class="field" {
                                label for="extension-days" { (ctx.t("延长工作日数", "Working days")) " *" }
                                input id="extension-days" name="days" type="number" min="1" max=(remaining) step="1" inputmode="numeric" required
                                    value=(typed.value("extension", "days"));
                            }
                            div class="field" {
                                label for="extension-approved-by" { (ctx.t("批准人", "Approved by")) " *" }
                                input id="extension-approved-by" name="approved_by" type="text" required maxlength="100"
                                    value=(typed.value("extension", "approved_by"));
                            }
                            div class="field" {
                                label for="extension-reason" { (ctx.t("延期理由（将告知申请人）", "Reason (told to the applicant)")) " *" }
                                input id="extension-reason" name="reason" type="text" required maxlength="500"
                                    value=(typed.value("extension", "reason"));
                            }
                            div class="actions" { button id="extension-submit" type="submit" class="secondary" { (ctx.t("记录延期", "Record the extension")) } }
                        }
                    }
                }
                details id="withdraw" {
                    summary { (ctx.t("撤回/终止办件", "Withdraw or terminate the case")) }
                    form id="withdraw-form" method="post" action=(ctx.link(&format!("{base}/withdraw"))) class="console-form" {
                        (signed.csrf_input())
                        (ctx.lang_input())
                        input type="hidden" name="expected_version" value=(version);
                        div class="field" {
                            label for="withdraw-reason" { (ctx.t("原因", "Reason")) " *" }
                            input id="withdraw-reason" name="reason" type="text" required maxlength="500" value=(typed.value("withdraw", "reason"));
                        }
                        div class="actions" { button id="withdraw-submit" type="submit" class="secondary" { (ctx.t("撤回/终止", "Withdraw")) } }
                    }
                }
            }
        }
        h2 { (ctx.t("办理过程", "Timeline")) }
        ol id="timeline" class="timeline" {
            @for e in &events { (event_line(ctx, e)) }
        }
    };
    page(ctx, notice.status.unwrap_or(StatusCode::OK), title, body)
}

/// Money typed in yuan (`75000`, `75,000.50`) as fen.
fn parse_yuan(text: &str) -> Option<u64> {
    let text: String = text
        .trim()
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && *c != '，' && *c != ' ')
        .collect();
    if text.is_empty() {
        return None;
    }
    let (whole, cents) = match text.split_once('.') {
        Some((w, c)) => (w, c),
        None => (text.as_str(), ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || cents.len() > 2
        || !cents.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let cents: u64 = match cents.len() {
        0 => 0,
        1 => cents.parse::<u64>().ok()? * 10,
        _ => cents.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(cents)
}

/// One POST of a case form, as extracted.
struct CaseForm {
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: String,
    body: web::Bytes,
}

/// The shared path of every case form: token, role, version, command, answer.
async fn run_case_form(
    form: CaseForm,
    form_name: &'static str,
    build: impl FnOnce(&Ctx, &Params, Actor, u64) -> Result<(CaseCommand, &'static str), String>,
) -> HttpResponse {
    let CaseForm {
        req,
        engine,
        signed,
        request_id,
        id,
        body,
    } = form;
    let mut ctx = Ctx::new(&req, engine.now());
    let params = match signed.verify_post(&mut ctx, &body) {
        Ok(p) => p,
        Err(page) => return page,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Officer]) {
        return p;
    }
    let Some(expected) = params
        .get("expected_version")
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return super::message_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            Section::Officer,
            ctx.t("请求有误", "Bad request"),
            ctx.t(
                "表单缺少办件版本号，请刷新页面。",
                "The form lacks the case version; reload the page.",
            ),
        );
    };
    let typed = |params: Params| Typed {
        form: form_name,
        params: Some(params),
    };
    let (command, done) = match build(&ctx, &params, signed.principal.actor(), expected) {
        Ok(c) => c,
        Err(message) => {
            return render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error: Some(message),
                    ..Notice::default()
                },
            )
            .await;
        }
    };
    // The case must exist and be readable before anything is run on it.
    if let Err(p) = load_readable(&engine, &ctx, &signed, &id).await {
        return p;
    }
    match engine
        .execute_case(&id, command, signed.meta(&request_id))
        .await
    {
        Ok(_) => redirect(&ctx.link(&format!(
            "/officer/cases/{}?done={done}",
            super::encode_component(&id)
        ))),
        Err(AggregateError::UserError(CaseError::StaleVersion { .. }))
        | Err(AggregateError::AggregateConflict) => {
            render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::CONFLICT),
                    conflict_since: Some(expected),
                    ..Notice::default()
                },
            )
            .await
        }
        Err(AggregateError::UserError(e)) => {
            let words = case_error_words(ctx.lang, &e);
            render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error: Some(words),
                    ..Notice::default()
                },
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = %e, "a case command failed");
            let mut response = render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::SERVICE_UNAVAILABLE),
                    error: Some(
                        ctx.t(
                            "暂时无法保存，请稍后再试。",
                            "It could not be saved just now; please try again.",
                        )
                        .into(),
                    ),
                    ..Notice::default()
                },
            )
            .await;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            response
        }
    }
}

/// `POST /officer/cases/{id}/step`: one of the allowed outcomes, with a note.
pub(crate) async fn complete_step(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    run_case_form(
        CaseForm {
            req,
            engine,
            signed,
            request_id,
            id: id.into_inner(),
            body,
        },
        "step",
        |ctx, params, actor, expected| {
            let outcome = params.get("outcome").unwrap_or("").to_string();
            if outcome.is_empty() {
                return Err(ctx
                    .t(
                        "请点击一个办理结果按钮。",
                        "Click one of the outcome buttons.",
                    )
                    .into());
            }
            let note = params.get("note").map(str::to_owned);
            Ok((
                CaseCommand::CompleteStep {
                    actor,
                    expected_version: expected,
                    outcome,
                    note,
                    at: None,
                },
                "step",
            ))
        },
    )
    .await
}

/// `POST /officer/cases/{id}/clock`: pause or resume with a reason.
pub(crate) async fn clock(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    run_case_form(
        CaseForm {
            req,
            engine,
            signed,
            request_id,
            id: id.into_inner(),
            body,
        },
        "clock",
        |ctx, params, actor, expected| {
            let reason = params.get("reason").unwrap_or("").to_string();
            if reason.is_empty() {
                return Err(ctx.t("请填写原因。", "Please give a reason.").into());
            }
            match params.get("action") {
                Some("pause") => Ok((
                    CaseCommand::PauseClock {
                        actor,
                        expected_version: Some(expected),
                        reason,
                        at: None,
                    },
                    "pause",
                )),
                Some("resume") => Ok((
                    CaseCommand::ResumeClock {
                        actor,
                        expected_version: Some(expected),
                        reason,
                        at: None,
                    },
                    "resume",
                )),
                _ => Err(ctx.t("未知的操作。", "Unknown action.").into()),
            }
        },
    )
    .await
}

/// `POST /officer/cases/{id}/withdraw`.
pub(crate) async fn withdraw(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    run_case_form(
        CaseForm {
            req,
            engine,
            signed,
            request_id,
            id: id.into_inner(),
            body,
        },
        "withdraw",
        |ctx, params, actor, expected| {
            let reason = params.get("reason").unwrap_or("").to_string();
            if reason.is_empty() {
                return Err(ctx.t("请填写原因。", "Please give a reason.").into());
            }
            Ok((
                CaseCommand::WithdrawCase {
                    actor,
                    expected_version: Some(expected),
                    reason,
                    at: None,
                },
                "withdraw",
            ))
        },
    )
    .await
}

/// `POST /officer/cases/{id}/publish`: 处罚决定公开.
pub(crate) async fn publish(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    run_case_form(
        CaseForm {
            req,
            engine,
            signed,
            request_id,
            id: id.into_inner(),
            body,
        },
        "publish",
        |_ctx, params, actor, _expected| {
            Ok((
                CaseCommand::PublishPenaltyDecision {
                    actor,
                    document_no: params.raw("document_no").to_string(),
                    violation: params.raw("violation").to_string(),
                    penalty: params.raw("penalty").to_string(),
                    at: None,
                },
                "publish",
            ))
        },
    )
    .await
}

/// `POST /officer/cases/{id}/revoke`: 处罚决定撤销 (and withdrawal of its publication).
pub(crate) async fn revoke(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    run_case_form(
        CaseForm {
            req,
            engine,
            signed,
            request_id,
            id: id.into_inner(),
            body,
        },
        "revoke",
        |_ctx, params, actor, _expected| {
            Ok((
                CaseCommand::RevokePenaltyDecision {
                    actor,
                    reason: params.raw("reason").to_string(),
                    at: None,
                },
                "revoke",
            ))
        },
    )
    .await
}

/// `POST /officer/cases/{id}/fee`: a fee charged, by item and amount in yuan.
pub(crate) async fn fee(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    run_case_form(
        CaseForm {
            req,
            engine,
            signed,
            request_id,
            id: id.into_inner(),
            body,
        },
        "fee",
        |ctx, params, actor, expected| {
            let item = params.get("item").unwrap_or("").to_string();
            if item.is_empty() {
                return Err(ctx.t("请填写收费项目。", "Enter the fee item.").into());
            }
            let amount = parse_yuan(params.raw("amount"))
                .filter(|a| *a > 0)
                .ok_or_else(|| {
                    ctx.t(
                        "请按元填写收费金额，如 10 或 10.50。",
                        "Enter the amount in yuan, e.g. 10 or 10.50.",
                    )
                    .to_string()
                })?;
            Ok((
                CaseCommand::ChargeFee {
                    actor,
                    expected_version: expected,
                    item,
                    amount_fen: amount,
                    note: params.get("note").map(str::to_owned),
                    at: None,
                },
                "fee",
            ))
        },
    )
    .await
}

/// `POST /officer/cases/{id}/extension`: the limit extended with its approval.
pub(crate) async fn extension(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    run_case_form(
        CaseForm {
            req,
            engine,
            signed,
            request_id,
            id: id.into_inner(),
            body,
        },
        "extension",
        |ctx, params, actor, expected| {
            let days = params
                .get("days")
                .and_then(|d| d.parse::<u32>().ok())
                .filter(|d| *d > 0)
                .ok_or_else(|| {
                    ctx.t(
                        "请填写延长的工作日数（正整数）。",
                        "Enter the working days to add (a whole number).",
                    )
                    .to_string()
                })?;
            Ok((
                CaseCommand::ExtendLimit {
                    actor,
                    expected_version: expected,
                    days,
                    approved_by: params.get("approved_by").unwrap_or("").to_string(),
                    reason: params.get("reason").unwrap_or("").to_string(),
                    at: None,
                },
                "extension",
            ))
        },
    )
    .await
}

/// The penalty form's input, or the problem with it.
fn penalty_input(ctx: &Ctx, params: &Params) -> Result<PenaltyDecisionInput, String> {
    let amount = parse_yuan(params.raw("amount")).ok_or_else(|| {
        ctx.t(
            "请按元填写罚款金额，如 70000 或 70000.50。",
            "Enter the fine in yuan, e.g. 70000 or 70000.50.",
        )
        .to_string()
    })?;
    let base = match params.get("base_amount") {
        None => None,
        Some(b) => Some(parse_yuan(b).ok_or_else(|| {
            ctx.t(
                "请按元填写基数金额，如 3000。",
                "Enter the base amount in yuan, e.g. 3000.",
            )
            .to_string()
        })?),
    };
    Ok(PenaltyDecisionInput {
        band: params.get("band").map(str::to_owned),
        base_amount_fen: base,
        amount_fen: amount,
        circumstances: params
            .all("circumstances")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        grounds: params
            .all("grounds")
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

/// `POST /officer/cases/{id}/penalty`: `intent=check` shows the band's range for the base
/// amount and whether the fine is inside it, writing nothing; `intent=record` records it.
pub(crate) async fn penalty(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let id = id.into_inner();
    let mut ctx = Ctx::new(&req, engine.now());
    let peek = std::str::from_utf8(&body)
        .ok()
        .and_then(|t| Params::parse(t).ok());
    let is_record = peek.as_ref().and_then(|p| p.get("intent")) == Some("record");
    if is_record {
        return run_case_form(
            CaseForm {
                req,
                engine,
                signed,
                request_id,
                id,
                body,
            },
            "penalty",
            |ctx, params, actor, expected| {
                let input = penalty_input(ctx, params)?;
                Ok((
                    CaseCommand::RecordPenaltyDecision {
                        actor,
                        expected_version: expected,
                        band: input.band,
                        base_amount_fen: input.base_amount_fen,
                        amount_fen: input.amount_fen,
                        circumstances: input.circumstances,
                        grounds: input.grounds,
                        justification: params.raw("justification").trim().to_string(),
                        approval: match (
                            params.get("approved_by"),
                            params.get("approval_reference"),
                        ) {
                            (Some(by), Some(reference)) => {
                                Some(aggregates::case::MitigationApproval {
                                    approved_by: by.to_string(),
                                    reference: reference.to_string(),
                                })
                            }
                            _ => None,
                        },
                        at: None,
                    },
                    "penalty",
                ))
            },
        )
        .await;
    }
    // A check: nothing is written.
    let params = match signed.verify_post(&mut ctx, &body) {
        Ok(p) => p,
        Err(page) => return page,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Officer]) {
        return p;
    }
    let (case, _) = match load_readable(&engine, &ctx, &signed, &id).await {
        Ok(x) => x,
        Err(p) => return p,
    };
    let expected = params
        .get("expected_version")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let typed = |params: Params| Typed {
        form: "penalty",
        params: Some(params),
    };
    if expected != case.version {
        return render_case(
            &ctx,
            &engine,
            &signed,
            &id,
            typed(params),
            Notice {
                status: Some(StatusCode::CONFLICT),
                conflict_since: Some(expected),
                ..Notice::default()
            },
        )
        .await;
    }
    let input = match penalty_input(&ctx, &params) {
        Ok(i) => i,
        Err(message) => {
            return render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error: Some(message),
                    ..Notice::default()
                },
            )
            .await;
        }
    };
    let power = match engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => {
            return super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "办件所依据的事项版本无法读取。",
                    "The case's power version cannot be read.",
                ),
            );
        }
        Err(e) => return super::unavailable(&ctx, Section::Officer, e),
    };
    let notice = match case.check_penalty(&signed.principal.actor(), &power, input) {
        Ok(check) => Notice {
            check: Some(check),
            ..Notice::default()
        },
        Err(e) => Notice {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            error: Some(case_error_words(ctx.lang, &e)),
            ..Notice::default()
        },
    };
    render_case(&ctx, &engine, &signed, &id, typed(params), notice).await
}

#[cfg(test)]
mod tests {
    use super::{parse_local_time, parse_yuan};

    #[test]
    fn yuan_are_read_as_typed() {
        assert_eq!(parse_yuan("75000"), Some(7_500_000));
        assert_eq!(parse_yuan("75,000.5"), Some(7_500_050));
        assert_eq!(parse_yuan("0.05元"), Some(5));
        for bad in ["", "-1", "1.234", "abc", "1e5", ".5"] {
            assert_eq!(parse_yuan(bad), None, "{bad}");
        }
        assert_eq!(parse_yuan(&"9".repeat(30)), None, "overflow");
    }

    #[test]
    fn local_times_are_china_standard_time() {
        let t = parse_local_time("2026-03-06T09:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-06T09:00:00+08:00");
        assert!(parse_local_time("2026-02-30T09:00").is_none());
    }
}
