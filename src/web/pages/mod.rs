//! Server-rendered public pages (Chinese first, English with `?lang=en`).
//!
//! Plain HTML from [maud] (every value escaped), one stylesheet served from the binary, no
//! scripts. Every page states the time of its data in China Standard Time. Pages never answer
//! 500 to bad input: malformed parameters give a 400 page, unknown things a 404 page, a store
//! that does not answer a 503 page.
mod admin;
mod calculator;
mod calendar_admin;
mod catalogue;
mod decisions;
mod feedback;
mod inspector;
mod officer;
pub mod session;
mod track;

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::china_offset;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Weekday};
use maud::{DOCTYPE, Markup, html};
use sha2::{Digest, Sha256};

use crate::engine::LoadError;

/// The stylesheet, compiled in.
const SITE_CSS: &str = include_str!("../../../static/site.css");

/// First 12 hex digits of the stylesheet's SHA-256: its version in links.
static CSS_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(SITE_CSS.as_bytes());
    hex::encode(digest)[..12].to_string()
});

/// The Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'self'; style-src 'self'; img-src 'self' data:; \
                       base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Longest text accepted in a free-text parameter, in characters.
const MAX_PARAM_CHARS: usize = 200;

/// Registers the page routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/site.css", web::get().to(site_css))
        .route("/", web::get().to(catalogue::home))
        .route("/powers/{code}", web::get().to(catalogue::power))
        .route("/track", web::get().to(track::track))
        .route("/track/complaint", web::post().to(feedback::complaint))
        .route("/track/rating", web::post().to(feedback::rating))
        .route("/decisions", web::get().to(decisions::list))
        .route("/decisions/{id}", web::get().to(decisions::detail))
        .route("/calculator", web::get().to(calculator::calculator))
        .route("/officer", web::get().to(officer::officer_root))
        .route("/officer/", web::get().to(officer::officer_root))
        .route("/officer/worklist", web::get().to(officer::worklist))
        .route("/officer/cases/new", web::get().to(officer::new_case_form))
        .route("/officer/cases", web::post().to(officer::open_case))
        .route("/officer/cases/{id}", web::get().to(officer::case_page))
        .route(
            "/officer/cases/{id}/step",
            web::post().to(officer::complete_step),
        )
        .route("/officer/cases/{id}/clock", web::post().to(officer::clock))
        .route(
            "/officer/cases/{id}/withdraw",
            web::post().to(officer::withdraw),
        )
        .route(
            "/officer/cases/{id}/penalty",
            web::post().to(officer::penalty),
        )
        .route(
            "/officer/cases/{id}/publish",
            web::post().to(officer::publish),
        )
        .route(
            "/officer/cases/{id}/revoke",
            web::post().to(officer::revoke),
        )
        .route("/officer/cases/{id}/fee", web::post().to(officer::fee))
        .route(
            "/officer/cases/{id}/extension",
            web::post().to(officer::extension),
        )
        .route("/admin", web::get().to(admin::catalogue))
        .route(
            "/admin/calendar",
            web::get().to(calendar_admin::calendar_page),
        )
        .route(
            "/admin/calendar/check",
            web::post().to(calendar_admin::check_page),
        )
        .route("/admin/calendar/load", web::post().to(calendar_admin::load))
        .route("/admin/upload", web::get().to(admin::upload_form_page))
        .route("/admin/upload", web::post().to(admin::upload))
        .route("/admin/publish", web::post().to(admin::publish))
        .route(
            "/admin/powers/{code}/status",
            web::post().to(admin::change_status),
        )
        .route("/sign-in", web::get().to(session::sign_in_form))
        .route("/sign-in", web::post().to(session::sign_in))
        .route("/sign-out", web::post().to(session::sign_out))
        .route("/console", web::get().to(session::console))
        .route("/inspector", web::get().to(inspector::desk))
        .route("/inspector/cases/{id}", web::get().to(inspector::case_file))
        .route(
            "/inspector/alerts/{id}/{verb}",
            web::post().to(inspector::act),
        )
        .route(
            "/inspector/scorecards",
            web::get().to(inspector::scorecards),
        )
        .route(
            "/inspector/scorecards.csv",
            web::get().to(inspector::scorecards_csv),
        );
}

async fn site_css() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{}\"", *CSS_VERSION)))
        .body(SITE_CSS)
}

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (the default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The Chinese or the English text.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// The language an `Accept-Language` header prefers among Chinese and English.
fn lang_from_header(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, usize, Lang)> = None;
    for (index, item) in value.split(',').enumerate().take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let lang = if tag == "zh" || tag.starts_with("zh-") {
            Lang::Zh
        } else if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            continue;
        };
        if q.is_nan() || q <= 0.0 {
            continue;
        }
        // Highest q wins; among equal q the first listed.
        if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && index < bi)) {
            best = Some((q, index, lang));
        }
    }
    best.map(|(_, _, lang)| lang)
}

/// Query parameters, parsed leniently: the first value of each name counts.
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a query string or a form body (`application/x-www-form-urlencoded`).
    pub(crate) fn parse(text: &str) -> Result<Params, ()> {
        web::Query::<Vec<(String, String)>>::from_query(text)
            .map(|q| Params {
                pairs: q.into_inner(),
            })
            .map_err(|_| ())
    }

    /// The first value of `name`, trimmed; `None` when absent or empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `name` (checkboxes), trimmed, empty ones left out.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The first value of `name` as sent (not trimmed), `""` when absent.
    pub(crate) fn raw(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The first value of `name` when it is usable text: at most [`MAX_PARAM_CHARS`]
    /// characters, no control characters. `Err` names what is wrong.
    pub(crate) fn text(&self, name: &str) -> Result<Option<&str>, TextProblem> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.chars().count() > MAX_PARAM_CHARS => Err(TextProblem::TooLong),
            Some(v) if v.chars().any(char::is_control) => Err(TextProblem::Control),
            Some(v) => Ok(Some(v)),
        }
    }
}

/// Why a text parameter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextProblem {
    TooLong,
    Control,
}

impl TextProblem {
    fn message(self, lang: Lang, field: &str) -> String {
        match (self, lang) {
            (TextProblem::TooLong, Lang::Zh) => {
                format!("{field}过长（最多 {MAX_PARAM_CHARS} 个字符）。")
            }
            (TextProblem::TooLong, Lang::En) => {
                format!("{field} is too long (at most {MAX_PARAM_CHARS} characters).")
            }
            (TextProblem::Control, Lang::Zh) => format!("{field}含有控制字符，请重新输入。"),
            (TextProblem::Control, Lang::En) => {
                format!("{field} contains control characters; please type it again.")
            }
        }
    }
}

/// What every page needs to know about its request.
pub(crate) struct Ctx {
    /// The page language.
    pub lang: Lang,
    /// Whether it was chosen with `?lang=` (then links keep it).
    pub explicit: bool,
    /// The time of the page's data.
    pub now: DateTime<FixedOffset>,
    /// The query parameters (empty if the query string did not parse).
    pub params: Params,
    /// Whether the query string failed to parse.
    pub bad_query: bool,
    /// The request path.
    pub path: String,
}

impl Ctx {
    pub(crate) fn new(req: &HttpRequest, now: DateTime<FixedOffset>) -> Ctx {
        let (params, bad_query) = match Params::parse(req.query_string()) {
            Ok(p) => (p, false),
            Err(()) => (Params { pairs: Vec::new() }, true),
        };
        let chosen = match params.get("lang").map(str::to_ascii_lowercase).as_deref() {
            Some("en") => Some(Lang::En),
            Some("zh") | Some("zh-cn") => Some(Lang::Zh),
            _ => None,
        };
        let header = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(lang_from_header);
        Ctx {
            lang: chosen.or(header).unwrap_or(Lang::Zh),
            explicit: chosen.is_some(),
            now: now.with_timezone(&china_offset()),
            params,
            bad_query,
            path: req.path().to_string(),
        }
    }

    /// Takes the language a POSTed form asks for (its hidden `lang` input).
    pub(crate) fn adopt_form_lang(&mut self, form: &Params) {
        match form.get("lang") {
            Some("en") => {
                self.lang = Lang::En;
                self.explicit = true;
            }
            Some("zh") => {
                self.lang = Lang::Zh;
                self.explicit = true;
            }
            _ => {}
        }
    }

    /// Shorthand for [`Lang::t`].
    pub(crate) fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.t(zh, en)
    }

    /// `path` with `lang=` added when the language was chosen explicitly.
    pub(crate) fn link(&self, path: &str) -> String {
        if self.explicit {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}lang={}", self.lang.code())
        } else {
            path.to_string()
        }
    }

    /// The current page in the other language, keeping the other parameters.
    fn switch_href(&self, keep_params: bool) -> String {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if keep_params {
            for (k, v) in &self.params.pairs {
                if k != "lang" && k.len() <= 32 && v.chars().count() <= MAX_PARAM_CHARS {
                    query.push((k, v));
                }
            }
        }
        query.push(("lang", self.lang.other().code()));
        format!("{}?{}", self.path_for_links(), encode_query(&query))
    }

    fn path_for_links(&self) -> String {
        // Paths here are our own routes; encode anything unusual all the same.
        self.path
            .split('/')
            .map(encode_component)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Hidden inputs that keep the chosen language on form submission.
    pub(crate) fn lang_input(&self) -> Markup {
        html! {
            @if self.explicit {
                input type="hidden" name="lang" value=(self.lang.code());
            }
        }
    }

    /// The data time line of the footer.
    fn data_time(&self) -> String {
        let stamp = self.now.format("%Y-%m-%d %H:%M");
        match self.lang {
            Lang::Zh => format!("数据时间：{stamp}（北京时间，UTC+8）"),
            Lang::En => format!("Data as of {stamp} China Standard Time (UTC+8)"),
        }
    }
}

/// Percent-encodes one URL component (everything but unreserved characters).
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&k=v`, encoded.
pub(crate) fn encode_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The sections of the site, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Catalogue,
    Track,
    Calculator,
    Decisions,
    Officer,
}

/// One page to lay out.
pub(crate) struct Page<'a> {
    pub ctx: &'a Ctx,
    pub title: String,
    pub section: Section,
    /// Whether the language switch keeps the query parameters (not on pages that must not
    /// echo what was asked, such as the case not-found page).
    pub keep_params: bool,
    pub body: Markup,
}

fn site_name(lang: Lang) -> &'static str {
    lang.t(
        "阳光·行政权力公开透明运行",
        "Yangguang · Open Administrative Power",
    )
}

/// The layout around every page.
pub(crate) fn layout(page: Page<'_>) -> Markup {
    let ctx = page.ctx;
    let nav = [
        (Section::Catalogue, "/", ctx.t("职权目录", "Catalogue")),
        (Section::Track, "/track", ctx.t("办件查询", "Track a case")),
        (
            Section::Calculator,
            "/calculator",
            ctx.t("期限计算", "Deadline calculator"),
        ),
        (
            Section::Decisions,
            "/decisions",
            ctx.t("处罚决定公开", "Penalty decisions"),
        ),
        (Section::Officer, "/console", ctx.t("工作人员", "Staff")),
    ];
    let other = ctx.lang.other();
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (page.title) " — " (site_name(ctx.lang)) }
                link rel="stylesheet" href={ "/static/site.css?v=" (*CSS_VERSION) };
            }
            body {
                a class="skip-link" href="#main" { (ctx.t("跳到主要内容", "Skip to main content")) }
                header class="site-header" {
                    div class="wrap" {
                        p class="site-name" {
                            a href=(ctx.link("/")) { (site_name(ctx.lang)) }
                        }
                        nav aria-label=(ctx.t("主导航", "Main")) {
                            ul {
                                @for (section, href, label) in nav {
                                    li {
                                        @if section == page.section {
                                            a href=(ctx.link(href)) aria-current="page" { (label) }
                                        } @else {
                                            a href=(ctx.link(href)) { (label) }
                                        }
                                    }
                                }
                                li class="lang-switch" {
                                    a href=(ctx.switch_href(page.keep_params))
                                        lang=(other.html_lang())
                                        hreflang=(other.html_lang()) {
                                        (other.t("中文", "English"))
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" class="wrap" tabindex="-1" {
                    (page.body)
                }
                footer class="site-footer" {
                    div class="wrap" {
                        p id="data-time" { (ctx.data_time()) }
                        p {
                            a href="/docs/" { (ctx.t("开放接口（API）文档", "API documentation")) }
                            " · "
                            (ctx.t(
                                "本网站数据为演示数据，以各部门正式公布为准。",
                                "Demonstration data; the departments' official publications prevail."
                            ))
                        }
                    }
                }
            }
        }
    }
}

/// 303 See Other to `location`, never cached (the answer to a form POST).
pub(crate) fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// An HTML response with the page headers.
pub(crate) fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Language")));
    response.body(markup.into_string())
}

/// Like [`respond`], but never stored by caches (pages with codes or personal data).
pub(crate) fn respond_private(status: StatusCode, markup: Markup) -> HttpResponse {
    let mut response = respond(status, markup);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A plain message page (errors).
pub(crate) fn message_page(
    ctx: &Ctx,
    status: StatusCode,
    section: Section,
    title: &str,
    message: &str,
) -> HttpResponse {
    let body = html! {
        h1 id=(if status == StatusCode::NOT_FOUND { "not-found" } else { "error-title" }) {
            (title)
        }
        p class="error" role="alert" id="error" { (message) }
        p { a href=(ctx.link("/")) { (ctx.t("返回职权目录", "Back to the catalogue")) } }
    };
    respond(
        status,
        layout(Page {
            ctx,
            title: title.to_string(),
            section,
            keep_params: false,
            body,
        }),
    )
}

/// The page for a store that did not answer (or data that could not be read).
pub(crate) fn unavailable(ctx: &Ctx, section: Section, err: LoadError) -> HttpResponse {
    tracing::error!(error = ?err, "page data could not be loaded");
    let mut response = message_page(
        ctx,
        StatusCode::SERVICE_UNAVAILABLE,
        section,
        ctx.t("服务暂时不可用", "Temporarily unavailable"),
        ctx.t(
            "数据暂时无法读取，请稍后再试。",
            "The data cannot be read just now; please try again shortly.",
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// The page for a malformed query string.
pub(crate) fn bad_query(ctx: &Ctx, section: Section) -> HttpResponse {
    message_page(
        ctx,
        StatusCode::BAD_REQUEST,
        section,
        ctx.t("请求有误", "Bad request"),
        ctx.t(
            "网址中的查询参数无法识别，请使用页面上的表单。",
            "The query in the address could not be read; please use the form on the page.",
        ),
    )
}

/// A date as `2026-03-06`.
/// The mark of a date that rests on provisional years (预计): 「预计，待国务院公布2027年节假日
/// 安排后确定」.
pub(crate) fn provisional_note(ctx: &Ctx, years: &[i32]) -> String {
    let list = |sep: &str| {
        years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(sep)
    };
    match ctx.lang {
        Lang::Zh => format!("预计，待国务院公布{}年节假日安排后确定。", list("、")),
        Lang::En => format!(
            "Provisional: to be confirmed when the State Council publishes the holiday \
             arrangements for {}.",
            list(", ")
        ),
    }
}

/// Why a limit cannot be computed, in the page's language.
pub(crate) fn calendar_error_words(
    ctx: &Ctx,
    error: &aggregates::calendar::CalendarError,
) -> String {
    use aggregates::calendar::CalendarError;
    match (error, ctx.lang) {
        (CalendarError::YearNotCovered { year, .. }, Lang::Zh) => {
            format!("工作日历尚未收录 {year} 年的节假日安排，期限暂无法计算。")
        }
        (CalendarError::YearNotCovered { year, .. }, Lang::En) => format!(
            "The working-day calendar has no holiday arrangements for {year} yet; the limit \
             cannot be computed."
        ),
        (CalendarError::TooFar, _) => ctx
            .t("期限过长，无法计算。", "The limit is too long to compute.")
            .into(),
        _ => ctx
            .t(
                "工作日历数据有误，期限暂无法计算。",
                "The calendar data is faulty; the limit cannot be computed.",
            )
            .into(),
    }
}

pub(crate) fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A moment in China Standard Time as `2026-03-06 09:00`.
pub(crate) fn cst(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The weekday of a date, in words.
pub(crate) fn weekday(lang: Lang, date: NaiveDate) -> &'static str {
    let (zh, en) = match date.weekday() {
        Weekday::Mon => ("星期一", "Monday"),
        Weekday::Tue => ("星期二", "Tuesday"),
        Weekday::Wed => ("星期三", "Wednesday"),
        Weekday::Thu => ("星期四", "Thursday"),
        Weekday::Fri => ("星期五", "Friday"),
        Weekday::Sat => ("星期六", "Saturday"),
        Weekday::Sun => ("星期日", "Sunday"),
    };
    lang.t(zh, en)
}

/// `N 个工作日` / `N working days`.
pub(crate) fn working_days(lang: Lang, n: impl std::fmt::Display) -> String {
    match lang {
        Lang::Zh => format!("{n} 个工作日"),
        Lang::En => format!("{n} working days"),
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_chinese_and_english() {
        assert_eq!(lang_from_header("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(lang_from_header("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::Zh));
        assert_eq!(lang_from_header("fr, en;q=0.5, zh;q=0.7"), Some(Lang::Zh));
        assert_eq!(lang_from_header("de"), None);
        assert_eq!(lang_from_header("en;q=0, zh;q=0.1"), Some(Lang::Zh));
        assert_eq!(lang_from_header("garbage;;;q=x"), None);
    }

    #[test]
    fn components_are_encoded() {
        assert_eq!(encode_component("a b&c"), "a%20b%26c");
        assert_eq!(encode_component("许可"), "%E8%AE%B8%E5%8F%AF");
    }
}
