//! Yellow card, red card, step overdue and late acceptance.
use super::*;

// ---------------------------------------------------------------------------------------------
// Yellow card
// ---------------------------------------------------------------------------------------------

#[test]
fn yellow_at_80_percent_of_the_promised_limit() {
    // Promised 10: 80 % is 8 days used, reached on 3/25 (day 8). Statutory 20 needs 16.
    let case = case_a_at_shencha();
    assert!(case.rule(yellow_card, &at("03-24", "23:59:00")).is_empty());
    let found = case.rule(yellow_card, &at("03-25", "08:00:00"));
    assert_eq!(thresholds(&found), ["promised-80pct"]);
    let card = &found[0];
    assert_eq!(card.rule, AlertRule::YellowCard);
    assert_eq!(card.severity, Severity::Yellow);
    assert_eq!(
        card.details,
        AlertDetails::Limit {
            limit: LimitKind::Promised,
            limit_days: 10,
            used_days: 8,
            remaining_days: 2,
            due: Some(d("03-27")),
            as_of: d("03-25"),
            current_step: "shencha".into(),
            current_step_name: "审查".into(),
            provisional_years: vec![],
        }
    );
    assert_eq!(evidence_seqs(card), [1]);
}

#[test]
fn the_statutory_yellow_waits_for_the_end_of_qingming() {
    // Statutory 20: 16 days are reached on Tuesday 4/7 (day 16), after 清明 4/4-4/6; on Monday
    // 4/6, a holiday, only 15 are used.
    let case = case_a_at_shencha();
    let found = case.rule(yellow_card, &at("04-06", "12:00:00"));
    assert_eq!(thresholds(&found), ["promised-80pct"]);
    let found = case.rule(yellow_card, &at("04-07", "09:00:00"));
    assert_eq!(thresholds(&found), ["statutory-80pct", "promised-80pct"]);
    assert_eq!(as_of(&found[0]), (d("04-07"), 16));
    // The promised card keeps the day it was first due, whenever it is computed.
    assert_eq!(as_of(&found[1]), (d("03-25"), 8));
}

#[test]
fn a_make_up_saturday_counts_towards_the_share() {
    // Received Friday 4/24: 4/27-4/30 (1-4), 劳动节 5/1-5/5 off, 5/6 (5) 5/7 (6) 5/8 (7), the
    // make-up Saturday 5/9 (8), 5/11 (9), 5/12 (10, promised due).
    let case = Timeline::opened("04-24").step("受理", &at("04-27", "10:00:00"), ZHANG);
    assert!(case.rule(yellow_card, &at("05-08", "18:00:00")).is_empty());
    let found = case.rule(yellow_card, &at("05-09", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised-80pct"]);
    assert_eq!(as_of(&found[0]), (d("05-09"), 8));
}

#[test]
fn a_reminder_some_working_days_before_the_due_date() {
    // Two days before the promised due date 5/12: at most 2 left once 8 are used, on 5/9.
    let policy = AlertPolicy {
        yellow: YellowCardPolicy::DaysBeforeDue { days: 2 },
        ..AlertPolicy::default()
    };
    let case = Timeline::opened("04-24").step("受理", &at("04-27", "10:00:00"), ZHANG);
    assert!(
        case.rule_with(yellow_card, &policy, &at("05-08", "18:00:00"))
            .is_empty()
    );
    let found = case.rule_with(yellow_card, &policy, &at("05-09", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised-2d-before-due"]);
    let AlertDetails::Limit { remaining_days, .. } = &found[0].details else {
        panic!("limit details")
    };
    assert_eq!(*remaining_days, 2);
}

#[test]
fn a_reminder_one_working_day_before_the_due_date() {
    // Case A: one day left once 9 are used, on Thursday 3/26; not on 3/25.
    let policy = AlertPolicy {
        yellow: YellowCardPolicy::DaysBeforeDue { days: 1 },
        ..AlertPolicy::default()
    };
    let case = case_a_at_shencha();
    assert!(
        case.rule_with(yellow_card, &policy, &at("03-25", "18:00:00"))
            .is_empty()
    );
    let found = case.rule_with(yellow_card, &policy, &at("03-26", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised-1d-before-due"]);
    assert_eq!(as_of(&found[0]), (d("03-26"), 9));
}

#[test]
fn a_ninety_percent_jurisdiction() {
    // Yulin's model: 90 % of 10 is 9 days, on 3/26.
    let policy = AlertPolicy {
        yellow: YellowCardPolicy::ShareOfLimit { percent: 90 },
        ..AlertPolicy::default()
    };
    let case = case_a_at_shencha();
    assert!(
        case.rule_with(yellow_card, &policy, &at("03-25", "18:00:00"))
            .is_empty()
    );
    let found = case.rule_with(yellow_card, &policy, &at("03-26", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised-90pct"]);
}

#[test]
fn the_spring_festival_and_its_make_up_days() {
    // Received Thursday 2/12: 2/13 (1), make-up Saturday 2/14 (2), 春节 2/15-2/23 off, 2/24 (3)
    // 2/25 (4) 2/26 (5) 2/27 (6), make-up Saturday 2/28 (7), 3/2 (8), 3/3 (9), 3/4 (10). At 70 %
    // the card falls on 2/28.
    let policy = AlertPolicy {
        yellow: YellowCardPolicy::ShareOfLimit { percent: 70 },
        ..AlertPolicy::default()
    };
    let case = Timeline::opened("02-12").step("受理", &at("02-13", "10:00:00"), ZHANG);
    assert!(
        case.rule_with(yellow_card, &policy, &at("02-27", "18:00:00"))
            .is_empty()
    );
    let found = case.rule_with(yellow_card, &policy, &at("02-28", "09:00:00"));
    assert_eq!(as_of(&found[0]), (d("02-28"), 7));
}

#[test]
fn a_paused_clock_holds_the_yellow_card_back() {
    // 补正 from Tuesday 3/17 to Tuesday 3/24 (3/17-3/23 not counted): 3/16 (1), 3/24 (2) 3/25 (3)
    // 3/26 (4) 3/27 (5) 3/30 (6) 3/31 (7) 4/1 (8) 4/2 (9) 4/3 (10, promised due).
    let case = in_and_out_of_buzheng();
    assert!(case.rule(yellow_card, &at("03-31", "18:00:00")).is_empty());
    let found = case.rule(yellow_card, &at("04-01", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised-80pct"]);
    let AlertDetails::Limit { due, .. } = &found[0].details else {
        panic!("limit details")
    };
    assert_eq!(*due, Some(d("04-03")));
    // The pause and the resume are part of the evidence.
    assert_eq!(evidence_seqs(&found[0]), [1, 3, 4]);
}

/// Case A sent to 补正 on 3/17 10:00 and back on 3/24 10:00, accepted at 11:00.
fn in_and_out_of_buzheng() -> Timeline {
    Timeline::opened("03-13")
        .step("补正", &at("03-17", "10:00:00"), ZHANG)
        .step("补正完成", &at("03-24", "10:00:00"), ZHANG)
        .step("受理", &at("03-24", "11:00:00"), ZHANG)
}

#[test]
fn no_yellow_for_a_case_concluded_early() {
    // Concluded on 3/20 with 5 of 10 days used.
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-18", "10:00:00"), LI)
        .step("准予许可", &at("03-20", "10:00:00"), WANG);
    assert!(case.rule(yellow_card, &at("12-31", "09:00:00")).is_empty());
}

#[test]
fn a_share_beyond_the_limit_is_left_to_the_red_card() {
    // 110 % of 10 days is 11 days used, which is overdue: no yellow card, ever.
    let policy = AlertPolicy {
        yellow: YellowCardPolicy::ShareOfLimit { percent: 110 },
        ..AlertPolicy::default()
    };
    assert!(
        case_a_at_shencha()
            .rule_with(yellow_card, &policy, &at("04-30", "09:00:00"))
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Red card
// ---------------------------------------------------------------------------------------------

#[test]
fn red_the_day_after_the_promised_due_date() {
    // Due Friday 3/27: on time all that day; late from Saturday 3/28.
    let case = case_a_at_shencha();
    assert!(case.rule(red_card, &at("03-27", "23:59:59")).is_empty());
    let found = case.rule(red_card, &at("03-28", "00:00:00"));
    assert_eq!(thresholds(&found), ["promised"]);
    let card = &found[0];
    assert_eq!(card.rule, AlertRule::RedCard);
    assert_eq!(card.severity, Severity::Red);
    assert_eq!(
        card.details,
        AlertDetails::Limit {
            limit: LimitKind::Promised,
            limit_days: 10,
            used_days: 10,
            remaining_days: 0,
            due: Some(d("03-27")),
            as_of: d("03-28"),
            current_step: "shencha".into(),
            current_step_name: "审查".into(),
            provisional_years: vec![],
        }
    );
}

#[test]
fn red_for_the_statutory_limit_after_qingming() {
    // Statutory due Monday 4/13 (day 20); late from 4/14.
    let case = case_a_at_shencha();
    assert_eq!(
        thresholds(&case.rule(red_card, &at("04-13", "18:00:00"))),
        ["promised"]
    );
    let found = case.rule(red_card, &at("04-14", "09:00:00"));
    assert_eq!(thresholds(&found), ["statutory", "promised"]);
    assert_eq!(as_of(&found[0]), (d("04-14"), 21));
    assert_eq!(as_of(&found[1]), (d("03-28"), 10));
}

#[test]
fn a_case_concluded_late_gets_its_red_card_afterwards() {
    // Decided Monday 3/30, after the promised due date 3/27: the first late day was 3/28, while
    // the case stood at 决定.
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-26", "10:00:00"), LI)
        .step("准予许可", &at("03-30", "10:00:00"), WANG);
    let found = case.rule(red_card, &at("12-31", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised"]);
    let AlertDetails::Limit {
        as_of,
        current_step,
        ..
    } = &found[0].details
    else {
        panic!("limit details")
    };
    assert_eq!((*as_of, current_step.as_str()), (d("03-28"), "jueding"));
}

#[test]
fn no_red_for_a_case_concluded_on_its_due_date() {
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-26", "10:00:00"), LI)
        .step("准予许可", &at("03-27", "17:30:00"), WANG);
    assert!(case.rule(red_card, &at("12-31", "09:00:00")).is_empty());
}

#[test]
fn a_case_withdrawn_after_its_due_date_was_late() {
    let case = case_a_at_shencha().withdraw(&at("03-30", "10:00:00"));
    let found = case.rule(red_card, &at("12-31", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised"]);
    assert_eq!(as_of(&found[0]), (d("03-28"), 10));
}

#[test]
fn the_red_card_moves_with_a_pause() {
    // With 补正 3/17-3/23 not counted the promised due date is Friday 4/3; the first late day
    // is Saturday 4/4, found even when the case is first looked at on 4/7.
    let case = in_and_out_of_buzheng();
    assert!(case.rule(red_card, &at("04-03", "18:00:00")).is_empty());
    let found = case.rule(red_card, &at("04-07", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised"]);
    assert_eq!(as_of(&found[0]), (d("04-04"), 10));
}

#[test]
fn a_manual_pause_stops_the_clock_too() {
    // Paused (听证) Monday 3/23 to Monday 3/30: 3/23-3/27 not counted. Days: 3/16-3/20 (1-5),
    // 3/30 (6) 3/31 (7) 4/1 (8) 4/2 (9) 4/3 (10, promised due).
    let case = case_a_at_shencha()
        .pause(&at("03-23", "09:00:00"))
        .resume(&at("03-30", "09:00:00"));
    assert!(case.rule(red_card, &at("04-03", "18:00:00")).is_empty());
    let found = case.rule(red_card, &at("04-04", "09:00:00"));
    assert_eq!(thresholds(&found), ["promised"]);
}

#[test]
fn no_promised_limit_no_promised_cards() {
    let case = Timeline::opened_with(&at("03-13", "09:00:00"), 20, None).step(
        "受理",
        &at("03-16", "10:00:00"),
        ZHANG,
    );
    assert!(case.rule(red_card, &at("04-13", "18:00:00")).is_empty());
    assert_eq!(
        thresholds(&case.rule(yellow_card, &at("04-13", "18:00:00"))),
        ["statutory-80pct"]
    );
}

// ---------------------------------------------------------------------------------------------
// Step overdue
// ---------------------------------------------------------------------------------------------

#[test]
fn the_start_step_overdue_while_the_case_is_not() {
    // 收件 has 5 days of its own: 3/16-3/20, due Friday 3/20, late from Saturday 3/21; the case
    // itself is due 3/27.
    let case = Timeline::opened("03-13");
    assert!(case.rule(step_overdue, &at("03-20", "18:00:00")).is_empty());
    let found = case.rule(step_overdue, &at("03-23", "09:00:00"));
    assert_eq!(thresholds(&found), ["shoujian-1"]);
    let alert = &found[0];
    assert_eq!(alert.rule, AlertRule::StepOverdue);
    assert_eq!(alert.severity, Severity::Yellow);
    assert_eq!(
        alert.details,
        AlertDetails::Step {
            step: "shoujian".into(),
            step_name: "收件".into(),
            visit: 1,
            limit_days: 5,
            limit_source: "step".into(),
            used_days: 5,
            due: Some(d("03-20")),
            entered_at: t(&at("03-13", "09:00:00")),
            completed_at: None,
            as_of: d("03-21"),
        }
    );
    assert_eq!(evidence_seqs(alert), [1]);
}

#[test]
fn a_step_overdue_is_quiet_once_the_case_is_overdue() {
    // 审查 from 3/16 has 10 days: 3/17-3/30, late from 3/31. With the promised limit the case is
    // late since 3/28 (the red card's business); without it (statutory due 4/13) it is not.
    let with_promise = case_a_at_shencha();
    assert!(
        with_promise
            .rule(step_overdue, &at("03-31", "09:00:00"))
            .is_empty()
    );
    let without = Timeline::opened_with(&at("03-13", "09:00:00"), 20, None).step(
        "受理",
        &at("03-16", "10:00:00"),
        ZHANG,
    );
    assert!(
        without
            .rule(step_overdue, &at("03-30", "18:00:00"))
            .is_empty()
    );
    let found = without.rule(step_overdue, &at("03-31", "09:00:00"));
    assert_eq!(thresholds(&found), ["shencha-1"]);
    assert_eq!(as_of(&found[0]), (d("03-31"), 11));
    assert_eq!(evidence_seqs(&found[0]), [1, 2]);
}

#[test]
fn a_step_completed_late_is_flagged_afterwards() {
    // 审查 completed Wednesday 4/1, past its due date 3/30, and nobody looked in between.
    let case = Timeline::opened_with(&at("03-13", "09:00:00"), 20, None)
        .step("受理", &at("03-16", "10:00:00"), ZHANG)
        .step("提交决定", &at("04-01", "10:00:00"), LI);
    // 决定 from 4/1 has 5 days: 4/2 4/3 4/7 4/8 4/9; not late on 4/2.
    let found = case.rule(step_overdue, &at("04-02", "09:00:00"));
    assert_eq!(thresholds(&found), ["shencha-1"]);
    let AlertDetails::Step {
        as_of,
        completed_at,
        ..
    } = &found[0].details
    else {
        panic!("step details")
    };
    assert_eq!(
        (*as_of, *completed_at),
        (d("03-31"), Some(t(&at("04-01", "10:00:00"))))
    );
}

#[test]
fn each_visit_of_a_step_has_its_own_limit() {
    // 补正 on 3/16 (the first visit of 收件 took no day), back on Tuesday 3/24: the second visit
    // has 3/25 3/26 3/27 3/30 3/31, late from 4/1. The case's clock stood still 3/16-3/23, so
    // its promised limit has used only 3/24-4/1 (7 days) by then.
    let case = Timeline::opened("03-13")
        .step("补正", &at("03-16", "10:00:00"), ZHANG)
        .step("补正完成", &at("03-24", "10:00:00"), ZHANG);
    assert!(case.rule(step_overdue, &at("03-31", "18:00:00")).is_empty());
    let found = case.rule(step_overdue, &at("04-01", "09:00:00"));
    assert_eq!(thresholds(&found), ["shoujian-2"]);
    let AlertDetails::Step {
        visit,
        entered_at,
        due,
        ..
    } = &found[0].details
    else {
        panic!("step details")
    };
    assert_eq!(
        (*visit, *entered_at, *due),
        (2, t(&at("03-24", "10:00:00")), Some(d("03-31")))
    );
    // The evidence names the return from 补正 (sequence 5), after the resume (4).
    assert_eq!(evidence_seqs(&found[0]), [1, 3, 4, 5]);
}

#[test]
fn a_step_without_a_limit_is_never_overdue() {
    // 补正 has no limit of its own; the case waits there for weeks, its clock stopped.
    let case = Timeline::opened("03-13").step("补正", &at("03-16", "10:00:00"), ZHANG);
    assert!(case.rule(step_overdue, &at("06-30", "09:00:00")).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Late acceptance
// ---------------------------------------------------------------------------------------------

#[test]
fn acceptance_after_the_start_steps_limit() {
    // Due Friday 3/20; accepted Monday 3/23 with 6 days used.
    let case = Timeline::opened("03-13").step("受理", &at("03-23", "09:00:00"), ZHANG);
    let found = case.rule(late_acceptance, &at("03-23", "09:00:00"));
    assert_eq!(thresholds(&found), ["shoujian-1"]);
    let alert = &found[0];
    assert_eq!(alert.rule, AlertRule::LateAcceptance);
    assert_eq!(alert.severity, Severity::Red);
    assert_eq!(
        alert.details,
        AlertDetails::Step {
            step: "shoujian".into(),
            step_name: "收件".into(),
            visit: 1,
            limit_days: 5,
            limit_source: "step".into(),
            used_days: 6,
            due: Some(d("03-20")),
            entered_at: t(&at("03-13", "09:00:00")),
            completed_at: Some(t(&at("03-23", "09:00:00"))),
            as_of: d("03-23"),
        }
    );
    assert_eq!(evidence_seqs(alert), [1, 2]);
}

#[test]
fn acceptance_on_the_last_day_is_on_time() {
    let case = Timeline::opened("03-13").step("受理", &at("03-20", "17:30:00"), ZHANG);
    assert!(
        case.rule(late_acceptance, &at("04-30", "09:00:00"))
            .is_empty()
    );
}

#[test]
fn acceptance_on_the_saturday_after_is_late() {
    // Saturday 3/21 is no working day (5 used), but it is after the due date.
    let case = Timeline::opened("03-13").step("受理", &at("03-21", "10:00:00"), ZHANG);
    let found = case.rule(late_acceptance, &at("03-21", "10:00:00"));
    assert_eq!(thresholds(&found), ["shoujian-1"]);
    assert_eq!(as_of(&found[0]), (d("03-21"), 5));
}

#[test]
fn acceptance_across_the_spring_festival() {
    // Received Thursday 2/12: 2/13 (1), make-up Saturday 2/14 (2), 春节 off, 2/24 (3) 2/25 (4)
    // 2/26 (5, due). On time on 2/26, late on Friday 2/27.
    let on_time = Timeline::opened("02-12").step("受理", &at("02-26", "16:00:00"), ZHANG);
    assert!(
        on_time
            .rule(late_acceptance, &at("03-31", "09:00:00"))
            .is_empty()
    );
    let late = Timeline::opened("02-12").step("受理", &at("02-27", "09:00:00"), ZHANG);
    assert_eq!(
        thresholds(&late.rule(late_acceptance, &at("03-31", "09:00:00"))),
        ["shoujian-1"]
    );
}

#[test]
fn the_policy_gives_the_limit_when_the_start_step_has_none() {
    // 3 days from 3/13: 3/16 3/17 3/18.
    let policy = AlertPolicy {
        acceptance_limit_days: Some(3),
        ..AlertPolicy::default()
    };
    let late = Timeline::opened("03-13")
        .with_flowchart(flowchart_without_acceptance_limit())
        .step("受理", &at("03-19", "09:00:00"), ZHANG);
    let found = late.rule_with(late_acceptance, &policy, &at("03-19", "09:00:00"));
    assert_eq!(thresholds(&found), ["shoujian-1"]);
    let AlertDetails::Step {
        limit_source, due, ..
    } = &found[0].details
    else {
        panic!("step details")
    };
    assert_eq!((limit_source.as_str(), *due), ("policy", Some(d("03-18"))));

    let on_time = Timeline::opened("03-13")
        .with_flowchart(flowchart_without_acceptance_limit())
        .step("受理", &at("03-18", "17:00:00"), ZHANG);
    assert!(
        on_time
            .rule_with(late_acceptance, &policy, &at("03-19", "09:00:00"))
            .is_empty()
    );
    // Without either limit there is nothing to measure.
    assert!(
        late.rule(late_acceptance, &at("03-19", "09:00:00"))
            .is_empty()
    );
}

#[test]
fn the_step_limit_wins_over_the_policy() {
    let policy = AlertPolicy {
        acceptance_limit_days: Some(3),
        ..AlertPolicy::default()
    };
    // Accepted 3/19: late under the policy's 3 days, on time under the step's own 5.
    let case = Timeline::opened("03-13").step("受理", &at("03-19", "09:00:00"), ZHANG);
    assert!(
        case.rule_with(late_acceptance, &policy, &at("03-19", "09:00:00"))
            .is_empty()
    );
}

#[test]
fn acceptance_after_correction_counts_from_the_return() {
    // First visit answered on day 1 (补正); back from 补正 on 3/24, due 3/31, accepted 4/1.
    let case = Timeline::opened("03-13")
        .step("补正", &at("03-16", "10:00:00"), ZHANG)
        .step("补正完成", &at("03-24", "10:00:00"), ZHANG)
        .step("受理", &at("04-01", "10:00:00"), ZHANG);
    let found = case.rule(late_acceptance, &at("04-01", "10:00:00"));
    assert_eq!(thresholds(&found), ["shoujian-2"]);
    assert_eq!(as_of(&found[0]), (d("04-01"), 6));
    // The return from 补正 (5) and the acceptance (6).
    assert_eq!(evidence_seqs(&found[0]), [5, 6]);
}

#[test]
fn an_unanswered_application_is_not_yet_late_acceptance() {
    // Still waiting at 收件: that is step overdue's warning, not this rule's finding.
    let case = Timeline::opened("03-13");
    assert!(
        case.rule(late_acceptance, &at("04-30", "09:00:00"))
            .is_empty()
    );
}
