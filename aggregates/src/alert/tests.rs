//! Given/when/then tests of the alert aggregate.
use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;
use serde_json::json;

use super::*;
use crate::{Actor, Role};

const CASE: &str = "YG20260313ABCD2345";
const DEPT: &str = "pudong-amr";
const CODE: &str = "PD-SCJG-XK-001";
const INSPECTOR: &str = "inspector-chen";

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("fixture date")
}

fn inspector() -> Actor {
    Actor {
        id: INSPECTOR.into(),
        role: Role::Inspector,
        department: None,
    }
}

fn officer() -> Actor {
    Actor {
        id: "officer-zhang".into(),
        role: Role::Officer,
        department: Some(DEPT.into()),
    }
}

fn admin() -> Actor {
    Actor {
        id: "admin-001".into(),
        role: Role::Admin,
        department: Some(DEPT.into()),
    }
}

fn evidence() -> Vec<EventRef> {
    vec![EventRef {
        aggregate_type: "Case".into(),
        aggregate_id: CASE.into(),
        sequence: 1,
    }]
}

fn details() -> serde_json::Value {
    json!({ "limit": "statutory", "limit_days": 20, "used_days": 21, "due": "2026-04-10" })
}

fn raise_cmd() -> AlertCommand {
    AlertCommand::RaiseAlert {
        source: AlertSource::System,
        rule: AlertRule::RedCard,
        severity: Severity::Red,
        case_id: CASE.into(),
        department: DEPT.into(),
        power_code: CODE.into(),
        threshold: "statutory".into(),
        details: details(),
        raised_at: t("2026-04-13T00:05:00+08:00"),
        evidence: evidence(),
    }
}

/// `raise_cmd()` with one field changed.
fn raise_with(change: impl FnOnce(&mut AlertCommand)) -> AlertCommand {
    let mut cmd = raise_cmd();
    change(&mut cmd);
    cmd
}

fn raised() -> AlertEvent {
    AlertEvent::AlertRaised {
        source: AlertSource::System,
        rule: AlertRule::RedCard,
        severity: Severity::Red,
        case_id: CASE.into(),
        department: DEPT.into(),
        power_code: CODE.into(),
        threshold: "statutory".into(),
        details: details(),
        raised_at: t("2026-04-13T00:05:00+08:00"),
        evidence: evidence(),
    }
}

fn acknowledged() -> AlertEvent {
    AlertEvent::AlertAcknowledged {
        by: INSPECTOR.into(),
        note: None,
    }
}

fn resolved() -> AlertEvent {
    AlertEvent::AlertResolved {
        by: INSPECTOR.into(),
        finding: Finding::Justified,
        accountability: None,
        note: None,
    }
}

fn dismissed() -> AlertEvent {
    AlertEvent::AlertDismissed {
        by: INSPECTOR.into(),
        reason: "规则误报".into(),
    }
}

fn ack_cmd(actor: Actor, note: Option<&str>) -> AlertCommand {
    AlertCommand::AcknowledgeAlert {
        actor,
        note: note.map(Into::into),
    }
}

fn resolve_cmd(
    actor: Actor,
    finding: Finding,
    accountability: Option<&str>,
    note: Option<&str>,
) -> AlertCommand {
    AlertCommand::ResolveAlert {
        actor,
        finding,
        accountability: accountability.map(Into::into),
        note: note.map(Into::into),
    }
}

fn dismiss_cmd(actor: Actor, reason: &str) -> AlertCommand {
    AlertCommand::DismissAlert {
        actor,
        reason: reason.into(),
    }
}

fn alert() -> TestFramework<Alert> {
    TestFramework::with(())
}

fn rebuild(events: Vec<AlertEvent>) -> Alert {
    let mut alert = Alert::default();
    for e in events {
        alert.apply(e);
    }
    alert
}

fn invalid(field: &str, message: &str) -> AlertError {
    AlertError::InvalidAlert {
        field: field.into(),
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Ids and names
// ---------------------------------------------------------------------------------------------

#[test]
fn the_id_is_case_rule_and_threshold() {
    assert_eq!(
        alert_id(CASE, AlertRule::YellowCard, "promised-80pct"),
        "YG20260313ABCD2345:yellow_card:promised-80pct"
    );
}

#[test]
fn rule_names_are_their_serde_names() {
    for rule in AlertRule::ALL {
        assert_eq!(
            serde_json::to_value(rule).expect("serializes"),
            json!(rule.as_str())
        );
        assert_eq!(rule.to_string(), rule.as_str());
    }
    for severity in [Severity::Info, Severity::Yellow, Severity::Red] {
        assert_eq!(
            serde_json::to_value(severity).expect("serializes"),
            json!(severity.as_str())
        );
    }
    assert_eq!(
        serde_json::to_value(AlertSource::System).expect("serializes"),
        json!("system")
    );
}

#[test]
fn the_state_follows_the_events() {
    let alert = rebuild(vec![raised()]);
    assert_eq!(alert.status, AlertStatus::Raised);
    assert_eq!(
        alert.id().as_deref(),
        Some("YG20260313ABCD2345:red_card:statutory")
    );
    assert_eq!(alert.evidence, evidence());
    assert_eq!(Alert::default().id(), None);

    let alert = rebuild(vec![
        raised(),
        AlertEvent::AlertAcknowledged {
            by: INSPECTOR.into(),
            note: Some("调阅案卷".into()),
        },
        AlertEvent::AlertResolved {
            by: INSPECTOR.into(),
            finding: Finding::Violation,
            accountability: Some("诫勉谈话".into()),
            note: None,
        },
    ]);
    assert_eq!(alert.status, AlertStatus::Resolved);
    assert_eq!(
        alert.acknowledged,
        Some(Acknowledgement {
            by: INSPECTOR.into(),
            note: Some("调阅案卷".into())
        })
    );
    assert_eq!(
        alert.resolution.map(|r| (r.finding, r.accountability)),
        Some((Finding::Violation, Some("诫勉谈话".into())))
    );
    // Nothing is deleted: the raise is still there after closing.
    assert_eq!(alert.rule, Some(AlertRule::RedCard));

    let alert = rebuild(vec![raised(), dismissed()]);
    assert_eq!(alert.status, AlertStatus::Dismissed);
    assert_eq!(alert.dismissal.map(|d| d.reason), Some("规则误报".into()));
}

// ---------------------------------------------------------------------------------------------
// RaiseAlert
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn raises_an_alert() {
    alert()
        .given_no_previous_events()
        .when_async(raise_cmd())
        .await
        .then_expect_events(vec![raised()]);
}

#[tokio::test]
async fn raising_again_changes_nothing() {
    alert()
        .given(vec![raised()])
        .when_async(raise_cmd())
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn raising_again_with_other_details_keeps_the_first() {
    alert()
        .given(vec![raised()])
        .when_async(raise_with(|c| {
            if let AlertCommand::RaiseAlert {
                details,
                raised_at,
                severity,
                ..
            } = c
            {
                *details = json!({ "used_days": 25 });
                *raised_at = t("2026-04-20T00:05:00+08:00");
                *severity = Severity::Yellow;
            }
        }))
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn raising_a_closed_alert_again_does_not_reopen_it() {
    for history in [
        vec![raised(), acknowledged()],
        vec![raised(), acknowledged(), resolved()],
        vec![raised(), dismissed()],
    ] {
        alert()
            .given(history)
            .when_async(raise_cmd())
            .await
            .then_expect_events(vec![]);
    }
}

#[tokio::test]
async fn raising_another_key_under_this_id_is_refused() {
    let existing = "YG20260313ABCD2345:red_card:statutory".to_string();
    alert()
        .given(vec![raised()])
        .when_async(raise_with(|c| {
            if let AlertCommand::RaiseAlert { threshold, .. } = c {
                *threshold = "promised".into();
            }
        }))
        .await
        .then_expect_error(AlertError::KeyMismatch {
            existing: existing.clone(),
        });
    alert()
        .given(vec![raised()])
        .when_async(raise_with(|c| {
            if let AlertCommand::RaiseAlert { rule, .. } = c {
                *rule = AlertRule::YellowCard;
            }
        }))
        .await
        .then_expect_error(AlertError::KeyMismatch {
            existing: existing.clone(),
        });
    alert()
        .given(vec![raised()])
        .when_async(raise_with(|c| {
            if let AlertCommand::RaiseAlert { case_id, .. } = c {
                *case_id = "YG20260313ZZZZ9999".into();
            }
        }))
        .await
        .then_expect_error(AlertError::KeyMismatch { existing });
}

#[tokio::test]
async fn a_malformed_case_id_is_refused() {
    let long = "Y".repeat(65);
    for bad in ["", "YG:1", "YG/1", "办件1", long.as_str()] {
        alert()
            .given_no_previous_events()
            .when_async(raise_with(|c| {
                if let AlertCommand::RaiseAlert { case_id, .. } = c {
                    *case_id = bad.into();
                }
            }))
            .await
            .then_expect_error(invalid(
                "case_id",
                "use ASCII letters, digits, - and _, 1 to 64 characters",
            ));
    }
}

#[tokio::test]
async fn a_malformed_department_or_power_code_is_refused() {
    alert()
        .given_no_previous_events()
        .when_async(raise_with(|c| {
            if let AlertCommand::RaiseAlert { department, .. } = c {
                *department = "Pudong AMR".into();
            }
        }))
        .await
        .then_expect_error(invalid(
            "department",
            "use a-z, 0-9 and -, at most 40 characters",
        ));
    alert()
        .given_no_previous_events()
        .when_async(raise_with(|c| {
            if let AlertCommand::RaiseAlert { power_code, .. } = c {
                *power_code = "pd-scjg".into();
            }
        }))
        .await
        .then_expect_error(invalid(
            "power_code",
            "use A-Z, 0-9 and -, at most 40 characters",
        ));
}

#[tokio::test]
async fn a_malformed_threshold_is_refused() {
    let long = "x".repeat(101);
    for bad in ["", "a:b", "a/b", "80%", "a b", long.as_str()] {
        alert()
            .given_no_previous_events()
            .when_async(raise_with(|c| {
                if let AlertCommand::RaiseAlert { threshold, .. } = c {
                    *threshold = bad.into();
                }
            }))
            .await
            .then_expect_error(invalid(
                "threshold",
                "use ASCII letters, digits and _ - . +, 1 to 100 characters",
            ));
    }
}

#[tokio::test]
async fn every_threshold_the_rules_use_is_accepted() {
    for ok in [
        "promised-80pct",
        "statutory-2d-before-due",
        "shencha-1",
        "jueding-shencha",
        "seq-12",
        "conclusion",
    ] {
        let threshold_value = ok.to_string();
        alert()
            .given_no_previous_events()
            .when_async(raise_with(|c| {
                if let AlertCommand::RaiseAlert { threshold, .. } = c {
                    *threshold = threshold_value.clone();
                }
            }))
            .await
            .then_expect_events(vec![{
                let mut e = raised();
                if let AlertEvent::AlertRaised { threshold, .. } = &mut e {
                    *threshold = threshold_value;
                }
                e
            }]);
    }
}

#[tokio::test]
async fn details_must_be_a_small_shallow_object() {
    let mut deep = json!(1);
    for _ in 0..17 {
        deep = json!({ "d": deep });
    }
    let cases = [
        (json!(null), "must be a JSON object"),
        (json!([1, 2]), "must be a JSON object"),
        (json!("text"), "must be a JSON object"),
        (deep, "nested more than 16 levels deep"),
        (json!({ "text": "字".repeat(6000) }), "larger than 16 KiB"),
    ];
    for (bad, message) in cases {
        alert()
            .given_no_previous_events()
            .when_async(raise_with(|c| {
                if let AlertCommand::RaiseAlert { details, .. } = c {
                    *details = bad;
                }
            }))
            .await
            .then_expect_error(invalid("details", message));
    }
}

#[tokio::test]
async fn evidence_is_bounded_and_well_formed() {
    let too_many: Vec<EventRef> = (1..=101)
        .map(|sequence| EventRef {
            aggregate_type: "Case".into(),
            aggregate_id: CASE.into(),
            sequence,
        })
        .collect();
    alert()
        .given_no_previous_events()
        .when_async(raise_with(|c| {
            if let AlertCommand::RaiseAlert { evidence, .. } = c {
                *evidence = too_many;
            }
        }))
        .await
        .then_expect_error(invalid("evidence", "at most 100 references"));
    for bad in [
        EventRef {
            aggregate_type: "Case".into(),
            aggregate_id: CASE.into(),
            sequence: 0,
        },
        EventRef {
            aggregate_type: "".into(),
            aggregate_id: CASE.into(),
            sequence: 1,
        },
        EventRef {
            aggregate_type: "Case".into(),
            aggregate_id: "".into(),
            sequence: 1,
        },
    ] {
        alert()
            .given_no_previous_events()
            .when_async(raise_with(|c| {
                if let AlertCommand::RaiseAlert { evidence, .. } = c {
                    *evidence = vec![bad];
                }
            }))
            .await
            .then_expect_error(invalid(
                "evidence",
                "each reference needs an aggregate type, an aggregate id and a sequence >= 1",
            ));
    }
}

// ---------------------------------------------------------------------------------------------
// AcknowledgeAlert
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_inspector_acknowledges() {
    alert()
        .given(vec![raised()])
        .when_async(ack_cmd(inspector(), Some("  调阅案卷  ")))
        .await
        .then_expect_events(vec![AlertEvent::AlertAcknowledged {
            by: INSPECTOR.into(),
            note: Some("调阅案卷".into()),
        }]);
}

#[tokio::test]
async fn a_blank_note_is_no_note() {
    alert()
        .given(vec![raised()])
        .when_async(ack_cmd(inspector(), Some("   ")))
        .await
        .then_expect_events(vec![acknowledged()]);
}

#[tokio::test]
async fn only_inspectors_acknowledge() {
    for actor in [officer(), admin()] {
        alert()
            .given(vec![raised()])
            .when_async(ack_cmd(actor, None))
            .await
            .then_expect_error(AlertError::NotAnInspector);
    }
}

#[tokio::test]
async fn acknowledging_an_unraised_alert_is_refused() {
    alert()
        .given_no_previous_events()
        .when_async(ack_cmd(inspector(), None))
        .await
        .then_expect_error(AlertError::NotRaised);
}

#[tokio::test]
async fn acknowledging_twice_is_refused() {
    alert()
        .given(vec![raised(), acknowledged()])
        .when_async(ack_cmd(inspector(), None))
        .await
        .then_expect_error(AlertError::AlreadyAcknowledged);
}

#[tokio::test]
async fn acknowledging_a_closed_alert_is_refused() {
    alert()
        .given(vec![raised(), acknowledged(), resolved()])
        .when_async(ack_cmd(inspector(), None))
        .await
        .then_expect_error(AlertError::AlertClosed {
            status: "resolved".into(),
        });
    alert()
        .given(vec![raised(), dismissed()])
        .when_async(ack_cmd(inspector(), None))
        .await
        .then_expect_error(AlertError::AlertClosed {
            status: "dismissed".into(),
        });
}

#[tokio::test]
async fn an_overlong_note_is_refused() {
    let long = "注".repeat(2001);
    alert()
        .given(vec![raised()])
        .when_async(ack_cmd(inspector(), Some(&long)))
        .await
        .then_expect_error(AlertError::InvalidText {
            field: "note".into(),
            message: "at most 2000 characters, no control characters".into(),
        });
    alert()
        .given(vec![raised()])
        .when_async(ack_cmd(inspector(), Some("bell\u{7}")))
        .await
        .then_expect_error(AlertError::InvalidText {
            field: "note".into(),
            message: "at most 2000 characters, no control characters".into(),
        });
}

// ---------------------------------------------------------------------------------------------
// ResolveAlert
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn resolves_as_justified() {
    alert()
        .given(vec![raised(), acknowledged()])
        .when_async(resolve_cmd(
            inspector(),
            Finding::Justified,
            None,
            Some("延期经批准，有审批单"),
        ))
        .await
        .then_expect_events(vec![AlertEvent::AlertResolved {
            by: INSPECTOR.into(),
            finding: Finding::Justified,
            accountability: None,
            note: Some("延期经批准，有审批单".into()),
        }]);
}

#[tokio::test]
async fn resolves_a_violation_with_its_accountability_action() {
    alert()
        .given(vec![raised(), acknowledged()])
        .when_async(resolve_cmd(
            inspector(),
            Finding::Violation,
            Some(" 诫勉谈话 "),
            None,
        ))
        .await
        .then_expect_events(vec![AlertEvent::AlertResolved {
            by: INSPECTOR.into(),
            finding: Finding::Violation,
            accountability: Some("诫勉谈话".into()),
            note: None,
        }]);
}

#[tokio::test]
async fn a_violation_without_accountability_is_refused() {
    let long = "责".repeat(501);
    for accountability in [None, Some("  "), Some(long.as_str()), Some("a\u{0}b")] {
        alert()
            .given(vec![raised(), acknowledged()])
            .when_async(resolve_cmd(
                inspector(),
                Finding::Violation,
                accountability,
                None,
            ))
            .await
            .then_expect_error(AlertError::AccountabilityRequired);
    }
}

#[tokio::test]
async fn a_justified_finding_takes_no_accountability() {
    alert()
        .given(vec![raised(), acknowledged()])
        .when_async(resolve_cmd(
            inspector(),
            Finding::Justified,
            Some("通报批评"),
            None,
        ))
        .await
        .then_expect_error(AlertError::AccountabilityWithoutViolation);
}

#[tokio::test]
async fn resolving_before_acknowledging_is_refused() {
    alert()
        .given(vec![raised()])
        .when_async(resolve_cmd(inspector(), Finding::Justified, None, None))
        .await
        .then_expect_error(AlertError::NotAcknowledged);
}

#[tokio::test]
async fn only_inspectors_resolve() {
    for actor in [officer(), admin()] {
        alert()
            .given(vec![raised(), acknowledged()])
            .when_async(resolve_cmd(actor, Finding::Justified, None, None))
            .await
            .then_expect_error(AlertError::NotAnInspector);
    }
}

#[tokio::test]
async fn resolving_an_unraised_alert_is_refused() {
    alert()
        .given_no_previous_events()
        .when_async(resolve_cmd(inspector(), Finding::Justified, None, None))
        .await
        .then_expect_error(AlertError::NotRaised);
}

#[tokio::test]
async fn resolving_a_closed_alert_is_refused() {
    alert()
        .given(vec![raised(), acknowledged(), resolved()])
        .when_async(resolve_cmd(inspector(), Finding::Justified, None, None))
        .await
        .then_expect_error(AlertError::AlertClosed {
            status: "resolved".into(),
        });
    alert()
        .given(vec![raised(), acknowledged(), dismissed()])
        .when_async(resolve_cmd(inspector(), Finding::Justified, None, None))
        .await
        .then_expect_error(AlertError::AlertClosed {
            status: "dismissed".into(),
        });
}

#[tokio::test]
async fn a_resolution_with_an_overlong_note_is_refused() {
    let long = "注".repeat(2001);
    alert()
        .given(vec![raised(), acknowledged()])
        .when_async(resolve_cmd(
            inspector(),
            Finding::Justified,
            None,
            Some(&long),
        ))
        .await
        .then_expect_error(AlertError::InvalidText {
            field: "note".into(),
            message: "at most 2000 characters, no control characters".into(),
        });
}

// ---------------------------------------------------------------------------------------------
// DismissAlert
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn dismisses_a_raised_alert_with_a_reason() {
    alert()
        .given(vec![raised()])
        .when_async(dismiss_cmd(inspector(), " 规则误报 "))
        .await
        .then_expect_events(vec![dismissed()]);
}

#[tokio::test]
async fn dismisses_an_acknowledged_alert() {
    alert()
        .given(vec![raised(), acknowledged()])
        .when_async(dismiss_cmd(inspector(), "规则误报"))
        .await
        .then_expect_events(vec![dismissed()]);
}

#[tokio::test]
async fn a_dismissal_needs_a_reason() {
    let long = "因".repeat(501);
    for reason in ["", "   ", long.as_str(), "tab\u{1b}"] {
        alert()
            .given(vec![raised()])
            .when_async(dismiss_cmd(inspector(), reason))
            .await
            .then_expect_error(AlertError::ReasonRequired);
    }
}

#[tokio::test]
async fn only_inspectors_dismiss() {
    for actor in [officer(), admin()] {
        alert()
            .given(vec![raised()])
            .when_async(dismiss_cmd(actor, "规则误报"))
            .await
            .then_expect_error(AlertError::NotAnInspector);
    }
}

#[tokio::test]
async fn dismissing_an_unraised_alert_is_refused() {
    alert()
        .given_no_previous_events()
        .when_async(dismiss_cmd(inspector(), "规则误报"))
        .await
        .then_expect_error(AlertError::NotRaised);
}

#[tokio::test]
async fn dismissing_a_closed_alert_is_refused() {
    alert()
        .given(vec![raised(), acknowledged(), resolved()])
        .when_async(dismiss_cmd(inspector(), "规则误报"))
        .await
        .then_expect_error(AlertError::AlertClosed {
            status: "resolved".into(),
        });
    alert()
        .given(vec![raised(), dismissed()])
        .when_async(dismiss_cmd(inspector(), "规则误报"))
        .await
        .then_expect_error(AlertError::AlertClosed {
            status: "dismissed".into(),
        });
}
