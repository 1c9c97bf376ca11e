//! Given/when/then tests of `RecordPenaltyDecision` and of `Case::check_penalty`, on a penalty
//! power shaped like 食品安全法第一百二十二条 (the demo's illustrative band split) and, for the
//! refusals, a licensing power and a penalty power without a standard.
use crate::money::Fen;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;

use super::*;
use crate::discretion::{
    DiscretionCheck, DiscretionStandard, FenRange, PenaltyDecisionInput, Verdict,
};
use crate::party::{Party, PartyKind};
use crate::power::{Category, PowerStatus, PowerVersionContent, PublishedPower};
use crate::{Actor, Role};

const PENALTY: &str = "PD-SCJG-CF-001";
const BARE_PENALTY: &str = "PD-SCJG-CF-002";
const LICENCE: &str = "PD-SCJG-XK-001";
const DEPT: &str = "pudong-amr";
const TRACKING: &str = "YG20260313ABCDEFGH";
const ZHANG: &str = "officer-zhang";
const LI: &str = "officer-li";

/// 立案 → 调查取证 → 处罚决定 → 给予行政处罚 / 不予行政处罚, with the standard of the demo
/// (goods under 10,000 yuan: 50,000-100,000 yuan; from 10,000 yuan: 10-20 times the goods).
const CONTENT: &str = r#"
legal_basis:
  - law: 中华人民共和国食品安全法
    article: 第一百二十二条第一款
statutory_limit_days: 57
fees:
  - { name: 检验费, amount_fen: 20000, basis: 沪价费〔2020〕1号 }
  - { name: 复制费, amount_fen: 0 }
disclosure: proactive
supervision_channel: 12345市民服务热线
flowchart:
  steps:
    - { id: file_case, name: 立案, kind: start, role: 执法人员 }
    - { id: investigate, name: 调查取证, role: 执法人员 }
    - { id: decide, name: 处罚决定, role: 行政机关负责人 }
    - { id: punished, name: 给予行政处罚, kind: end, result: 给予行政处罚 }
    - { id: not_punished, name: 不予行政处罚, kind: end, result: 不予行政处罚 }
  transitions:
    - { from: file_case, outcome: 立案, to: investigate }
    - { from: investigate, outcome: 调查终结, to: decide }
    - { from: decide, outcome: 给予行政处罚, to: punished }
    - { from: decide, outcome: 不予行政处罚, to: not_punished }
discretion:
  article: 食品安全法第一百二十二条第一款
  bases:
    - { id: goods_value, name: 货值金额 }
  regimes:
    - id: lt10k
      name: 货值金额不足一万元
      when: { base: goods_value, below_fen: 1000000 }
      statutory: { min: { fen: 5000000 }, max: { fen: 10000000 } }
      bands:
        - { id: lt10k-lighter, name: 从轻, kind: lighter, range: { min: { fen: 5000000 }, max: { fen: 6500000 } }, circumstances: [apl32-1] }
        - { id: lt10k-ordinary, name: 一般, kind: ordinary, range: { min: { fen: 6500000 }, max: { fen: 8500000 } } }
        - { id: lt10k-heavier, name: 从重, kind: heavier, range: { min: { fen: 8500000 }, max: { fen: 10000000 } }, circumstances: [agg-repeat] }
    - id: ge10k
      name: 货值金额一万元以上
      when: { base: goods_value, at_least_fen: 1000000 }
      statutory: { min: { times_base: "10" }, max: { times_base: "20" } }
      bands:
        - { id: ge10k-lighter, name: 从轻, kind: lighter, range: { min: { times_base: "10" }, max: { times_base: "13" } }, circumstances: [apl32-1] }
        - { id: ge10k-ordinary, name: 一般, kind: ordinary, range: { min: { times_base: "13" }, max: { times_base: "17" } } }
        - { id: ge10k-heavier, name: 从重, kind: heavier, range: { min: { times_base: "17" }, max: { times_base: "20" } }, circumstances: [agg-repeat] }
  circumstances:
    - { id: agg-repeat, name: 受到食品安全行政处罚后1年内又实施同一性质违法行为, kind: aggravating }
  mitigation:
    approval: 经行政机关负责人批准
    grounds:
      - { id: apl32-1, name: 主动消除或者减轻违法行为危害后果的, basis: 行政处罚法第三十二条第（一）项 }
  no_penalty:
    grounds:
      - { id: apl33-first, name: 初次违法且危害后果轻微并及时改正的, basis: 行政处罚法第三十三条第一款 }
"#;

fn content() -> PowerVersionContent {
    serde_norway::from_str(CONTENT).expect("fixture is well-formed")
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("fixture date")
}

fn published(code: &str, category: Category, content: PowerVersionContent) -> Arc<PublishedPower> {
    let flowchart = content.validate().expect("fixture version is valid");
    Arc::new(PublishedPower {
        code: code.into(),
        name: "对未取得食品经营许可从事食品经营活动的行政处罚".into(),
        category,
        department: DEPT.into(),
        department_name: "上海市浦东新区市场监督管理局".into(),
        status: PowerStatus::Active,
        version: 1,
        content_hash: content.content_hash(),
        content,
        flowchart,
    })
}

fn bare() -> PowerVersionContent {
    let mut c = content();
    c.discretion = None;
    c
}

struct Catalogue {
    powers: HashMap<String, Arc<PublishedPower>>,
    broken: bool,
}

impl Catalogue {
    fn standard() -> Self {
        let mut powers = HashMap::new();
        for (code, category, content) in [
            (PENALTY, Category::Penalty, content()),
            (BARE_PENALTY, Category::Penalty, bare()),
            (LICENCE, Category::Licensing, content()),
        ] {
            powers.insert(code.to_string(), published(code, category, content));
        }
        Catalogue {
            powers,
            broken: false,
        }
    }
}

#[async_trait::async_trait]
impl PowerLookup for Catalogue {
    async fn current(&self, code: &str) -> Result<Option<Arc<PublishedPower>>, LookupError> {
        if self.broken {
            return Err(LookupError("database is down".into()));
        }
        Ok(self.powers.get(code).cloned())
    }

    async fn version(
        &self,
        code: &str,
        version: u32,
    ) -> Result<Option<Arc<PublishedPower>>, LookupError> {
        self.current(code)
            .await
            .map(|p| p.filter(|p| p.version == version))
    }
}

struct FixedClock(DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

const NOW: &str = "2026-03-20T10:00:00+08:00";
const DECIDED: &str = "2026-03-20T09:30:00+08:00";

fn framework(catalogue: Catalogue) -> TestFramework<Case> {
    TestFramework::with(CaseServices {
        powers: Arc::new(catalogue),
        clock: Arc::new(FixedClock(t(NOW))),
        calendar: Arc::new(super::FixedCalendar(Arc::new(
            crate::calendar::WorkingCalendar::builtin(),
        ))),
    })
}

fn case() -> TestFramework<Case> {
    framework(Catalogue::standard())
}

fn officer(id: &str) -> Actor {
    Actor {
        id: id.into(),
        role: Role::Officer,
        department: Some(DEPT.into()),
    }
}

fn opened(code: &str) -> CaseEvent {
    let content = if code == BARE_PENALTY {
        bare()
    } else {
        content()
    };
    CaseEvent::CaseOpened {
        tracking_no: TRACKING.into(),
        power_code: code.into(),
        power_version: 1,
        content_hash: content.content_hash(),
        power_name: "对未取得食品经营许可从事食品经营活动的行政处罚".into(),
        department: DEPT.into(),
        party: Party {
            kind: PartyKind::Organisation,
            name: "上海某某餐饮管理有限公司".into(),
            id_number: "91350100M000100Y43".into(),
            phone: None,
            address: None,
        },
        channel: Channel::Inspection,
        received_at: t("2026-03-13T09:00:00+08:00"),
        start_step: "file_case".into(),
        start_step_name: "立案".into(),
        statutory_limit_days: 57,
        promised_limit_days: None,
        query_code_salt: "5a17".into(),
        query_code_hash: "9f86d081884c7d659a2feaa0c55ad015".into(),
        opened_by: ZHANG.into(),
        contact: None,
    }
}

fn step(from: (&str, &str), outcome: &str, to: (&str, &str), at: &str, by: &str) -> CaseEvent {
    CaseEvent::StepCompleted {
        from: from.0.into(),
        from_name: from.1.into(),
        outcome: outcome.into(),
        to: to.0.into(),
        to_name: to.1.into(),
        exception: false,
        at: t(at),
        by: by.into(),
        note: None,
    }
}

/// A case of `code` at 处罚决定: version 3.
fn at_decide(code: &str) -> Vec<CaseEvent> {
    vec![
        opened(code),
        step(
            ("file_case", "立案"),
            "立案",
            ("investigate", "调查取证"),
            "2026-03-16T10:00:00+08:00",
            ZHANG,
        ),
        step(
            ("investigate", "调查取证"),
            "调查终结",
            ("decide", "处罚决定"),
            "2026-03-18T15:00:00+08:00",
            ZHANG,
        ),
    ]
}

/// Goods worth 3,000 yuan.
const SMALL: Option<u64> = Some(300_000);

fn input(band: Option<&str>, base: Option<u64>, amount: u64) -> PenaltyDecisionInput {
    PenaltyDecisionInput {
        band: band.map(Into::into),
        base_amount_fen: base.map(Fen),
        amount_fen: Fen(amount),
        circumstances: Vec::new(),
        grounds: Vec::new(),
    }
}

fn record(by: &str, version: u64, d: &PenaltyDecisionInput) -> CaseCommand {
    CaseCommand::RecordPenaltyDecision {
        actor: officer(by),
        expected_version: version,
        band: d.band.clone(),
        base_amount_fen: d.base_amount_fen,
        amount_fen: d.amount_fen,
        circumstances: d.circumstances.clone(),
        grounds: d.grounds.clone(),
        justification: "当事人未取得食品经营许可经营熟食，货值金额3000元，无从轻从重情节。".into(),
        approval: None,
        at: Some(t(DECIDED)),
    }
}

fn check_of(d: &PenaltyDecisionInput) -> DiscretionCheck {
    DiscretionStandard::parse(content().discretion.unwrap())
        .unwrap()
        .check(d)
}

fn recorded(by: &str, d: &PenaltyDecisionInput) -> CaseEvent {
    CaseEvent::PenaltyDecisionRecorded {
        band: d.band.clone(),
        base_amount_fen: d.base_amount_fen,
        amount_fen: d.amount_fen,
        circumstances: d.circumstances.clone(),
        grounds: d.grounds.clone(),
        justification: "当事人未取得食品经营许可经营熟食，货值金额3000元，无从轻从重情节。".into(),
        check: check_of(d),
        at: t(DECIDED),
        by: by.into(),
        approval: None,
    }
}

fn recorded_check(events: &[CaseEvent]) -> DiscretionCheck {
    match events {
        [CaseEvent::PenaltyDecisionRecorded { check, .. }] => check.clone(),
        other => panic!("expected one PenaltyDecisionRecorded, got {other:?}"),
    }
}

fn refused(d: &PenaltyDecisionInput) -> CaseError {
    CaseError::PenaltyDecisionRefused {
        check: Box::new(check_of(d)),
    }
}

// =============================================================================================
// Recorded
// =============================================================================================

#[tokio::test]
async fn a_decision_inside_its_band_is_recorded_with_its_check() {
    let d = input(Some("lt10k-ordinary"), SMALL, 7_500_000);
    case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .then_expect_events(vec![recorded(LI, &d)]);
    let check = check_of(&d);
    assert_eq!(check.verdict, Verdict::InBand);
    assert_eq!(
        check.band_range,
        Some(FenRange {
            min_fen: Fen(6_500_000),
            max_fen: Fen(8_500_000)
        })
    );
}

#[tokio::test]
async fn a_decision_above_its_band_is_recorded_and_flagged_not_refused() {
    let d = input(Some("lt10k-ordinary"), SMALL, 9_500_000);
    let events = case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .inspect_result()
        .expect("recorded");
    let check = recorded_check(&events);
    assert_eq!(check.verdict, Verdict::AboveBand);
    assert!(check.deviation);
    assert_eq!(check.label, "高于所选裁量档次");
}

#[tokio::test]
async fn below_the_minimum_without_grounds_is_recorded_and_flagged() {
    let d = input(Some("lt10k-lighter"), SMALL, 3_000_000);
    let events = case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .inspect_result()
        .expect("recorded");
    assert_eq!(
        recorded_check(&events).verdict,
        Verdict::BelowStatutoryMinimumWithoutGrounds
    );
}

#[tokio::test]
async fn mitigation_on_a_listed_ground_is_recorded_as_needing_approval() {
    let mut d = input(None, SMALL, 3_000_000);
    d.grounds = vec!["apl32-1".into()];
    let events = case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .inspect_result()
        .expect("recorded");
    let check = recorded_check(&events);
    assert_eq!(check.verdict, Verdict::MitigatedWithGrounds);
    assert!(check.approval_required);
    assert_eq!(check.approval.as_deref(), Some("经行政机关负责人批准"));
}

#[tokio::test]
async fn no_penalty_on_a_listed_ground_is_recorded() {
    let mut d = input(None, None, 0);
    d.grounds = vec!["apl33-first".into()];
    case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .then_expect_events(vec![recorded(LI, &d)]);
    assert_eq!(check_of(&d).verdict, Verdict::NoPenaltyWithGrounds);
}

#[tokio::test]
async fn a_heavier_band_without_its_circumstance_is_recorded_and_flagged() {
    let d = input(Some("lt10k-heavier"), SMALL, 9_000_000);
    let events = case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .inspect_result()
        .expect("recorded");
    assert_eq!(
        recorded_check(&events).verdict,
        Verdict::HeavierWithoutCircumstance
    );
}

#[tokio::test]
async fn cited_ids_are_trimmed_and_repeats_dropped() {
    let mut sent = input(Some(" lt10k-heavier "), SMALL, 9_000_000);
    sent.circumstances = vec!["agg-repeat".into(), " agg-repeat".into()];
    let mut kept = input(Some("lt10k-heavier"), SMALL, 9_000_000);
    kept.circumstances = vec!["agg-repeat".into()];
    case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &sent))
        .await
        .then_expect_events(vec![recorded(LI, &kept)]);
    assert_eq!(check_of(&kept).verdict, Verdict::InBand);
}

#[tokio::test]
async fn a_decision_may_be_recorded_while_the_clock_is_paused() {
    let mut events = at_decide(PENALTY);
    events.push(CaseEvent::ClockPaused {
        reason: "听证".into(),
        at: t("2026-03-19T09:00:00+08:00"),
        by: ZHANG.into(),
        step: None,
    });
    let d = input(Some("lt10k-ordinary"), SMALL, 7_000_000);
    case()
        .given(events)
        .when_async(record(LI, 4, &d))
        .await
        .then_expect_events(vec![recorded(LI, &d)]);
}

#[tokio::test]
async fn a_later_decision_replaces_the_earlier_one_until_the_case_concludes() {
    let first = input(Some("lt10k-ordinary"), SMALL, 7_000_000);
    let second = input(Some("lt10k-ordinary"), SMALL, 8_000_000);
    let mut events = at_decide(PENALTY);
    events.push(recorded(LI, &first));
    case()
        .given(events.clone())
        .when_async(record(LI, 4, &second))
        .await
        .then_expect_events(vec![recorded(LI, &second)]);

    events.push(recorded(LI, &second));
    let mut state = Case::default();
    for e in events.clone() {
        state.apply(e);
    }
    let penalty = state.penalty.as_ref().expect("a decision is kept");
    assert_eq!(penalty.amount_fen, Fen(8_000_000));
    assert_eq!(penalty.by, LI);
    assert_eq!(penalty.check.verdict, Verdict::InBand);
    assert_eq!(state.version, 5);

    events.push(step(
        ("decide", "处罚决定"),
        "给予行政处罚",
        ("punished", "给予行政处罚"),
        "2026-03-20T09:40:00+08:00",
        LI,
    ));
    events.push(CaseEvent::CaseConcluded {
        end_step: "punished".into(),
        result: "给予行政处罚".into(),
        at: t("2026-03-20T09:40:00+08:00"),
    });
    let mut late = record(LI, 7, &second);
    if let CaseCommand::RecordPenaltyDecision { at, .. } = &mut late {
        *at = Some(t("2026-03-20T09:50:00+08:00"));
    }
    case()
        .given(events)
        .when_async(late)
        .await
        .then_expect_error(CaseError::CaseClosed {
            status: "concluded".into(),
        });
}

// =============================================================================================
// Refused
// =============================================================================================

#[tokio::test]
async fn an_unknown_band_is_refused_with_the_check() {
    let d = input(Some("lt10k-severe"), SMALL, 7_000_000);
    case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .then_expect_error(refused(&d));
    assert_eq!(check_of(&d).verdict, Verdict::UnknownBand);
}

#[tokio::test]
async fn an_amount_above_the_statutory_maximum_is_refused() {
    let d = input(Some("lt10k-heavier"), SMALL, 12_000_000);
    case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .then_expect_error(refused(&d));
    assert_eq!(check_of(&d).verdict, Verdict::AboveStatutoryMaximum);
}

#[tokio::test]
async fn a_multiple_without_its_base_amount_is_refused() {
    let d = input(Some("ge10k-ordinary"), None, 30_000_000);
    case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .then_expect_error(refused(&d));
    assert_eq!(check_of(&d).verdict, Verdict::BaseAmountRequired);
}

#[tokio::test]
async fn a_circumstance_the_standard_does_not_list_is_refused() {
    let mut d = input(Some("lt10k-heavier"), SMALL, 9_000_000);
    d.circumstances = vec!["agg-invented".into()];
    case()
        .given(at_decide(PENALTY))
        .when_async(record(LI, 3, &d))
        .await
        .then_expect_error(refused(&d));
}

#[tokio::test]
async fn a_licensing_power_takes_no_penalty_decision() {
    case()
        .given(at_decide(LICENCE))
        .when_async(record(LI, 3, &input(None, None, 0)))
        .await
        .then_expect_error(CaseError::NotAPenaltyPower {
            code: LICENCE.into(),
        });
}

#[tokio::test]
async fn a_penalty_power_without_a_standard_takes_no_decision() {
    case()
        .given(at_decide(BARE_PENALTY))
        .when_async(record(LI, 3, &input(None, None, 0)))
        .await
        .then_expect_error(CaseError::NoDiscretionStandard {
            code: BARE_PENALTY.into(),
            version: 1,
        });
}

#[tokio::test]
async fn a_stale_version_is_refused() {
    case()
        .given(at_decide(PENALTY))
        .when_async(record(
            LI,
            2,
            &input(Some("lt10k-ordinary"), SMALL, 7_000_000),
        ))
        .await
        .then_expect_error(CaseError::StaleVersion {
            expected: 2,
            actual: 3,
        });
}

#[tokio::test]
async fn only_officers_of_the_department_record_decisions() {
    let d = input(Some("lt10k-ordinary"), SMALL, 7_000_000);
    let mut cmd = record(LI, 3, &d);
    if let CaseCommand::RecordPenaltyDecision { actor, .. } = &mut cmd {
        actor.department = Some("pudong-tax".into());
    }
    case()
        .given(at_decide(PENALTY))
        .when_async(cmd)
        .await
        .then_expect_error(CaseError::WrongDepartment {
            department: DEPT.into(),
        });
    let mut cmd = record(LI, 3, &d);
    if let CaseCommand::RecordPenaltyDecision { actor, .. } = &mut cmd {
        actor.role = Role::Inspector;
    }
    case()
        .given(at_decide(PENALTY))
        .when_async(cmd)
        .await
        .then_expect_error(CaseError::NotAnOfficer);
}

#[tokio::test]
async fn reasons_are_required() {
    let mut cmd = record(LI, 3, &input(Some("lt10k-ordinary"), SMALL, 7_000_000));
    if let CaseCommand::RecordPenaltyDecision { justification, .. } = &mut cmd {
        *justification = "  ".into();
    }
    case()
        .given(at_decide(PENALTY))
        .when_async(cmd)
        .await
        .then_expect_error(CaseError::InvalidText {
            field: "justification".into(),
            message: "required, 1 to 2000 characters".into(),
        });
}

#[tokio::test]
async fn an_unopened_case_takes_no_decision() {
    case()
        .given_no_previous_events()
        .when_async(record(LI, 0, &input(None, None, 0)))
        .await
        .then_expect_error(CaseError::NotOpened);
}

#[tokio::test]
async fn a_decision_is_refused_while_the_catalogue_is_down() {
    let mut catalogue = Catalogue::standard();
    catalogue.broken = true;
    framework(catalogue)
        .given(at_decide(PENALTY))
        .when_async(record(
            LI,
            3,
            &input(Some("lt10k-ordinary"), SMALL, 7_000_000),
        ))
        .await
        .then_expect_error(CaseError::Unavailable);
}

// =============================================================================================
// The check before confirming
// =============================================================================================

fn state(events: Vec<CaseEvent>) -> Case {
    let mut case = Case::default();
    for e in events {
        case.apply(e);
    }
    case
}

#[test]
fn the_check_before_confirming_is_the_check_that_is_recorded() {
    let case = state(at_decide(PENALTY));
    let power = published(PENALTY, Category::Penalty, content());
    for d in [
        input(Some("lt10k-ordinary"), SMALL, 7_500_000),
        input(Some("lt10k-ordinary"), SMALL, 9_500_000),
        input(Some("lt10k-missing"), SMALL, 7_500_000),
        input(None, None, 0),
    ] {
        assert_eq!(
            case.check_penalty(&officer(LI), &power, d.clone()),
            Ok(check_of(&d))
        );
    }
    let refused = case
        .check_penalty(
            &officer(LI),
            &power,
            input(Some("lt10k-heavier"), SMALL, 20_000_000),
        )
        .unwrap();
    assert!(refused.refused, "shown as refused, not an error");
}

#[test]
fn the_check_refuses_what_the_command_refuses_first() {
    let case = state(at_decide(PENALTY));
    let power = published(PENALTY, Category::Penalty, content());
    let mut stranger = officer(LI);
    stranger.department = Some("pudong-tax".into());
    assert!(matches!(
        case.check_penalty(&stranger, &power, input(None, None, 0)),
        Err(CaseError::WrongDepartment { .. })
    ));
    let licence = state(at_decide(LICENCE));
    assert_eq!(
        licence.check_penalty(
            &officer(LI),
            &published(LICENCE, Category::Licensing, content()),
            input(None, None, 0)
        ),
        Err(CaseError::NotAPenaltyPower {
            code: LICENCE.into()
        })
    );
    let mut too_many = input(None, None, 0);
    too_many.grounds = (0..51).map(|i| format!("g{i}")).collect();
    assert!(matches!(
        case.check_penalty(&officer(LI), &power, too_many),
        Err(CaseError::InvalidText { .. })
    ));
    // Another version than the pinned one is never used.
    let mut other = content();
    other.statutory_limit_days = 30;
    assert_eq!(
        case.check_penalty(
            &officer(LI),
            &published(PENALTY, Category::Penalty, other),
            input(None, None, 0)
        ),
        Err(CaseError::Unavailable)
    );
}

#[test]
fn the_event_reads_back_from_its_stored_form() {
    let d = input(Some("lt10k-ordinary"), SMALL, 7_500_000);
    let event = recorded(LI, &d);
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(
        json["PenaltyDecisionRecorded"]["check"]["verdict"],
        "in_band"
    );
    assert_eq!(serde_json::from_value::<CaseEvent>(json).unwrap(), event);
    use cqrs_es::DomainEvent;
    assert_eq!(event.event_type(), "PenaltyDecisionRecorded");
    assert_eq!(event.event_version(), "1");
}

// =============================================================================================
// 减轻 approval, fees, publication and revocation
// =============================================================================================

fn mitigated() -> PenaltyDecisionInput {
    let mut d = input(None, SMALL, 3_000_000);
    d.grounds = vec!["apl32-1".into()];
    d
}

#[tokio::test]
async fn a_mitigation_is_recorded_with_its_approval() {
    let mut command = record(LI, 3, &mitigated());
    if let CaseCommand::RecordPenaltyDecision { approval, .. } = &mut command {
        *approval = Some(MitigationApproval {
            approved_by: " chief-wang ".into(),
            reference: "浦市监审〔2026〕7号".into(),
        });
    }
    let events = case()
        .given(at_decide(PENALTY))
        .when_async(command)
        .await
        .inspect_result()
        .unwrap();
    match &events[..] {
        [
            CaseEvent::PenaltyDecisionRecorded {
                approval: Some(a),
                check,
                ..
            },
        ] => {
            assert_eq!(a.approved_by, "chief-wang");
            assert_eq!(check.verdict, Verdict::MitigatedWithGrounds);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_officer_cannot_approve_their_own_mitigation() {
    let mut command = record(LI, 3, &mitigated());
    if let CaseCommand::RecordPenaltyDecision { approval, .. } = &mut command {
        *approval = Some(MitigationApproval {
            approved_by: LI.into(),
            reference: "x".into(),
        });
    }
    case()
        .given(at_decide(PENALTY))
        .when_async(command)
        .await
        .then_expect_error(CaseError::SelfApproval);
}

#[test]
fn an_event_without_approval_reads_back_from_the_older_form() {
    let d = input(Some("lt10k-ordinary"), SMALL, 7_500_000);
    let mut json = serde_json::to_value(recorded(LI, &d)).unwrap();
    json["PenaltyDecisionRecorded"]
        .as_object_mut()
        .unwrap()
        .remove("approval");
    assert_eq!(
        serde_json::from_value::<CaseEvent>(json).unwrap(),
        recorded(LI, &d)
    );
}

fn charge(item: &str, amount_fen: u64) -> CaseCommand {
    CaseCommand::ChargeFee {
        actor: officer(LI),
        expected_version: 3,
        item: item.into(),
        amount_fen: Fen(amount_fen),
        note: None,
        at: Some(t(DECIDED)),
    }
}

fn charged(item: &str, amount_fen: u64, standard_fen: Option<u64>) -> CaseEvent {
    CaseEvent::FeeCharged {
        item: item.into(),
        amount_fen: Fen(amount_fen),
        standard_fen: standard_fen.map(Fen),
        at: t(DECIDED),
        by: LI.into(),
        note: None,
    }
}

#[tokio::test]
async fn a_fee_is_recorded_with_its_published_standard() {
    for (item, amount, standard) in [
        ("检验费", 20_000, Some(20_000)),
        (" 检验费 ", 50_000, Some(20_000)),
        ("复制费", 100, Some(0)),
        ("加急费", 10_000, None),
    ] {
        case()
            .given(at_decide(PENALTY))
            .when_async(charge(item, amount))
            .await
            .then_expect_events(vec![charged(item.trim(), amount, standard)]);
    }
}

#[tokio::test]
async fn a_fee_of_nothing_or_without_a_name_is_refused() {
    case()
        .given(at_decide(PENALTY))
        .when_async(charge("检验费", 0))
        .await
        .then_expect_error(CaseError::ZeroFee);
    let result = case()
        .given(at_decide(PENALTY))
        .when_async(charge("  ", 100))
        .await
        .inspect_result();
    assert!(
        matches!(result, Err(CaseError::InvalidText { .. })),
        "{result:?}"
    );
}

const CONCLUDED_AT: &str = "2026-03-20T09:40:00+08:00";

fn concluded_with_decision() -> Vec<CaseEvent> {
    let mut events = at_decide(PENALTY);
    events.push(recorded(
        LI,
        &input(Some("lt10k-ordinary"), SMALL, 7_500_000),
    ));
    events.push(step(
        ("decide", "处罚决定"),
        "给予行政处罚",
        ("punished", "给予行政处罚"),
        CONCLUDED_AT,
        LI,
    ));
    events.push(CaseEvent::CaseConcluded {
        end_step: "punished".into(),
        result: "给予行政处罚".into(),
        at: t(CONCLUDED_AT),
    });
    events
}

fn publish() -> CaseCommand {
    CaseCommand::PublishPenaltyDecision {
        actor: officer(LI),
        document_no: "浦市监处〔2026〕12号".into(),
        violation: "未取得食品经营许可从事食品经营活动".into(),
        penalty: "没收违法所得，罚款人民币七万五千元".into(),
        at: None,
    }
}

fn published_event() -> CaseEvent {
    CaseEvent::PenaltyDecisionPublished {
        document_no: "浦市监处〔2026〕12号".into(),
        violation: "未取得食品经营许可从事食品经营活动".into(),
        penalty: "没收违法所得，罚款人民币七万五千元".into(),
        authority: "上海市浦东新区市场监督管理局".into(),
        decided_at: t(CONCLUDED_AT),
        at: t(NOW),
        by: LI.into(),
    }
}

#[tokio::test]
async fn a_concluded_decision_is_published_once() {
    case()
        .given(concluded_with_decision())
        .when_async(publish())
        .await
        .then_expect_events(vec![published_event()]);
    let mut history = concluded_with_decision();
    history.push(published_event());
    case()
        .given(history)
        .when_async(publish())
        .await
        .then_expect_error(CaseError::AlreadyPublished {
            document_no: "浦市监处〔2026〕12号".into(),
        });
}

#[tokio::test]
async fn an_open_case_has_no_decision_to_publish() {
    case()
        .given(at_decide(PENALTY))
        .when_async(publish())
        .await
        .then_expect_error(CaseError::NoConcludedDecision);
}

#[tokio::test]
async fn a_revoked_decision_is_withdrawn_and_cannot_be_published_again() {
    let mut history = concluded_with_decision();
    history.push(published_event());
    let revoke = CaseCommand::RevokePenaltyDecision {
        actor: officer(LI),
        reason: "经行政复议撤销".into(),
        at: None,
    };
    let revoked = CaseEvent::PenaltyDecisionRevoked {
        reason: "经行政复议撤销".into(),
        at: t(NOW),
        by: LI.into(),
    };
    case()
        .given(history.clone())
        .when_async(revoke.clone())
        .await
        .then_expect_events(vec![revoked.clone()]);
    history.push(revoked);
    let state = state(history.clone());
    assert!(state.penalty.as_ref().unwrap().revoked.is_some());
    assert!(
        state.publication.is_some(),
        "the record of publication stays"
    );
    case()
        .given(history)
        .when_async(revoke)
        .await
        .then_expect_error(CaseError::DecisionRevoked);
}
