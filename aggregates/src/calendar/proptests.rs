//! Property tests of the deadline arithmetic over the built-in years and the
//! years around them (assumed under `WeekendsOnly`).

use chrono::{NaiveDate, TimeDelta};
use proptest::prelude::*;

use super::*;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 9, 1).expect("valid date")
}

/// Start dates from 2023-09-01 to about 2027-03: before, inside and after
/// the built-in coverage.
fn start_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..1300).prop_map(|offset| base() + TimeDelta::days(offset))
}

/// Up to three pauses near `start`, some empty or inverted.
fn spans_near(start: NaiveDate) -> impl Strategy<Value = Vec<DateSpan>> {
    spans_around(start, -15..150, -3..30, 4)
}

/// Fewer than `most` pauses starting `offsets` days from `start`, `lengths` days long.
fn spans_around(
    start: NaiveDate,
    offsets: std::ops::Range<i64>,
    lengths: std::ops::Range<i64>,
    most: usize,
) -> impl Strategy<Value = Vec<DateSpan>> {
    prop::collection::vec((offsets, lengths), 0..most).prop_map(move |raw| {
        raw.into_iter()
            .map(|(offset, len)| {
                let from = start + TimeDelta::days(offset);
                DateSpan {
                    from,
                    until: from + TimeDelta::days(len),
                }
            })
            .collect()
    })
}

fn case() -> impl Strategy<Value = (NaiveDate, u32, Vec<DateSpan>)> {
    (start_date(), 0u32..80).prop_flat_map(|(start, n)| (Just(start), Just(n), spans_near(start)))
}

fn calendar() -> WorkingCalendar {
    WorkingCalendar::builtin().with_outside_coverage(OutsideCoverage::WeekendsOnly)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn between_inverts_add((start, n, paused) in case()) {
        let cal = calendar();
        let calc = cal.add_working_days(start, n, &paused).unwrap();
        prop_assert_eq!(cal.working_days_between(start, calc.due, &paused).unwrap(), n);
    }

    #[test]
    fn due_is_a_working_unpaused_day((start, n, paused) in case()) {
        prop_assume!(n >= 1);
        let cal = calendar();
        let calc = cal.add_working_days(start, n, &paused).unwrap();
        prop_assert!(calc.due > start);
        prop_assert!(cal.is_working_day(calc.due).unwrap());
        prop_assert!(!paused.iter().any(|s| s.contains(calc.due)));
        // Not one day earlier would do.
        prop_assert_eq!(
            cal.working_days_between(start, calc.due.pred_opt().unwrap(), &paused).unwrap(),
            n - 1
        );
    }

    #[test]
    fn trace_is_complete_and_numbered((start, n, paused) in case()) {
        let cal = calendar();
        let calc = cal.add_working_days(start, n, &paused).unwrap();
        prop_assert_eq!(calc.start, start);
        prop_assert_eq!(calc.working_days, n);
        // Every day after start up to and including due, in order.
        let dates: Vec<NaiveDate> = calc.days.iter().map(|x| x.date).collect();
        let expected: Vec<NaiveDate> =
            start.iter_days().skip(1).take_while(|x| *x <= calc.due).collect();
        prop_assert_eq!(dates, expected);
        // Exactly n counted entries, numbered 1..=n; the last is the due date.
        let ordinals: Vec<u32> = calc.days.iter().filter(|x| x.counted).filter_map(|x| x.ordinal).collect();
        prop_assert_eq!(ordinals, (1..=n).collect::<Vec<_>>());
        for day in &calc.days {
            prop_assert_eq!(day.counted, day.ordinal.is_some());
            prop_assert_eq!(day.counted, day.kind.is_working() && !day.paused);
            prop_assert_eq!(day.paused, paused.iter().any(|s| s.contains(day.date)));
            prop_assert_eq!(&day.kind, &cal.day_kind(day.date).unwrap());
        }
        if n >= 1 {
            let last = calc.days.last().unwrap();
            prop_assert!(last.counted);
            prop_assert_eq!(last.date, calc.due);
        } else {
            prop_assert!(calc.days.is_empty());
            prop_assert_eq!(calc.due, start);
        }
    }

    #[test]
    fn another_pause_never_brings_the_due_date_forward(
        (start, n, paused) in case(),
        extra_offset in -10i64..120,
        extra_len in 0i64..40,
    ) {
        let cal = calendar();
        let before = cal.add_working_days(start, n, &paused).unwrap();
        let from = start + TimeDelta::days(extra_offset);
        let mut more = paused.clone();
        more.push(DateSpan { from, until: from + TimeDelta::days(extra_len) });
        let after = cal.add_working_days(start, n, &more).unwrap();
        prop_assert!(after.due >= before.due);
    }

    #[test]
    fn one_more_day_is_strictly_later((start, n, paused) in case()) {
        let cal = calendar();
        let a = cal.add_working_days(start, n, &paused).unwrap();
        let b = cal.add_working_days(start, n + 1, &paused).unwrap();
        prop_assert!(b.due > a.due);
        // The longer trace extends the shorter one.
        prop_assert_eq!(&b.days[..a.days.len()], &a.days[..]);
    }

    #[test]
    fn policies_agree_inside_coverage(offset in 0i64..1096) {
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + TimeDelta::days(offset);
        let refuse = WorkingCalendar::builtin();
        let assume = calendar();
        let kind = refuse.day_kind(date).unwrap();
        prop_assert!(!kind.is_assumed());
        prop_assert_eq!(&kind, &assume.day_kind(date).unwrap());
        prop_assert_eq!(kind.is_working(), refuse.is_working_day(date).unwrap());
    }

    #[test]
    fn refuse_never_guesses((start, n, paused) in case()) {
        let refuse = WorkingCalendar::builtin().with_outside_coverage(OutsideCoverage::Refuse);
        match refuse.add_working_days(start, n, &paused) {
            Ok(calc) => {
                prop_assert!(calc.days.iter().all(|x| !x.kind.is_assumed()));
                prop_assert_eq!(calc, calendar().add_working_days(start, n, &paused).unwrap());
            }
            Err(CalendarError::YearNotCovered { year, covered }) => {
                prop_assert!(!(2024..=2026).contains(&year));
                prop_assert_eq!(covered, vec![2024, 2025, 2026]);
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}

/// The calendars the fast paths are checked on: the built-in years (2024-2026) and the same
/// without 2025 (a year inside the day table that is not covered), each under every policy.
fn calendars() -> Vec<WorkingCalendar> {
    let mut gapped = WorkingCalendar::empty();
    for year in WorkingCalendar::builtin().years() {
        if year.year != 2025 {
            gapped.add_year(year.clone()).expect("a built-in year");
        }
    }
    let mut out = Vec::new();
    for calendar in [WorkingCalendar::builtin(), gapped] {
        for policy in [
            OutsideCoverage::Refuse,
            OutsideCoverage::WeekendsOnly,
            OutsideCoverage::Provisional,
        ] {
            out.push(calendar.clone().with_outside_coverage(policy));
        }
    }
    out
}

/// Up to five pauses near `start`, over a longer reach than [`spans_near`] (overlapping,
/// touching, empty and inverted ones included).
fn long_case() -> impl Strategy<Value = (NaiveDate, u32, Vec<DateSpan>, i64)> {
    (start_date(), 0u32..400, 0i64..700).prop_flat_map(|(start, n, until)| {
        let spans = spans_around(start, -20..500, -3..90, 6);
        (Just(start), Just(n), spans, Just(until))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `due_date` and `working_days_between` count from the day table where they can and
    /// walk where they cannot: the same answers, and the same errors, as walking every day.
    #[test]
    fn fast_paths_agree_with_the_walk((start, n, paused, until) in long_case()) {
        let until = start + TimeDelta::days(until);
        for cal in calendars() {
            prop_assert_eq!(
                cal.due_date(start, n, &paused),
                cal.due_date_walked(start, n, &paused),
                "due_date({}, {}, {:?}) on {:?} ({:?})",
                start, n, &paused, cal.covered_years(), cal.outside_coverage()
            );
            let walked = if until <= start {
                Ok(0)
            } else {
                cal.working_days_between_walked(start, until, &paused)
            };
            prop_assert_eq!(
                cal.working_days_between(start, until, &paused),
                walked,
                "working_days_between({}, {}, {:?}) on {:?} ({:?})",
                start, until, &paused, cal.covered_years(), cal.outside_coverage()
            );
        }
    }
}

/// Inside the covered years the due date comes from the table's counts, pauses and all (the
/// walk is only the way out of them).
#[test]
fn due_dates_inside_coverage_are_counted_not_walked() {
    let cal = WorkingCalendar::builtin();
    let start = NaiveDate::from_ymd_opt(2025, 9, 26).unwrap();
    let paused = [
        DateSpan {
            from: NaiveDate::from_ymd_opt(2025, 10, 9).unwrap(),
            until: NaiveDate::from_ymd_opt(2025, 10, 20).unwrap(),
        },
        DateSpan {
            from: NaiveDate::from_ymd_opt(2025, 10, 15).unwrap(),
            until: NaiveDate::from_ymd_opt(2025, 10, 22).unwrap(),
        },
    ];
    for n in [1, 5, 20, 60] {
        let counted = cal.due_date_counted(start, n, &super::deadline::merged(&paused));
        assert_eq!(
            counted,
            Some(cal.due_date_walked(start, n, &paused).unwrap()),
            "{n}"
        );
    }
}
