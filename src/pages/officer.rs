//! Officers' pages (承办人员): sign in with a bearer token kept in a cookie, and the
//! department's worklist (办件清单).
//!
//! Accounts come later; until then an officer pastes a token minted for them. The cookie
//! `yg_token` is HttpOnly, SameSite=Strict, limited to `/officer`, and Secure over https.
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::Role;
use aggregates::case::CaseStatus;
use maud::{Markup, html};

use super::{Ctx, Lang, Page, Params, Section, cst, layout, respond_private, ymd};
use crate::auth::{Claims, TokenKeys};
use crate::engine::Engine;
use crate::queries::{PowerQuery, WorklistItem, WorklistQuery};

const COOKIE: &str = "yg_token";
/// Longest token accepted; real ones are a few hundred bytes.
const MAX_TOKEN_LEN: usize = 4096;
/// Longest a sign-in lasts, whatever the token's own expiry.
const MAX_COOKIE_SECS: i64 = 12 * 3600;

/// Why the worklist is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No token yet.
    NoToken,
    /// Not valid (signature, expiry, shape).
    BadToken,
    /// Valid, but not an officer or admin of a department.
    WrongRole,
}

impl Refusal {
    fn message(self, lang: Lang) -> &'static str {
        match self {
            Refusal::NoToken => lang.t(
                "请先登录：粘贴为您签发的令牌。",
                "Please sign in: paste the token issued to you.",
            ),
            Refusal::BadToken => lang.t(
                "令牌无效或已过期，请重新获取后再登录。",
                "The token is not valid or has expired; get a new one and sign in again.",
            ),
            Refusal::WrongRole => lang.t(
                "该令牌不属于某一部门的承办人员或管理员，无权查看办件清单。",
                "This token does not belong to an officer or administrator of a department; \
                 it cannot open a worklist.",
            ),
        }
    }
}

/// Checks a token: valid, and an officer's or admin's of a department.
fn check(keys: &TokenKeys, token: &str) -> Result<Claims, Refusal> {
    if token.is_empty() {
        return Err(Refusal::NoToken);
    }
    if token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Refusal::BadToken);
    }
    let claims = keys.verify(token).map_err(|_| Refusal::BadToken)?;
    match (claims.role, claims.department.as_deref()) {
        (Role::Officer | Role::Admin, Some(d)) if !d.is_empty() => Ok(claims),
        _ => Err(Refusal::WrongRole),
    }
}

/// The token in the `yg_token` cookie, if any.
fn cookie_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
}

fn secure(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

fn set_cookie(req: &HttpRequest, value: &str, max_age: i64) -> String {
    format!(
        "{COOKIE}={value}; Path=/officer; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure(req) { "; Secure" } else { "" }
    )
}

fn clear_cookie(req: &HttpRequest) -> HeaderValue {
    HeaderValue::from_str(&set_cookie(req, "", 0))
        .unwrap_or_else(|_| HeaderValue::from_static("yg_token=; Path=/officer; Max-Age=0"))
}

fn sign_in_body(ctx: &Ctx, message: Option<&str>) -> Markup {
    html! {
        h1 { (ctx.t("承办人员登录", "Officers: sign in")) }
        @if let Some(m) = message {
            p class="error" role="alert" id="error" { (m) }
        }
        p class="lead" {
            (ctx.t(
                "账户登录将在后续版本提供。目前请粘贴为您签发的令牌（Bearer token）；令牌只保存在本浏览器的会话 Cookie 中。",
                "Accounts will come later. For now, paste the bearer token issued to you; it is \
                 kept only in a cookie of this browser."
            ))
        }
        form id="sign-in" method="post" action="/officer/sign-in" class="sign-in" {
            (ctx.lang_input())
            div class="field" {
                label for="token" { (ctx.t("令牌", "Token")) }
                input id="token" name="token" type="password" required
                    autocomplete="off" spellcheck="false" maxlength=(MAX_TOKEN_LEN);
            }
            div class="actions" {
                button id="sign-in-submit" type="submit" { (ctx.t("登录", "Sign in")) }
            }
        }
    }
}

fn sign_in_page(ctx: &Ctx, status: StatusCode, message: Option<&str>) -> HttpResponse {
    let mut response = respond_private(
        status,
        layout(Page {
            ctx,
            title: ctx.t("承办人员登录", "Officers: sign in").to_string(),
            section: Section::Officer,
            keep_params: false,
            body: sign_in_body(ctx, message),
        }),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"yangguang\""),
        );
    }
    response
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// `GET /officer`: to the worklist.
pub(crate) async fn officer_root(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    redirect(&ctx.link("/officer/worklist"))
}

/// `GET /officer/sign-in`: the form.
pub(crate) async fn sign_in_form(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    sign_in_page(&ctx, StatusCode::OK, None)
}

/// `POST /officer/sign-in`: checks the token and keeps it in the cookie.
pub(crate) async fn sign_in(
    req: HttpRequest,
    engine: web::Data<Engine>,
    keys: web::Data<TokenKeys>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let form = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| Params::parse(text).ok());
    let Some(form) = form else {
        return sign_in_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            Some(ctx.t("表单内容无法识别。", "The form could not be read.")),
        );
    };
    match form.get("lang") {
        Some("en") => {
            ctx.lang = Lang::En;
            ctx.explicit = true;
        }
        Some("zh") => {
            ctx.lang = Lang::Zh;
            ctx.explicit = true;
        }
        _ => {}
    }
    let token = form.get("token").unwrap_or("");
    let claims = match check(&keys, token) {
        Ok(claims) => claims,
        Err(refusal) => {
            return sign_in_page(
                &ctx,
                StatusCode::UNAUTHORIZED,
                Some(refusal.message(ctx.lang)),
            );
        }
    };
    let max_age = (claims.exp - chrono::Utc::now().timestamp()).clamp(0, MAX_COOKIE_SECS);
    let Ok(cookie) = HeaderValue::from_str(&set_cookie(&req, token, max_age)) else {
        return sign_in_page(
            &ctx,
            StatusCode::UNAUTHORIZED,
            Some(Refusal::BadToken.message(ctx.lang)),
        );
    };
    let mut response = redirect(&ctx.link("/officer/worklist"));
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// `POST /officer/sign-out`: forgets the cookie.
pub(crate) async fn sign_out(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let mut response = redirect(&ctx.link("/officer/sign-in"));
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&req));
    response
}

const STATUSES: [CaseStatus; 4] = [
    CaseStatus::Open,
    CaseStatus::Paused,
    CaseStatus::Concluded,
    CaseStatus::Withdrawn,
];

fn role_words(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Officer => lang.t("承办人员", "officer"),
        Role::Admin => lang.t("目录管理员", "administrator"),
        Role::Inspector => lang.t("纪检监察人员", "inspector"),
    }
}

/// `GET /officer/worklist`: the department's cases, nearest deadline first.
pub(crate) async fn worklist(
    req: HttpRequest,
    engine: web::Data<Engine>,
    keys: web::Data<TokenKeys>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let token = cookie_token(&req).unwrap_or_default();
    let claims = match check(&keys, &token) {
        Ok(c) => c,
        Err(refusal) => {
            let mut response = sign_in_page(
                &ctx,
                StatusCode::UNAUTHORIZED,
                Some(refusal.message(ctx.lang)),
            );
            if refusal != Refusal::NoToken {
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, clear_cookie(&req));
            }
            return response;
        }
    };
    let department = claims.department.clone().unwrap_or_default();
    let powers = match engine
        .list_powers(&PowerQuery {
            department: Some(department.clone()),
            ..PowerQuery::default()
        })
        .await
    {
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
        h1 { (ctx.t("办件清单", "Worklist")) }
        p class="signed-in" {
            @match ctx.lang {
                Lang::Zh => { "部门：" (department_name) " · 登录身份：" (claims.sub) "（" (role_words(ctx.lang, claims.role)) "）" }
                Lang::En => { "Department: " (department_name) " · signed in as " (claims.sub) " (" (role_words(ctx.lang, claims.role)) ")" }
            }
        }
        form id="sign-out" method="post" action="/officer/sign-out" class="inline" {
            (ctx.lang_input())
            button id="sign-out-submit" type="submit" class="secondary" { (ctx.t("退出登录", "Sign out")) }
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
                        Lang::Zh => { "共 " (items.len()) " 件，按剩余时限排列" }
                        Lang::En => { (items.len()) " cases, nearest deadline first" }
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
    let soon = !item.overdue && item.remaining_days.is_some_and(|d| d <= 2);
    let class = if item.overdue {
        "overdue"
    } else if soon {
        "due-soon"
    } else {
        ""
    };
    html! {
        tr class=[(!class.is_empty()).then_some(class)] {
            td { code { (item.id) } }
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
                @if item.overdue {
                    " " strong class="flag overdue" { (ctx.t("已超期", "Overdue")) }
                } @else if soon {
                    " " strong class="flag due-soon" { (ctx.t("即将到期", "Due soon")) }
                }
            }
        }
    }
}
