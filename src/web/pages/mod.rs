//! Server-rendered public pages (Chinese first, English with `?lang=en`).
//!
//! Plain HTML from [maud] (every value escaped), one stylesheet served from the binary, no
//! scripts. Every page states the time of its data in China Standard Time. Pages never answer
//! 500 to bad input: malformed parameters give a 400 page, unknown things a 404 page, a store
//! that does not answer a 503 page.
mod admin;
mod alert_words;
mod annual_report;
mod apply;
mod calculator;
mod calendar_admin;
mod catalogue;
mod decisions;
mod feed;
mod feedback;
mod inspector;
mod notifications_admin;
mod officer;
mod orders;
mod result_document;
pub mod session;
mod spot_checks;
mod statistics;
mod supplement;
mod track;

mod i18n;
mod layout;
mod params;
mod questions;
mod receipt;
mod rectifications;

pub use i18n::Lang;
pub use layout::CSP;
#[allow(unused_imports)]
pub(crate) use {i18n::*, layout::*, params::*};

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

/// Registers the page routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/site.css", web::get().to(site_css))
        .route("/", web::get().to(catalogue::home))
        .route("/powers/{code}", web::get().to(catalogue::power))
        .route("/powers/{code}/apply", web::get().to(apply::form))
        .route("/powers/{code}/apply", web::post().to(apply::submit))
        .route("/powers/{code}/questions", web::post().to(questions::ask))
        .route("/track", web::get().to(track::track))
        .route("/track/feed", web::get().to(feed::feed))
        .route("/track/complaint", web::post().to(feedback::complaint))
        .route("/track/rating", web::post().to(feedback::rating))
        .route("/track/follow-up", web::post().to(feedback::follow_up))
        .route("/track/supplement", web::post().to(supplement::submit))
        .route(
            "/track/result",
            web::get().to(result_document::document_page),
        )
        .route(
            "/track/result.pdf",
            web::get().to(result_document::document_pdf),
        )
        .route("/verify", web::get().to(result_document::verify_get))
        .route("/verify", web::post().to(result_document::verify_post))
        .route("/decisions", web::get().to(decisions::list))
        .route("/decisions/{id}", web::get().to(decisions::detail))
        .route("/statistics", web::get().to(statistics::statistics))
        .route("/statistics.csv", web::get().to(statistics::statistics_csv))
        .route(
            "/reports/annual",
            web::get().to(annual_report::annual_report),
        )
        .route(
            "/reports/annual.html",
            web::get().to(annual_report::annual_report_file),
        )
        .route("/calculator", web::get().to(calculator::calculator))
        .route("/officer", web::get().to(officer::officer_root))
        .route("/officer/", web::get().to(officer::officer_root))
        .route("/officer/worklist", web::get().to(officer::worklist))
        .route("/officer/questions", web::get().to(questions::inbox))
        .route(
            "/officer/questions/{id}/answer",
            web::post().to(questions::answer),
        )
        .route("/officer/cases/new", web::get().to(officer::new_case_form))
        .route("/officer/cases", web::post().to(officer::open_case))
        .route("/officer/cases/{id}", web::get().to(officer::case_page))
        .route(
            "/officer/cases/{id}/materials/{sha256}",
            web::get().to(officer::material),
        )
        .route(
            "/officer/cases/{id}/result.pdf",
            web::get().to(officer::result_pdf),
        )
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
        .route(
            "/officer/cases/{id}/supplement",
            web::post().to(officer::supplement),
        )
        .route(
            "/officer/cases/{id}/query-code",
            web::post().to(officer::reissue_code),
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
        .route(
            "/admin/notifications",
            web::get().to(notifications_admin::page),
        )
        .route("/admin/upload", web::get().to(admin::upload_form_page))
        .route("/admin/upload", web::post().to(admin::upload))
        .route("/admin/publish", web::post().to(admin::publish))
        .route("/admin/forms", web::post().to(admin::upload_form_file))
        .route(
            "/admin/powers/{code}/status",
            web::post().to(admin::change_status),
        )
        .route("/sign-in", web::get().to(session::sign_in_form))
        .route("/sign-in", web::post().to(session::sign_in))
        .route("/sign-out", web::post().to(session::sign_out))
        .route("/console", web::get().to(session::console))
        .route("/inspector", web::get().to(inspector::desk))
        .route("/inspector/orders", web::get().to(orders::list))
        .route("/inspector/spot-checks", web::get().to(spot_checks::list))
        .route("/inspector/spot-checks", web::post().to(spot_checks::draw))
        .route(
            "/inspector/spot-checks/{id}",
            web::get().to(spot_checks::view),
        )
        .route(
            "/inspector/spot-checks/{id}/findings",
            web::post().to(spot_checks::finding),
        )
        .route("/inspector/orders", web::post().to(orders::issue))
        .route("/inspector/orders/{id}", web::get().to(orders::view))
        .route("/inspector/orders/{id}/{verb}", web::post().to(orders::act))
        .route("/officer/orders", web::get().to(orders::list))
        .route(
            "/officer/rectifications",
            web::get().to(rectifications::inbox),
        )
        .route(
            "/officer/rectifications/{no}/{verb}",
            web::post().to(rectifications::act),
        )
        .route("/officer/orders/{id}", web::get().to(orders::view))
        .route("/officer/orders/{id}/{verb}", web::post().to(orders::act))
        .route(
            "/inspector/questions/{id}",
            web::get().to(inspector::question),
        )
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
