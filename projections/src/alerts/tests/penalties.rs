//! Discretion, fee, publication and feedback rules.
use aggregates::case::MitigationApproval;
use aggregates::discretion::DiscretionCheck;
use aggregates::feedback::FeedbackEvent;
use serde_json::json;

use super::*;

fn check(verdict: &str, deviation: bool, approval_required: bool) -> DiscretionCheck {
    serde_json::from_value(json!({
        "verdict": verdict,
        "label": "",
        "message": "",
        "amount_fen": 7_500_000,
        "deviation": deviation,
        "approval_required": approval_required,
        "band_range": { "min_fen": 6_500_000, "max_fen": 8_500_000 },
    }))
    .expect("a check")
}

fn decision(
    mut timeline: Timeline,
    when: &str,
    check: DiscretionCheck,
    approval: Option<MitigationApproval>,
) -> Timeline {
    timeline.push(CaseEvent::PenaltyDecisionRecorded {
        band: Some("lt10k-ordinary".into()),
        base_amount_fen: Some(Fen(300_000)),
        amount_fen: check.amount_fen,
        circumstances: Vec::new(),
        grounds: Vec::new(),
        justification: "理由".into(),
        check,
        at: t(when),
        by: LI.into(),
        approval,
    });
    timeline
}

fn decided(verdict: &str, deviation: bool) -> Timeline {
    decision(
        case_a_at_shencha(),
        &at("03-17", "10:00:00"),
        check(verdict, deviation, false),
        None,
    )
}

const NOW: &str = "2026-03-18T10:00:00+08:00";

#[test]
fn a_decision_above_its_band_is_a_deviation_once_per_decision() {
    let timeline = decided("above_band", true);
    let alerts = timeline.rule(discretion_deviation, NOW);
    assert_eq!(keys(&alerts), [(AlertRule::DiscretionDeviation, "seq-3")]);
    assert_eq!(alerts[0].severity, Severity::Yellow);
    // Evaluated again later: the same alert (same threshold), not a second one.
    let later = timeline.rule(discretion_deviation, "2026-04-18T10:00:00+08:00");
    assert_eq!(later[0].alert_id(), alerts[0].alert_id());
    assert!(
        decided("in_band", false)
            .rule(discretion_deviation, NOW)
            .is_empty()
    );
}

#[test]
fn heavier_without_a_circumstance_has_its_own_red_rule() {
    let timeline = decided("heavier_without_circumstance", true);
    let alerts = timeline.rule(heavier_without_circumstance, NOW);
    assert_eq!(
        keys(&alerts),
        [(AlertRule::HeavierWithoutCircumstance, "seq-3")]
    );
    assert_eq!(alerts[0].severity, Severity::Red);
    assert!(
        timeline.rule(discretion_deviation, NOW).is_empty(),
        "not twice"
    );
    assert!(
        decided("above_band", true)
            .rule(heavier_without_circumstance, NOW)
            .is_empty()
    );
}

#[test]
fn mitigation_without_grounds_or_without_approval_is_flagged() {
    let no_grounds = decided("below_statutory_minimum_without_grounds", true);
    assert_eq!(
        keys(&no_grounds.rule(mitigation_unjustified, NOW)),
        [(AlertRule::MitigationUnjustified, "seq-3")]
    );
    assert!(
        no_grounds.rule(discretion_deviation, NOW).is_empty(),
        "not twice"
    );
    let unapproved = decision(
        case_a_at_shencha(),
        &at("03-17", "10:00:00"),
        check("mitigated_with_grounds", false, true),
        None,
    );
    assert_eq!(unapproved.rule(mitigation_unjustified, NOW).len(), 1);
    let approved = decision(
        case_a_at_shencha(),
        &at("03-17", "10:00:00"),
        check("mitigated_with_grounds", false, true),
        Some(MitigationApproval {
            approved_by: WANG.into(),
            reference: "审批〔2026〕1号".into(),
        }),
    );
    assert!(approved.rule(mitigation_unjustified, NOW).is_empty());
}

fn fee(item: &str, amount_fen: u64, standard_fen: Option<u64>) -> Timeline {
    let mut timeline = case_a_at_shencha();
    timeline.push(CaseEvent::FeeCharged {
        item: item.into(),
        amount_fen: Fen(amount_fen),
        standard_fen: standard_fen.map(Fen),
        at: t(&at("03-17", "10:00:00")),
        by: LI.into(),
        note: None,
    });
    timeline
}

#[test]
fn fees_off_the_published_standard_are_red() {
    for (amount, standard) in [(30_000, Some(20_000)), (100, Some(0)), (5_000, None)] {
        let alerts = fee("检验费", amount, standard).rule(fee_off_standard, NOW);
        assert_eq!(
            keys(&alerts),
            [(AlertRule::FeeOffStandard, "seq-3")],
            "{amount} {standard:?}"
        );
        assert_eq!(alerts[0].severity, Severity::Red);
        assert_eq!(evidence_seqs(&alerts[0]), [3]);
    }
    assert!(
        fee("检验费", 20_000, Some(20_000))
            .rule(fee_off_standard, NOW)
            .is_empty()
    );
    assert!(
        fee("检验费", 10_000, Some(20_000))
            .rule(fee_off_standard, NOW)
            .is_empty()
    );
}

/// Case A decided (7,500 yuan) and concluded on Friday 3/20 at 16:00. Seven working days from
/// 3/20: 3/23 (1) … 3/27 (5), 3/30 (6), 3/31 (7): publication due by 3/31.
fn concluded_penalty() -> Timeline {
    let timeline = decision(
        case_a_at_shencha(),
        &at("03-20", "15:00:00"),
        check("in_band", false, false),
        None,
    );
    timeline
        .step("提交决定", &at("03-20", "15:30:00"), ZHANG)
        .step("准予许可", &at("03-20", "16:00:00"), WANG)
}

fn publish(mut timeline: Timeline, when: &str) -> Timeline {
    timeline.push(CaseEvent::PenaltyDecisionPublished {
        document_no: "浦市监处〔2026〕12号".into(),
        violation: "未取得许可经营".into(),
        penalty: "罚款七万五千元".into(),
        authority: "上海市浦东新区市场监督管理局".into(),
        decided_at: t(&at("03-20", "16:00:00")),
        at: t(when),
        by: LI.into(),
    });
    timeline
}

#[test]
fn a_decision_unpublished_after_seven_working_days_is_flagged_once() {
    let timeline = concluded_penalty();
    assert!(
        timeline
            .rule(publication_overdue, &at("03-31", "23:00:00"))
            .is_empty(),
        "3/31 is the last day"
    );
    let alerts = timeline.rule(publication_overdue, &at("04-01", "08:00:00"));
    assert_eq!(
        keys(&alerts),
        [(AlertRule::PublicationOverdue, "publication-7d")]
    );
    match &alerts[0].details {
        AlertDetails::Publication {
            due, published_at, ..
        } => {
            assert_eq!(*due, d("03-31"));
            assert_eq!(*published_at, None);
        }
        other => panic!("{other:?}"),
    }
    let later = timeline.rule(publication_overdue, &at("05-01", "08:00:00"));
    assert_eq!(later[0].alert_id(), alerts[0].alert_id());
}

#[test]
fn publication_in_time_is_fine_and_late_publication_is_flagged() {
    let in_time = publish(concluded_penalty(), &at("03-31", "17:00:00"));
    assert!(
        in_time
            .rule(publication_overdue, &at("05-01", "08:00:00"))
            .is_empty()
    );
    let late = publish(concluded_penalty(), &at("04-02", "09:00:00"));
    let alerts = late.rule(publication_overdue, &at("04-02", "10:00:00"));
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        evidence_seqs(&alerts[0]).len(),
        3,
        "decision, conclusion, publication"
    );
}

#[test]
fn no_fine_and_revoked_decisions_need_no_publication() {
    let mut timeline = concluded_penalty();
    timeline.push(CaseEvent::PenaltyDecisionRevoked {
        reason: "复议撤销".into(),
        at: t(&at("03-25", "09:00:00")),
        by: LI.into(),
    });
    assert!(
        timeline
            .rule(publication_overdue, &at("05-01", "08:00:00"))
            .is_empty()
    );
    let mut zero = check("no_penalty_with_grounds", false, false);
    zero.amount_fen = Fen::ZERO;
    let none = decision(case_a_at_shencha(), &at("03-20", "15:00:00"), zero, None)
        .step("提交决定", &at("03-20", "15:30:00"), ZHANG)
        .step("准予许可", &at("03-20", "16:00:00"), WANG);
    assert!(
        none.rule(publication_overdue, &at("05-01", "08:00:00"))
            .is_empty()
    );
    let off = AlertPolicy {
        publication_limit_days: 0,
        ..AlertPolicy::default()
    };
    assert!(
        concluded_penalty()
            .rule_with(publication_overdue, &off, &at("05-01", "08:00:00"))
            .is_empty()
    );
}

fn feedback(events: Vec<FeedbackEvent>) -> Vec<FeedbackEventRecord> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| FeedbackEventRecord {
            event,
            sequence: i as i64 + 1,
        })
        .collect()
}

fn complaint(number: u32) -> FeedbackEvent {
    FeedbackEvent::ComplaintFiled {
        number,
        text: "要求提供清单外材料".into(),
        department: DEPT.into(),
        power_code: CODE.into(),
        at: t(&at("03-17", "10:00:00")),
    }
}

fn rated(score: u8) -> FeedbackEvent {
    FeedbackEvent::ServiceRated {
        score,
        comment: None,
        department: DEPT.into(),
        power_code: CODE.into(),
        at: t(&at("04-17", "10:00:00")),
    }
}

#[test]
fn every_complaint_raises_its_own_alert() {
    let alerts = feedback_alerts(CASE, &feedback(vec![complaint(1), complaint(2)]));
    assert_eq!(
        keys(&alerts),
        [
            (AlertRule::PublicComplaint, "complaint-1"),
            (AlertRule::PublicComplaint, "complaint-2")
        ]
    );
    assert_eq!(alerts[1].evidence[0].aggregate_type, "Feedback");
    assert_eq!(alerts[1].evidence[0].sequence, 2);
    let text = serde_json::to_string(&alerts).unwrap();
    assert!(
        !text.contains("清单外材料"),
        "the public's words stay out of the alert"
    );
}

#[test]
fn only_bad_ratings_raise_an_alert() {
    for score in [1, 2] {
        let alerts = feedback_alerts(CASE, &feedback(vec![rated(score)]));
        assert_eq!(keys(&alerts), [(AlertRule::BadRating, "rating")]);
    }
    for score in [3, 4, 5] {
        assert!(feedback_alerts(CASE, &feedback(vec![rated(score)])).is_empty());
    }
}
