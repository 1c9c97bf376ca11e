//! Department scorecards for a period (绩效评估): how many cases came in, how many were
//! concluded on time, how long they took in working days, how many alerts they drew and
//! where penalty decisions sat within their bands. Pure: the server computes each case's
//! facts (with the calendar) and hands them in.
use std::collections::BTreeMap;

use aggregates::alert::{AlertRule, Finding};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the scorecard needs of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// The case.
    pub case_id: String,
    /// Its department.
    pub department: String,
    /// When received.
    pub received_on: NaiveDate,
    /// When concluded, if it has.
    pub concluded_on: Option<NaiveDate>,
    /// Whether it concluded within its statutory limit (`None` while open or unknown).
    pub on_time: Option<bool>,
    /// Working days of the statutory limit used at conclusion.
    pub used_days: Option<u32>,
    /// Where its final penalty decision sat in its band (per mille), if inside one.
    pub band_position_permille: Option<u32>,
    /// Whether its penalty decision departed from the standard.
    pub discretion_deviation: bool,
}

/// What the scorecard needs of one alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFacts {
    /// The case it is about.
    pub case_id: String,
    /// The rule.
    pub rule: AlertRule,
    /// The finding, once resolved.
    pub finding: Option<Finding>,
}

/// One department's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScorecardRow {
    /// Department id.
    pub department: String,
    /// The department's name (the id until the reader names it).
    #[serde(default)]
    pub department_name: String,
    /// Cases received in the period.
    pub cases: u32,
    /// Cases concluded in the period.
    pub concluded: u32,
    /// Of those, concluded within the statutory limit.
    pub on_time: u32,
    /// `on_time / concluded`, in percent (`None` without concluded cases).
    pub on_time_rate: Option<f64>,
    /// Average working days used by the cases concluded in the period.
    pub average_working_days: Option<f64>,
    /// Alerts on the cases received in the period.
    pub alerts: u32,
    /// Alerts per 100 cases received in the period.
    pub alerts_per_100_cases: Option<f64>,
    /// Alerts found to be violations (resolved as 违规).
    pub violations: u32,
    /// Penalty decisions concluded in the period (inside a band).
    pub decisions_in_band: u32,
    /// Their average position within the band, in percent (0 = bottom, 100 = top).
    pub average_band_position: Option<f64>,
    /// Penalty decisions concluded in the period that departed from the standard.
    pub discretion_deviations: u32,
}

fn within(date: NaiveDate, from: NaiveDate, to: NaiveDate) -> bool {
    from <= date && date <= to
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The rows, one per department with any case in `cases`, for the period `from..=to`.
pub fn scorecards(
    cases: &[CaseFacts],
    alerts: &[AlertFacts],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<ScorecardRow> {
    #[derive(Default)]
    struct Acc {
        cases: u32,
        concluded: u32,
        on_time: u32,
        days: Vec<u32>,
        alerts: u32,
        violations: u32,
        positions: Vec<u32>,
        deviations: u32,
    }
    let mut received_in: BTreeMap<&str, &str> = BTreeMap::new();
    let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
    for case in cases {
        let a = acc.entry(&case.department).or_default();
        if within(case.received_on, from, to) {
            a.cases += 1;
            received_in.insert(&case.case_id, &case.department);
        }
        if case.concluded_on.is_some_and(|d| within(d, from, to)) {
            a.concluded += 1;
            a.on_time += u32::from(case.on_time == Some(true));
            a.days.extend(case.used_days);
            a.positions.extend(case.band_position_permille);
            a.deviations += u32::from(case.discretion_deviation);
        }
    }
    for alert in alerts {
        if let Some(department) = received_in.get(alert.case_id.as_str()) {
            let a = acc.entry(department).or_default();
            a.alerts += 1;
            a.violations += u32::from(alert.finding == Some(Finding::Violation));
        }
    }
    acc.into_iter()
        .map(|(department, a)| {
            let mean = |v: &[u32]| {
                (!v.is_empty())
                    .then(|| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64)
            };
            ScorecardRow {
                department: department.to_string(),
                department_name: department.to_string(),
                cases: a.cases,
                concluded: a.concluded,
                on_time: a.on_time,
                on_time_rate: (a.concluded > 0)
                    .then(|| round1(f64::from(a.on_time) * 100.0 / f64::from(a.concluded))),
                average_working_days: mean(&a.days).map(round1),
                alerts: a.alerts,
                alerts_per_100_cases: (a.cases > 0)
                    .then(|| round1(f64::from(a.alerts) * 100.0 / f64::from(a.cases))),
                violations: a.violations,
                decisions_in_band: a.positions.len() as u32,
                average_band_position: mean(&a.positions).map(|m| round1(m / 10.0)),
                discretion_deviations: a.deviations,
            }
        })
        .collect()
}

/// The rows as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese
/// header), one line per department.
pub fn to_csv(rows: &[ScorecardRow], from: NaiveDate, to: NaiveDate) -> String {
    let opt = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_default();
    let mut out = String::from("\u{feff}");
    out.push_str(
        "部门代码 department,部门 department_name,起 from,止 to,受理 cases,办结 concluded,按时办结 on_time,按时率% on_time_rate,\
         平均用时(工作日) average_working_days,预警 alerts,每百件预警 alerts_per_100_cases,\
         违规 violations,档内处罚决定 decisions_in_band,档内平均位置% average_band_position,\
         裁量偏离 discretion_deviations\r\n",
    );
    for r in rows {
        // Department ids are a-z, 0-9 and '-': nothing to quote; names are quoted.
        out.push_str(&format!(
            "{},\"{}\",{from},{to},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            r.department,
            r.department_name.replace('"', "\"\""),
            r.cases,
            r.concluded,
            r.on_time,
            opt(r.on_time_rate),
            opt(r.average_working_days),
            r.alerts,
            opt(r.alerts_per_100_cases),
            r.violations,
            r.decisions_in_band,
            opt(r.average_band_position),
            r.discretion_deviations,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn case(id: &str, dept: &str, received: &str, concluded: Option<&str>) -> CaseFacts {
        CaseFacts {
            case_id: id.into(),
            department: dept.into(),
            received_on: d(received),
            concluded_on: concluded.map(d),
            on_time: concluded.map(|_| true),
            used_days: concluded.map(|_| 10),
            band_position_permille: None,
            discretion_deviation: false,
        }
    }

    #[test]
    fn counts_rates_and_averages_per_department() {
        let mut late = case("c2", "amr", "2026-03-02", Some("2026-04-20"));
        late.on_time = Some(false);
        late.used_days = Some(30);
        let mut fined = case("c3", "amr", "2026-03-03", Some("2026-03-20"));
        fined.band_position_permille = Some(250);
        fined.discretion_deviation = false;
        let cases = vec![
            case("c1", "amr", "2026-03-01", Some("2026-03-10")),
            late,
            fined,
            case("c4", "amr", "2026-02-01", None),
            case("t1", "tax", "2026-03-05", None),
        ];
        let alerts = vec![
            AlertFacts {
                case_id: "c2".into(),
                rule: AlertRule::RedCard,
                finding: Some(Finding::Violation),
            },
            AlertFacts {
                case_id: "c4".into(),
                rule: AlertRule::YellowCard,
                finding: None,
            },
        ];
        let rows = scorecards(&cases, &alerts, d("2026-03-01"), d("2026-04-30"));
        assert_eq!(rows.len(), 2);
        let amr = &rows[0];
        assert_eq!(amr.department, "amr");
        assert_eq!((amr.cases, amr.concluded, amr.on_time), (3, 3, 2));
        assert_eq!(amr.on_time_rate, Some(66.7));
        assert_eq!(amr.average_working_days, Some(16.7));
        assert_eq!(
            (amr.alerts, amr.violations),
            (1, 1),
            "c4 came in before the period"
        );
        assert_eq!(amr.alerts_per_100_cases, Some(33.3));
        assert_eq!(amr.average_band_position, Some(25.0));
        let tax = &rows[1];
        assert_eq!((tax.cases, tax.concluded), (1, 0));
        assert_eq!(tax.on_time_rate, None);
        let csv = to_csv(&rows, d("2026-03-01"), d("2026-04-30"));
        assert!(csv.starts_with('\u{feff}'));
        assert!(
            csv.contains("amr,\"amr\",2026-03-01,2026-04-30,3,3,2,66.7,16.7,1,33.3,1,1,25.0,0\r\n"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 3);
    }
}
