//! Opening a case (受理/立案): the form, its checks in the officer's words, and the command.

use super::*;

/// What the officer typed into the open-case form, kept as typed.
#[derive(Debug, Default, Clone)]
pub(super) struct OpenForm {
    power: String,
    kind: String,
    name: String,
    id_number: String,
    phone: String,
    address: String,
    channel: String,
    received_at: String,
    /// The form's own key (`{yyyymmdd}-{32 hex}`): posting the same form twice opens one case.
    form_key: String,
}

impl OpenForm {
    fn from_params(p: &Params) -> OpenForm {
        let get = |n: &str| p.raw(n).to_string();
        OpenForm {
            form_key: get("form_key"),
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
pub(super) type FieldErrors = Vec<(&'static str, String)>;

pub(super) fn field_error(errors: &FieldErrors, field: &str) -> Option<String> {
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
pub(super) fn text_field(
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

pub(super) fn now_local(engine: &Engine) -> String {
    engine
        .now()
        .with_timezone(&china_offset())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

pub(super) fn open_form_markup(
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
            input type="hidden" name="form_key" value=(if form.form_key.is_empty() { new_form_key(ctx) } else { form.form_key.clone() });
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
        Err(e) => return crate::web::pages::unavailable(&ctx, Section::Officer, e),
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
pub(super) fn parse_local_time(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .and_then(|naive| naive.and_local_timezone(china_offset()).single())
}

pub(super) fn party_problem_words(
    lang: Lang,
    field: &str,
    kind: PartyKind,
) -> (&'static str, String) {
    let problem = aggregates::party::PartyProblem {
        field: field.into(),
        message: String::new(),
    };
    let (zh, en) = problem.words(kind);
    let short = match field {
        "party.name" => "name",
        "party.id_number" => "id_number",
        "party.phone" => "phone",
        _ => "address",
    };
    (short, lang.t(zh, en).into())
}

/// `POST /officer/cases`: opens the case and shows the tracking number and query code once.
/// A new form's key: today's date and a random part.
pub(crate) fn new_form_key(ctx: &Ctx) -> String {
    format!(
        "{}-{}",
        aggregates::case::china_date(ctx.now).format("%Y%m%d"),
        uuid::Uuid::new_v4().simple()
    )
}

/// The tracking number a form stands for, if its key is one: its date, and symbols from a hash
/// keyed with the deployment's secret over the account and the key.
pub(crate) fn form_tracking_number(
    keys: &crate::identity::tokens::TokenKeys,
    account: &str,
    form_key: &str,
) -> Option<aggregates::case::CaseId> {
    use sha2::{Digest, Sha256};
    let (date, random) = form_key.split_once('-')?;
    if random.len() != 32 || !random.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let day = chrono::NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
    let mut hasher = Sha256::new();
    hasher.update(b"yangguang open-case form\0");
    hasher.update(keys.sealing_key());
    hasher.update(account.as_bytes());
    hasher.update(b"\0");
    hasher.update(form_key.as_bytes());
    let seed: [u8; 32] = hasher.finalize().into();
    Some(crate::engine::query_code::tracking_number_for(day, &seed))
}

pub(crate) async fn open_case(
    req: HttpRequest,
    engine: web::Data<Engine>,
    keys: web::Data<crate::identity::tokens::TokenKeys>,
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
        Err(e) => return crate::web::pages::unavailable(&ctx, Section::Officer, e),
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
    let preset = form_tracking_number(&keys, &signed.principal.claims.sub, &form.form_key);
    let opened = crate::web::api::cases::open_new_case(
        &engine,
        signed.principal.actor(),
        signed.meta(&request_id),
        request,
        preset.clone(),
    )
    .await;
    let (tracking_no, query_code, case) = match opened {
        Ok(Some((tracking_no, query_code, case))) => (tracking_no, query_code, case),
        Ok(None) => {
            return render_again(
                StatusCode::SERVICE_UNAVAILABLE,
                &errors,
                Some(ctx.t("请稍后再试。", "Please try again.")),
            );
        }
        // This form was posted before (a double click, a retried request): its case is open.
        Err(AggregateError::UserError(CaseError::AlreadyOpened)) if preset.is_some() => {
            let no = preset.map(|p| p.to_string()).unwrap_or_default();
            let case_href = ctx.link(&format!(
                "/officer/cases/{}",
                crate::web::pages::encode_component(&no)
            ));
            let body = html! {
                (signed.bar(&ctx))
                h1 id="already-opened" { (ctx.t("此表单已提交过", "This form was already sent")) }
                p role="status" { (ctx.t(
                    "该申请已受理，没有重复立案。查询码只在第一次提交时显示；如申请人未拿到查询码，请在办件页补发。",
                    "The case is open already; no second case was opened. The query code was shown only the first time; if the applicant did not get it, reissue it on the case page."
                )) }
                dl class="facts summary" {
                    div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code id="tracking-no" { (no) } } }
                }
                p { a id="to-case" href=(case_href) { (ctx.t("进入办件办理", "Go to the case")) } }
            };
            return page(
                &ctx,
                StatusCode::OK,
                ctx.t("此表单已提交过", "This form was already sent")
                    .to_string(),
                body,
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
            let words = crate::web::pages::refusal_words(ctx.lang, &e);
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
        crate::web::pages::encode_component(&tracking_no)
    ));
    // The receipt's limits need the pinned version; without it the page still gives the code.
    let power = engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await
        .ok()
        .flatten();
    let body = html! {
        (signed.bar(&ctx))
        h1 id="opened" { (ctx.t("已受理", "Case opened")) }
        p role="status" { (ctx.t("请把办件编号和查询码告知申请人（查询码只显示这一次）。", "Give the applicant the tracking number and the query code (the code is shown only this once).")) }
        dl class="facts summary receipt" {
            div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code id="tracking-no" { (tracking_no) } } }
            div { dt { (ctx.t("查询码", "Query code")) } dd { code id="query-code" { (query_code) } } }
        }
        @if let Some(power) = &power {
            h2 class="print-only-title" { (ctx.t("受理回执", "Receipt")) }
            (crate::web::pages::receipt::facts(&ctx, &engine, &case, power))
        }
        p class="no-print" { a id="to-case" href=(case_href) { (ctx.t("进入办件办理", "Go to the case")) } }
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
