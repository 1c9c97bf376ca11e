//! Signing people in to the web console (工作人员登录): the sign-in and sign-out pages, the
//! session cookie, CSRF tokens, and [`SignedIn`], the extractor every console page uses.
//!
//! - The cookie `yg_session` holds a random 256-bit id; the store keeps only its SHA-256.
//!   It is `HttpOnly; SameSite=Strict; Path=/`, and `Secure` when the request came over https
//!   (directly or, behind a proxy, per `X-Forwarded-Proto`, as actix's connection info reads
//!   it). Sessions end after `session_hours`, after `session_idle_minutes` without a request,
//!   at sign-out, or when the account is disabled or its password changed.
//! - Every form of a session carries its synchronizer token (`csrf`); every POST checks it
//!   (constant-time) before anything else. The sign-in form itself, which has no session yet,
//!   is a double-submit: a random `yg_signin` cookie and the same value in the form.
//! - Sign-in attempts are rate-limited per client address (`sign_in_per_minute`,
//!   `sign_in_burst`), and `sign_in_lockout_failures` wrong passwords in a row lock the account
//!   for `sign_in_lockout_minutes`. Unknown name, wrong password, disabled or locked account:
//!   one answer, in the same time.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use aggregates::Role;
use maud::{Markup, html};
use tracing_actix_web::RequestId;

use super::{Ctx, Lang, Page, Params, Section, layout, respond_private};
use crate::engine::{CommandMeta, Engine};
use crate::identity::accounts::{self, AccountPolicy};
use crate::identity::tokens::Principal;
use crate::store::accounts::AccountRow;

/// The session cookie.
pub const SESSION_COOKIE: &str = "yg_session";
/// The sign-in form's double-submit cookie.
const SIGN_IN_COOKIE: &str = "yg_signin";
/// The form field of the synchronizer token.
pub const CSRF_FIELD: &str = "csrf";

/// A person signed in to the console, with the [`Principal`] their account gives.
///
/// Use it as an extractor in any console page handler (the inspector's desk, say):
///
/// ```ignore
/// use crate::web::pages::session::SignedIn;
///
/// async fn desk(req: HttpRequest, engine: web::Data<Engine>, signed: SignedIn) -> HttpResponse {
///     let ctx = Ctx::new(&req, engine.now());
///     if let Err(page) = signed.require(&ctx, &[Role::Inspector]) {
///         return page; // 403 page
///     }
///     // `signed.principal` is what a bearer token gives: `can_read_department`, `actor()`.
///     // Put `(signed.bar(&ctx))` at the top and `(signed.csrf_input())` in every POST form.
/// }
///
/// async fn act(req: HttpRequest, engine: web::Data<Engine>, signed: SignedIn,
///              request_id: RequestId, body: web::Bytes) -> HttpResponse {
///     let mut ctx = Ctx::new(&req, engine.now());
///     let form = match signed.verify_post(&mut ctx, &body) {
///         Ok(form) => form,     // the CSRF token matched; `form.get("field")`
///         Err(page) => return page, // 400 / 403 page, nothing done
///     };
///     // engine.execute_…(id, command, signed.meta(&request_id)): the account is the actor.
/// }
/// ```
///
/// Without a good session the extractor answers by itself: the sign-in page (401, in the
/// request's language) that comes back to the same address after signing in; 503 when the
/// store does not answer. Every command run with [`SignedIn::meta`] records the account id as
/// the actor, exactly as an API token's subject is recorded.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// As a bearer token would give it: the account id as subject, its role and department.
    pub principal: Principal,
    /// The account.
    pub account: AccountRow,
    /// The session's synchronizer token.
    pub csrf: String,
    /// SHA-256 of the session id (what sign-out revokes).
    session_hash: String,
}

impl SignedIn {
    /// The hidden input carrying the synchronizer token: put it in every POST form.
    pub fn csrf_input(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.csrf); }
    }

    /// Whether `form` carries this session's synchronizer token.
    pub(crate) fn csrf_ok(&self, form: &Params) -> bool {
        self.csrf_matches(form.get(CSRF_FIELD).unwrap_or(""))
    }

    /// Whether `sent` is this session's synchronizer token (a multipart form's field).
    pub(crate) fn csrf_matches(&self, sent: &str) -> bool {
        use subtle::ConstantTimeEq;
        sent.len() == self.csrf.len() && bool::from(sent.as_bytes().ct_eq(self.csrf.as_bytes()))
    }

    // The error is the page to answer with, built at most once per request.
    #[allow(clippy::result_large_err)]
    /// Reads a POSTed form and checks its synchronizer token: the form, or the page to answer
    /// with (400 unreadable, 403 without the right token; nothing is done either way).
    pub(crate) fn verify_post(&self, ctx: &mut Ctx, body: &[u8]) -> Result<Params, HttpResponse> {
        let form = std::str::from_utf8(body)
            .ok()
            .and_then(|text| Params::parse(text).ok());
        let Some(form) = form else {
            return Err(super::message_page(
                ctx,
                StatusCode::BAD_REQUEST,
                Section::Officer,
                ctx.t("请求有误", "Bad request"),
                ctx.t("表单内容无法识别。", "The form could not be read."),
            ));
        };
        ctx.adopt_form_lang(&form);
        if !self.csrf_ok(&form) {
            return Err(super::message_page(
                ctx,
                StatusCode::FORBIDDEN,
                Section::Officer,
                ctx.t("表单已失效", "The form has expired"),
                ctx.t(
                    "表单校验码不符（可能来自旧页面或其他网站），未做任何更改。请返回页面重新提交。",
                    "The form's check token does not match (an old page, or another site); \
                     nothing was changed. Go back, reload the page and submit again.",
                ),
            ));
        }
        Ok(form)
    }

    #[allow(clippy::result_large_err)]
    /// Requires one of `roles`: `Err` is the 403 page to answer with.
    pub(crate) fn require(&self, ctx: &Ctx, roles: &[Role]) -> Result<(), HttpResponse> {
        if roles.contains(&self.principal.claims.role) {
            return Ok(());
        }
        Err(super::message_page(
            ctx,
            StatusCode::FORBIDDEN,
            Section::Officer,
            ctx.t("无权访问", "Not allowed"),
            ctx.t(
                "您的账户角色不能使用此页面。",
                "Your account's role cannot use this page.",
            ),
        ))
    }

    /// The department of an admin or officer (empty for inspectors).
    pub fn department(&self) -> &str {
        self.principal.claims.department.as_deref().unwrap_or("")
    }

    /// Event metadata for a command run by this person (as the API builds it from a token).
    pub fn meta(&self, request_id: &RequestId) -> CommandMeta {
        CommandMeta {
            actor: self.principal.claims.sub.clone(),
            role: self.principal.claims.role.as_str().into(),
            department: self.principal.claims.department.clone(),
            request_id: request_id.to_string(),
        }
    }

    /// The bar at the top of console pages: who is signed in, and the sign-out button.
    pub(crate) fn bar(&self, ctx: &Ctx) -> Markup {
        let role = role_words(ctx.lang, self.principal.claims.role);
        html! {
            div class="signed-in" id="signed-in" {
                span {
                    (ctx.t("登录身份：", "Signed in as "))
                    strong id="signed-in-name" { (self.account.display_name) }
                    " (" code { (self.account.id) } ", " (role)
                    @if let Some(d) = &self.account.department { ", " (d) }
                    ")"
                }
                form id="sign-out" method="post" action="/sign-out" class="inline" {
                    (self.csrf_input())
                    (ctx.lang_input())
                    button id="sign-out-submit" type="submit" class="secondary" {
                        (ctx.t("退出登录", "Sign out"))
                    }
                }
            }
        }
    }
}

/// A role in words.
pub(crate) fn role_words(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Officer => lang.t("承办人员", "officer"),
        Role::Admin => lang.t("目录管理员", "catalogue administrator"),
        Role::Inspector => lang.t("纪检监察人员", "inspector"),
    }
}

/// The value of cookie `name`, if sent.
fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
}

fn secure(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

fn set_cookie(req: &HttpRequest, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let text = format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure(req) { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("yg=; Max-Age=0"))
}

fn now_secs(engine: &Engine) -> i64 {
    engine.now().timestamp()
}

fn policy(req: &HttpRequest) -> AccountPolicy {
    req.app_data::<web::Data<AccountPolicy>>()
        .map(|p| *p.get_ref())
        .unwrap_or_default()
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let engine = req
                .app_data::<web::Data<Engine>>()
                .cloned()
                .ok_or_else(|| actix_web::error::ErrorInternalServerError("no engine"))?;
            let ctx = Ctx::new(&req, engine.now());
            let refuse = |response: HttpResponse| {
                actix_web::Error::from(actix_web::error::InternalError::from_response(
                    "sign-in required",
                    response,
                ))
            };
            let Some(value) = cookie(&req, SESSION_COOKIE) else {
                return Err(refuse(sign_in_page(
                    &req,
                    &ctx,
                    StatusCode::UNAUTHORIZED,
                    None,
                )));
            };
            let found =
                accounts::current_session(engine.repo(), &policy(&req), &value, now_secs(&engine))
                    .await;
            let session = match found {
                Ok(Some(s)) => s,
                Ok(None) => {
                    let mut page = sign_in_page(
                        &req,
                        &ctx,
                        StatusCode::UNAUTHORIZED,
                        Some(ctx.t(
                            "登录已过期或已退出，请重新登录。",
                            "Your session has ended; please sign in again.",
                        )),
                    );
                    page.headers_mut().append(
                        header::SET_COOKIE,
                        set_cookie(&req, SESSION_COOKIE, "", "/", 0),
                    );
                    return Err(refuse(page));
                }
                Err(e) => {
                    return Err(refuse(super::unavailable(&ctx, Section::Officer, e.into())));
                }
            };
            let principal = accounts::principal_of(&session)
                .ok_or_else(|| refuse(sign_in_page(&req, &ctx, StatusCode::UNAUTHORIZED, None)))?;
            Ok(SignedIn {
                principal,
                csrf: session.csrf_token.clone(),
                session_hash: session.id_hash.clone(),
                account: session.account,
            })
        })
    }
}

/// Where to go after signing in: a console path given in `next`, else the console's home.
fn next_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.len() <= 300
                && ["/officer", "/admin", "/inspector", "/console"]
                    .iter()
                    .any(|prefix| p.starts_with(prefix))
                && !p.contains("//")
                && !p.contains('\\')
                && p.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            p.to_string()
        }
        _ => "/console".into(),
    }
}

fn random_hex() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The sign-in page: the form, with a fresh double-submit token (cookie and hidden field).
/// `next` is the address asked for (kept through sign-in).
pub(crate) fn sign_in_page(
    req: &HttpRequest,
    ctx: &Ctx,
    status: StatusCode,
    message: Option<&str>,
) -> HttpResponse {
    let next = if req.path() == "/sign-in" {
        ctx.params.get("next").map(str::to_owned)
    } else if req.method() != actix_web::http::Method::GET {
        // A form posted after the session ended: nothing to come back to but the console.
        None
    } else {
        Some(match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        })
    };
    sign_in_response(req, ctx, status, message, "", next.as_deref())
}

fn sign_in_response(
    req: &HttpRequest,
    ctx: &Ctx,
    status: StatusCode,
    message: Option<&str>,
    username: &str,
    next: Option<&str>,
) -> HttpResponse {
    let token = random_hex();
    let next = next_path(next);
    let body = html! {
        h1 { (ctx.t("工作人员登录", "Staff sign-in")) }
        @if let Some(m) = message {
            p class="error" role="alert" id="error" { (m) }
        }
        p class="lead" {
            (ctx.t(
                "承办人员、目录管理员和纪检监察人员请用本人账户登录。账户由系统管理员用 yangguang users add 创建。",
                "Officers, catalogue administrators and inspectors sign in with their own \
                 account. Accounts are created by the system administrator with \
                 `yangguang users add`."
            ))
        }
        form id="sign-in" method="post" action="/sign-in" class="sign-in" {
            (ctx.lang_input())
            input type="hidden" name="signin_token" value=(token);
            input type="hidden" name="next" value=(next);
            div class="field" {
                label for="username" { (ctx.t("账户名", "Account name")) }
                input id="username" name="username" type="text" required
                    autocomplete="username" autocapitalize="none" spellcheck="false"
                    maxlength="40" value=(username);
            }
            div class="field" {
                label for="password" { (ctx.t("密码", "Password")) }
                input id="password" name="password" type="password" required
                    autocomplete="current-password" maxlength=(accounts::MAX_PASSWORD_CHARS);
            }
            div class="actions" {
                button id="sign-in-submit" type="submit" { (ctx.t("登录", "Sign in")) }
            }
        }
        p class="hint" {
            (ctx.t(
                "连续输错密码 5 次，账户将暂时锁定 15 分钟。",
                "After 5 wrong passwords in a row the account is locked for 15 minutes.",
            ))
        }
    };
    let mut response = respond_private(
        status,
        layout(Page {
            ctx,
            title: ctx.t("工作人员登录", "Staff sign-in").to_string(),
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(req, SIGN_IN_COOKIE, &token, "/sign-in", 3600),
    );
    response
}

use super::redirect;

/// `GET /sign-in`: the form.
pub(crate) async fn sign_in_form(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    sign_in_page(&req, &ctx, StatusCode::OK, None)
}

/// `POST /sign-in`: checks the password and starts a session.
pub(crate) async fn sign_in(
    req: HttpRequest,
    engine: web::Data<Engine>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    let form = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| Params::parse(text).ok());
    let Some(form) = form else {
        return sign_in_response(
            &req,
            &ctx,
            StatusCode::BAD_REQUEST,
            Some(ctx.t("表单内容无法识别。", "The form could not be read.")),
            "",
            None,
        );
    };
    ctx.adopt_form_lang(&form);
    let username = form.get("username").unwrap_or("");
    let shown_name: String = username
        .chars()
        .take(40)
        .filter(|c| !c.is_control())
        .collect();
    let next = form.get("next");
    if let Err(wait) = crate::web::rate_limit::check_sign_in(&req) {
        let mut page = sign_in_response(
            &req,
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            Some(ctx.t(
                "登录尝试过于频繁，请稍后再试。",
                "Too many sign-in attempts from this address; please wait a little.",
            )),
            &shown_name,
            next,
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            page.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return page;
    }
    // Login CSRF: the form must come from our own sign-in page in this browser.
    use subtle::ConstantTimeEq;
    let sent = form.get("signin_token").unwrap_or("");
    let kept = cookie(&req, SIGN_IN_COOKIE).unwrap_or_default();
    if sent.is_empty()
        || sent.len() != kept.len()
        || !bool::from(sent.as_bytes().ct_eq(kept.as_bytes()))
    {
        return sign_in_response(
            &req,
            &ctx,
            StatusCode::BAD_REQUEST,
            Some(ctx.t(
                "登录表单已过期，请重新输入。",
                "The sign-in form has expired; please enter your details again.",
            )),
            &shown_name,
            next,
        );
    }
    let password = form.get("password").unwrap_or("");
    let result = accounts::sign_in_with_password(
        engine.repo(),
        &policy(&req),
        username,
        password,
        now_secs(&engine),
    )
    .await;
    match result {
        Ok(Ok(signed)) => {
            let mut response = redirect(&ctx.link(&next_path(next)));
            let policy = policy(&req);
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    &req,
                    SESSION_COOKIE,
                    &signed.cookie,
                    "/",
                    policy.session_seconds,
                ),
            );
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&req, SIGN_IN_COOKIE, "", "/sign-in", 0),
            );
            tracing::info!(account = %signed.session.account.id, "signed in");
            response
        }
        Ok(Err(accounts::SignInRefusal::Refused)) => sign_in_response(
            &req,
            &ctx,
            StatusCode::UNAUTHORIZED,
            Some(ctx.t(
                "账户名或密码不正确，或账户暂不可用。",
                "The account name or password is wrong, or the account cannot be used now.",
            )),
            &shown_name,
            next,
        ),
        Err(e) => super::unavailable(&ctx, Section::Officer, e.into()),
    }
}

/// `POST /sign-out`: ends the session (checked with its token) and forgets the cookie.
pub(crate) async fn sign_out(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(&req, engine.now());
    if let Err(page) = signed.verify_post(&mut ctx, &body) {
        return page;
    }
    if let Err(e) = engine
        .repo()
        .revoke_session(&signed.session_hash, now_secs(&engine))
        .await
    {
        return super::unavailable(&ctx, Section::Officer, e.into());
    }
    let mut response = redirect(&ctx.link("/sign-in"));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&req, SESSION_COOKIE, "", "/", 0),
    );
    response
}

/// `GET /console`: each role's home.
pub(crate) async fn console(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let home = match signed.principal.claims.role {
        Role::Officer => "/officer/worklist",
        Role::Admin => "/admin",
        Role::Inspector => "/inspector",
    };
    redirect(&ctx.link(home))
}

#[cfg(test)]
mod tests {
    use super::next_path;

    #[test]
    fn only_console_paths_are_followed_after_sign_in() {
        assert_eq!(next_path(Some("/officer/cases/YG1")), "/officer/cases/YG1");
        assert_eq!(next_path(Some("/admin?lang=en")), "/admin?lang=en");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/officer//x",
            "/",
            "/track",
            "/admin\\x",
        ] {
            assert_eq!(next_path(Some(bad)), "/console", "{bad}");
        }
        assert_eq!(next_path(None), "/console");
    }
}
