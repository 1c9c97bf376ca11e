//! Statutory holidays by law (法定节假日, 《全国年节及纪念日放假办法》第二条): the days off
//! every year has whatever its State Council notice adds, used for *provisional* years —
//! years whose notice is not loaded yet (see [`super::OutsideCoverage::Provisional`]).
//!
//! The article's versions are data (`data/calendar/statutory.yaml`, each with its source);
//! lunar dates (农历) and the 清明 solar term are computed by the crate `tyme4rs`. Computed
//! years are kept in a process-wide table: the data is embedded and fixed, so a year's
//! days never change while the process runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::CalendarSource;

const STATUTORY_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/calendar/statutory.yaml"
));

/// The versions of 第二条 in force over time (the data file's shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatutoryRules {
    /// Newest first or in any order; the latest in force on a year's 1 January applies.
    pub versions: Vec<StatutoryVersion>,
}

/// One version of the article: from when it applies, its source, its holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatutoryVersion {
    /// The day this version came into force (施行日期).
    pub in_force_from: NaiveDate,
    /// The State Council decision that set it.
    pub source: CalendarSource,
    /// The holidays, each with its days.
    pub holidays: Vec<StatutoryHoliday>,
}

/// One statutory holiday (全体公民放假的节日) and its days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatutoryHoliday {
    /// The holiday's name, e.g. 春节.
    pub name: String,
    /// Its days, as the article states them.
    pub days: Vec<StatutoryDay>,
}

/// A day as the article states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatutoryDay {
    /// A Gregorian month and day (公历), e.g. 10月1日.
    Solar([u32; 2]),
    /// A lunar month and day (农历), never of a leap month, e.g. 八月十五.
    Lunar([u32; 2]),
    /// 农历除夕: the day before 正月初一.
    LunarNewYearsEve,
    /// The day a solar term begins (节气当日), by its name, e.g. 清明.
    SolarTerm(String),
}

/// The article's versions, parsed once.
pub fn rules() -> &'static StatutoryRules {
    static RULES: OnceLock<StatutoryRules> = OnceLock::new();
    RULES.get_or_init(|| {
        // The embedded file is checked by the tests; a failure is a build defect.
        serde_norway::from_str(STATUTORY_YAML).expect("embedded statutory holidays are valid")
    })
}

/// The version of the article that applies to `year`: the latest in force on its 1 January.
pub fn version_for(year: i32) -> Option<&'static StatutoryVersion> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
    rules()
        .versions
        .iter()
        .filter(|v| v.in_force_from <= first)
        .max_by_key(|v| v.in_force_from)
}

/// The statutory days off of `year` with their holiday's name, ascending; `None` when no
/// version of the article applies to the year (before 2008) or a date cannot be computed.
pub fn days_of(year: i32) -> Option<Arc<[(NaiveDate, &'static str)]>> {
    type Years = Mutex<HashMap<i32, Option<Arc<[(NaiveDate, &'static str)]>>>>;
    static YEARS: OnceLock<Years> = OnceLock::new();
    let years = YEARS.get_or_init(Default::default);
    if let Some(known) = years.lock().ok().and_then(|y| y.get(&year).cloned()) {
        return known;
    }
    let computed = compute(year).map(Arc::from);
    if let Ok(mut y) = years.lock() {
        y.insert(year, computed.clone());
    }
    computed
}

fn compute(year: i32) -> Option<Vec<(NaiveDate, &'static str)>> {
    // The lunar calendar crate panics outside years 1..=9999; no law reaches that far anyway.
    if !(super::MIN_YEAR..=super::MAX_YEAR).contains(&year) {
        return None;
    }
    let version = version_for(year)?;
    let mut days = Vec::new();
    for holiday in &version.holidays {
        for day in &holiday.days {
            days.push((resolve(year, day)?, holiday.name.as_str()));
        }
    }
    days.sort_unstable();
    days.dedup_by_key(|(date, _)| *date);
    Some(days)
}

fn to_date(day: &tyme4rs::tyme::solar::SolarDay) -> Option<NaiveDate> {
    let year = i32::try_from(day.get_year()).ok()?;
    let month = u32::try_from(day.get_month()).ok()?;
    let day = u32::try_from(day.get_day()).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The Gregorian date of `day` in Gregorian `year`. Lunar dates are those of the lunar year
/// that begins in `year` (its 正月初一 falls in January or February), so each lies in `year`.
fn resolve(year: i32, day: &StatutoryDay) -> Option<NaiveDate> {
    use tyme4rs::tyme::lunar::LunarDay;
    use tyme4rs::tyme::solar::SolarTerm;
    let lunar = |month: u32, d: u32| {
        let day = LunarDay::new(year as isize, month as isize, d as usize).ok()?;
        to_date(&day.get_solar_day())
    };
    let date = match day {
        StatutoryDay::Solar([month, d]) => NaiveDate::from_ymd_opt(year, *month, *d)?,
        StatutoryDay::Lunar([month, d]) => lunar(*month, *d)?,
        StatutoryDay::LunarNewYearsEve => lunar(1, 1)?.pred_opt()?,
        StatutoryDay::SolarTerm(name) => {
            to_date(&SolarTerm::new(year as isize, name).ok()?.get_solar_day())?
        }
    };
    (date.year() == year).then_some(date)
}
