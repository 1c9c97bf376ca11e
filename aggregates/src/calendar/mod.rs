//! Working-day calendar (工作日历) and deadline arithmetic (期限计算).
//!
//! Time limits for administrative powers are counted in working days (工作日)
//! of China's official calendar. A day is a working day when it is a Monday to
//! Friday that is not a statutory holiday (法定节假日), or when it is a make-up
//! workday (调休上班), usually a Saturday or Sunday, fixed by the State Council
//! General Office's yearly notice (国务院办公厅关于20XX年部分节假日安排的通知).
//!
//! The holiday table is data, not code: one YAML file per year, each citing
//! the notice it was transcribed from. The years 2024 to 2026 are embedded in
//! the binary ([`WorkingCalendar::builtin`]); a deployment adds later years or
//! corrects an embedded one with [`WorkingCalendar::parse_year`] and
//! [`WorkingCalendar::add_year`].
//!
//! For a date in a year with no data the calendar never guesses silently. Under
//! [`OutsideCoverage::Provisional`] (the default) the year is *provisional*: weekends and the
//! statutory holidays of 《全国年节及纪念日放假办法》 ([`statutory`]) are rest days, no 调休 is
//! guessed, and every such day says so ([`DayKind::ProvisionalHoliday`],
//! [`DayKind::AssumedWorkday`], [`DayKind::AssumedWeekend`]); a computation that rests on
//! one is marked ([`WorkingCalendar::provisional_years`]). Under [`OutsideCoverage::Refuse`]
//! it answers [`CalendarError::YearNotCovered`]; under [`OutsideCoverage::WeekendsOnly`]
//! it assumes weekends only.
//!
//! Counting follows Civil Code art. 201 (《民法典》第二百零一条): the start day
//! is never counted; counting begins with the next working day. Days on which
//! the case clock stood still (中止/暂停计时) are given as [`DateSpan`]s and are
//! skipped. The module is pure: no clock reads, no I/O at run time.

mod deadline;
pub mod statutory;
mod validate;

pub use validate::YearProblem;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Largest working-day count [`WorkingCalendar::add_working_days`] accepts
/// (about fourteen years of working days).
pub const MAX_WORKING_DAYS: u32 = 3650;

/// Longest walk, in calendar days, that deadline arithmetic performs before
/// giving up with [`CalendarError::TooFar`] (30 years).
pub const MAX_WALK_DAYS: i64 = 30 * 366;

/// Provisional years after the last covered one that the day table holds (later ones are
/// walked day by day).
const PROVISIONAL_IN_TABLE: i32 = 2;

/// Smallest year a calendar file may describe.
pub const MIN_YEAR: i32 = 2000;

/// Largest year a calendar file may describe.
pub const MAX_YEAR: i32 = 2100;

const BUILTIN_YEARS: [&str; 3] = [
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/calendar/2024.yaml"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/calendar/2025.yaml"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/calendar/2026.yaml"
    )),
];

/// The official working-day calendar (工作日历): statutory holidays
/// (法定节假日) and make-up workdays (调休上班) of the covered years, plus the
/// policy for dates outside them.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, CalendarYear>,
    special_days: HashMap<NaiveDate, SpecialDay>,
    outside: OutsideCoverage,
    /// Whether each day of the covered years counts, derived from `years` and `special_days`.
    table: DayTable,
}

/// Every day from 1 January of the first covered year to 31 December of the last: whether it
/// is a working day, or that its year is not covered. Deadline walks look days up here instead
/// of working out each day's kind (a map lookup, and a holiday's name cloned). With each day
/// come running counts (of the working days and of the uncovered days before it), so the
/// working days of an interval are a subtraction and the `n`-th working day after a date a
/// binary search ([`WorkingCalendar::due_date`], [`WorkingCalendar::working_days_between`]),
/// where a walk looked at every day.
#[derive(Debug, Clone, Default)]
struct DayTable {
    first: Option<NaiveDate>,
    days: Vec<TableDay>,
    /// `working_before[i]`: working days among `days[..i]` (one more entry than `days`).
    working_before: Vec<u32>,
    /// `uncovered_before[i]`: uncovered days among `days[..i]`.
    uncovered_before: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableDay {
    Uncovered,
    Working,
    Rest,
}

impl DayTable {
    fn build(calendar: &WorkingCalendar) -> Self {
        let (Some(first), Some(last)) = (
            calendar.years.keys().next().copied(),
            calendar.years.keys().next_back().copied(),
        ) else {
            return DayTable::default();
        };
        // Provisional years right after the covered ones are counted from the table too:
        // the cases of the coming year are the ones that need them.
        let last = match calendar.outside {
            OutsideCoverage::Provisional => (last + PROVISIONAL_IN_TABLE).min(MAX_YEAR),
            _ => last,
        };
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(first, 1, 1),
            NaiveDate::from_ymd_opt(last, 12, 31),
        ) else {
            return DayTable::default();
        };
        let days: Vec<TableDay> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|date| {
                let in_table = calendar.covers(date.year())
                    || calendar.outside == OutsideCoverage::Provisional;
                match calendar.day_kind(date) {
                    Ok(kind) if in_table && kind.is_working() => TableDay::Working,
                    Ok(_) if in_table => TableDay::Rest,
                    _ => TableDay::Uncovered,
                }
            })
            .collect();
        let running = |kind: TableDay| {
            std::iter::once(0)
                .chain(days.iter().scan(0u32, move |count, day| {
                    *count += u32::from(*day == kind);
                    Some(*count)
                }))
                .collect()
        };
        DayTable {
            first: Some(from),
            working_before: running(TableDay::Working),
            uncovered_before: running(TableDay::Uncovered),
            days,
        }
    }

    /// Whether `date` is a working day, if its year is covered.
    fn is_working(&self, date: NaiveDate) -> Option<bool> {
        let offset = usize::try_from((date - self.first?).num_days()).ok()?;
        match self.days.get(offset)? {
            TableDay::Uncovered => None,
            TableDay::Working => Some(true),
            TableDay::Rest => Some(false),
        }
    }

    /// The index after `date`'s in `days` (so the days after `date` start there), if the day
    /// after `date` is in the table.
    fn after(&self, date: NaiveDate) -> Option<usize> {
        let next = (date - self.first?).num_days() + 1;
        usize::try_from(next).ok().filter(|i| *i < self.days.len())
    }

    /// Working days in `(after, upto]`, if every day of it is in the table and covered
    /// (`after < upto`).
    fn working_between(&self, after: NaiveDate, upto: NaiveDate) -> Option<u32> {
        let from = self.after(after)?;
        let to = from + usize::try_from((upto - after).num_days()).ok()?;
        if to > self.days.len() || self.uncovered_before[to] != self.uncovered_before[from] {
            return None;
        }
        Some(self.working_before[to] - self.working_before[from])
    }

    /// The `n`-th working day after `after` (`n >= 1`), if it and every day before it are in
    /// the table and covered.
    fn nth_working_after(&self, after: NaiveDate, n: u32) -> Option<NaiveDate> {
        let from = self.after(after)?;
        let target = self.working_before[from] + n;
        // The first `i` with `working_before[i] >= target`: the day `i - 1` is the n-th.
        let end = self.working_before.partition_point(|count| *count < target);
        if end > self.days.len() || self.uncovered_before[end] != self.uncovered_before[from] {
            return None;
        }
        let days = i64::try_from(end - from).ok()?;
        Some(after + chrono::TimeDelta::days(days))
    }
}

/// One year's holiday arrangement (年度节假日安排), as transcribed from the
/// State Council General Office's notice; the shape of a calendar data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    /// The calendar year the notice arranges (e.g. 2026).
    pub year: i32,
    /// Where the dates come from.
    pub source: CalendarSource,
    /// The holidays (放假调休安排) in the order of the notice.
    pub holidays: Vec<HolidaySpec>,
}

impl CalendarYear {
    /// Reads a year file's shape only ([`CalendarError::Malformed`] if it is not one), without
    /// checking its rules: for callers that list the rules' problems together with their own
    /// ([`WorkingCalendar::add_year`] checks them).
    pub fn from_yaml(yaml: &str) -> Result<CalendarYear, CalendarError> {
        crate::yaml::check(yaml).map_err(CalendarError::Malformed)?;
        serde_norway::from_str(yaml).map_err(|e| CalendarError::Malformed(e.to_string()))
    }
}

/// Citation of the notice (通知) a [`CalendarYear`] was transcribed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarSource {
    /// Title (标题), e.g. 国务院办公厅关于2026年部分节假日安排的通知.
    pub title: String,
    /// Document number (发文字号), e.g. 国办发明电〔2023〕7号, when confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_no: Option<String>,
    /// Publication date (发布日期) of the notice.
    pub published: NaiveDate,
    /// Issuing body (发文机关), normally 国务院办公厅.
    pub publisher: String,
    /// Address of the text the dates were checked against, as found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Free text: what was checked where, and what could not be confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One holiday (节假日) of a notice: the days off and the make-up workdays
/// (调休上班日) the notice attaches to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HolidaySpec {
    /// Name as in the notice, e.g. 春节 or 国庆节、中秋节.
    pub name: String,
    /// First day off (放假起始日).
    pub from: NaiveDate,
    /// Last day off, inclusive (放假截止日).
    pub to: NaiveDate,
    /// Weekend days that become working days (调休上班).
    #[serde(default)]
    pub make_up_workdays: Vec<NaiveDate>,
}

/// What to do for a date in a year with no data: explicit, never a silent guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutsideCoverage {
    /// The year is provisional (预计): weekends and the statutory holidays of the law in force
    /// ([`statutory`]) are rest days, no 调休 is guessed, and every answer that rests on such a
    /// day is marked (the default). Dates before the law's first version (2008) are refused.
    #[default]
    Provisional,
    /// Answer [`CalendarError::YearNotCovered`].
    Refuse,
    /// Treat Monday to Friday as working days and Saturday and Sunday as rest
    /// days, reported as [`DayKind::AssumedWorkday`] / [`DayKind::AssumedWeekend`].
    WeekendsOnly,
}

/// What kind of day a date is (日期类型).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary Monday to Friday (工作日).
    Workday,
    /// An ordinary Saturday or Sunday (休息日).
    Weekend,
    /// A day off of a statutory holiday arrangement (法定节假日/放假调休).
    Holiday {
        /// The holiday's name, e.g. 春节.
        name: String,
    },
    /// A Saturday or Sunday worked to make up for a holiday (调休上班).
    MakeUpWorkday {
        /// The name of the holiday it makes up for.
        name: String,
    },
    /// A statutory holiday (法定节假日) of a provisional year: a day off by law, before the
    /// year's notice is loaded (预计).
    ProvisionalHoliday {
        /// The holiday's name, e.g. 春节.
        name: String,
    },
    /// Outside coverage (a provisional year, or under WeekendsOnly): a Monday to Friday that
    /// is no statutory holiday, assumed to be a working day (推定工作日).
    AssumedWorkday,
    /// Outside coverage: a Saturday or Sunday assumed to be a rest day (推定休息日).
    AssumedWeekend,
}

impl DayKind {
    /// Whether a day of this kind is a working day (工作日) that counts
    /// towards a time limit.
    pub fn is_working(&self) -> bool {
        matches!(
            self,
            DayKind::Workday | DayKind::MakeUpWorkday { .. } | DayKind::AssumedWorkday
        )
    }

    /// Whether this kind was assumed for a date outside the covered years.
    pub fn is_assumed(&self) -> bool {
        matches!(
            self,
            DayKind::AssumedWorkday | DayKind::AssumedWeekend | DayKind::ProvisionalHoliday { .. }
        )
    }
}

/// Days on which the case clock stood still: `from` inclusive, `until` exclusive (a clock paused on day d and resumed on day r does not count d..r-1; r counts).
///
/// A span with `until <= from` contains no day (中止期间为空).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateSpan {
    /// First day the clock stood still (暂停计时之日).
    pub from: NaiveDate,
    /// Day the clock runs again (恢复计时之日); not part of the span.
    pub until: NaiveDate,
}

impl DateSpan {
    /// Whether `date` lies in the span (`from <= date < until`).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date < self.until
    }
}

/// The result of a deadline computation (期限计算), with the day-by-day
/// trace needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineCalculation {
    /// The day the time limit started from (not counted).
    pub start: NaiveDate,
    /// The number of working days of the time limit.
    pub working_days: u32,
    /// The last day of the time limit (期限届满日).
    pub due: NaiveDate,
    /// Every day after `start` up to and including `due`, and whether it counted.
    pub days: Vec<CalendarDay>,
    /// Whether the count rests on a provisional year (预计: no State Council notice loaded):
    /// the due date may move when its notice is loaded.
    #[serde(default)]
    pub provisional: bool,
    /// The provisional years it rests on, ascending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisional_years: Vec<i32>,
}

/// One day of a [`DeadlineCalculation`] trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    /// The date.
    pub date: NaiveDate,
    /// What kind of day it is.
    pub kind: DayKind,
    /// Whether the case clock stood still on it.
    pub paused: bool,
    /// Whether it counted towards the time limit (a working day, not paused).
    pub counted: bool,
    /// 1-based index among counted days
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<u32>,
}

/// Why the calendar could not answer (日历错误).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The date lies in a year with no data and the policy is
    /// [`OutsideCoverage::Refuse`].
    #[error("no working-day calendar for {year}: covered years are {covered:?}")]
    YearNotCovered {
        /// The year asked about.
        year: i32,
        /// The years the calendar has data for, ascending.
        covered: Vec<i32>,
    },
    /// A calendar year failed validation; every problem found is listed.
    #[error("calendar data is invalid: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidData {
        /// Every problem found.
        problems: Vec<YearProblem>,
    },
    /// A calendar file is not YAML of the expected shape.
    #[error("{0}")]
    Malformed(String),
    /// The working-day count exceeds [`MAX_WORKING_DAYS`], or the walk would
    /// exceed [`MAX_WALK_DAYS`] calendar days.
    #[error("working-day count too large")]
    TooFar,
}

/// A date with a fixed meaning in some year's notice.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SpecialDay {
    kind: SpecialKind,
    name: String,
    /// The notice (year file) it comes from.
    year: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpecialKind {
    Holiday,
    MakeUpWorkday,
}

impl SpecialDay {
    fn day_kind(&self) -> DayKind {
        match self.kind {
            SpecialKind::Holiday => DayKind::Holiday {
                name: self.name.clone(),
            },
            SpecialKind::MakeUpWorkday => DayKind::MakeUpWorkday {
                name: self.name.clone(),
            },
        }
    }
}

/// Whether `date` is a Saturday or a Sunday.
fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The special days one (already validated) year file defines.
fn special_days_of(year: &CalendarYear) -> Vec<(NaiveDate, SpecialDay)> {
    let mut out = Vec::new();
    for holiday in &year.holidays {
        for date in holiday.from.iter_days().take_while(|d| *d <= holiday.to) {
            out.push((
                date,
                SpecialDay {
                    kind: SpecialKind::Holiday,
                    name: holiday.name.clone(),
                    year: year.year,
                },
            ));
        }
        for &date in &holiday.make_up_workdays {
            out.push((
                date,
                SpecialDay {
                    kind: SpecialKind::MakeUpWorkday,
                    name: holiday.name.clone(),
                    year: year.year,
                },
            ));
        }
    }
    out
}

impl WorkingCalendar {
    /// The calendar with the embedded years 2024, 2025 and 2026, each
    /// transcribed from the State Council General Office's notice, and the
    /// [`OutsideCoverage::Provisional`] policy for other years.
    pub fn builtin() -> Self {
        let mut calendar = Self::empty();
        for yaml in BUILTIN_YEARS {
            // The embedded files are validated by the tests; a failure here is
            // a build defect, not a run-time condition.
            let year = Self::parse_year(yaml).expect("embedded calendar file is valid");
            calendar
                .add_year(year)
                .expect("embedded calendar years are consistent");
        }
        calendar
    }

    /// A calendar with no year at all and the [`OutsideCoverage::Provisional`] policy.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses and validates one year file (YAML, see `data/calendar/*.yaml`).
    ///
    /// Syntax or shape errors give [`CalendarError::Malformed`]; a file that
    /// parses but breaks a rule gives [`CalendarError::InvalidData`] listing
    /// every problem.
    pub fn parse_year(yaml: &str) -> Result<CalendarYear, CalendarError> {
        let year = CalendarYear::from_yaml(yaml)?;
        validate::check_year(&year)?;
        Ok(year)
    }

    /// Adds or replaces a year (a deployment's file replaces the built-in one for the same year: a correction). Validates it.
    ///
    /// Besides the rules of [`WorkingCalendar::parse_year`], a date the new
    /// year shares with a neighbouring year's file (a make-up workday or
    /// holiday spilling over New Year) must mean the same in both. On error
    /// the calendar is unchanged.
    pub fn add_year(&mut self, year: CalendarYear) -> Result<(), CalendarError> {
        validate::check_year(&year)?;
        let mut special_days: HashMap<NaiveDate, SpecialDay> = self
            .special_days
            .iter()
            .filter(|(_, day)| day.year != year.year)
            .map(|(date, day)| (*date, day.clone()))
            .collect();
        let mut problems = Vec::new();
        for (date, day) in special_days_of(&year) {
            match special_days.get(&date) {
                Some(existing) if existing.kind != day.kind || existing.name != day.name => {
                    problems.push(YearProblem::ConflictsWithNeighbour {
                        date,
                        other_year: existing.year,
                    });
                }
                Some(_) => {}
                None => {
                    special_days.insert(date, day);
                }
            }
        }
        if !problems.is_empty() {
            return Err(CalendarError::InvalidData { problems });
        }
        self.special_days = special_days;
        self.years.insert(year.year, year);
        self.table = DayTable::build(self);
        Ok(())
    }

    /// The same calendar with another policy for dates outside the covered years.
    pub fn with_outside_coverage(mut self, policy: OutsideCoverage) -> Self {
        self.outside = policy;
        self.table = DayTable::build(&self);
        self
    }

    /// Whether dates of `year` are provisional (预计): no notice loaded, and the policy
    /// [`OutsideCoverage::Provisional`].
    pub fn is_provisional(&self, year: i32) -> bool {
        !self.covers(year) && self.outside == OutsideCoverage::Provisional
    }

    /// The provisional years among those of the days `from..=to`, ascending: what a
    /// computation over those days rests on besides official notices (empty when none).
    pub fn provisional_years(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year().min(to.year())..=from.year().max(to.year()))
            .filter(|y| self.is_provisional(*y))
            .collect()
    }

    /// The policy for dates outside the covered years.
    pub fn outside_coverage(&self) -> OutsideCoverage {
        self.outside
    }

    /// The covered years' data, ascending by year.
    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// The data for one year, if covered (e.g. to cite its source).
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// The covered years, ascending.
    pub fn covered_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether the calendar has data for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// What kind of day `date` is.
    ///
    /// A date is covered when its calendar year is. Outside coverage the
    /// answer follows [`WorkingCalendar::outside_coverage`]; under
    /// [`OutsideCoverage::WeekendsOnly`] a date that a neighbouring year's
    /// notice does fix (a spill-over across New Year) still gets that meaning.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        let covered = self.covers(date.year());
        let statutory = match (covered, self.outside) {
            (true, _) | (false, OutsideCoverage::WeekendsOnly) => None,
            (false, OutsideCoverage::Provisional) => statutory::days_of(date.year()),
            (false, OutsideCoverage::Refuse) => None,
        };
        let refused = match self.outside {
            OutsideCoverage::Refuse => !covered,
            OutsideCoverage::Provisional => !covered && statutory.is_none(),
            OutsideCoverage::WeekendsOnly => false,
        };
        if refused {
            return Err(CalendarError::YearNotCovered {
                year: date.year(),
                covered: self.covered_years(),
            });
        }
        if let Some(day) = self.special_days.get(&date) {
            return Ok(day.day_kind());
        }
        if let Some(days) = statutory
            && let Ok(i) = days.binary_search_by_key(&date, |(d, _)| *d)
        {
            return Ok(DayKind::ProvisionalHoliday {
                name: days[i].1.to_owned(),
            });
        }
        Ok(match (covered, is_weekend(date)) {
            (true, false) => DayKind::Workday,
            (true, true) => DayKind::Weekend,
            (false, false) => DayKind::AssumedWorkday,
            (false, true) => DayKind::AssumedWeekend,
        })
    }

    /// Whether `date` is a working day (工作日).
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        match self.table.is_working(date) {
            Some(working) => Ok(working),
            None => self.day_kind(date).map(|kind| kind.is_working()),
        }
    }
}
