//! Deadline arithmetic in working days (工作日期限计算).

use chrono::NaiveDate;

use super::{
    CalendarDay, CalendarError, DateSpan, DeadlineCalculation, MAX_WALK_DAYS, MAX_WORKING_DAYS,
    WorkingCalendar,
};

fn is_paused(date: NaiveDate, paused: &[DateSpan]) -> bool {
    paused.iter().any(|span| span.contains(date))
}

/// The paused spans as disjoint `[from, until)` intervals in order (empty spans dropped,
/// overlapping and touching ones joined), so that no day is counted twice.
pub(super) fn merged(paused: &[DateSpan]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = paused
        .iter()
        .filter(|s| s.from < s.until)
        .map(|s| (s.from, s.until))
        .collect();
    spans.sort_unstable();
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::with_capacity(spans.len());
    for (from, until) in spans {
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(until),
            _ => out.push((from, until)),
        }
    }
    out
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
        let provisional_years = self.provisional_years(start, due);
        Ok(DeadlineCalculation {
            start,
            working_days: n,
            due,
            days,
            provisional: !provisional_years.is_empty(),
            provisional_years,
        })
    }

    /// The due date alone of [`WorkingCalendar::add_working_days`] (same rules, same errors),
    /// without the day-by-day account: what deadline checks on every read need.
    ///
    /// Inside the calendar's covered years it counts from the day table's running counts
    /// (a binary search for each stretch between pauses); a computation that would reach a day
    /// outside them walks day by day as [`WorkingCalendar::add_working_days`] does, so the
    /// answer and the errors are the walk's either way (`fast_paths_agree_with_the_walk`).
    pub fn due_date(
        &self,
        start: NaiveDate,
        n: u32,
        paused: &[DateSpan],
    ) -> Result<NaiveDate, CalendarError> {
        if n > MAX_WORKING_DAYS {
            return Err(CalendarError::TooFar);
        }
        if n > 0
            && let Some(due) = self.due_date_counted(start, n, &merged(paused))
        {
            if (due - start).num_days() > MAX_WALK_DAYS {
                return Err(CalendarError::TooFar);
            }
            return Ok(due);
        }
        self.due_date_walked(start, n, paused)
    }

    /// [`WorkingCalendar::due_date`] from the day table's counts, if every day it looks at is
    /// in the table and covered: the `need`-th working day after `from`, and as many more as
    /// there were paused working days on the way, until a stretch meets none.
    pub(super) fn due_date_counted(
        &self,
        start: NaiveDate,
        n: u32,
        paused: &[(NaiveDate, NaiveDate)],
    ) -> Option<NaiveDate> {
        let (mut from, mut need) = (start, n);
        loop {
            let due = self.table.nth_working_after(from, need)?;
            let skipped = self.paused_working_days(from, due, paused)?;
            if skipped == 0 {
                return Some(due);
            }
            (from, need) = (due, skipped);
        }
    }

    /// Working days in `(after, upto]` inside the (merged) paused spans, from the table.
    fn paused_working_days(
        &self,
        after: NaiveDate,
        upto: NaiveDate,
        paused: &[(NaiveDate, NaiveDate)],
    ) -> Option<u32> {
        let mut days = 0;
        for &(from, until) in paused {
            // The span's days in (after, upto]: (max(from - 1, after), min(until - 1, upto)].
            let lo = from.pred_opt()?.max(after);
            let hi = until.pred_opt()?.min(upto);
            if lo < hi {
                days += self.table.working_between(lo, hi)?;
            }
        }
        Some(days)
    }

    /// [`WorkingCalendar::due_date`] day by day.
    pub(super) fn due_date_walked(
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
        if let Some(working) = self.table.working_between(start, until)
            && let Some(skipped) = self.paused_working_days(start, until, &merged(paused))
        {
            return Ok(working - skipped);
        }
        self.working_days_between_walked(start, until, paused)
    }

    /// [`WorkingCalendar::working_days_between`] day by day (`until > start`).
    pub(super) fn working_days_between_walked(
        &self,
        start: NaiveDate,
        until: NaiveDate,
        paused: &[DateSpan],
    ) -> Result<u32, CalendarError> {
        let mut count: u32 = 0;
        for date in start.iter_days().skip(1).take_while(|d| *d <= until) {
            if self.is_working_day(date)? && !is_paused(date, paused) {
                count += 1;
            }
        }
        Ok(count)
    }
}
