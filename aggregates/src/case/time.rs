//! Working-day limits of a case: statutory (法定时限), promised (承诺时限) and the current step's
//! own limit, with paused spans excluded.
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Case, CaseStatus};
use crate::calendar::{CalendarError, DateSpan, WorkingCalendar};
use crate::flowchart::Flowchart;

/// China Standard Time (UTC+8, no daylight saving): the zone every working day is counted in.
pub fn china_offset() -> FixedOffset {
    const EIGHT_HOURS: i32 = 8 * 3600;
    // 8 hours is within FixedOffset's range, so this never falls back.
    FixedOffset::east_opt(EIGHT_HOURS).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"))
}

/// The calendar date of an instant in China.
pub fn china_date(at: DateTime<FixedOffset>) -> NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

/// One limit and how much of it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LimitStatus {
    /// The limit, in working days.
    pub limit_days: u32,
    /// The day counting starts after (not itself counted).
    pub start: NaiveDate,
    /// Working days used so far (or until the case closed), paused days excluded.
    pub used_days: u32,
    /// Working days left (negative when overdue).
    pub remaining_days: i64,
    /// The due date; `None` while the clock is paused (it moves with the pause).
    pub due: Option<NaiveDate>,
    /// Whether the limit has been passed.
    pub overdue: bool,
    /// Whether the count rests on a provisional year (预计): a year whose State Council
    /// notice is not loaded yet, counted by the law's statutory holidays alone. The due date
    /// may move when the notice is loaded.
    #[serde(default)]
    pub provisional: bool,
    /// The provisional years the count rests on, ascending (empty when `provisional` is false).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisional_years: Vec<i32>,
    /// Working days the limit was lawfully extended by (已依法延长), included in `limit_days`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extended_days: u32,
    /// The year whose calendar the due date needs and the calendar refuses (policy `refuse`):
    /// `due` is then absent, while the days used are still counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_year: Option<i32>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A paused span, by dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PausedSpan {
    /// Paused at.
    pub from: DateTime<FixedOffset>,
    /// Resumed at; `None` while paused.
    pub until: Option<DateTime<FixedOffset>>,
    /// Why.
    pub reason: String,
}

/// All limits of a case at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseTimes {
    /// 法定时限.
    pub statutory: LimitStatus,
    /// 承诺时限.
    pub promised: Option<LimitStatus>,
    /// The current step's own limit, if it has one and the case is still running.
    pub step: Option<LimitStatus>,
    /// Paused spans.
    pub paused: Vec<PausedSpan>,
}

impl Case {
    /// Paused spans as dates: a clock paused on day d and resumed on day r leaves d..r-1
    /// uncounted; one still paused leaves everything from d to `today` uncounted.
    fn paused_dates(&self, today: NaiveDate, held_by: Option<&str>) -> Vec<DateSpan> {
        self.pauses
            .iter()
            // A step's own limit keeps running while the case waits at that very step (the
            // applicant's 补正 time is still limited); other pauses stop it.
            .filter(|p| held_by.is_none() || p.step.as_deref() != held_by)
            .map(|p| DateSpan {
                from: china_date(p.from),
                until: p
                    .until
                    .map(china_date)
                    .unwrap_or_else(|| today.succ_opt().unwrap_or(today)),
            })
            .filter(|s| s.from < s.until)
            .collect()
    }

    /// Whether `used` working days stay within the statutory limit, a lawful extension (延期)
    /// included: the on-time rule of the scorecards and the public statistics.
    pub fn within_statutory_limit(&self, used: u32) -> bool {
        used <= self.statutory_limit_days + self.extended_days
    }

    /// Working days of the case's clock used from receipt until it closed (or until `today`
    /// while it runs), pauses excluded. Needs the calendar only up to that day, so it answers
    /// where the due date cannot be computed yet (a year not yet in the calendar).
    pub fn used_working_days(
        &self,
        calendar: &WorkingCalendar,
        today: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let end = self.closed_at.map(china_date).unwrap_or(today);
        let start = self.received_at.map(china_date).unwrap_or(today);
        let paused: Vec<DateSpan> = self
            .paused_dates(end, None)
            .into_iter()
            .filter(|s| s.until > start)
            .collect();
        calendar.working_days_between(start, end, &paused)
    }

    fn limit(
        &self,
        calendar: &WorkingCalendar,
        limit_days: u32,
        start: NaiveDate,
        end: NaiveDate,
        paused: &[DateSpan],
    ) -> Result<LimitStatus, CalendarError> {
        let relevant: Vec<DateSpan> = paused.iter().copied().filter(|s| s.until > start).collect();
        let used_days = calendar.working_days_between(start, end, &relevant)?;
        let is_paused = paused.iter().any(|s| s.until > end);
        // A due date in a year the calendar refuses leaves this limit without one; the other
        // limits, and the days used, are still counted.
        let mut missing_year = None;
        let due = if is_paused {
            None
        } else {
            match calendar.due_date(start, limit_days, &relevant) {
                Ok(due) => Some(due),
                Err(CalendarError::YearNotCovered { year, .. }) => {
                    missing_year = Some(year);
                    None
                }
                Err(other) => return Err(other),
            }
        };
        let provisional_years = calendar.provisional_years(start, due.map_or(end, |d| d.max(end)));
        Ok(LimitStatus {
            limit_days,
            start,
            used_days,
            remaining_days: i64::from(limit_days) - i64::from(used_days),
            provisional: !provisional_years.is_empty(),
            provisional_years,
            extended_days: 0,
            missing_year,
            due,
            // Late once a day after the due date has begun, working day or not.
            overdue: used_days > limit_days || due.is_some_and(|d| end > d),
        })
    }

    /// The case's limits as of `now`.
    pub fn times(
        &self,
        flowchart: &Flowchart,
        calendar: &WorkingCalendar,
        now: DateTime<FixedOffset>,
    ) -> Result<CaseTimes, CalendarError> {
        let today = china_date(now);
        let end = self.closed_at.map(china_date).unwrap_or(today);
        let paused = self.paused_dates(end, None);
        let start = self.received_at.map(china_date).unwrap_or(today);
        // An extension (延期) lengthens the statutory limit, and the promised one with it: the
        // promise is a commitment inside the statutory limit, and a lawful extension approved
        // and told to the applicant moves both.
        let extended = |mut limit: LimitStatus| {
            limit.extended_days = self.extended_days;
            limit
        };
        let statutory = extended(self.limit(
            calendar,
            self.statutory_limit_days + self.extended_days,
            start,
            end,
            &paused,
        )?);
        let promised = self
            .promised_limit_days
            .map(|days| self.limit(calendar, days + self.extended_days, start, end, &paused))
            .transpose()?
            .map(extended);
        let running = matches!(self.status, CaseStatus::Open | CaseStatus::Paused);
        let step = match (
            running,
            flowchart
                .step(&self.current_step)
                .and_then(|s| s.limit_days),
            self.entered_step_at,
        ) {
            (true, Some(days), Some(entered)) => {
                let paused = self.paused_dates(end, Some(&self.current_step));
                Some(self.limit(calendar, days, china_date(entered), end, &paused)?)
            }
            _ => None,
        };
        Ok(CaseTimes {
            statutory,
            promised,
            step,
            paused: self
                .pauses
                .iter()
                .map(|p| PausedSpan {
                    from: p.from,
                    until: p.until,
                    reason: p.reason.clone(),
                })
                .collect(),
        })
    }
}
