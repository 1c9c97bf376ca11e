//! The page language (中文 first, English with `?lang=en` or `Accept-Language`) and the words
//! and formats pages share: dates in 北京时间, weekdays, working days, calendar problems.

use super::*;

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

    pub(super) fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub(super) fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub(super) fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// The language an `Accept-Language` header prefers among Chinese and English.
pub(super) fn lang_from_header(value: &str) -> Option<Lang> {
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

/// A date as `2026-03-06`.
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

/// A refusal of the domain in the page's language: its words live with the error
/// (`aggregates::refusal`), not in a table of the pages.
pub(crate) fn refusal_words(lang: Lang, refusal: &impl aggregates::refusal::Refusal) -> String {
    match lang {
        Lang::Zh => refusal.zh(),
        Lang::En => refusal.en(),
    }
}
