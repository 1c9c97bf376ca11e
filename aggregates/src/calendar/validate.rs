//! Validation of one year file (数据校验): every problem is collected, none
//! stops the check early.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::{CalendarError, CalendarYear, MAX_YEAR, MIN_YEAR, is_weekend};

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
        problems.push(format!("year {y} is outside {MIN_YEAR}..={MAX_YEAR}"));
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
            problems.push(format!("year {y} has no valid date window"));
            return Err(CalendarError::InvalidData { problems });
        }
    };
    let in_window = |d: NaiveDate| first <= d && d <= last;

    if year.source.title.trim().is_empty() {
        problems.push("source.title is empty".to_owned());
    }
    if year.source.publisher.trim().is_empty() {
        problems.push("source.publisher is empty".to_owned());
    }
    if year.holidays.is_empty() {
        problems.push(format!("year {y} lists no holiday"));
    }

    for (i, h) in year.holidays.iter().enumerate() {
        let label = format!("holiday #{} ({})", i + 1, h.name);
        if h.name.trim().is_empty() {
            problems.push(format!("holiday #{}: name is empty", i + 1));
        }
        if h.from > h.to {
            problems.push(format!("{label}: from {} is after to {}", h.from, h.to));
        }
        for (field, d) in [("from", h.from), ("to", h.to)] {
            if !in_window(d) {
                problems.push(format!(
                    "{label}: {field} {d} is outside {y} (allowed {first}..={last})"
                ));
            }
        }
        for &d in &h.make_up_workdays {
            if !in_window(d) {
                problems.push(format!(
                    "{label}: make-up workday {d} is outside {y} (allowed {first}..={last})"
                ));
            }
            if !is_weekend(d) {
                problems.push(format!(
                    "{label}: make-up workday {d} is a {:?}, not a Saturday or Sunday",
                    d.weekday()
                ));
            }
        }
    }

    for (i, a) in year.holidays.iter().enumerate() {
        for b in year.holidays.iter().skip(i + 1) {
            if a.from <= a.to && b.from <= b.to && a.from <= b.to && b.from <= a.to {
                problems.push(format!(
                    "holidays {} ({}..={}) and {} ({}..={}) overlap",
                    a.name, a.from, a.to, b.name, b.from, b.to
                ));
            }
        }
    }

    let mut seen: BTreeMap<NaiveDate, &str> = BTreeMap::new();
    for h in &year.holidays {
        for &d in &h.make_up_workdays {
            if let Some(previous) = seen.insert(d, &h.name) {
                problems.push(format!(
                    "make-up workday {d} is listed twice ({previous} and {})",
                    h.name
                ));
            }
            for other in &year.holidays {
                if other.from <= d && d <= other.to {
                    problems.push(format!(
                        "make-up workday {d} of {} lies inside holiday {} ({}..={})",
                        h.name, other.name, other.from, other.to
                    ));
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
