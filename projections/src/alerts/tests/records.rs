//! Back-filling and instant conclusion.
use super::*;

#[test]
fn a_step_recorded_within_the_tolerance_is_fine() {
    // Accepted Monday 3/16, entered Thursday 3/19: 3 working days later (3/17 3/18 3/19).
    let case = Timeline::opened("03-13")
        .step("受理", &at("03-16", "10:00:00"), ZHANG)
        .recorded(1, &at("03-19", "17:00:00"));
    assert!(case.rule(back_filled, &at("03-19", "17:00:00")).is_empty());
}

#[test]
fn a_step_recorded_past_the_tolerance_is_back_filled() {
    // Entered Friday 3/20: 4 working days later.
    let case = Timeline::opened("03-13")
        .step("受理", &at("03-16", "10:00:00"), ZHANG)
        .recorded(1, &at("03-20", "09:00:00"));
    let found = case.rule(back_filled, &at("03-20", "09:00:00"));
    assert_eq!(thresholds(&found), ["seq-2"]);
    let alert = &found[0];
    assert_eq!(alert.rule, AlertRule::BackFilled);
    assert_eq!(alert.severity, Severity::Yellow);
    assert_eq!(
        alert.details,
        AlertDetails::BackFill {
            event_type: "StepCompleted".into(),
            step: Some("shoujian".into()),
            stated_at: t(&at("03-16", "10:00:00")),
            recorded_at: t(&at("03-20", "09:00:00")),
            working_days_late: 4,
            tolerance_days: 3,
        }
    );
    assert_eq!(evidence_seqs(alert), [2]);
}

#[test]
fn a_holiday_between_the_act_and_its_record_does_not_count() {
    // Accepted Friday 4/3, entered Wednesday 4/8 after 清明 (4/4-4/6): five calendar days, two
    // working days (4/7 4/8).
    let case = Timeline::opened("03-30")
        .step("受理", &at("04-03", "16:00:00"), ZHANG)
        .recorded(1, &at("04-08", "10:00:00"));
    assert!(case.rule(back_filled, &at("04-08", "10:00:00")).is_empty());
}

#[test]
fn a_tighter_tolerance() {
    // With 1 day allowed, the step entered on Wednesday 3/18 (2 working days late) is flagged.
    let policy = AlertPolicy {
        backfill_tolerance_days: 1,
        ..AlertPolicy::default()
    };
    let case = Timeline::opened("03-13")
        .step("受理", &at("03-16", "10:00:00"), ZHANG)
        .recorded(1, &at("03-18", "10:00:00"));
    assert_eq!(
        thresholds(&case.rule_with(back_filled, &policy, &at("03-18", "10:00:00"))),
        ["seq-2"]
    );
}

#[test]
fn a_case_entered_after_the_fact_is_flagged_act_by_act() {
    // Received Monday 3/2, sent to 补正 3/3, back 3/5 — all typed in on Friday 3/13. Receipt is
    // 9 working days late (3/3-3/6, 3/9-3/13), 补正 8, the return 6. The automatic pause (3)
    // and resume (4) repeat the steps and are not reported again.
    let case = Timeline::opened("03-02")
        .step("补正", &at("03-03", "10:00:00"), ZHANG)
        .step("补正完成", &at("03-05", "10:00:00"), ZHANG)
        .recorded(5, &at("03-13", "16:00:00"));
    let found = case.rule(back_filled, &at("03-13", "16:00:00"));
    assert_eq!(thresholds(&found), ["seq-1", "seq-2", "seq-5"]);
    let late: Vec<u32> = found
        .iter()
        .map(|c| match &c.details {
            AlertDetails::BackFill {
                working_days_late, ..
            } => *working_days_late,
            other => panic!("back-fill details, not {other:?}"),
        })
        .collect();
    assert_eq!(late, [9, 8, 6]);
}

#[test]
fn a_back_dated_manual_pause_is_flagged() {
    // A pause said to begin Monday 3/16, entered Monday 3/23 (3/17-3/20, 3/23: 5 days).
    let case = case_a_at_shencha()
        .pause(&at("03-16", "14:00:00"))
        .recorded(1, &at("03-23", "09:00:00"));
    let found = case.rule(back_filled, &at("03-23", "09:00:00"));
    assert_eq!(thresholds(&found), ["seq-3"]);
    let AlertDetails::BackFill { event_type, .. } = &found[0].details else {
        panic!("back-fill details")
    };
    assert_eq!(event_type, "ClockPaused");
}

#[test]
fn acts_recorded_when_they_happen_are_fine() {
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-18", "10:00:00"), LI)
        .step("准予许可", &at("03-20", "10:00:00"), WANG);
    assert!(case.rule(back_filled, &at("12-31", "10:00:00")).is_empty());
}

#[test]
fn received_and_refused_within_seconds() {
    // Received 09:00:00, refused (不予受理) at 09:00:30: 30 s.
    let case = Timeline::opened("03-16").step("不予受理", &at("03-16", "09:00:30"), ZHANG);
    let found = case.rule_with(instant_conclusion, &INSTANT_ON, &at("03-16", "10:00:00"));
    assert_eq!(thresholds(&found), ["conclusion"]);
    let alert = &found[0];
    assert_eq!(alert.rule, AlertRule::InstantConclusion);
    assert_eq!(alert.severity, Severity::Yellow);
    assert_eq!(
        alert.details,
        AlertDetails::Instant {
            received_at: t(&at("03-16", "09:00:00")),
            concluded_at: t(&at("03-16", "09:00:30")),
            stated_seconds: 30,
            recorded_seconds: 30,
            min_seconds: 60,
        }
    );
    assert_eq!(evidence_seqs(alert), [1, 3]);
}

#[test]
fn one_minute_is_plausible() {
    // Exactly the minimum (60 s) is not flagged; 59 s is.
    let minute = Timeline::opened("03-16").step("不予受理", &at("03-16", "09:01:00"), ZHANG);
    assert!(
        minute
            .rule_with(instant_conclusion, &INSTANT_ON, &at("03-16", "10:00:00"))
            .is_empty()
    );
    let almost = Timeline::opened("03-16").step("不予受理", &at("03-16", "09:00:59"), ZHANG);
    assert_eq!(
        thresholds(&almost.rule_with(instant_conclusion, &INSTANT_ON, &at("03-16", "10:00:00"))),
        ["conclusion"]
    );
}

#[test]
fn plausible_stated_times_typed_in_within_seconds() {
    // Stated over three days, but the server recorded receipt and conclusion 10 s apart.
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-17", "10:00:00"), LI)
        .step("准予许可", &at("03-18", "10:00:00"), WANG)
        .recorded(5, &at("03-18", "16:00:10"));
    let case = Timeline {
        records: {
            let mut records = case.records;
            records[0].recorded_at = t(&at("03-18", "16:00:00"));
            records
        },
        flowchart: case.flowchart,
    };
    let found = case.rule_with(instant_conclusion, &INSTANT_ON, &at("03-18", "17:00:00"));
    let AlertDetails::Instant {
        stated_seconds,
        recorded_seconds,
        ..
    } = &found[0].details
    else {
        panic!("instant details")
    };
    assert_eq!((*stated_seconds, *recorded_seconds), (5 * 86400 + 3600, 10));
}

#[test]
fn open_and_withdrawn_cases_are_not_instant_conclusions() {
    let open = Timeline::opened("03-16");
    assert!(
        open.rule_with(instant_conclusion, &INSTANT_ON, &at("03-16", "09:00:10"))
            .is_empty()
    );
    let withdrawn = Timeline::opened("03-16").withdraw(&at("03-16", "09:00:10"));
    assert!(
        withdrawn
            .rule_with(instant_conclusion, &INSTANT_ON, &at("03-16", "10:00:00"))
            .is_empty()
    );
}

/// A jurisdiction that judges quick handling (the default does not).
const INSTANT_ON: AlertPolicy = AlertPolicy {
    min_handling_seconds: 60,
    ..AlertPolicy::DEFAULT
};

#[test]
fn by_default_a_quick_refusal_at_the_window_is_not_judged() {
    let case = Timeline::opened("03-16").step("不予受理", &at("03-16", "09:00:30"), ZHANG);
    assert!(
        case.rule(instant_conclusion, &at("03-16", "10:00:00"))
            .is_empty()
    );
    assert!(
        !case
            .evaluate_with(&AlertPolicy::default(), &at("03-16", "10:00:00"))
            .iter()
            .any(|c| c.rule == AlertRule::InstantConclusion)
    );
}

#[test]
fn a_minimum_of_zero_turns_the_rule_off() {
    let policy = AlertPolicy {
        min_handling_seconds: 0,
        ..AlertPolicy::default()
    };
    let case = Timeline::opened("03-16").step("不予受理", &at("03-16", "09:00:00"), ZHANG);
    assert!(
        case.rule_with(instant_conclusion, &policy, &at("03-16", "10:00:00"))
            .is_empty()
    );
}
