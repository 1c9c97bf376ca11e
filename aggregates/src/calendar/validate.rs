//! Validation of one year file (数据校验): every problem is collected, none
//! stops the check early.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::{CalendarError, CalendarYear, MAX_YEAR, MIN_YEAR, is_weekend};

/// One problem of a year file (数据问题), in English ([`std::fmt::Display`]) and in Chinese
/// ([`YearProblem::zh`]), so that an administrator's page can say it in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearProblem {
    /// The year lies outside [`MIN_YEAR`]..=[`MAX_YEAR`].
    YearOutOfRange(i32),
    /// `source.title` is empty.
    NoTitle,
    /// `source.publisher` is empty.
    NoPublisher,
    /// `source.url` is missing or empty (required when a year is loaded into a deployment).
    NoUrl,
    /// No holiday is listed.
    NoHoliday(i32),
    /// Holiday number `n` (from 1) has no name.
    NoName(usize),
    /// A holiday's `from` is after its `to`.
    FromAfterTo {
        holiday: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// A date lies outside the year (and the December before and the January after).
    OutsideYear {
        holiday: String,
        field: &'static str,
        date: NaiveDate,
        year: i32,
    },
    /// A make-up workday is not a Saturday or Sunday.
    MakeUpNotWeekend { holiday: String, date: NaiveDate },
    /// Two holidays overlap.
    Overlap { a: String, b: String },
    /// A make-up workday is listed twice.
    MakeUpTwice { date: NaiveDate },
    /// A make-up workday lies inside a holiday: a day both off and worked.
    MakeUpInHoliday { date: NaiveDate, holiday: String },
    /// A date the file shares with a neighbouring year's file means something else there.
    ConflictsWithNeighbour { date: NaiveDate, other_year: i32 },
}

impl std::fmt::Display for YearProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            YearProblem::YearOutOfRange(y) => {
                write!(f, "year {y} is outside {MIN_YEAR}..={MAX_YEAR}")
            }
            YearProblem::NoTitle => f.write_str("source.title is empty"),
            YearProblem::NoPublisher => f.write_str("source.publisher is empty"),
            YearProblem::NoUrl => {
                f.write_str("source.url is missing: cite the text the dates were checked against")
            }
            YearProblem::NoHoliday(y) => write!(f, "year {y} lists no holiday"),
            YearProblem::NoName(n) => write!(f, "holiday #{n}: name is empty"),
            YearProblem::FromAfterTo { holiday, from, to } => {
                write!(f, "holiday {holiday}: from {from} is after to {to}")
            }
            YearProblem::OutsideYear {
                holiday,
                field,
                date,
                year,
            } => {
                write!(f, "holiday {holiday}: {field} {date} is outside {year}")
            }
            YearProblem::MakeUpNotWeekend { holiday, date } => write!(
                f,
                "holiday {holiday}: make-up workday {date} is a {:?}, not a Saturday or Sunday",
                date.weekday()
            ),
            YearProblem::Overlap { a, b } => write!(f, "holidays {a} and {b} overlap"),
            YearProblem::MakeUpTwice { date } => {
                write!(f, "make-up workday {date} is listed twice")
            }
            YearProblem::MakeUpInHoliday { date, holiday } => {
                write!(f, "make-up workday {date} lies inside holiday {holiday}")
            }
            YearProblem::ConflictsWithNeighbour { date, other_year } => {
                write!(f, "{date} means something else in the {other_year} file")
            }
        }
    }
}

impl YearProblem {
    /// The problem in Chinese.
    pub fn zh(&self) -> String {
        const WEEKDAYS: [&str; 7] = [
            "星期一",
            "星期二",
            "星期三",
            "星期四",
            "星期五",
            "星期六",
            "星期日",
        ];
        match self {
            YearProblem::YearOutOfRange(y) => format!("年份 {y} 不在 {MIN_YEAR}—{MAX_YEAR} 之间。"),
            YearProblem::NoTitle => "未写明通知标题（source.title）。".into(),
            YearProblem::NoPublisher => "未写明发文机关（source.publisher）。".into(),
            YearProblem::NoUrl => {
                "未注明出处（source.url）：请写明核对日期所依据的通知原文网址。".into()
            }
            YearProblem::NoHoliday(y) => format!("{y} 年未列出任何节假日。"),
            YearProblem::NoName(n) => format!("第 {n} 个节假日没有名称。"),
            YearProblem::FromAfterTo { holiday, from, to } => {
                format!("{holiday}：放假起始日 {from} 晚于截止日 {to}。")
            }
            YearProblem::OutsideYear {
                holiday,
                date,
                year,
                ..
            } => {
                format!("{holiday}：日期 {date} 不在 {year} 年内。")
            }
            YearProblem::MakeUpNotWeekend { holiday, date } => format!(
                "{holiday}：调休上班日 {date} 是{}，不是周六或周日。",
                WEEKDAYS[date.weekday().num_days_from_monday() as usize]
            ),
            YearProblem::Overlap { a, b } => format!("{a}与{b}的放假日期重叠。"),
            YearProblem::MakeUpTwice { date } => format!("调休上班日 {date} 重复列出。"),
            YearProblem::MakeUpInHoliday { date, holiday } => {
                format!("{date} 既是{holiday}的放假日，又是调休上班日。")
            }
            YearProblem::ConflictsWithNeighbour { date, other_year } => {
                format!("{date} 在 {other_year} 年的安排中另有规定，两者矛盾。")
            }
        }
    }
}

/// Checks the rules a year file must satisfy; lists every problem found.
///
/// - the year lies in [`MIN_YEAR`]..=[`MAX_YEAR`];
/// - the title, the publisher and every holiday name are non-empty, and the
///   year has at least one holiday;
/// - every date lies in the year, or in the December before or the January
///   after it (notices fix days across New Year, e.g. a make-up Sunday in the
///   previous December, or 元旦 beginning on 31 December);
/// - `from <= to`, and holiday ranges do not overlap;
/// - a make-up workday is a Saturday or a Sunday, is listed once, and is not
///   inside a holiday.
pub(super) fn check_year(year: &CalendarYear) -> Result<(), CalendarError> {
    let mut problems = Vec::new();
    let y = year.year;
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        problems.push(YearProblem::YearOutOfRange(y));
        // Without a plausible year no date window can be checked.
        return Err(CalendarError::InvalidData { problems });
    }
    // Both dates exist for any year in MIN_YEAR..=MAX_YEAR.
    let (first, last) = match (
        NaiveDate::from_ymd_opt(y - 1, 12, 1),
        NaiveDate::from_ymd_opt(y + 1, 1, 31),
    ) {
        (Some(first), Some(last)) => (first, last),
        _ => {
            problems.push(YearProblem::YearOutOfRange(y));
            return Err(CalendarError::InvalidData { problems });
        }
    };
    let in_window = |d: NaiveDate| first <= d && d <= last;

    if year.source.title.trim().is_empty() {
        problems.push(YearProblem::NoTitle);
    }
    if year.source.publisher.trim().is_empty() {
        problems.push(YearProblem::NoPublisher);
    }
    if year.holidays.is_empty() {
        problems.push(YearProblem::NoHoliday(y));
    }

    for (i, h) in year.holidays.iter().enumerate() {
        if h.name.trim().is_empty() {
            problems.push(YearProblem::NoName(i + 1));
        }
        let holiday = || h.name.clone();
        if h.from > h.to {
            problems.push(YearProblem::FromAfterTo {
                holiday: holiday(),
                from: h.from,
                to: h.to,
            });
        }
        for (field, date) in [("from", h.from), ("to", h.to)] {
            if !in_window(date) {
                problems.push(YearProblem::OutsideYear {
                    holiday: holiday(),
                    field,
                    date,
                    year: y,
                });
            }
        }
        for &date in &h.make_up_workdays {
            if !in_window(date) {
                problems.push(YearProblem::OutsideYear {
                    holiday: holiday(),
                    field: "make_up_workdays",
                    date,
                    year: y,
                });
            }
            if !is_weekend(date) {
                problems.push(YearProblem::MakeUpNotWeekend {
                    holiday: holiday(),
                    date,
                });
            }
        }
    }

    for (i, a) in year.holidays.iter().enumerate() {
        for b in year.holidays.iter().skip(i + 1) {
            if a.from <= a.to && b.from <= b.to && a.from <= b.to && b.from <= a.to {
                problems.push(YearProblem::Overlap {
                    a: a.name.clone(),
                    b: b.name.clone(),
                });
            }
        }
    }

    let mut seen: BTreeMap<NaiveDate, &str> = BTreeMap::new();
    for h in &year.holidays {
        for &date in &h.make_up_workdays {
            if seen.insert(date, &h.name).is_some() {
                problems.push(YearProblem::MakeUpTwice { date });
            }
            for other in &year.holidays {
                if other.from <= date && date <= other.to {
                    problems.push(YearProblem::MakeUpInHoliday {
                        date,
                        holiday: other.name.clone(),
                    });
                }
            }
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(CalendarError::InvalidData { problems })
    }
}
