//! 网上申请 for people on their phones: `GET /powers/{code}/apply` shows the form (the applicant,
//! how to reach them, one file field per material the version lists), `POST` the same address
//! sends it as `multipart/form-data` and answers with the tracking number and query code — or
//! the form again, every problem at its field and what was typed kept (files are chosen again:
//! a browser never refills a file field).
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::Contact;
use aggregates::party::{Party, PartyKind};
use aggregates::refusal::Refusal;
use maud::html;
use tracing_actix_web::RequestId;

use super::{Ctx, Lang, Page, Section, layout, respond_private};
use crate::engine::Engine;
use crate::engine::application::{
    Application, ApplyError, FieldProblem, MAX_APPLICATION_BYTES, MAX_FILE_BYTES, Upload,
};
use crate::queries::PowerPage;
use crate::web::api::applications::{LIMITS, public_meta};
use crate::web::extract::{PartsError, read_parts};

/// What was typed, to show again.
#[derive(Default)]
struct Typed(HashMap<String, String>);

impl Typed {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }
}

/// The power applied for, if it takes applications now.
async fn power_for_application(
    engine: &Engine,
    ctx: &Ctx,
    code: &str,
) -> Result<PowerPage, HttpResponse> {
    let not_open = |title: &str, message: &str| {
        super::message_page(
            ctx,
            StatusCode::NOT_FOUND,
            Section::Catalogue,
            title,
            message,
        )
    };
    if !aggregates::power::is_valid_power_code(code) {
        return Err(not_open(
            ctx.t("未找到事项", "No such power"),
            ctx.t("没有这个事项。", "There is no such power."),
        ));
    }
    let page = match engine.reads_own().power_page(code, None).await {
        Ok(Some(page)) => page,
        Ok(None) => {
            return Err(not_open(
                ctx.t("未找到事项", "No such power"),
                ctx.t("没有这个事项。", "There is no such power."),
            ));
        }
        Err(e) => return Err(super::unavailable(ctx, Section::Catalogue, e)),
    };
    if !page.published.category.on_application() || page.view.status != "active" {
        return Err(not_open(
            ctx.t("该事项不受理网上申请", "No online applications"),
            ctx.t(
                "该事项由行政机关依职权实施，或目前暂停受理，不能网上申请。",
                "This power is exercised by the authority of its own motion, or is suspended: it takes no applications.",
            ),
        ));
    }
    Ok(page)
}

/// `GET /powers/{code}/apply`.
pub(crate) async fn form(
    req: HttpRequest,
    engine: web::Data<Engine>,
    code: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let page = match power_for_application(&engine, &ctx, &code).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    render(&ctx, &page, &Typed::default(), &[], StatusCode::OK)
}

fn field_error<'a>(problems: &'a [FieldProblem], field: &str) -> Vec<&'a FieldProblem> {
    problems.iter().filter(|p| p.field == field).collect()
}

fn problem_text(ctx: &Ctx, p: &FieldProblem) -> String {
    match ctx.lang {
        Lang::Zh => p.message.clone(),
        Lang::En => p.message_en.clone(),
    }
}

fn render(
    ctx: &Ctx,
    page: &PowerPage,
    typed: &Typed,
    problems: &[FieldProblem],
    status: StatusCode,
) -> HttpResponse {
    let v = &page.view;
    let c = &v.content;
    let action = ctx.link(&format!(
        "/powers/{}/apply",
        super::encode_component(&v.code)
    ));
    let kind = typed.get("party_kind");
    let errors = |field: &str| {
        let found = field_error(problems, field);
        html! {
            @for p in found { p class="field-error" role="alert" { (problem_text(ctx, p)) } }
        }
    };
    let acceptance_days = page.published.flowchart.start().limit_days;
    let body = html! {
        p class="breadcrumb" {
            a href=(ctx.link("/")) { (ctx.t("职权目录", "Catalogue")) }
            " › "
            a href=(ctx.link(&format!("/powers/{}", super::encode_component(&v.code)))) { (v.name) }
        }
        h1 { (ctx.t("网上申请：", "Apply online: ")) (v.name) }
        p class="hint" {
            (v.department_name) " · "
            @if let Some(days) = acceptance_days {
                @match ctx.lang {
                    Lang::Zh => { "收到申请后 " (days) " 个工作日内决定是否受理；材料不全的，一次告知需要补正的全部内容。" }
                    Lang::En => { "Whether it is accepted is decided within " (days) " working days of receipt; missing materials are all listed in one notice." }
                }
            }
        }
        @if !problems.is_empty() {
            section id="problems" class="error" role="alert" {
                h2 { (ctx.t("申请未提交，请修改以下内容：", "Not submitted; please correct:")) }
                ul {
                    @for p in problems { li { (problem_text(ctx, p)) } }
                }
                @if problems.iter().any(|p| p.field.starts_with("materials")) || !typed.0.is_empty() {
                    p { (ctx.t("出于安全原因，浏览器不会保留已选的文件，请重新选择全部文件后提交。", "For safety, browsers do not keep chosen files: choose every file again before submitting.")) }
                }
            }
        }
        form id="apply-form" method="post" action=(action) enctype="multipart/form-data" class="stack" {
            (ctx.lang_input())
            // The form's own key: sending it twice (a refresh of the answer) finds one case.
            input type="hidden" name="form_key" value=(match typed.get("form_key") { "" => super::officer::new_form_key(ctx), k => k.to_string() });
            fieldset {
                legend { (ctx.t("申请人", "Applicant")) }
                div class="choices" role="radiogroup" {
                    label class="choice" {
                        input type="radio" name="party_kind" value="person" checked[kind != "organisation"];
                        " " (ctx.t("个人", "A person"))
                    }
                    label class="choice" {
                        input type="radio" name="party_kind" value="organisation" checked[kind == "organisation"];
                        " " (ctx.t("企业或其他组织", "A company or organisation"))
                    }
                }
                div class="field" {
                    label for="party-name" { (ctx.t("姓名或名称", "Name")) " *" }
                    input id="party-name" name="party_name" type="text" required maxlength="100" autocomplete="name" value=(typed.get("party_name"));
                    (errors("party.name"))
                }
                div class="field" {
                    label for="party-id" { (ctx.t("身份证号码或统一社会信用代码", "ID number or unified social credit code")) " *" }
                    input id="party-id" name="party_id_number" type="text" required maxlength="18" autocapitalize="characters" spellcheck="false" value=(typed.get("party_id_number"));
                    (errors("party.id_number"))
                }
                div class="field" {
                    label for="party-address" { (ctx.t("地址（选填）", "Address (optional)")) }
                    input id="party-address" name="party_address" type="text" maxlength="200" autocomplete="street-address" value=(typed.get("party_address"));
                    (errors("party.address"))
                }
            }
            fieldset {
                legend { (ctx.t("接收办理通知（至少填一项）", "Where to hear from us (at least one)")) }
                div class="field" {
                    label for="contact-mobile" { (ctx.t("手机号码", "Mobile number")) }
                    input id="contact-mobile" name="contact_mobile" type="tel" inputmode="numeric" maxlength="13" autocomplete="tel" value=(typed.get("contact_mobile"));
                    (errors("contact.mobile"))
                }
                div class="field" {
                    label for="contact-email" { (ctx.t("电子邮箱", "E-mail")) }
                    input id="contact-email" name="contact_email" type="email" maxlength="254" autocomplete="email" value=(typed.get("contact_email"));
                    (errors("contact.email"))
                }
            }
            fieldset {
                legend { (ctx.t("申请材料", "Materials")) }
                p class="hint" {
                    @match ctx.lang {
                        Lang::Zh => { "每份材料可上传 PDF、JPEG 或 PNG 文件（可多选，如多页照片），单个文件不超过 " (MAX_FILE_BYTES / 1024 / 1024) " MB，合计不超过 " (MAX_APPLICATION_BYTES / 1024 / 1024) " MB；PDF 不得设密码。暂缺的材料可以稍后补正。" }
                        Lang::En => { "Each material takes PDF, JPEG or PNG files (several at once, e.g. photos of pages), at most " (MAX_FILE_BYTES / 1024 / 1024) " MB each and " (MAX_APPLICATION_BYTES / 1024 / 1024) " MB in all; PDFs without a password. Missing materials can be supplied later." }
                    }
                }
                (errors("materials"))
                @for (i, m) in c.materials.iter().enumerate() {
                    div class="field" {
                        label for=(format!("material-{i}")) {
                            (m.name)
                            @if let Some(n) = m.copies {
                                @match ctx.lang {
                                    Lang::Zh => { "（" (n) " 份）" }
                                    Lang::En => { " (" (n) ")" }
                                }
                            }
                        }
                        @if let Some(note) = &m.note { p class="hint" { (note) } }
                        input id=(format!("material-{i}")) name=(format!("material-{i}")) type="file" multiple
                            accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";
                        (errors(&format!("materials[{i}]")))
                    }
                }
            }
            p class="hint" {
                (ctx.t(
                    "您填写的个人信息和上传的材料只用于办理本申请，仅承办部门和纪检监察人员可以查看，不会公开。",
                    "Your details and files are used only to handle this application; only the department and the discipline inspectors can see them, and they are never published.",
                ))
            }
            button id="apply-submit" type="submit" { (ctx.t("提交申请", "Submit the application")) }
        }
    };
    respond_private(
        status,
        layout(Page {
            ctx,
            title: format!("{}{}", ctx.t("网上申请：", "Apply online: "), v.name),
            section: Section::Catalogue,
            keep_params: false,
            body,
        }),
    )
}

/// `POST /powers/{code}/apply`.
pub(crate) async fn submit(
    req: HttpRequest,
    engine: web::Data<Engine>,
    keys: web::Data<crate::identity::tokens::TokenKeys>,
    request_id: RequestId,
    code: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let page = match power_for_application(&engine, &ctx, &code).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if crate::web::rate_limit::check_public_write(&req).is_err() {
        return super::message_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            Section::Catalogue,
            ctx.t("提交过于频繁", "Too many submissions"),
            ctx.t("请稍后再试。", "Please try again later."),
        );
    }
    let parts = match read_parts(&req, payload, LIMITS).await {
        Ok(parts) => parts,
        Err(e) => {
            let status = match e {
                PartsError::NotMultipart => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::PAYLOAD_TOO_LARGE,
            };
            let (field, zh, en) = match e {
                PartsError::PartTooLarge(name) => (
                    name.replace("material-", "materials[")
                        + if name.starts_with("material-") {
                            "]"
                        } else {
                            ""
                        },
                    format!(
                        "文件超过 {} MB，请压缩或分页后再上传。",
                        MAX_FILE_BYTES / 1024 / 1024
                    ),
                    format!(
                        "A file is larger than {} MB; compress or split it.",
                        MAX_FILE_BYTES / 1024 / 1024
                    ),
                ),
                PartsError::TooLarge | PartsError::TooManyParts => (
                    "materials".to_string(),
                    format!(
                        "文件合计超过 {} MB 或数量过多，请减少后再提交。",
                        MAX_APPLICATION_BYTES / 1024 / 1024
                    ),
                    format!(
                        "The files exceed {} MB together, or are too many.",
                        MAX_APPLICATION_BYTES / 1024 / 1024
                    ),
                ),
                PartsError::NotMultipart => (
                    "materials".to_string(),
                    "表单提交方式有误，请刷新页面后重新填写。".to_string(),
                    "The form was not sent as expected; reload the page and fill it in again."
                        .to_string(),
                ),
            };
            let problem = FieldProblem {
                field,
                code: "file_too_large".into(),
                message: zh,
                message_en: en,
            };
            return render(&ctx, &page, &Typed::default(), &[problem], status);
        }
    };
    let mut typed = Typed::default();
    let mut uploads = Vec::new();
    for part in parts {
        if let Some(index) = part.name.strip_prefix("material-") {
            // An empty file field arrives as a part with an empty name and no bytes.
            if part.bytes.is_empty() && part.file_name.as_deref().unwrap_or("").is_empty() {
                continue;
            }
            uploads.push(Upload {
                material: index.parse().unwrap_or(usize::MAX),
                file_name: part.file_name,
                declared_type: part.content_type,
                bytes: part.bytes,
            });
        } else if part.file_name.is_none() {
            let text = String::from_utf8_lossy(&part.bytes).into_owned();
            typed.0.insert(part.name, text);
        }
    }
    let kind = if typed.get("party_kind") == "organisation" {
        PartyKind::Organisation
    } else {
        PartyKind::Person
    };
    let optional = |name: &str| {
        let v = typed.get(name).trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    let application = Application {
        power_code: page.view.code.clone(),
        party: Party {
            kind,
            name: typed.get("party_name").trim().to_string(),
            id_number: typed.get("party_id_number").trim().to_uppercase(),
            phone: None,
            address: optional("party_address"),
        },
        contact: Contact {
            email: optional("contact_email"),
            mobile: optional("contact_mobile"),
        },
        uploads,
        preset: super::officer::form_tracking_number(&keys, "public", typed.get("form_key")),
    };
    match engine
        .apply_online(application, public_meta(&request_id))
        .await
    {
        Ok(applied) => receipt(&ctx, &engine, &page, &applied),
        Err(ApplyError::AlreadyApplied(no)) => super::message_page(
            &ctx,
            StatusCode::OK,
            Section::Catalogue,
            ctx.t("此申请已提交过", "This application was sent before"),
            &format!(
                "{}{no}{}",
                ctx.t("该申请已收到，办件编号 ", "It was received as case "),
                ctx.t(
                    "，没有重复提交。查询码只在第一次提交后显示；如未记下，请凭身份证件到窗口补发。",
                    "; nothing was sent twice. The query code was shown only the first time; if you did not note it, the window reissues it on proof of identity."
                )
            ),
        ),
        Err(ApplyError::Invalid(problems)) => render(
            &ctx,
            &page,
            &typed,
            &problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(ApplyError::Refused(cqrs_es::AggregateError::UserError(e))) => super::message_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Section::Catalogue,
            ctx.t("申请未提交", "Not submitted"),
            &match ctx.lang {
                Lang::Zh => e.zh(),
                Lang::En => e.en(),
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "an online application failed");
            super::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Catalogue,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "申请未能保存，请稍后再试。",
                    "The application could not be saved. Please try again later.",
                ),
            )
        }
    }
}

/// The answer to an application received: the tracking number and query code (shown once),
/// when it was received and by when acceptance is decided.
fn receipt(
    ctx: &Ctx,
    engine: &Engine,
    page: &PowerPage,
    applied: &crate::engine::application::Applied,
) -> HttpResponse {
    let case = &applied.case;
    let track = ctx.link(&format!(
        "/track?no={}&code={}",
        applied.tracking_no, applied.query_code
    ));
    let body = html! {
        h1 id="received" { (ctx.t("申请已收到", "Application received")) }
        p class="ok-note" role="status" {
            (ctx.t("请记下办件编号和查询码（建议截图保存）：凭这两项查询办理进度；查询码只显示这一次。",
                   "Note the tracking number and the query code (a screenshot will do): you need both to follow the case, and the code is shown only this once."))
        }
        dl class="facts summary receipt" {
            div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code id="tracking-no" { (applied.tracking_no) } } }
            div { dt { (ctx.t("查询码", "Query code")) } dd { code id="query-code" { (applied.query_code) } } }
            div { dt { (ctx.t("已上传材料", "Files received")) } dd id="files-received" {
                @if case.materials.is_empty() { (ctx.t("无", "none")) }
                @for m in &case.materials { (m.material) br; }
            } }
        }
        (super::receipt::facts(ctx, engine, case, &page.published))
        p { a class="button-link" href=(track) { (ctx.t("查看办理进度", "Follow the case")) } }
    };
    respond_private(
        StatusCode::OK,
        layout(Page {
            ctx,
            title: ctx.t("申请已收到", "Application received").to_string(),
            section: Section::Catalogue,
            keep_params: false,
            body,
        }),
    )
}
