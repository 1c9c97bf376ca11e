//! The entry point: every rule at once, the policy's shape, and candidates into commands.
use aggregates::alert::{AlertCommand, AlertSource};
use aggregates::calendar::OutsideCoverage;
use serde_json::json;

use super::*;

#[test]
fn an_on_time_case_raises_nothing() {
    // Accepted 3/16, reviewed 3/18, decided 3/20 by three people: 5 of 10 days.
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-18", "10:00:00"), LI)
        .step("准予许可", &at("03-20", "10:00:00"), WANG);
    assert!(case.evaluate(&at("12-31", "09:00:00")).is_empty());
}

#[test]
fn a_forgotten_application_climbs_the_whole_ladder() {
    // Never accepted, looked at on Tuesday 4/14: 收件 late since 3/21 (the case was not), the
    // promised yellow on 3/25 and red on 3/28, the statutory yellow on 4/7 and red on 4/14.
    let found = Timeline::opened("03-13").evaluate(&at("04-14", "09:00:00"));
    assert_eq!(
        keys(&found),
        [
            (AlertRule::YellowCard, "statutory-80pct"),
            (AlertRule::YellowCard, "promised-80pct"),
            (AlertRule::RedCard, "statutory"),
            (AlertRule::RedCard, "promised"),
            (AlertRule::StepOverdue, "shoujian-1"),
        ]
    );
    let days: Vec<NaiveDate> = found.iter().map(|c| as_of(c).0).collect();
    assert_eq!(
        days,
        [d("04-07"), d("03-25"), d("04-14"), d("03-28"), d("03-21")]
    );
    assert!(
        found
            .iter()
            .all(|c| c.case_id == CASE && c.department == DEPT && c.power_code == CODE)
    );
}

#[test]
fn a_late_and_irregular_case_collects_one_alert_per_rule_and_threshold() {
    // Accepted late (3/23), reviewed and decided by Li, decided after the promised date.
    let case = Timeline::opened("03-13")
        .step("受理", &at("03-23", "09:00:00"), ZHANG)
        .step("提交决定", &at("03-24", "10:00:00"), LI)
        .step("准予许可", &at("03-30", "10:00:00"), LI);
    let found = case.evaluate(&at("12-31", "09:00:00"));
    assert_eq!(
        keys(&found),
        [
            (AlertRule::YellowCard, "promised-80pct"),
            (AlertRule::RedCard, "promised"),
            (AlertRule::StepOverdue, "shoujian-1"),
            (AlertRule::LateAcceptance, "shoujian-1"),
            (AlertRule::SeparationOfDuties, "jueding-shencha"),
        ]
    );
}

#[test]
fn evaluating_again_later_proposes_the_same_alerts() {
    // The rules look at the history, not only at now: the day after conclusion and at the end
    // of the year they agree, details included.
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-26", "10:00:00"), LI)
        .step("准予许可", &at("03-30", "10:00:00"), WANG);
    let soon = case.evaluate(&at("03-31", "00:05:00"));
    assert_eq!(soon, case.evaluate(&at("12-31", "00:05:00")));
    assert_eq!(
        keys(&soon),
        [
            (AlertRule::YellowCard, "promised-80pct"),
            (AlertRule::RedCard, "promised"),
        ]
    );
}

#[test]
fn events_that_do_not_open_a_case_give_nothing() {
    let case = case_a_at_shencha();
    let calendar = WorkingCalendar::builtin();
    let policy = AlertPolicy::default();
    let now = t(&at("12-31", "09:00:00"));
    assert!(evaluate(&[], &case.flowchart, &calendar, &policy, now).is_empty());
    assert!(evaluate(&case.records[1..], &case.flowchart, &calendar, &policy, now).is_empty());
}

#[test]
fn a_year_without_calendar_data_gives_no_time_alerts() {
    // A calendar without 2026 cannot count the days, so no limit rule can tell; the rules that
    // need no calendar still run. (Yangguang counts such dates as provisional by default; this
    // calendar refuses them, as `outside_coverage = "refuse"` does.)
    let case = Timeline::opened("03-13")
        .step("受理", &at("03-23", "09:00:00"), ZHANG)
        .step("撤回", &at("04-30", "10:00:00"), LI);
    let now = t(&at("12-31", "09:00:00"));
    let policy = AlertPolicy::default();
    let without = evaluate(
        &case.records,
        &case.flowchart,
        &WorkingCalendar::empty().with_outside_coverage(OutsideCoverage::Refuse),
        &policy,
        now,
    );
    assert_eq!(keys(&without), [(AlertRule::ExceptionTransition, "seq-3")]);
    // With the calendar the same case is late in every respect but 审查's own limit (4/7, late
    // from 4/8, when the case was long overdue).
    let with = case.evaluate(&at("12-31", "09:00:00"));
    assert_eq!(
        keys(&with),
        [
            (AlertRule::YellowCard, "statutory-80pct"),
            (AlertRule::YellowCard, "promised-80pct"),
            (AlertRule::RedCard, "statutory"),
            (AlertRule::RedCard, "promised"),
            (AlertRule::StepOverdue, "shoujian-1"),
            (AlertRule::LateAcceptance, "shoujian-1"),
            (AlertRule::ExceptionTransition, "seq-3"),
        ]
    );
}

#[test]
fn a_candidate_becomes_a_raise_command_for_its_id() {
    let found = case_a_at_shencha().rule(red_card, &at("03-30", "09:00:00"));
    let candidate = found.into_iter().next().expect("a red card");
    assert_eq!(candidate.alert_id(), "YG20260313ABCD2345:red_card:promised");
    let raised_at = t(&at("03-30", "09:00:00"));
    let AlertCommand::RaiseAlert {
        source,
        rule,
        severity,
        case_id,
        department,
        power_code,
        threshold,
        details,
        raised_at: when,
        evidence,
    } = candidate.into_command(raised_at)
    else {
        panic!("a raise command")
    };
    assert_eq!(source, AlertSource::System);
    assert_eq!((rule, severity), (AlertRule::RedCard, Severity::Red));
    assert_eq!(
        (case_id.as_str(), department.as_str(), power_code.as_str()),
        (CASE, DEPT, CODE)
    );
    assert_eq!(threshold, "promised");
    assert_eq!(when, raised_at);
    assert_eq!(
        details,
        json!({
            "kind": "limit",
            "limit": "promised",
            "limit_days": 10,
            "used_days": 10,
            "remaining_days": 0,
            "due": "2026-03-27",
            "as_of": "2026-03-28",
            "current_step": "shencha",
            "current_step_name": "审查",
        })
    );
    assert_eq!(
        evidence,
        [EventRef {
            aggregate_type: "Case".into(),
            aggregate_id: CASE.into(),
            sequence: 1,
        }]
    );
}

#[test]
fn the_policy_defaults_and_reads_from_configuration() {
    let default: AlertPolicy = serde_json::from_value(json!({})).expect("empty policy");
    assert_eq!(default, AlertPolicy::default());
    assert_eq!(
        default,
        AlertPolicy {
            yellow: YellowCardPolicy::ShareOfLimit { percent: 80 },
            backfill_tolerance_days: 3,
            min_handling_seconds: 0,
            acceptance_limit_days: None,
            publication_limit_days: 7,
            pattern_min_decisions: 10,
            pattern_bottom_percent: 10,
            pattern_max_p_permille: 10,
            question_answer_days: 5,
            call_back_days: 1,
            rectification_days: 15,
        }
    );
    let reminder: AlertPolicy = serde_json::from_value(json!({
        "yellow": { "days_before_due": { "days": 1 } },
        "acceptance_limit_days": 5,
    }))
    .expect("a reminder policy");
    assert_eq!(reminder.yellow, YellowCardPolicy::DaysBeforeDue { days: 1 });
    assert_eq!(reminder.acceptance_limit_days, Some(5));
    assert!(serde_json::from_value::<AlertPolicy>(json!({ "yelow": {} })).is_err());
}
