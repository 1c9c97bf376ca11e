//! Separation of duties and exception transitions.
use super::*;

#[test]
fn the_same_person_reviewing_and_deciding() {
    // Imported data: Li reviewed (审查) and decided (决定), which the flowchart separates.
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-18", "10:00:00"), LI)
        .step("准予许可", &at("03-19", "10:00:00"), LI);
    let found = case.rule(separation_of_duties, &at("03-19", "10:00:00"));
    assert_eq!(thresholds(&found), ["jueding-shencha"]);
    let alert = &found[0];
    assert_eq!(alert.rule, AlertRule::SeparationOfDuties);
    assert_eq!(alert.severity, Severity::Red);
    assert_eq!(
        alert.details,
        AlertDetails::Separation {
            first_step: "shencha".into(),
            first_step_name: "审查".into(),
            second_step: "jueding".into(),
            second_step_name: "决定".into(),
            by: LI.into(),
        }
    );
    assert_eq!(evidence_seqs(alert), [3, 4]);
}

#[test]
fn different_people_on_separated_steps_are_fine() {
    let case = case_a_at_shencha()
        .step("提交决定", &at("03-18", "10:00:00"), LI)
        .step("准予许可", &at("03-19", "10:00:00"), WANG);
    assert!(
        case.rule(separation_of_duties, &at("03-19", "10:00:00"))
            .is_empty()
    );
}

#[test]
fn the_same_person_on_steps_without_the_rule_is_fine() {
    // Zhang receives, reviews and sends back for correction: nothing separates those steps.
    let case = Timeline::opened("03-13")
        .step("受理", &at("03-16", "10:00:00"), ZHANG)
        .step("提交决定", &at("03-18", "10:00:00"), ZHANG)
        .step("准予许可", &at("03-19", "10:00:00"), WANG);
    assert!(
        case.rule(separation_of_duties, &at("03-19", "10:00:00"))
            .is_empty()
    );
}

#[test]
fn the_rule_is_checked_in_both_directions() {
    // `separate_from` is declared on 决定 only; a flowchart declaring it on 审查 instead means
    // the same.
    let reversed = parse_yaml(
        &FLOWCHART
            .replace(", separate_from: [shencha] }", " }")
            .replace(
                "审查人员, limit_days: 10 }",
                "审查人员, limit_days: 10, separate_from: [jueding] }",
            ),
    )
    .expect("fixture flowchart is valid");
    let case = case_a_at_shencha()
        .with_flowchart(reversed)
        .step("提交决定", &at("03-18", "10:00:00"), LI)
        .step("准予许可", &at("03-19", "10:00:00"), LI);
    assert_eq!(
        thresholds(&case.rule(separation_of_duties, &at("03-19", "10:00:00"))),
        ["jueding-shencha"]
    );
}

#[test]
fn one_alert_per_pair_of_steps() {
    // 收件 → 补正 → 收件 → 审查 → 决定 with Li on both visits... of 审查 only once here, but the
    // pair is reported once even if both steps repeat.
    let flowchart = parse_yaml(&FLOWCHART.replace(
        "  - { from: jueding, outcome: 不予许可, to: buyu }",
        "  - { from: jueding, outcome: 不予许可, to: buyu }\n  - { from: jueding, outcome: 退回重审, to: shencha }",
    ))
    .expect("fixture flowchart is valid");
    let case = Timeline::opened("03-13")
        .with_flowchart(flowchart)
        .step("受理", &at("03-16", "10:00:00"), ZHANG)
        .step("提交决定", &at("03-17", "10:00:00"), LI)
        .step("退回重审", &at("03-18", "10:00:00"), LI)
        .step("提交决定", &at("03-19", "10:00:00"), LI)
        .step("准予许可", &at("03-20", "10:00:00"), LI);
    let found = case.rule(separation_of_duties, &at("03-20", "10:00:00"));
    assert_eq!(thresholds(&found), ["jueding-shencha"]);
    // The first pair found: 审查 (3) and 决定 (4).
    assert_eq!(evidence_seqs(&found[0]), [3, 4]);
}

#[test]
fn an_exception_transition_is_flagged_for_review() {
    // 审查 ends in 撤回, an exception path: sequence 3.
    let case = case_a_at_shencha().step("撤回", &at("03-18", "10:00:00"), LI);
    let found = case.rule(exception_transition, &at("03-18", "10:00:00"));
    assert_eq!(thresholds(&found), ["seq-3"]);
    let alert = &found[0];
    assert_eq!(alert.rule, AlertRule::ExceptionTransition);
    assert_eq!(alert.severity, Severity::Info);
    assert_eq!(
        alert.details,
        AlertDetails::Transition {
            from: "shencha".into(),
            from_name: "审查".into(),
            outcome: "撤回".into(),
            to: "chehui".into(),
            to_name: "撤回".into(),
            by: LI.into(),
            at: t(&at("03-18", "10:00:00")),
        }
    );
    assert_eq!(evidence_seqs(alert), [3]);
}

#[test]
fn ordinary_transitions_are_not_flagged() {
    // 不予受理 and 补正 are ordinary outcomes, however unwelcome.
    let case = Timeline::opened("03-13")
        .step("补正", &at("03-16", "10:00:00"), ZHANG)
        .step("逾期未补正", &at("03-30", "10:00:00"), ZHANG);
    assert!(
        case.rule(exception_transition, &at("03-30", "10:00:00"))
            .is_empty()
    );
}
