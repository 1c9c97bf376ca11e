//! Deadline arithmetic in working days (工作日期限计算).

use chrono::NaiveDate;

use super::{
    CalendarDay, CalendarError, DateSpan, DeadlineCalculation, MAX_WALK_DAYS, MAX_WORKING_DAYS,
    WorkingCalendar,
};

fn is_paused(date: NaiveDate, paused: &[DateSpan]) -> bool {
    paused.iter().any(|span| span.contains(date))
}

impl WorkingCalendar {
    /// Due date of `n` working days counted from `start`: the start day is never counted (Civil Code art. 201); counting begins the next working day; days inside `paused` spans are skipped. n = 0 → due = start.
    ///
    /// The due date is the `n`-th counted day, so it is always a working day
    /// outside every paused span (for `n >= 1`). Fails with
    /// [`CalendarError::YearNotCovered`] as soon as the walk reaches a date the
    /// calendar cannot answer for (under [`super::OutsideCoverage::Refuse`]),
    /// and with [`CalendarError::TooFar`] when `n > MAX_WORKING_DAYS` or the
    /// walk passes [`MAX_WALK_DAYS`] calendar days.
    pub fn add_working_days(
        &self,
        start: NaiveDate,
        n: u32,
        paused: &[DateSpan],
    ) -> Result<DeadlineCalculation, CalendarError> {
        let mut days = Vec::new();
        let due = self.walk(start, n, paused, |day| days.push(day))?;
        Ok(DeadlineCalculation {
            start,
            working_days: n,
            due,
            days,
        })
    }

    /// The due date alone of [`WorkingCalendar::add_working_days`] (same rules, same errors),
    /// without the day-by-day account: what deadline checks on every read need.
    pub fn due_date(
        &self,
        start: NaiveDate,
        n: u32,
        paused: &[DateSpan],
    ) -> Result<NaiveDate, CalendarError> {
        self.walk_counting(start, n, |date| {
            Ok(self.is_working_day(date)? && !is_paused(date, paused))
        })
    }

    /// Walks from `start` until `n` days have counted, showing each day to `seen`.
    fn walk(
        &self,
        start: NaiveDate,
        n: u32,
        paused: &[DateSpan],
        mut seen: impl FnMut(CalendarDay),
    ) -> Result<NaiveDate, CalendarError> {
        let mut counted: u32 = 0;
        self.walk_counting(start, n, |date| {
            let kind = self.day_kind(date)?;
            let paused = is_paused(date, paused);
            let counts = kind.is_working() && !paused;
            if counts {
                counted += 1;
            }
            seen(CalendarDay {
                date,
                kind,
                paused,
                counted: counts,
                ordinal: counts.then_some(counted),
            });
            Ok(counts)
        })
    }

    /// Steps a day at a time from `start` until `counts` said yes `n` times; the last such day.
    fn walk_counting(
        &self,
        start: NaiveDate,
        n: u32,
        mut counts: impl FnMut(NaiveDate) -> Result<bool, CalendarError>,
    ) -> Result<NaiveDate, CalendarError> {
        if n > MAX_WORKING_DAYS {
            return Err(CalendarError::TooFar);
        }
        let mut counted: u32 = 0;
        let mut date = start;
        while counted < n {
            date = date.succ_opt().ok_or(CalendarError::TooFar)?;
            if (date - start).num_days() > MAX_WALK_DAYS {
                return Err(CalendarError::TooFar);
            }
            if counts(date)? {
                counted += 1;
            }
        }
        Ok(date)
    }

    /// Working days counted in (start, until] (0 if until <= start), paused days excluded.
    ///
    /// Fails like [`WorkingCalendar::day_kind`] for any day of the interval
    /// the calendar cannot answer for, and with [`CalendarError::TooFar`]
    /// when the interval is longer than [`MAX_WALK_DAYS`] calendar days.
    pub fn working_days_between(
        &self,
        start: NaiveDate,
        until: NaiveDate,
        paused: &[DateSpan],
    ) -> Result<u32, CalendarError> {
        if until <= start {
            return Ok(0);
        }
        if (until - start).num_days() > MAX_WALK_DAYS {
            return Err(CalendarError::TooFar);
        }
        let mut count: u32 = 0;
        for date in start.iter_days().skip(1).take_while(|d| *d <= until) {
            if self.is_working_day(date)? && !is_paused(date, paused) {
                count += 1;
            }
        }
        Ok(count)
    }
}
