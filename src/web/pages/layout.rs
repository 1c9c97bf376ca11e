//! The frame of every page: the stylesheet, the policy, the header and navigation, and the
//! answers (a page, a redirect, a message page for 400/404/503).

use super::*;

/// The stylesheet, compiled in.
pub(super) const SITE_CSS: &str = include_str!("../../../static/site.css");

/// First 12 hex digits of the stylesheet's SHA-256: its version in links.
pub(super) static CSS_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(SITE_CSS.as_bytes());
    hex::encode(digest)[..12].to_string()
});

/// The Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'self'; style-src 'self'; img-src 'self' data:; \
                       base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub(super) async fn site_css() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{}\"", *CSS_VERSION)))
        .body(SITE_CSS)
}

/// The sections of the site, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Catalogue,
    Track,
    Calculator,
    Decisions,
    Statistics,
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

pub(super) fn site_name(lang: Lang) -> &'static str {
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
        (
            Section::Statistics,
            "/statistics",
            ctx.t("统计公开", "Statistics"),
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

/// The 503 page for a command the store could not carry out (the cause is logged where it
/// happened): try again shortly.
pub(crate) fn try_again_later(ctx: &Ctx, section: Section) -> HttpResponse {
    let mut response = message_page(
        ctx,
        StatusCode::SERVICE_UNAVAILABLE,
        section,
        ctx.t("服务暂时不可用", "Temporarily unavailable"),
        ctx.t("请稍后再试。", "Please try again shortly."),
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
