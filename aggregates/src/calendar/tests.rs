//! Example-based tests: the built-in data against the notices, deadline
//! arithmetic on hand-checked cases, validation and parsing.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

fn cal() -> WorkingCalendar {
    WorkingCalendar::builtin()
}

fn holiday(name: &str) -> DayKind {
    DayKind::Holiday {
        name: name.to_owned(),
    }
}

fn make_up(name: &str) -> DayKind {
    DayKind::MakeUpWorkday {
        name: name.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Built-in data against the notices.
//
// The expected lists below were written from the notices' text (see the
// `source` block of each data file), independently of the YAML: each entry is
// (name, (from month, day), (to month, day)) for the days off, and
// (month, day) for the make-up workdays (调休上班).
// ---------------------------------------------------------------------------

type Ranges = &'static [(&'static str, (u32, u32), (u32, u32))];

/// 国办发明电〔2023〕7号, 2023-10-25.
const HOLIDAYS_2024: Ranges = &[
    ("元旦", (1, 1), (1, 1)),     // 1月1日放假，与周末连休
    ("春节", (2, 10), (2, 17)),   // 2月10日至17日放假调休，共8天
    ("清明节", (4, 4), (4, 6)),   // 4月4日至6日放假调休，共3天
    ("劳动节", (5, 1), (5, 5)),   // 5月1日至5日放假调休，共5天
    ("端午节", (6, 10), (6, 10)), // 6月10日放假，与周末连休
    ("中秋节", (9, 15), (9, 17)), // 9月15日至17日放假调休，共3天
    ("国庆节", (10, 1), (10, 7)), // 10月1日至7日放假调休，共7天
];
const MAKE_UP_2024: &[(u32, u32)] = &[
    (2, 4),
    (2, 18),
    (4, 7),
    (4, 28),
    (5, 11),
    (9, 14),
    (9, 29),
    (10, 12),
];

/// 国务院办公厅关于2025年部分节假日安排的通知, 2024-11-12.
const HOLIDAYS_2025: Ranges = &[
    ("元旦", (1, 1), (1, 1)),             // 1月1日（周三）放假1天，不调休
    ("春节", (1, 28), (2, 4)),            // 1月28日至2月4日放假调休，共8天
    ("清明节", (4, 4), (4, 6)),           // 4月4日至6日放假，共3天
    ("劳动节", (5, 1), (5, 5)),           // 5月1日至5日放假调休，共5天
    ("端午节", (5, 31), (6, 2)),          // 5月31日至6月2日放假，共3天
    ("国庆节、中秋节", (10, 1), (10, 8)), // 10月1日至8日放假调休，共8天
];
const MAKE_UP_2025: &[(u32, u32)] = &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)];

/// 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04.
const HOLIDAYS_2026: Ranges = &[
    ("元旦", (1, 1), (1, 3)),     // 1月1日至3日放假调休，共3天
    ("春节", (2, 15), (2, 23)),   // 2月15日至23日放假调休，共9天
    ("清明节", (4, 4), (4, 6)),   // 4月4日至6日放假，共3天
    ("劳动节", (5, 1), (5, 5)),   // 5月1日至5日放假调休，共5天
    ("端午节", (6, 19), (6, 21)), // 6月19日至21日放假，共3天
    ("中秋节", (9, 25), (9, 27)), // 9月25日至27日放假，共3天
    ("国庆节", (10, 1), (10, 7)), // 10月1日至7日放假调休，共7天
];
const MAKE_UP_2026: &[(u32, u32)] = &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)];

fn expected_holidays(year: i32, ranges: Ranges) -> BTreeMap<NaiveDate, String> {
    let mut out = BTreeMap::new();
    for &(name, (fm, fd), (tm, td)) in ranges {
        let (from, to) = (d(year, fm, fd), d(year, tm, td));
        for date in from.iter_days().take_while(|x| *x <= to) {
            assert!(out.insert(date, name.to_owned()).is_none(), "{date} twice");
        }
    }
    out
}

/// (holidays by date, make-up workdays by date) as the calendar sees `year`.
fn observed(
    cal: &WorkingCalendar,
    year: i32,
) -> (BTreeMap<NaiveDate, String>, BTreeMap<NaiveDate, String>) {
    let mut holidays = BTreeMap::new();
    let mut make_ups = BTreeMap::new();
    for date in d(year, 1, 1).iter_days().take_while(|x| x.year() == year) {
        match cal.day_kind(date).expect("covered") {
            DayKind::Holiday { name } => {
                holidays.insert(date, name);
            }
            DayKind::MakeUpWorkday { name } => {
                make_ups.insert(date, name);
            }
            DayKind::Workday => assert!(!super::is_weekend(date), "{date}"),
            DayKind::Weekend => assert!(super::is_weekend(date), "{date}"),
            other => panic!("{date}: unexpected {other:?} inside coverage"),
        }
    }
    (holidays, make_ups)
}

fn check_year_against_notice(year: i32, ranges: Ranges, make_ups: &[(u32, u32)], days_off: usize) {
    let cal = cal();
    let (holidays, observed_make_ups) = observed(&cal, year);
    let expected = expected_holidays(year, ranges);
    assert_eq!(holidays, expected, "holidays of {year}");
    assert_eq!(holidays.len(), days_off, "number of days off in {year}");
    let expected_make_ups: Vec<NaiveDate> = make_ups.iter().map(|&(m, x)| d(year, m, x)).collect();
    assert_eq!(
        observed_make_ups.keys().copied().collect::<Vec<_>>(),
        expected_make_ups,
        "make-up workdays of {year}"
    );
    for date in &expected_make_ups {
        assert!(cal.is_working_day(*date).unwrap(), "{date} is worked");
        assert!(super::is_weekend(*date), "{date} is a weekend day");
    }
    for date in expected.keys() {
        assert!(!cal.is_working_day(*date).unwrap(), "{date} is a day off");
    }
}

#[test]
fn data_2024_matches_notice() {
    check_year_against_notice(2024, HOLIDAYS_2024, MAKE_UP_2024, 28);
}

#[test]
fn data_2025_matches_notice() {
    check_year_against_notice(2025, HOLIDAYS_2025, MAKE_UP_2025, 28);
}

#[test]
fn data_2026_matches_notice() {
    check_year_against_notice(2026, HOLIDAYS_2026, MAKE_UP_2026, 33);
}

/// The notices of 2025 and 2026 state the weekday of every date; 2024's
/// states it for the make-up workdays. chrono must agree with all of them,
/// which also guards against a transcription slip of a day.
#[test]
fn weekdays_stated_in_notices_agree() {
    use Weekday::*;
    let stated = [
        // 2024 (make-up workdays, 星期日/星期六)
        (d(2024, 2, 4), Sun),
        (d(2024, 2, 18), Sun),
        (d(2024, 4, 7), Sun),
        (d(2024, 4, 28), Sun),
        (d(2024, 5, 11), Sat),
        (d(2024, 9, 14), Sat),
        (d(2024, 9, 29), Sun),
        (d(2024, 10, 12), Sat),
        // 2025
        (d(2025, 1, 1), Wed),
        (d(2025, 1, 28), Tue),
        (d(2025, 2, 4), Tue),
        (d(2025, 1, 26), Sun),
        (d(2025, 2, 8), Sat),
        (d(2025, 4, 4), Fri),
        (d(2025, 4, 6), Sun),
        (d(2025, 5, 1), Thu),
        (d(2025, 5, 5), Mon),
        (d(2025, 4, 27), Sun),
        (d(2025, 5, 31), Sat),
        (d(2025, 6, 2), Mon),
        (d(2025, 10, 1), Wed),
        (d(2025, 10, 8), Wed),
        (d(2025, 9, 28), Sun),
        (d(2025, 10, 11), Sat),
        // 2026
        (d(2026, 1, 1), Thu),
        (d(2026, 1, 3), Sat),
        (d(2026, 1, 4), Sun),
        (d(2026, 2, 15), Sun),
        (d(2026, 2, 23), Mon),
        (d(2026, 2, 14), Sat),
        (d(2026, 2, 28), Sat),
        (d(2026, 4, 4), Sat),
        (d(2026, 4, 6), Mon),
        (d(2026, 5, 1), Fri),
        (d(2026, 5, 5), Tue),
        (d(2026, 5, 9), Sat),
        (d(2026, 6, 19), Fri),
        (d(2026, 6, 21), Sun),
        (d(2026, 9, 25), Fri),
        (d(2026, 9, 27), Sun),
        (d(2026, 10, 1), Thu),
        (d(2026, 10, 7), Wed),
        (d(2026, 9, 20), Sun),
        (d(2026, 10, 10), Sat),
    ];
    for (date, weekday) in stated {
        assert_eq!(date.weekday(), weekday, "{date}");
    }
}

#[test]
fn sources_are_cited() {
    let cal = cal();
    assert_eq!(cal.covered_years(), vec![2024, 2025, 2026]);
    let expected = [
        (2024, d(2023, 10, 25), "国办发明电〔2023〕7号"),
        (2025, d(2024, 11, 12), "国办发明电〔2024〕12号"),
        (2026, d(2025, 11, 4), "国办发明电〔2025〕7号"),
    ];
    let years: Vec<&CalendarYear> = cal.years().collect();
    assert_eq!(years.len(), expected.len());
    for (year, (y, published, number)) in years.into_iter().zip(expected) {
        assert_eq!(year.year, y);
        let source = &year.source;
        assert_eq!(
            source.title,
            format!("国务院办公厅关于{y}年部分节假日安排的通知")
        );
        assert_eq!(source.publisher, "国务院办公厅");
        assert_eq!(source.published, published);
        assert_eq!(source.document_no.as_deref(), Some(number));
        let url = source.url.as_deref().expect("url recorded");
        assert!(url.starts_with("http"), "{url}");
        assert!(source.note.as_deref().is_some_and(|n| !n.is_empty()));
        assert_eq!(cal.year(y), Some(year));
    }
}

#[test]
fn spot_checks_2026() {
    let cal = cal();
    // 2/14 is a Saturday worked before Spring Festival.
    assert_eq!(cal.day_kind(d(2026, 2, 14)).unwrap(), make_up("春节"));
    assert!(cal.is_working_day(d(2026, 2, 14)).unwrap());
    assert_eq!(cal.day_kind(d(2026, 2, 16)).unwrap(), holiday("春节"));
    assert!(!cal.is_working_day(d(2026, 2, 16)).unwrap());
    // National Day 2026 is 10/1..=10/7 (7 days, 放假调休，共7天): 10/8 is an
    // ordinary Thursday, unlike 2025 when the merged break ran to 10/8.
    assert_eq!(cal.day_kind(d(2026, 10, 7)).unwrap(), holiday("国庆节"));
    assert_eq!(cal.day_kind(d(2026, 10, 8)).unwrap(), DayKind::Workday);
    assert!(cal.is_working_day(d(2026, 10, 8)).unwrap());
    assert_eq!(
        cal.day_kind(d(2025, 10, 8)).unwrap(),
        holiday("国庆节、中秋节")
    );
    assert_eq!(cal.day_kind(d(2026, 10, 10)).unwrap(), make_up("国庆节"));
    assert!(cal.is_working_day(d(2026, 10, 10)).unwrap());
    // The 9/20 make-up Sunday belongs to National Day, not Mid-Autumn.
    assert_eq!(cal.day_kind(d(2026, 9, 20)).unwrap(), make_up("国庆节"));
    // Ordinary days.
    assert_eq!(cal.day_kind(d(2026, 3, 7)).unwrap(), DayKind::Weekend);
    assert_eq!(cal.day_kind(d(2026, 3, 9)).unwrap(), DayKind::Workday);
    // 2024's New Year's Eve (除夕) was only recommended as a rest day.
    assert_eq!(cal.day_kind(d(2024, 2, 9)).unwrap(), DayKind::Workday);
}

#[test]
fn outside_coverage_refuse_and_weekends_only() {
    let refuse = cal().with_outside_coverage(OutsideCoverage::Refuse);
    assert_eq!(refuse.outside_coverage(), OutsideCoverage::Refuse);
    for date in [d(2023, 12, 29), d(2027, 1, 1), d(2027, 3, 6)] {
        assert_eq!(
            refuse.day_kind(date),
            Err(CalendarError::YearNotCovered {
                year: date.year(),
                covered: vec![2024, 2025, 2026],
            })
        );
        assert!(refuse.is_working_day(date).is_err());
    }
    let err = refuse.day_kind(d(2027, 1, 1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no working-day calendar for 2027: covered years are [2024, 2025, 2026]"
    );

    let assume = cal().with_outside_coverage(OutsideCoverage::WeekendsOnly);
    assert_eq!(assume.outside_coverage(), OutsideCoverage::WeekendsOnly);
    assert_eq!(
        assume.day_kind(d(2023, 12, 29)).unwrap(),
        DayKind::AssumedWorkday
    ); // Fri
    assert_eq!(
        assume.day_kind(d(2023, 12, 30)).unwrap(),
        DayKind::AssumedWeekend
    ); // Sat
    assert_eq!(
        assume.day_kind(d(2027, 3, 6)).unwrap(),
        DayKind::AssumedWeekend
    ); // Sat
    assert_eq!(
        assume.day_kind(d(2027, 3, 8)).unwrap(),
        DayKind::AssumedWorkday
    ); // Mon
    assert!(assume.is_working_day(d(2027, 3, 8)).unwrap());
    assert!(!assume.is_working_day(d(2027, 3, 6)).unwrap());
    // Inside coverage the policy changes nothing.
    assert_eq!(assume.day_kind(d(2026, 2, 16)).unwrap(), holiday("春节"));

    assert!(DayKind::AssumedWorkday.is_assumed());
    assert!(!DayKind::Workday.is_assumed());
}

#[test]
fn empty_calendar_covers_nothing() {
    let cal = WorkingCalendar::empty().with_outside_coverage(OutsideCoverage::Refuse);
    assert!(cal.covered_years().is_empty());
    assert_eq!(cal.years().count(), 0);
    assert_eq!(
        cal.day_kind(d(2026, 1, 5)),
        Err(CalendarError::YearNotCovered {
            year: 2026,
            covered: vec![]
        })
    );
    let cal = cal.with_outside_coverage(OutsideCoverage::WeekendsOnly);
    assert_eq!(
        cal.day_kind(d(2026, 1, 1)).unwrap(),
        DayKind::AssumedWorkday
    );
}

// ---------------------------------------------------------------------------
// Deadlines.
// ---------------------------------------------------------------------------

fn counted_dates(calc: &DeadlineCalculation) -> Vec<NaiveDate> {
    calc.days
        .iter()
        .filter(|x| x.counted)
        .map(|x| x.date)
        .collect()
}

#[test]
fn friday_plus_one_is_monday() {
    let calc = cal().add_working_days(d(2026, 3, 6), 1, &[]).unwrap();
    assert_eq!(calc.start, d(2026, 3, 6));
    assert_eq!(calc.working_days, 1);
    assert_eq!(calc.due, d(2026, 3, 9));
    assert_eq!(
        calc.days,
        vec![
            CalendarDay {
                date: d(2026, 3, 7),
                kind: DayKind::Weekend,
                paused: false,
                counted: false,
                ordinal: None
            },
            CalendarDay {
                date: d(2026, 3, 8),
                kind: DayKind::Weekend,
                paused: false,
                counted: false,
                ordinal: None
            },
            CalendarDay {
                date: d(2026, 3, 9),
                kind: DayKind::Workday,
                paused: false,
                counted: true,
                ordinal: Some(1)
            },
        ]
    );
}

#[test]
fn across_spring_festival_2026() {
    let cal = cal();
    // Start on 2/14, the make-up Saturday right before the break: the start
    // day is not counted although it is a working day; 2/15..=2/23 are off;
    // 2/24..=2/27 count 1..=4 and the make-up Saturday 2/28 is the 5th.
    let calc = cal.add_working_days(d(2026, 2, 14), 5, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 2, 28));
    assert_eq!(
        counted_dates(&calc),
        vec![
            d(2026, 2, 24),
            d(2026, 2, 25),
            d(2026, 2, 26),
            d(2026, 2, 27),
            d(2026, 2, 28)
        ]
    );
    assert_eq!(calc.days.len(), 14);
    assert!(
        calc.days[..9]
            .iter()
            .all(|x| x.kind == holiday("春节") && !x.counted)
    );
    assert_eq!(calc.days.last().unwrap().kind, make_up("春节"));

    // From the Friday before, the make-up Saturday 2/14 is the first counted
    // day, and 2/28 the sixth.
    let calc = cal.add_working_days(d(2026, 2, 13), 1, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 2, 14));
    let calc = cal.add_working_days(d(2026, 2, 13), 6, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 2, 28));
    let calc = cal.add_working_days(d(2026, 2, 13), 7, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 3, 2)); // 3/1 is an ordinary Sunday
}

#[test]
fn start_on_weekend_or_holiday() {
    let cal = cal();
    // Saturday start: Sunday does not count, Monday is the first day.
    let calc = cal.add_working_days(d(2026, 3, 7), 1, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 3, 9));
    assert_eq!(calc.days[0].date, d(2026, 3, 8));
    assert!(!calc.days[0].counted);
    // Holiday start (National Day): the first counted day is 10/8.
    let calc = cal.add_working_days(d(2026, 10, 3), 1, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 10, 8));
    assert_eq!(calc.days.len(), 5);
    assert!(calc.days[..4].iter().all(|x| x.kind == holiday("国庆节")));
    // 10/9 (Fri), 10/10 (make-up Sat), 10/12 (Mon).
    let calc = cal.add_working_days(d(2026, 10, 3), 4, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 10, 12));
    assert_eq!(
        counted_dates(&calc),
        vec![
            d(2026, 10, 8),
            d(2026, 10, 9),
            d(2026, 10, 10),
            d(2026, 10, 12)
        ]
    );
}

#[test]
fn paused_span_removes_exactly_its_working_days() {
    let cal = cal();
    let start = d(2026, 3, 2); // Monday
    let plain = cal.add_working_days(start, 10, &[]).unwrap();
    assert_eq!(plain.due, d(2026, 3, 16));
    // Paused on Mon 3/9, resumed on Mon 3/16: the five working days 3/9..=3/13
    // do not count, 3/16 does.
    let pause = [DateSpan {
        from: d(2026, 3, 9),
        until: d(2026, 3, 16),
    }];
    let paused = cal.add_working_days(start, 10, &pause).unwrap();
    assert_eq!(paused.due, d(2026, 3, 23));
    let flagged: Vec<NaiveDate> = paused
        .days
        .iter()
        .filter(|x| x.paused)
        .map(|x| x.date)
        .collect();
    assert_eq!(
        flagged,
        d(2026, 3, 9).iter_days().take(7).collect::<Vec<_>>()
    );
    assert!(paused.days.iter().all(|x| !(x.paused && x.counted)));
    let resumed = paused
        .days
        .iter()
        .find(|x| x.date == d(2026, 3, 16))
        .unwrap();
    assert!(resumed.counted && !resumed.paused);
    assert_eq!(resumed.ordinal, Some(5));

    assert_eq!(
        cal.working_days_between(start, d(2026, 3, 23), &[])
            .unwrap(),
        15
    );
    assert_eq!(
        cal.working_days_between(start, d(2026, 3, 23), &pause)
            .unwrap(),
        10
    );
    // A pause that only covers a weekend changes nothing.
    let weekend_pause = [DateSpan {
        from: d(2026, 3, 7),
        until: d(2026, 3, 9),
    }];
    assert_eq!(
        cal.add_working_days(start, 10, &weekend_pause).unwrap().due,
        plain.due
    );
    // An empty or inverted span contains no day.
    let empty = [
        DateSpan {
            from: d(2026, 3, 9),
            until: d(2026, 3, 9),
        },
        DateSpan {
            from: d(2026, 3, 12),
            until: d(2026, 3, 10),
        },
    ];
    assert_eq!(cal.add_working_days(start, 10, &empty).unwrap(), plain);
}

#[test]
fn crossing_into_an_uncovered_year() {
    let start = d(2026, 12, 25); // Friday
    let refuse = cal().with_outside_coverage(OutsideCoverage::Refuse);
    // 12/28..=12/31 count 1..=4, then 2027 has no data.
    assert_eq!(
        refuse.add_working_days(start, 10, &[]),
        Err(CalendarError::YearNotCovered {
            year: 2027,
            covered: vec![2024, 2025, 2026]
        })
    );
    // ... but a limit that ends in 2026 is fine.
    assert_eq!(
        cal().add_working_days(start, 4, &[]).unwrap().due,
        d(2026, 12, 31)
    );
    assert_eq!(
        refuse.working_days_between(start, d(2027, 1, 4), &[]),
        Err(CalendarError::YearNotCovered {
            year: 2027,
            covered: vec![2024, 2025, 2026]
        })
    );
    // Under WeekendsOnly the walk goes on, visibly assumed.
    let assume = cal().with_outside_coverage(OutsideCoverage::WeekendsOnly);
    let calc = assume.add_working_days(start, 10, &[]).unwrap();
    assert_eq!(calc.due, d(2027, 1, 8));
    let first_2027 = calc.days.iter().find(|x| x.date.year() == 2027).unwrap();
    assert_eq!(first_2027.kind, DayKind::AssumedWorkday);
    assert!(
        calc.days
            .iter()
            .filter(|x| x.date.year() == 2027)
            .all(|x| x.kind.is_assumed())
    );
}

#[test]
fn zero_working_days_is_the_start_day() {
    let cal = cal();
    let calc = cal.add_working_days(d(2026, 2, 16), 0, &[]).unwrap();
    assert_eq!(calc.due, d(2026, 2, 16));
    assert!(calc.days.is_empty());
    assert_eq!(
        cal.working_days_between(d(2026, 2, 16), d(2026, 2, 16), &[])
            .unwrap(),
        0
    );
    assert_eq!(
        cal.working_days_between(d(2026, 3, 9), d(2026, 3, 2), &[])
            .unwrap(),
        0
    );
}

#[test]
fn too_far_is_refused() {
    let assume = cal().with_outside_coverage(OutsideCoverage::WeekendsOnly);
    assert_eq!(
        assume.add_working_days(d(2026, 1, 5), MAX_WORKING_DAYS + 1, &[]),
        Err(CalendarError::TooFar)
    );
    assert_eq!(
        CalendarError::TooFar.to_string(),
        "working-day count too large"
    );
    // The largest count is accepted (about 14 years, assumed beyond 2026).
    let calc = assume
        .add_working_days(d(2026, 1, 5), MAX_WORKING_DAYS, &[])
        .unwrap();
    assert_eq!(calc.days.iter().filter(|x| x.counted).count(), 3650);
    // A clock paused for forty years never reaches its count within the walk.
    let forever = [DateSpan {
        from: d(2026, 1, 6),
        until: d(2066, 1, 6),
    }];
    assert_eq!(
        assume.add_working_days(d(2026, 1, 5), 1, &forever),
        Err(CalendarError::TooFar)
    );
    assert_eq!(
        assume.working_days_between(d(2026, 1, 5), d(2060, 1, 5), &[]),
        Err(CalendarError::TooFar)
    );
}

#[test]
fn working_days_between_counts_half_open_interval() {
    let cal = cal();
    // (Fri 2/13, Sat 2/28]: 2/14 + 2/24..=2/27 + 2/28 = 6.
    assert_eq!(
        cal.working_days_between(d(2026, 2, 13), d(2026, 2, 28), &[])
            .unwrap(),
        6
    );
    // The whole of 2026: 365 days - 104 weekend days - 33 days off + the
    // weekend days of the 33 that are Sat/Sun (14) + 6 make-up days.
    let whole = cal
        .working_days_between(d(2025, 12, 31), d(2026, 12, 31), &[])
        .unwrap();
    let weekend_days_off = expected_holidays(2026, HOLIDAYS_2026)
        .keys()
        .filter(|x| super::is_weekend(**x))
        .count() as u32;
    assert_eq!(weekend_days_off, 14);
    assert_eq!(whole, 365 - 104 - 33 + weekend_days_off + 6);
    assert_eq!(whole, 248);
}

#[test]
fn serialized_forms_are_stable() {
    let calc = cal().add_working_days(d(2026, 2, 13), 1, &[]).unwrap();
    let yaml = serde_norway::to_string(&calc).unwrap();
    assert!(yaml.contains("kind: make_up_workday"), "{yaml}");
    assert!(yaml.contains("name: 春节"), "{yaml}");
    assert!(yaml.contains("ordinal: 1"), "{yaml}");
    let back: DeadlineCalculation = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(back, calc);

    let weekend = CalendarDay {
        date: d(2026, 3, 7),
        kind: DayKind::Weekend,
        paused: false,
        counted: false,
        ordinal: None,
    };
    let yaml = serde_norway::to_string(&weekend).unwrap();
    assert!(!yaml.contains("ordinal"), "{yaml}");
    assert!(yaml.contains("kind: weekend"), "{yaml}");

    let policy: OutsideCoverage = serde_norway::from_str("weekends_only").unwrap();
    assert_eq!(policy, OutsideCoverage::WeekendsOnly);
    assert_eq!(OutsideCoverage::default(), OutsideCoverage::Provisional);
    let policy: OutsideCoverage = serde_norway::from_str("provisional").unwrap();
    assert_eq!(policy, OutsideCoverage::Provisional);
}

// ---------------------------------------------------------------------------
// Year files: parsing, validation, deployment-added years.
// ---------------------------------------------------------------------------

/// TEST DATA ONLY: an invented 2027 arrangement in the shape a deployment
/// would drop in. None of these dates comes from a real notice.
const FAKE_2027: &str = r#"
year: 2027
source:
  title: TEST DATA ONLY - invented 2027 arrangement
  published: 2026-11-02
  publisher: test fixture
  note: invented for the tests; not from any notice
holidays:
  - name: 元旦
    from: 2027-01-01
    to: 2027-01-03
  - name: 春节
    from: 2027-02-06
    to: 2027-02-14
    make_up_workdays: [2027-01-31, 2027-02-20]
"#;

#[test]
fn deployment_year_file_extends_coverage() {
    let mut cal = cal();
    let year = WorkingCalendar::parse_year(FAKE_2027).unwrap();
    assert_eq!(year.source.document_no, None);
    assert_eq!(year.source.url, None);
    assert_eq!(year.holidays[0].make_up_workdays, Vec::<NaiveDate>::new());
    cal.add_year(year).unwrap();
    assert_eq!(cal.covered_years(), vec![2024, 2025, 2026, 2027]);
    assert_eq!(cal.day_kind(d(2027, 1, 1)).unwrap(), holiday("元旦"));
    assert_eq!(cal.day_kind(d(2027, 1, 31)).unwrap(), make_up("春节"));
    assert_eq!(cal.day_kind(d(2027, 3, 8)).unwrap(), DayKind::Workday);
    // The deadline that crossed into 2027 now has an answer: 12/28..=12/31,
    // then 1/4..=1/8 (1/1..=1/3 off in the test data), then 1/11.
    let calc = cal.add_working_days(d(2026, 12, 25), 10, &[]).unwrap();
    assert_eq!(calc.due, d(2027, 1, 11));
    assert!(calc.days.iter().all(|x| !x.kind.is_assumed()));
    let years: Vec<i32> = cal.years().map(|y| y.year).collect();
    assert_eq!(years, vec![2024, 2025, 2026, 2027]);
}

#[test]
fn deployment_file_replaces_builtin_year() {
    let mut cal = cal();
    // TEST DATA ONLY: a "correction" of 2026 that moves National Day.
    let corrected = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/calendar/2026.yaml"
    ))
    .replace("to: 2026-10-07", "to: 2026-10-08");
    let year = WorkingCalendar::parse_year(&corrected).unwrap();
    cal.add_year(year).unwrap();
    assert_eq!(cal.covered_years(), vec![2024, 2025, 2026]);
    assert_eq!(cal.day_kind(d(2026, 10, 8)).unwrap(), holiday("国庆节"));
    // Replacing again with the original restores it: no stale entries.
    let original = WorkingCalendar::parse_year(BUILTIN_YEARS[2]).unwrap();
    cal.add_year(original).unwrap();
    assert_eq!(cal.day_kind(d(2026, 10, 8)).unwrap(), DayKind::Workday);
}

#[test]
fn builtin_files_round_trip_and_are_valid() {
    for (i, yaml) in BUILTIN_YEARS.iter().enumerate() {
        let year = WorkingCalendar::parse_year(yaml).unwrap();
        assert_eq!(year.year, 2024 + i as i32);
        let again = serde_norway::to_string(&year).unwrap();
        assert_eq!(WorkingCalendar::parse_year(&again).unwrap(), year);
    }
}

fn problems(result: Result<CalendarYear, CalendarError>) -> Vec<String> {
    match result {
        Err(CalendarError::InvalidData { problems }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected InvalidData, got {other:?}"),
    }
}

fn base_year() -> CalendarYear {
    WorkingCalendar::parse_year(FAKE_2027).unwrap()
}

#[test]
fn validation_lists_every_problem() {
    let yaml = r#"
year: 2027
source:
  title: " "
  published: 2026-11-02
  publisher: ""
holidays:
  - name: ""
    from: 2027-05-05
    to: 2027-05-01
  - name: A
    from: 2027-02-01
    to: 2027-02-10
    make_up_workdays: [2027-02-03, 2027-03-03, 2027-02-27]
  - name: B
    from: 2027-02-08
    to: 2027-02-12
    make_up_workdays: [2027-02-27]
  - name: C
    from: 2027-06-01
    to: 2028-03-01
    make_up_workdays: [2026-11-28]
"#;
    let found = problems(WorkingCalendar::parse_year(yaml));
    let expect = [
        "source.title is empty",
        "source.publisher is empty",
        "holiday #1: name is empty",
        "from 2027-05-05 is after to 2027-05-01",
        // 2027-02-03 is a Wednesday inside A; 2027-03-03 a Wednesday.
        "make-up workday 2027-02-03 is a Wed",
        "make-up workday 2027-03-03 is a Wed",
        "make-up workday 2027-02-03 lies inside holiday A",
        "holidays A and B overlap",
        "make-up workday 2027-02-27 is listed twice",
        "to 2028-03-01 is outside 2027",
        "make_up_workdays 2026-11-28 is outside 2027",
    ];
    for needle in expect {
        assert!(
            found.iter().any(|p| p.contains(needle)),
            "missing {needle:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    // The same problems in Chinese, for the administrators' page.
    let Err(CalendarError::InvalidData { problems }) = WorkingCalendar::parse_year(yaml) else {
        panic!("invalid");
    };
    let zh: Vec<String> = problems.iter().map(YearProblem::zh).collect();
    for needle in [
        "未写明通知标题",
        "第 1 个节假日没有名称",
        "调休上班日 2027-03-03 是星期三，不是周六或周日",
        "2027-02-03 既是A的放假日，又是调休上班日",
        "A与B的放假日期重叠",
        "日期 2028-03-01 不在 2027 年内",
    ] {
        assert!(
            zh.iter().any(|p| p.contains(needle)),
            "missing {needle:?} in {zh:#?}"
        );
    }
}

#[test]
fn validation_accepts_new_year_neighbours() {
    // TEST DATA ONLY: a make-up Sunday in the previous December and a
    // holiday beginning on 31 December, as some real notices have had.
    let mut year = base_year();
    year.holidays[0].from = d(2026, 12, 31);
    year.holidays[0].make_up_workdays = vec![d(2026, 12, 27)]; // Sunday
    assert!(validate::check_year(&year).is_ok());
    // But not further away.
    year.holidays[0].make_up_workdays = vec![d(2026, 11, 29)]; // Sunday
    assert!(validate::check_year(&year).is_err());
}

#[test]
fn validation_checks_year_range_and_emptiness() {
    let mut year = base_year();
    year.year = 1999;
    assert_eq!(
        validate::check_year(&year),
        Err(CalendarError::InvalidData {
            problems: vec![YearProblem::YearOutOfRange(1999)]
        })
    );
    year.year = 2101;
    assert!(validate::check_year(&year).is_err());
    let mut year = base_year();
    year.holidays.clear();
    assert_eq!(
        validate::check_year(&year),
        Err(CalendarError::InvalidData {
            problems: vec![YearProblem::NoHoliday(2027)]
        })
    );
}

#[test]
fn add_year_validates_and_leaves_calendar_unchanged_on_error() {
    let mut cal = cal();
    let mut bad = base_year();
    bad.holidays[1].make_up_workdays.push(d(2027, 3, 3)); // Wednesday
    let err = cal.add_year(bad).unwrap_err();
    assert!(matches!(err, CalendarError::InvalidData { .. }));
    assert!(err.to_string().starts_with("calendar data is invalid: "));
    assert_eq!(cal.covered_years(), vec![2024, 2025, 2026]);

    // A spill-over date must mean the same in both files. TEST DATA ONLY:
    // a corrected 2026 makes Sunday 2026-12-27 a holiday; a 2027 file that
    // lists that Sunday as a make-up workday contradicts it.
    let mut y2026 = WorkingCalendar::parse_year(BUILTIN_YEARS[2]).unwrap();
    y2026.holidays.push(HolidaySpec {
        name: "测试".to_owned(),
        from: d(2026, 12, 26),
        to: d(2026, 12, 27),
        make_up_workdays: vec![],
    });
    cal.add_year(y2026).unwrap();
    let mut y2027 = base_year();
    y2027.holidays[0].make_up_workdays = vec![d(2026, 12, 27)];
    let err = cal.add_year(y2027).unwrap_err();
    match err {
        CalendarError::InvalidData { problems } => {
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].to_string().contains("2026-12-27"),
                "{problems:?}"
            );
            assert!(problems[0].zh().contains("2026-12-27"), "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(cal.covered_years(), vec![2024, 2025, 2026]);
    assert_eq!(cal.day_kind(d(2026, 12, 27)).unwrap(), holiday("测试"));
}

#[test]
fn spill_over_day_is_known_under_weekends_only() {
    // TEST DATA ONLY: 2027's 元旦 begins on Thursday 2026-12-31.
    let mut y2027 = base_year();
    y2027.holidays[0].from = d(2026, 12, 31);
    let mut cal = WorkingCalendar::empty().with_outside_coverage(OutsideCoverage::Refuse);
    cal.add_year(y2027).unwrap();
    // 2026 is not covered: Refuse refuses even a date the 2027 notice fixes.
    assert!(matches!(
        cal.day_kind(d(2026, 12, 31)),
        Err(CalendarError::YearNotCovered { year: 2026, .. })
    ));
    let cal = cal.with_outside_coverage(OutsideCoverage::WeekendsOnly);
    assert_eq!(cal.day_kind(d(2026, 12, 31)).unwrap(), holiday("元旦"));
    assert_eq!(
        cal.day_kind(d(2026, 12, 30)).unwrap(),
        DayKind::AssumedWorkday
    );
}

#[test]
fn malformed_files_are_reported_as_such() {
    for yaml in [
        "year: [",                                              // syntax
        "year: 2027\n",                                         // missing fields
        "year: twenty\nsource: {}\nholidays: []",               // wrong type
        &FAKE_2027.replace("publisher:", "issuer:"),            // unknown field
        &FAKE_2027.replace("to: 2027-01-03", "to: 2027-02-30"), // no such date
        &format!("{FAKE_2027}extra: 1\n"),                      // unknown top-level field
    ] {
        match WorkingCalendar::parse_year(yaml) {
            Err(CalendarError::Malformed(message)) => assert!(!message.is_empty()),
            other => panic!("{yaml:?}: expected Malformed, got {other:?}"),
        }
    }
}

/// `due_date` is `add_working_days` without the account: the same date, the same errors, over
/// every start of the covered years, counts across holidays and make-up days, and pauses.
#[test]
fn due_date_agrees_with_the_full_calculation() {
    let cal = cal();
    let pause = [DateSpan {
        from: d(2025, 9, 29),
        until: d(2025, 10, 14),
    }];
    let mut start = d(2024, 1, 1);
    let mut checked = 0;
    while start <= d(2026, 12, 31) {
        for n in [0, 1, 5, 20, 60] {
            for paused in [&[][..], &pause[..]] {
                let full = cal.add_working_days(start, n, paused).map(|c| c.due);
                assert_eq!(cal.due_date(start, n, paused), full, "{start} + {n}");
                checked += 1;
            }
        }
        start += chrono::Duration::days(3);
    }
    assert!(checked > 3000);
    assert_eq!(
        cal.due_date(d(2024, 1, 1), MAX_WORKING_DAYS + 1, &[]),
        Err(CalendarError::TooFar)
    );
}

/// The day table deadline walks use answers as `day_kind` does, day by day: covered years,
/// a gap between covered years, spill-overs across New Year into uncovered years, and both
/// policies outside coverage.
#[test]
fn working_days_from_the_table_agree_with_each_days_kind() {
    let gap = {
        let mut c = WorkingCalendar::empty().with_outside_coverage(OutsideCoverage::Refuse);
        for yaml in [BUILTIN_YEARS[0], BUILTIN_YEARS[2]] {
            c.add_year(WorkingCalendar::parse_year(yaml).unwrap())
                .unwrap();
        }
        c
    };
    let calendars = [
        cal().with_outside_coverage(OutsideCoverage::Refuse),
        cal().with_outside_coverage(OutsideCoverage::WeekendsOnly),
        gap.clone(),
        gap.clone()
            .with_outside_coverage(OutsideCoverage::WeekendsOnly),
        WorkingCalendar::empty().with_outside_coverage(OutsideCoverage::Refuse),
        cal(),
        gap.with_outside_coverage(OutsideCoverage::Provisional),
        WorkingCalendar::empty(),
    ];
    for calendar in &calendars {
        let mut checked = 0;
        for date in d(2022, 12, 1)
            .iter_days()
            .take_while(|x| *x <= d(2028, 1, 31))
        {
            let by_kind = calendar.day_kind(date).map(|k| k.is_working());
            assert_eq!(calendar.is_working_day(date), by_kind, "{date}");
            checked += 1;
        }
        assert!(checked > 1800);
    }
    // The gap year is refused, and answered by weekday under WeekendsOnly.
    assert!(calendars[2].is_working_day(d(2025, 3, 3)).is_err());
    assert_eq!(calendars[3].is_working_day(d(2025, 3, 3)), Ok(true));
    assert_eq!(calendars[0].is_working_day(d(2026, 10, 1)), Ok(false));
}

// ---------------------------------------------------------------------------
// Provisional years: weekends and the statutory holidays of the law, no 调休.
// ---------------------------------------------------------------------------

#[test]
fn every_statutory_day_computed_is_an_official_holiday_in_the_shipped_years() {
    let official = cal();
    for (year, count) in [(2024, 11), (2025, 13), (2026, 13)] {
        let days = statutory::days_of(year).unwrap();
        assert_eq!(days.len(), count, "{year}");
        for (date, name) in days.iter() {
            assert!(
                matches!(official.day_kind(*date).unwrap(), DayKind::Holiday { .. }),
                "{date} ({name}) is a statutory day by law but not a holiday in the {year} notice"
            );
        }
    }
}

#[test]
fn the_law_in_force_on_a_years_first_day_gives_its_statutory_days() {
    assert_eq!(
        statutory::version_for(2025)
            .unwrap()
            .source
            .document_no
            .as_deref(),
        Some("国务院令第795号")
    );
    assert_eq!(
        statutory::version_for(2024)
            .unwrap()
            .source
            .document_no
            .as_deref(),
        Some("国务院令第644号")
    );
    assert_eq!(
        statutory::version_for(2010)
            .unwrap()
            .source
            .document_no
            .as_deref(),
        Some("国务院令第513号")
    );
    assert!(statutory::version_for(2007).is_none());
    for version in &statutory::rules().versions {
        assert!(version.source.url.is_some() && version.source.note.is_some());
    }
    // 2027 by the 2024 decision: 13 days; the lunar ones from the lunar calendar (正月初一 is
    // 2027-02-06, so 除夕 is 2027-02-05), 清明 on 4-05, 端午 6-09, 中秋 9-15.
    let days: Vec<(NaiveDate, &str)> = statutory::days_of(2027).unwrap().to_vec();
    assert_eq!(
        days,
        vec![
            (d(2027, 1, 1), "元旦"),
            (d(2027, 2, 5), "春节"),
            (d(2027, 2, 6), "春节"),
            (d(2027, 2, 7), "春节"),
            (d(2027, 2, 8), "春节"),
            (d(2027, 4, 5), "清明节"),
            (d(2027, 5, 1), "劳动节"),
            (d(2027, 5, 2), "劳动节"),
            (d(2027, 6, 9), "端午节"),
            (d(2027, 9, 15), "中秋节"),
            (d(2027, 10, 1), "国庆节"),
            (d(2027, 10, 2), "国庆节"),
            (d(2027, 10, 3), "国庆节"),
        ]
    );
    // 2024 (the 2013 text): no 除夕, one day of 劳动节.
    let y2024 = statutory::days_of(2024).unwrap();
    assert!(!y2024.iter().any(|(date, _)| *date == d(2024, 2, 9)));
    assert!(!y2024.iter().any(|(date, _)| *date == d(2024, 5, 2)));
}

#[test]
fn a_limit_across_new_year_is_provisional_and_counted() {
    let calendar = cal();
    assert_eq!(calendar.outside_coverage(), OutsideCoverage::Provisional);
    // Accepted Monday 2026-12-07, 20 working days: 18 in December, 元旦 (Friday 2027-01-01)
    // is a statutory day off, then Monday 4 and Tuesday 5 January.
    let start = d(2026, 12, 7);
    let due = calendar.due_date(start, 20, &[]).unwrap();
    assert_eq!(due, d(2027, 1, 5));
    assert_eq!(calendar.add_working_days(start, 20, &[]).unwrap().due, due);
    assert_eq!(calendar.provisional_years(start, due), vec![2027]);
    assert!(
        calendar
            .provisional_years(start, d(2026, 12, 31))
            .is_empty()
    );
    assert_eq!(
        calendar.day_kind(d(2027, 1, 1)).unwrap(),
        DayKind::ProvisionalHoliday {
            name: "元旦".into()
        }
    );
    assert!(calendar.day_kind(d(2027, 1, 1)).unwrap().is_assumed());
    assert_eq!(
        calendar.day_kind(d(2027, 1, 4)).unwrap(),
        DayKind::AssumedWorkday
    );
    assert_eq!(calendar.working_days_between(start, due, &[]), Ok(20));
    // Loading the year's notice replaces the provisional days: the mark disappears.
    let mut loaded = calendar.clone();
    loaded
        .add_year(WorkingCalendar::parse_year(FAKE_2027).unwrap())
        .unwrap();
    assert!(loaded.provisional_years(start, due).is_empty());
    // Before the first version of the law (2008) nothing is known: refused, not guessed.
    assert!(matches!(
        calendar.day_kind(d(2005, 3, 1)),
        Err(CalendarError::YearNotCovered { year: 2005, .. })
    ));
}

/// How far a provisional due date lies from the official one, over every start day of the
/// shipped years 2025 and 2026 and the limits the catalogue uses: the figures in
/// `docs/calendar.md` ("Provisional years").
#[test]
fn provisional_due_dates_against_the_official_ones() {
    let official = cal();
    // The same years with no notice loaded: provisional by the law in force (2024 decision).
    let provisional = WorkingCalendar::empty();
    let mut counts = BTreeMap::<i64, u32>::new();
    let mut total = 0u32;
    for start in d(2025, 1, 1)
        .iter_days()
        .take_while(|x| *x <= d(2026, 9, 30))
    {
        for n in [1, 5, 10, 15, 20, 30, 57] {
            let o = official.due_date(start, n, &[]).unwrap();
            let p = provisional.due_date(start, n, &[]).unwrap();
            assert!(
                provisional
                    .provisional_years(start, p)
                    .contains(&start.year())
            );
            // Signed, in working days of the official calendar: > 0 when provisional is later.
            let diff = if p >= o {
                i64::from(official.working_days_between(o, p, &[]).unwrap())
            } else {
                -i64::from(official.working_days_between(p, o, &[]).unwrap())
            };
            *counts.entry(diff).or_default() += 1;
            total += 1;
        }
    }
    eprintln!("provisional - official, working days: {counts:?} of {total}");
    let exact = counts.get(&0).copied().unwrap_or(0);
    let later: u32 = counts.range(1..).map(|(_, c)| c).sum();
    let earlier: u32 = counts.range(..0).map(|(_, c)| c).sum();
    eprintln!("exact {exact}, earlier {earlier}, later {later}");
    // The law's days off are days off in every notice; what the notice adds are bridging days
    // off (which make the official date later: the provisional one is early) and make-up
    // workdays (which, falling before the bridging days, make it earlier: the provisional
    // one is late). Measured: 72.5 % exact, 23.0 % early by 1-3 working days, 4.5 % late by
    // 1-2 (docs/calendar.md).
    assert!(
        counts.keys().all(|diff| (-3..=2).contains(diff)),
        "{counts:?}"
    );
    assert!(exact * 10 >= total * 7, "{counts:?}");
    assert!(later * 20 <= total && earlier > later * 4, "{counts:?}");
}
