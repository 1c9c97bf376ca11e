//! Given/when/then tests of the power aggregate.
use crate::money::Fen;
use cqrs_es::test::TestFramework;

use super::*;
use crate::{Actor, Role};

const CODE: &str = "PD-SCJG-XK-001";
const DEPT: &str = "pudong-amr";
const DEPT_NAME: &str = "上海市浦东新区市场监督管理局";

/// The content of a realistic licensing power (食品经营许可): 收件 → 受理 / 不予受理 / 补正
/// (loops back) → 审查 → 决定 → 准予许可 / 不予许可.
const CONTENT: &str = r#"
legal_basis:
  - law: 中华人民共和国行政许可法
    article: 第四十二条第一款
    excerpt: 除可以当场作出行政许可决定的外，行政机关应当自受理行政许可申请之日起二十日内作出行政许可决定。
conditions:
  - 具有与经营的食品品种、数量相适应的经营场所
materials:
  - name: 食品经营许可申请书
    copies: 1
statutory_limit_days: 20
promised_limit_days: 10
extension:
  days: 10
  basis: 行政许可法第四十二条第一款
fees:
  - name: 不收费
    amount_fen: 0
disclosure: proactive
supervision_channel: 12345市民服务热线
flowchart:
  steps:
    - { id: shoujian, name: 收件, kind: start, role: 窗口受理人员, limit_days: 5 }
    - { id: buzheng, name: 补正, role: 窗口受理人员, pauses_clock: true }
    - { id: shencha, name: 审查, role: 审查人员, limit_days: 10 }
    - { id: jueding, name: 决定, role: 分管负责人, limit_days: 5, separate_from: [shencha] }
    - { id: zhunyu, name: 准予许可决定, kind: end, result: 准予许可 }
    - { id: buyu, name: 不予许可决定, kind: end, result: 不予许可 }
    - { id: buyu_shouli, name: 不予受理决定, kind: end, result: 不予受理 }
  transitions:
    - { from: shoujian, outcome: 受理, to: shencha }
    - { from: shoujian, outcome: 不予受理, to: buyu_shouli }
    - { from: shoujian, outcome: 补正, to: buzheng }
    - { from: buzheng, outcome: 补正完成, to: shoujian }
    - { from: buzheng, outcome: 逾期未补正, to: buyu_shouli }
    - { from: shencha, outcome: 提交决定, to: jueding }
    - { from: jueding, outcome: 准予许可, to: zhunyu }
    - { from: jueding, outcome: 不予许可, to: buyu }
"#;

fn content() -> PowerVersionContent {
    serde_norway::from_str(CONTENT).expect("fixture is well-formed")
}

fn admin() -> Actor {
    Actor {
        id: "admin-001".into(),
        role: Role::Admin,
        department: Some(DEPT.into()),
    }
}

fn register_cmd(actor: Actor) -> PowerCommand {
    PowerCommand::RegisterPower {
        actor,
        code: CODE.into(),
        name: "食品经营许可".into(),
        category: Category::Licensing,
        department: DEPT.into(),
        department_name: DEPT_NAME.into(),
    }
}

fn registered() -> PowerEvent {
    PowerEvent::PowerRegistered {
        code: CODE.into(),
        name: "食品经营许可".into(),
        category: Category::Licensing,
        department: DEPT.into(),
        department_name: DEPT_NAME.into(),
    }
}

fn published(version: u32, content: PowerVersionContent) -> PowerEvent {
    PowerEvent::PowerVersionPublished {
        version,
        content_hash: content.content_hash(),
        content: Box::new(content),
    }
}

fn publish_cmd(content: PowerVersionContent) -> PowerCommand {
    PowerCommand::PublishPowerVersion {
        actor: admin(),
        content: Box::new(content),
    }
}

fn suspend_cmd(reason: &str) -> PowerCommand {
    PowerCommand::SuspendPower {
        actor: admin(),
        reason: reason.into(),
    }
}

fn reinstate_cmd(reason: &str) -> PowerCommand {
    PowerCommand::ReinstatePower {
        actor: admin(),
        reason: reason.into(),
    }
}

fn revoke_cmd(reason: &str) -> PowerCommand {
    PowerCommand::RevokePower {
        actor: admin(),
        reason: reason.into(),
    }
}

fn power() -> TestFramework<Power> {
    TestFramework::with(())
}

// ---------------------------------------------------------------------------------------------
// RegisterPower
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn registers_a_power() {
    power()
        .given_no_previous_events()
        .when_async(register_cmd(admin()))
        .await
        .then_expect_events(vec![registered()]);
}

#[tokio::test]
async fn register_trims_names() {
    power()
        .given_no_previous_events()
        .when_async(PowerCommand::RegisterPower {
            actor: admin(),
            code: CODE.into(),
            name: "  食品经营许可 ".into(),
            category: Category::Licensing,
            department: DEPT.into(),
            department_name: format!(" {DEPT_NAME}\t"),
        })
        .await
        .then_expect_events(vec![registered()]);
}

#[tokio::test]
async fn registering_again_identically_changes_nothing() {
    power()
        .given(vec![registered()])
        .when_async(register_cmd(admin()))
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn registering_again_differently_is_refused() {
    power()
        .given(vec![registered()])
        .when_async(PowerCommand::RegisterPower {
            actor: admin(),
            code: CODE.into(),
            name: "食品生产许可".into(),
            category: Category::Licensing,
            department: DEPT.into(),
            department_name: DEPT_NAME.into(),
        })
        .await
        .then_expect_error(PowerError::AlreadyRegistered { code: CODE.into() });
}

#[tokio::test]
async fn registering_again_with_another_category_is_refused() {
    power()
        .given(vec![registered()])
        .when_async(PowerCommand::RegisterPower {
            actor: admin(),
            code: CODE.into(),
            name: "食品经营许可".into(),
            category: Category::Inspection,
            department: DEPT.into(),
            department_name: DEPT_NAME.into(),
        })
        .await
        .then_expect_error(PowerError::AlreadyRegistered { code: CODE.into() });
}

#[tokio::test]
async fn an_officer_may_not_register() {
    let officer = Actor {
        id: "officer-001".into(),
        role: Role::Officer,
        department: Some(DEPT.into()),
    };
    power()
        .given_no_previous_events()
        .when_async(register_cmd(officer))
        .await
        .then_expect_error(PowerError::NotAdminOfDepartment {
            department: DEPT.into(),
        });
}

#[tokio::test]
async fn an_admin_of_another_department_may_not_register() {
    let other = Actor {
        id: "admin-002".into(),
        role: Role::Admin,
        department: Some("pudong-hrss".into()),
    };
    power()
        .given_no_previous_events()
        .when_async(register_cmd(other))
        .await
        .then_expect_error(PowerError::NotAdminOfDepartment {
            department: DEPT.into(),
        });
}

#[tokio::test]
async fn an_inspector_without_department_may_not_register() {
    let inspector = Actor {
        id: "inspector-001".into(),
        role: Role::Inspector,
        department: None,
    };
    power()
        .given_no_previous_events()
        .when_async(register_cmd(inspector))
        .await
        .then_expect_error(PowerError::NotAdminOfDepartment {
            department: DEPT.into(),
        });
}

#[tokio::test]
async fn an_invalid_code_is_refused() {
    for code in ["pd-scjg-xk-001", "", "PD SCJG", "PD_SCJG", &"A".repeat(41)] {
        power()
            .given_no_previous_events()
            .when_async(PowerCommand::RegisterPower {
                actor: admin(),
                code: code.to_string(),
                name: "食品经营许可".into(),
                category: Category::Licensing,
                department: DEPT.into(),
                department_name: DEPT_NAME.into(),
            })
            .await
            .then_expect_error(PowerError::InvalidCode {
                code: code.to_string(),
            });
    }
}

#[tokio::test]
async fn an_invalid_department_is_refused() {
    let upper = Actor {
        id: "admin-001".into(),
        role: Role::Admin,
        department: Some("Pudong-AMR".into()),
    };
    power()
        .given_no_previous_events()
        .when_async(PowerCommand::RegisterPower {
            actor: upper,
            code: CODE.into(),
            name: "食品经营许可".into(),
            category: Category::Licensing,
            department: "Pudong-AMR".into(),
            department_name: DEPT_NAME.into(),
        })
        .await
        .then_expect_error(PowerError::InvalidDepartment {
            department: "Pudong-AMR".into(),
        });
}

#[tokio::test]
async fn an_empty_name_is_refused() {
    power()
        .given_no_previous_events()
        .when_async(PowerCommand::RegisterPower {
            actor: admin(),
            code: CODE.into(),
            name: "   ".into(),
            category: Category::Licensing,
            department: DEPT.into(),
            department_name: DEPT_NAME.into(),
        })
        .await
        .then_expect_error(PowerError::InvalidText {
            field: "name".into(),
            message: "must not be empty".into(),
        });
}

#[tokio::test]
async fn an_overlong_department_name_is_refused() {
    power()
        .given_no_previous_events()
        .when_async(PowerCommand::RegisterPower {
            actor: admin(),
            code: CODE.into(),
            name: "食品经营许可".into(),
            category: Category::Licensing,
            department: DEPT.into(),
            department_name: "局".repeat(101),
        })
        .await
        .then_expect_error(PowerError::InvalidText {
            field: "department_name".into(),
            message: "at most 100 characters, no control characters".into(),
        });
}

// ---------------------------------------------------------------------------------------------
// PublishPowerVersion
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn publishing_before_registering_is_refused() {
    power()
        .given_no_previous_events()
        .when_async(publish_cmd(content()))
        .await
        .then_expect_error(PowerError::NotRegistered);
}

#[tokio::test]
async fn publishes_version_one_with_its_hash() {
    let events = power()
        .given(vec![registered()])
        .when_async(publish_cmd(content()))
        .await
        .inspect_result()
        .expect("a valid version is published");
    let [
        PowerEvent::PowerVersionPublished {
            version,
            content_hash,
            content: published_content,
        },
    ] = events.as_slice()
    else {
        panic!("expected one PowerVersionPublished, got {events:?}");
    };
    assert_eq!(*version, 1);
    let hex = content_hash
        .strip_prefix("sha256:")
        .expect("the hash is labelled sha256:");
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(*content_hash, content().content_hash());
    assert_eq!(**published_content, content());
}

#[tokio::test]
async fn publishing_identical_content_again_changes_nothing() {
    power()
        .given(vec![registered(), published(1, content())])
        .when_async(publish_cmd(content()))
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn publishing_changed_content_makes_version_two() {
    let mut changed = content();
    changed.promised_limit_days = Some(5);
    let events = power()
        .given(vec![registered(), published(1, content())])
        .when_async(publish_cmd(changed.clone()))
        .await
        .inspect_result()
        .expect("a changed version is published");
    assert_eq!(events, vec![published(2, changed.clone())]);
    let PowerEvent::PowerVersionPublished { content_hash, .. } = &events[0] else {
        unreachable!()
    };
    assert_ne!(*content_hash, content().content_hash());
    assert!(content_hash.starts_with("sha256:"));
}

#[tokio::test]
async fn republishing_an_older_content_makes_a_new_version() {
    let mut changed = content();
    changed.promised_limit_days = Some(5);
    power()
        .given(vec![
            registered(),
            published(1, content()),
            published(2, changed),
        ])
        .when_async(publish_cmd(content()))
        .await
        .then_expect_events(vec![published(3, content())]);
}

#[tokio::test]
async fn an_admin_of_another_department_may_not_publish() {
    power()
        .given(vec![registered()])
        .when_async(PowerCommand::PublishPowerVersion {
            actor: Actor {
                id: "admin-002".into(),
                role: Role::Admin,
                department: Some("pudong-hrss".into()),
            },
            content: Box::new(content()),
        })
        .await
        .then_expect_error(PowerError::NotAdminOfDepartment {
            department: DEPT.into(),
        });
}

#[tokio::test]
async fn an_invalid_version_lists_every_problem() {
    let mut bad = content();
    bad.legal_basis.clear();
    bad.statutory_limit_days = 0;
    bad.promised_limit_days = Some(10);
    bad.fees.push(FeeItem {
        name: "不收费".into(),
        amount_fen: Fen::ZERO,
        basis: None,
    });
    bad.supervision_channel = " ".into();
    // Flowchart problems: an end step without a result, a step limit of 0, and a transition
    // to a step that does not exist.
    let flow = &mut bad.flowchart;
    flow.steps
        .iter_mut()
        .find(|s| s.id == "buyu")
        .expect("fixture step")
        .result = None;
    flow.steps
        .iter_mut()
        .find(|s| s.id == "shencha")
        .expect("fixture step")
        .limit_days = Some(0);
    flow.transitions.push(crate::flowchart::TransitionSpec {
        from: "jueding".into(),
        outcome: "听证".into(),
        to: "tingzheng".into(),
        exception: false,
    });

    let err = power()
        .given(vec![registered(), published(1, content())])
        .when_async(publish_cmd(bad))
        .await
        .inspect_result()
        .expect_err("the version is refused");
    let PowerError::InvalidVersion { problems } = err else {
        panic!("expected InvalidVersion, got {err:?}");
    };
    let got: Vec<(&str, &str, Option<&str>)> = problems
        .iter()
        .map(|p| (p.code.as_str(), p.field.as_str(), p.step.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("missing_legal_basis", "legal_basis", None),
            ("invalid_limit", "statutory_limit_days", None),
            ("promised_exceeds_statutory", "promised_limit_days", None),
            ("duplicate_fee", "fees[1].name", None),
            ("empty_text", "supervision_channel", None),
            ("invalid_limit", "flowchart", Some("shencha")),
            ("end_without_result", "flowchart", Some("buyu")),
            ("unknown_step", "flowchart", Some("jueding")),
        ]
    );
    assert!(problems.iter().all(|p| !p.message.trim().is_empty()));
    assert!(
        problems[7].message.contains("tingzheng"),
        "the message names the unknown step: {}",
        problems[7].message
    );
}

#[tokio::test]
async fn a_version_with_only_flowchart_problems_is_refused() {
    let mut bad = content();
    bad.flowchart
        .steps
        .iter_mut()
        .find(|s| s.id == "buzheng")
        .expect("fixture step")
        .role = None;
    power()
        .given(vec![registered()])
        .when_async(publish_cmd(bad))
        .await
        .then_expect_error(PowerError::InvalidVersion {
            problems: vec![VersionProblem {
                code: "missing_role".into(),
                field: "flowchart".into(),
                step: Some("buzheng".into()),
                message: "step \"buzheng\" has no role saying which post performs it".into(),
            }],
        });
}

#[tokio::test]
async fn a_version_with_only_field_problems_is_refused() {
    let mut bad = content();
    bad.extension = Some(Extension {
        days: 0,
        basis: "无".into(),
    });
    power()
        .given(vec![registered()])
        .when_async(publish_cmd(bad))
        .await
        .then_expect_error(PowerError::InvalidVersion {
            problems: vec![VersionProblem {
                code: "invalid_limit".into(),
                field: "extension.days".into(),
                step: None,
                message: "extension.days must be between 1 and 365".into(),
            }],
        });
}

#[tokio::test]
async fn publishing_while_suspended_is_allowed() {
    let mut changed = content();
    changed.statutory_limit_days = 15;
    power()
        .given(vec![
            registered(),
            published(1, content()),
            PowerEvent::PowerSuspended {
                reason: "整改".into(),
            },
        ])
        .when_async(publish_cmd(changed.clone()))
        .await
        .then_expect_events(vec![published(2, changed)]);
}

// ---------------------------------------------------------------------------------------------
// Suspend, reinstate, revoke
// ---------------------------------------------------------------------------------------------

fn suspended() -> PowerEvent {
    PowerEvent::PowerSuspended {
        reason: "系统升级，暂停受理".into(),
    }
}

fn revoked() -> PowerEvent {
    PowerEvent::PowerRevoked {
        reason: "依据国务院决定取消".into(),
    }
}

#[tokio::test]
async fn suspends_an_active_power() {
    power()
        .given(vec![registered(), published(1, content())])
        .when_async(suspend_cmd("  系统升级，暂停受理 "))
        .await
        .then_expect_events(vec![suspended()]);
}

#[tokio::test]
async fn suspending_a_suspended_power_is_refused() {
    power()
        .given(vec![registered(), suspended()])
        .when_async(suspend_cmd("再次暂停"))
        .await
        .then_expect_error(PowerError::AlreadyInStatus {
            status: "suspended".into(),
        });
}

#[tokio::test]
async fn suspending_an_unregistered_power_is_refused() {
    power()
        .given_no_previous_events()
        .when_async(suspend_cmd("暂停"))
        .await
        .then_expect_error(PowerError::NotRegistered);
}

#[tokio::test]
async fn an_officer_may_not_suspend() {
    power()
        .given(vec![registered()])
        .when_async(PowerCommand::SuspendPower {
            actor: Actor {
                id: "officer-001".into(),
                role: Role::Officer,
                department: Some(DEPT.into()),
            },
            reason: "暂停".into(),
        })
        .await
        .then_expect_error(PowerError::NotAdminOfDepartment {
            department: DEPT.into(),
        });
}

#[tokio::test]
async fn reinstates_a_suspended_power() {
    power()
        .given(vec![registered(), suspended()])
        .when_async(reinstate_cmd("升级完成"))
        .await
        .then_expect_events(vec![PowerEvent::PowerReinstated {
            reason: "升级完成".into(),
        }]);
}

#[tokio::test]
async fn reinstating_an_active_power_is_refused() {
    power()
        .given(vec![registered()])
        .when_async(reinstate_cmd("恢复"))
        .await
        .then_expect_error(PowerError::AlreadyInStatus {
            status: "active".into(),
        });
}

#[tokio::test]
async fn reinstating_after_reinstatement_is_refused() {
    power()
        .given(vec![
            registered(),
            suspended(),
            PowerEvent::PowerReinstated {
                reason: "升级完成".into(),
            },
        ])
        .when_async(reinstate_cmd("恢复"))
        .await
        .then_expect_error(PowerError::AlreadyInStatus {
            status: "active".into(),
        });
}

#[tokio::test]
async fn revokes_an_active_power() {
    power()
        .given(vec![registered(), published(1, content())])
        .when_async(revoke_cmd("依据国务院决定取消"))
        .await
        .then_expect_events(vec![revoked()]);
}

#[tokio::test]
async fn revokes_a_suspended_power() {
    power()
        .given(vec![registered(), suspended()])
        .when_async(revoke_cmd("依据国务院决定取消"))
        .await
        .then_expect_events(vec![revoked()]);
}

#[tokio::test]
async fn revoking_twice_is_refused() {
    power()
        .given(vec![registered(), revoked()])
        .when_async(revoke_cmd("再次取消"))
        .await
        .then_expect_error(PowerError::Revoked);
}

#[tokio::test]
async fn publishing_after_revoke_is_refused() {
    let mut changed = content();
    changed.statutory_limit_days = 15;
    power()
        .given(vec![registered(), published(1, content()), revoked()])
        .when_async(publish_cmd(changed))
        .await
        .then_expect_error(PowerError::Revoked);
}

#[tokio::test]
async fn suspending_or_reinstating_after_revoke_is_refused() {
    for cmd in [suspend_cmd("暂停"), reinstate_cmd("恢复")] {
        power()
            .given(vec![registered(), revoked()])
            .when_async(cmd)
            .await
            .then_expect_error(PowerError::Revoked);
    }
}

#[tokio::test]
async fn a_reason_is_required() {
    let long = "理".repeat(501);
    for reason in ["", "  \n ", long.as_str(), "暂停\u{7}"] {
        for cmd in [suspend_cmd(reason), revoke_cmd(reason)] {
            power()
                .given(vec![registered()])
                .when_async(cmd)
                .await
                .then_expect_error(PowerError::ReasonRequired);
        }
        power()
            .given(vec![registered(), suspended()])
            .when_async(reinstate_cmd(reason))
            .await
            .then_expect_error(PowerError::ReasonRequired);
    }
}

#[tokio::test]
async fn a_reason_of_500_characters_is_accepted() {
    let reason = "理".repeat(500);
    power()
        .given(vec![registered()])
        .when_async(suspend_cmd(&reason))
        .await
        .then_expect_events(vec![PowerEvent::PowerSuspended { reason }]);
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

#[test]
fn applying_events_tracks_versions_and_status() {
    use cqrs_es::Aggregate;
    let mut changed = content();
    changed.promised_limit_days = Some(5);
    let mut p = Power::default();
    for e in [
        registered(),
        published(1, content()),
        published(2, changed.clone()),
        suspended(),
    ] {
        p.apply(e);
    }
    assert_eq!(p.code, CODE);
    assert_eq!(p.category, Some(Category::Licensing));
    assert_eq!(p.status, PowerStatus::Suspended);
    assert_eq!(
        p.versions,
        vec![
            PublishedVersionRef {
                version: 1,
                content_hash: content().content_hash(),
            },
            PublishedVersionRef {
                version: 2,
                content_hash: changed.content_hash(),
            },
        ]
    );
    p.apply(revoked());
    assert_eq!(p.status, PowerStatus::Revoked);
}

#[test]
fn a_discretion_standard_may_not_nest_past_the_limit() {
    // The standard is structured now (crate::discretion): a free-form deep value is no longer
    // a standard at all, and a structured one nests only as deep as its schema.
    let mut nested = serde_json::json!({"range": "1-5", "fine": "警告"});
    for _ in 0..crate::power::version::MAX_DISCRETION_DEPTH {
        nested = serde_json::json!([nested]);
    }
    assert!(
        serde_json::from_value::<crate::discretion::DiscretionStandardSpec>(nested).is_err(),
        "free-form data is not a discretion standard"
    );
    let spec: crate::discretion::DiscretionStandardSpec =
        serde_json::from_value(serde_json::json!({
            "article": "第一条",
            "bases": [{"id": "goods_value", "name": "货值金额"}],
            "regimes": [{
                "id": "all", "name": "全部", "base": "goods_value",
                "statutory": {"min": {"times_base": "1"}, "max": {"times_base": "3"}},
                "bands": [
                    {"id": "light", "name": "从轻", "kind": "lighter",
                     "range": {"min": {"times_base": "1"}, "max": {"times_base": "2"}}},
                    {"id": "mid", "name": "一般", "kind": "ordinary",
                     "range": {"min": {"times_base": "2"}, "max": {"times_base": "3"}}}
                ]
            }]
        }))
        .unwrap();
    let mut c = content();
    c.discretion = Some(spec);
    assert!(c.validate().is_ok());
}
