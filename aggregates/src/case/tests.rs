//! Given/when/then tests of the case aggregate, and of its time limits (`Case::times`) against
//! the built-in 2026 calendar.
//!
//! 2026 as the built-in calendar has it: holidays 1/1-1/3, 2/15-2/23, 4/4-4/6, 5/1-5/5,
//! 6/19-6/21, 9/25-9/27, 10/1-10/7; make-up workdays 1/4, 2/14, 2/28, 5/9, 9/20, 10/10.
//! Every expected date below was counted by hand from that list.
use crate::money::Fen;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;

use super::*;
use crate::calendar::WorkingCalendar;
use crate::party::{Party, PartyKind};
use crate::power::{Category, PowerStatus, PowerVersionContent, PublishedPower};
use crate::{Actor, Role};

const CODE: &str = "PD-SCJG-XK-001";
const SUSPENDED_CODE: &str = "PD-SCJG-XK-002";
const REVOKED_CODE: &str = "PD-SCJG-XK-003";
const PAUSING_START_CODE: &str = "PD-SCJG-XK-004";
/// A version with an extension (延期) of 10 working days and a step that approves it.
const EXTENDING_CODE: &str = "PD-SCJG-XK-005";
const DEPT: &str = "pudong-amr";
const TRACKING: &str = "PD2026031300001";
const ZHANG: &str = "officer-zhang";
const LI: &str = "officer-li";
const WANG: &str = "officer-wang";

/// A realistic licensing power (食品经营许可), 20 working days statutory, 10 promised.
/// 收件 → 受理 / 不予受理 / 补正 (pauses the clock, loops back) → 审查 (10 days) → 决定
/// (5 days, separate from 审查) → 准予许可 / 不予许可; 审查 may end in an exceptional 撤回.
const CONTENT: &str = r#"
legal_basis:
  - law: 中华人民共和国行政许可法
    article: 第四十二条第一款
statutory_limit_days: 20
promised_limit_days: 10
fees:
  - { name: 工本费, amount_fen: 1000 }
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
    - { id: chehui, name: 撤回, kind: end, result: 申请人撤回 }
  transitions:
    - { from: shoujian, outcome: 受理, to: shencha }
    - { from: shoujian, outcome: 不予受理, to: buyu_shouli }
    - { from: shoujian, outcome: 补正, to: buzheng }
    - { from: buzheng, outcome: 补正完成, to: shoujian }
    - { from: buzheng, outcome: 逾期未补正, to: buyu_shouli }
    - { from: shencha, outcome: 提交决定, to: jueding }
    - { from: shencha, outcome: 撤回, to: chehui, exception: true }
    - { from: jueding, outcome: 准予许可, to: zhunyu }
    - { from: jueding, outcome: 不予许可, to: buyu }
"#;

fn content() -> PowerVersionContent {
    serde_norway::from_str(CONTENT).expect("fixture is well-formed")
}

/// [`CONTENT`] with an extension of 10 working days (行政许可法 第四十二条) and a step 延期审批
/// reached from 审查 whose completion approves it.
fn extending_content() -> PowerVersionContent {
    let mut c = content();
    c.extension = Some(crate::power::Extension {
        days: 10,
        basis: "行政许可法第四十二条第一款".into(),
    });
    let mut yanqi = c.flowchart.steps[2].clone();
    yanqi.id = "yanqi".into();
    yanqi.name = "延期审批".into();
    yanqi.role = Some("分管负责人".into());
    yanqi.limit_days = None;
    yanqi.approves_extension = true;
    c.flowchart.steps.push(yanqi);
    let mut to_yanqi = c.flowchart.transitions[5].clone();
    to_yanqi.outcome = "需延长期限".into();
    to_yanqi.to = "yanqi".into();
    let mut back = to_yanqi.clone();
    back.from = "yanqi".into();
    back.outcome = "负责人同意延期".into();
    back.to = "shencha".into();
    c.flowchart.transitions.extend([to_yanqi, back]);
    c
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("fixture date")
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("fixture date")
}

fn published(
    code: &str,
    version: u32,
    content: PowerVersionContent,
    status: PowerStatus,
) -> Arc<PublishedPower> {
    let flowchart = content.validate().expect("fixture version is valid");
    Arc::new(PublishedPower {
        code: code.into(),
        name: "食品经营许可".into(),
        category: Category::Licensing,
        department: DEPT.into(),
        department_name: "上海市浦东新区市场监督管理局".into(),
        status,
        version,
        content_hash: content.content_hash(),
        content,
        flowchart,
    })
}

/// In-memory published powers, every version of each code, oldest first.
#[derive(Default)]
struct Catalogue {
    powers: HashMap<String, Vec<Arc<PublishedPower>>>,
    broken: bool,
}

impl Catalogue {
    fn standard() -> Self {
        let mut pausing = content();
        pausing.flowchart.steps[0].pauses_clock = true;
        let mut c = Catalogue::default();
        c.add(published(CODE, 1, content(), PowerStatus::Active));
        c.add(published(
            SUSPENDED_CODE,
            1,
            content(),
            PowerStatus::Suspended,
        ));
        c.add(published(REVOKED_CODE, 1, content(), PowerStatus::Revoked));
        c.add(published(
            PAUSING_START_CODE,
            1,
            pausing,
            PowerStatus::Active,
        ));
        c.add(published(
            EXTENDING_CODE,
            1,
            extending_content(),
            PowerStatus::Active,
        ));
        c
    }

    fn add(&mut self, power: Arc<PublishedPower>) {
        self.powers
            .entry(power.code.clone())
            .or_default()
            .push(power);
    }
}

#[async_trait::async_trait]
impl PowerLookup for Catalogue {
    async fn current(&self, code: &str) -> Result<Option<Arc<PublishedPower>>, LookupError> {
        if self.broken {
            return Err(LookupError("database is down".into()));
        }
        Ok(self.powers.get(code).and_then(|v| v.last().cloned()))
    }

    async fn version(
        &self,
        code: &str,
        version: u32,
    ) -> Result<Option<Arc<PublishedPower>>, LookupError> {
        if self.broken {
            return Err(LookupError("database is down".into()));
        }
        Ok(self
            .powers
            .get(code)
            .and_then(|v| v.iter().find(|p| p.version == version).cloned()))
    }
}

struct FixedClock(DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

fn services_with(catalogue: Catalogue, now: &str) -> CaseServices {
    CaseServices {
        powers: Arc::new(catalogue),
        clock: Arc::new(FixedClock(t(now))),
        calendar: Arc::new(super::FixedCalendar(Arc::new(
            crate::calendar::WorkingCalendar::builtin(),
        ))),
    }
}

/// The framework with the standard catalogue and the clock at `now`.
fn case_at(now: &str) -> TestFramework<Case> {
    TestFramework::with(services_with(Catalogue::standard(), now))
}

fn officer(id: &str) -> Actor {
    Actor {
        id: id.into(),
        role: Role::Officer,
        department: Some(DEPT.into()),
    }
}

/// A natural person; the ID number's check digit is valid (GB 11643-1999).
fn party() -> Party {
    Party {
        kind: PartyKind::Person,
        name: "张三".into(),
        id_number: "11010519491231002X".into(),
        phone: Some("021-12345678".into()),
        address: Some("上海市浦东新区世纪大道100号".into()),
    }
}

fn open_cmd(actor: Actor, code: &str, received_at: &str) -> CaseCommand {
    CaseCommand::OpenCase {
        actor,
        tracking_no: TRACKING.into(),
        power_code: code.into(),
        party: party(),
        channel: Channel::Window,
        received_at: t(received_at),
        query_code_salt: "5a17".into(),
        query_code_hash: "9f86d081884c7d659a2feaa0c55ad015".into(),
    }
}

fn opened(received_at: &str) -> CaseEvent {
    CaseEvent::CaseOpened {
        tracking_no: TRACKING.into(),
        power_code: CODE.into(),
        power_version: 1,
        content_hash: content().content_hash(),
        power_name: "食品经营许可".into(),
        department: DEPT.into(),
        party: party(),
        channel: Channel::Window,
        received_at: t(received_at),
        start_step: "shoujian".into(),
        start_step_name: "收件".into(),
        statutory_limit_days: 20,
        promised_limit_days: Some(10),
        query_code_salt: "5a17".into(),
        query_code_hash: "9f86d081884c7d659a2feaa0c55ad015".into(),
        opened_by: ZHANG.into(),
        contact: None,
    }
}

fn step_name(id: &str) -> &'static str {
    match id {
        "shoujian" => "收件",
        "buzheng" => "补正",
        "shencha" => "审查",
        "jueding" => "决定",
        "zhunyu" => "准予许可决定",
        "buyu" => "不予许可决定",
        "buyu_shouli" => "不予受理决定",
        "chehui" => "撤回",
        "yanqi" => "延期审批",
        other => panic!("no fixture step {other}"),
    }
}

fn step(from: &str, outcome: &str, to: &str, at: &str, by: &str) -> CaseEvent {
    CaseEvent::StepCompleted {
        from: from.into(),
        from_name: step_name(from).into(),
        outcome: outcome.into(),
        to: to.into(),
        to_name: step_name(to).into(),
        exception: false,
        at: t(at),
        by: by.into(),
        note: None,
    }
}

fn paused(reason: &str, at: &str, by: &str, step: Option<&str>) -> CaseEvent {
    CaseEvent::ClockPaused {
        reason: reason.into(),
        at: t(at),
        by: by.into(),
        step: step.map(Into::into),
    }
}

fn resumed(reason: &str, at: &str, by: &str, step: Option<&str>) -> CaseEvent {
    CaseEvent::ClockResumed {
        reason: reason.into(),
        at: t(at),
        by: by.into(),
        step: step.map(Into::into),
    }
}

fn concluded(end_step: &str, result: &str, at: &str) -> CaseEvent {
    CaseEvent::CaseConcluded {
        end_step: end_step.into(),
        result: result.into(),
        at: t(at),
    }
}

fn complete(by: &str, expected_version: u64, outcome: &str, at: &str) -> CaseCommand {
    CaseCommand::CompleteStep {
        actor: officer(by),
        expected_version,
        outcome: outcome.into(),
        note: None,
        at: Some(t(at)),
    }
}

fn pause_cmd(by: &str, reason: &str, at: &str) -> CaseCommand {
    CaseCommand::PauseClock {
        actor: officer(by),
        expected_version: None,
        reason: reason.into(),
        at: Some(t(at)),
    }
}

fn resume_cmd(by: &str, reason: &str, at: &str) -> CaseCommand {
    CaseCommand::ResumeClock {
        actor: officer(by),
        expected_version: None,
        reason: reason.into(),
        at: Some(t(at)),
    }
}

fn withdraw_cmd(by: &str, reason: &str, at: &str) -> CaseCommand {
    CaseCommand::WithdrawCase {
        actor: officer(by),
        expected_version: None,
        reason: reason.into(),
        at: Some(t(at)),
    }
}

/// Received Friday 2026-03-13, sent to 补正 on Tuesday 3/17 (clock paused): version 3.
fn in_buzheng() -> Vec<CaseEvent> {
    vec![
        opened("2026-03-13T09:00:00+08:00"),
        step(
            "shoujian",
            "补正",
            "buzheng",
            "2026-03-17T10:00:00+08:00",
            ZHANG,
        ),
        paused("补正", "2026-03-17T10:00:00+08:00", ZHANG, Some("buzheng")),
    ]
}

/// Accepted by Zhang on Monday 3/16, reviewed by Li on Wednesday 3/18: at 决定, version 3.
fn at_jueding() -> Vec<CaseEvent> {
    vec![
        opened("2026-03-13T09:00:00+08:00"),
        step(
            "shoujian",
            "受理",
            "shencha",
            "2026-03-16T10:00:00+08:00",
            ZHANG,
        ),
        step(
            "shencha",
            "提交决定",
            "jueding",
            "2026-03-18T15:00:00+08:00",
            LI,
        ),
    ]
}

fn rebuild(events: &[CaseEvent]) -> Case {
    let mut case = Case::default();
    for e in events {
        case.apply(e.clone());
    }
    case
}

// =============================================================================================
// OpenCase
// =============================================================================================

#[tokio::test]
async fn opens_a_case_pinned_to_the_current_version() {
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(officer(ZHANG), CODE, "2026-03-13T09:00:00+08:00"))
        .await
        .then_expect_events(vec![opened("2026-03-13T09:00:00+08:00")]);
}

#[test]
fn an_opened_case_stands_at_the_start_step() {
    let case = rebuild(&[opened("2026-03-13T09:00:00+08:00")]);
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.version, 1);
    assert_eq!(case.current_step, "shoujian");
    assert_eq!(case.current_step_name, "收件");
    assert_eq!(case.power_version, 1);
    assert_eq!(case.content_hash, content().content_hash());
    assert!(case.content_hash.starts_with("sha256:"));
    assert_eq!(case.entered_step_at, Some(t("2026-03-13T09:00:00+08:00")));
}

#[tokio::test]
async fn a_new_case_pins_the_newest_version() {
    let mut v2 = content();
    v2.promised_limit_days = Some(5);
    let mut catalogue = Catalogue::standard();
    catalogue.add(published(CODE, 2, v2.clone(), PowerStatus::Active));
    let events = TestFramework::<Case>::with(services_with(catalogue, "2026-03-13T10:00:00+08:00"))
        .given_no_previous_events()
        .when_async(open_cmd(officer(ZHANG), CODE, "2026-03-13T09:00:00+08:00"))
        .await
        .inspect_result()
        .expect("the case opens");
    let [
        CaseEvent::CaseOpened {
            power_version,
            content_hash,
            promised_limit_days,
            ..
        },
    ] = events.as_slice()
    else {
        panic!("expected one CaseOpened, got {events:?}");
    };
    assert_eq!(*power_version, 2);
    assert_eq!(*content_hash, v2.content_hash());
    assert_ne!(*content_hash, content().content_hash());
    assert_eq!(*promised_limit_days, Some(5));
}

#[tokio::test]
async fn a_running_case_keeps_its_pinned_version() {
    // Version 2 renames 受理 to 予以受理; the case opened under version 1 still uses 受理.
    let mut v2 = content();
    for tr in &mut v2.flowchart.transitions {
        if tr.outcome == "受理" {
            tr.outcome = "予以受理".into();
        }
    }
    let mut catalogue = Catalogue::standard();
    catalogue.add(published(CODE, 2, v2, PowerStatus::Active));
    TestFramework::<Case>::with(services_with(catalogue, "2026-03-16T12:00:00+08:00"))
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(complete(ZHANG, 1, "受理", "2026-03-16T10:00:00+08:00"))
        .await
        .then_expect_events(vec![step(
            "shoujian",
            "受理",
            "shencha",
            "2026-03-16T10:00:00+08:00",
            ZHANG,
        )]);
}

#[tokio::test]
async fn a_start_step_that_pauses_stops_the_clock_at_once() {
    let events = case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(
            officer(ZHANG),
            PAUSING_START_CODE,
            "2026-03-13T09:00:00+08:00",
        ))
        .await
        .inspect_result()
        .expect("the case opens");
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(events[0], CaseEvent::CaseOpened { .. }));
    assert_eq!(
        events[1],
        paused("收件", "2026-03-13T09:00:00+08:00", ZHANG, Some("shoujian"))
    );
}

#[tokio::test]
async fn only_officers_open_cases() {
    for role in [Role::Admin, Role::Inspector] {
        let actor = Actor {
            id: "someone".into(),
            role,
            department: Some(DEPT.into()),
        };
        case_at("2026-03-13T10:00:00+08:00")
            .given_no_previous_events()
            .when_async(open_cmd(actor, CODE, "2026-03-13T09:00:00+08:00"))
            .await
            .then_expect_error(CaseError::NotAnOfficer);
    }
}

#[tokio::test]
async fn an_officer_of_another_department_may_not_open() {
    let other = Actor {
        id: ZHANG.into(),
        role: Role::Officer,
        department: Some("pudong-hrss".into()),
    };
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(other, CODE, "2026-03-13T09:00:00+08:00"))
        .await
        .then_expect_error(CaseError::WrongDepartment {
            department: DEPT.into(),
        });
}

#[tokio::test]
async fn an_unknown_power_is_refused() {
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(
            officer(ZHANG),
            "PD-NOPE-999",
            "2026-03-13T09:00:00+08:00",
        ))
        .await
        .then_expect_error(CaseError::UnknownPower {
            code: "PD-NOPE-999".into(),
        });
}

#[tokio::test]
async fn a_suspended_power_takes_no_new_cases() {
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(
            officer(ZHANG),
            SUSPENDED_CODE,
            "2026-03-13T09:00:00+08:00",
        ))
        .await
        .then_expect_error(CaseError::PowerNotActive {
            code: SUSPENDED_CODE.into(),
            status: "suspended".into(),
        });
}

#[tokio::test]
async fn a_revoked_power_takes_no_new_cases() {
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(
            officer(ZHANG),
            REVOKED_CODE,
            "2026-03-13T09:00:00+08:00",
        ))
        .await
        .then_expect_error(CaseError::PowerNotActive {
            code: REVOKED_CODE.into(),
            status: "revoked".into(),
        });
}

#[tokio::test]
async fn an_invalid_party_lists_every_problem() {
    let CaseCommand::OpenCase {
        actor,
        tracking_no,
        power_code,
        channel,
        received_at,
        query_code_salt,
        query_code_hash,
        ..
    } = open_cmd(officer(ZHANG), CODE, "2026-03-13T09:00:00+08:00")
    else {
        unreachable!()
    };
    let bad = Party {
        kind: PartyKind::Organisation,
        name: "".into(),
        // A valid resident ID is not a social credit code.
        id_number: "11010519491231002X".into(),
        phone: Some("12".into()),
        address: None,
    };
    let err = case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(CaseCommand::OpenCase {
            actor,
            tracking_no,
            power_code,
            party: bad,
            channel,
            received_at,
            query_code_salt,
            query_code_hash,
        })
        .await
        .inspect_result()
        .expect_err("the party is refused");
    let CaseError::InvalidParty { problems } = err else {
        panic!("expected InvalidParty, got {err:?}");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["party.name", "party.id_number", "party.phone"]);
    assert!(problems[1].message.contains("social credit code"));
}

#[tokio::test]
async fn received_at_in_the_future_is_refused() {
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(officer(ZHANG), CODE, "2026-03-13T10:06:00+08:00"))
        .await
        .then_expect_error(CaseError::InvalidTime(
            "received_at is in the future".into(),
        ));
}

#[tokio::test]
async fn received_at_within_clock_skew_is_accepted() {
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(officer(ZHANG), CODE, "2026-03-13T10:04:00+08:00"))
        .await
        .then_expect_events(vec![opened("2026-03-13T10:04:00+08:00")]);
}

#[tokio::test]
async fn received_at_long_ago_is_refused() {
    case_at("2026-03-13T10:00:00+08:00")
        .given_no_previous_events()
        .when_async(open_cmd(officer(ZHANG), CODE, "2020-01-02T09:00:00+08:00"))
        .await
        .then_expect_error(CaseError::InvalidTime(
            "received_at is more than five years ago".into(),
        ));
}

#[tokio::test]
async fn opening_twice_is_refused() {
    case_at("2026-03-13T10:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(open_cmd(officer(ZHANG), CODE, "2026-03-13T09:00:00+08:00"))
        .await
        .then_expect_error(CaseError::AlreadyOpened);
}

#[tokio::test]
async fn an_unreadable_catalogue_is_unavailable() {
    let catalogue = Catalogue {
        broken: true,
        ..Catalogue::standard()
    };
    TestFramework::<Case>::with(services_with(catalogue, "2026-03-13T10:00:00+08:00"))
        .given_no_previous_events()
        .when_async(open_cmd(officer(ZHANG), CODE, "2026-03-13T09:00:00+08:00"))
        .await
        .then_expect_error(CaseError::Unavailable);
}

// =============================================================================================
// CompleteStep
// =============================================================================================

#[tokio::test]
async fn completes_a_step_along_an_edge() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(CaseCommand::CompleteStep {
            actor: officer(ZHANG),
            expected_version: 1,
            outcome: "受理".into(),
            note: Some("  材料齐全 ".into()),
            at: Some(t("2026-03-16T10:00:00+08:00")),
        })
        .await
        .then_expect_events(vec![CaseEvent::StepCompleted {
            from: "shoujian".into(),
            from_name: "收件".into(),
            outcome: "受理".into(),
            to: "shencha".into(),
            to_name: "审查".into(),
            exception: false,
            at: t("2026-03-16T10:00:00+08:00"),
            by: ZHANG.into(),
            note: Some("材料齐全".into()),
        }]);
}

#[tokio::test]
async fn a_step_without_a_time_is_dated_now() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(CaseCommand::CompleteStep {
            actor: officer(ZHANG),
            expected_version: 1,
            outcome: "受理".into(),
            note: Some("   ".into()),
            at: None,
        })
        .await
        .then_expect_events(vec![step(
            "shoujian",
            "受理",
            "shencha",
            "2026-03-16T12:00:00+08:00",
            ZHANG,
        )]);
}

#[tokio::test]
async fn reaching_an_end_step_concludes_with_its_result() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(complete(ZHANG, 1, "不予受理", "2026-03-16T10:00:00+08:00"))
        .await
        .then_expect_events(vec![
            step(
                "shoujian",
                "不予受理",
                "buyu_shouli",
                "2026-03-16T10:00:00+08:00",
                ZHANG,
            ),
            // The result label, not the end step's name (不予受理决定).
            concluded("buyu_shouli", "不予受理", "2026-03-16T10:00:00+08:00"),
        ]);
}

#[tokio::test]
async fn an_exception_path_is_marked() {
    let mut given = at_jueding();
    given.truncate(2); // at 审查
    case_at("2026-03-20T12:00:00+08:00")
        .given(given)
        .when_async(complete(LI, 2, "撤回", "2026-03-17T10:00:00+08:00"))
        .await
        .then_expect_events(vec![
            CaseEvent::StepCompleted {
                from: "shencha".into(),
                from_name: "审查".into(),
                outcome: "撤回".into(),
                to: "chehui".into(),
                to_name: "撤回".into(),
                exception: true,
                at: t("2026-03-17T10:00:00+08:00"),
                by: LI.into(),
                note: None,
            },
            concluded("chehui", "申请人撤回", "2026-03-17T10:00:00+08:00"),
        ]);
}

#[tokio::test]
async fn an_outcome_off_the_flowchart_names_the_allowed_ones() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(complete(ZHANG, 1, "准予许可", "2026-03-16T10:00:00+08:00"))
        .await
        .then_expect_error(CaseError::OutcomeNotAllowed {
            step: "shoujian".into(),
            outcome: "准予许可".into(),
            allowed: vec![
                AllowedOutcome {
                    outcome: "受理".into(),
                    to: "shencha".into(),
                    to_name: "审查".into(),
                    exception: false,
                },
                AllowedOutcome {
                    outcome: "不予受理".into(),
                    to: "buyu_shouli".into(),
                    to_name: "不予受理决定".into(),
                    exception: false,
                },
                AllowedOutcome {
                    outcome: "补正".into(),
                    to: "buzheng".into(),
                    to_name: "补正".into(),
                    exception: false,
                },
            ],
        });
}

#[tokio::test]
async fn the_allowed_outcomes_include_exception_paths() {
    let mut given = at_jueding();
    given.truncate(2); // at 审查
    let err = case_at("2026-03-20T12:00:00+08:00")
        .given(given)
        .when_async(complete(LI, 2, "受理", "2026-03-17T10:00:00+08:00"))
        .await
        .inspect_result()
        .expect_err("受理 is not an outcome of 审查");
    let CaseError::OutcomeNotAllowed { step, allowed, .. } = err else {
        panic!("expected OutcomeNotAllowed, got {err:?}");
    };
    assert_eq!(step, "shencha");
    let labels: Vec<(&str, bool)> = allowed
        .iter()
        .map(|a| (a.outcome.as_str(), a.exception))
        .collect();
    assert_eq!(labels, [("提交决定", false), ("撤回", true)]);
}

#[tokio::test]
async fn a_stale_version_is_refused_with_the_actual_one() {
    case_at("2026-03-20T12:00:00+08:00")
        .given(at_jueding())
        .when_async(complete(WANG, 2, "准予许可", "2026-03-19T10:00:00+08:00"))
        .await
        .then_expect_error(CaseError::StaleVersion {
            expected: 2,
            actual: 3,
        });
}

#[tokio::test]
async fn a_stale_version_is_refused_on_pause_too() {
    case_at("2026-03-20T12:00:00+08:00")
        .given(at_jueding())
        .when_async(CaseCommand::PauseClock {
            actor: officer(WANG),
            expected_version: Some(7),
            reason: "组织听证".into(),
            at: None,
        })
        .await
        .then_expect_error(CaseError::StaleVersion {
            expected: 7,
            actual: 3,
        });
}

#[tokio::test]
async fn entering_buzheng_pauses_the_clock() {
    case_at("2026-03-17T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(complete(ZHANG, 1, "补正", "2026-03-17T10:00:00+08:00"))
        .await
        .then_expect_events(in_buzheng()[1..].to_vec());
}

#[tokio::test]
async fn leaving_buzheng_resumes_the_clock() {
    case_at("2026-03-19T16:00:00+08:00")
        .given(in_buzheng())
        .when_async(complete(ZHANG, 3, "补正完成", "2026-03-19T15:00:00+08:00"))
        .await
        .then_expect_events(vec![
            resumed(
                "补正：补正完成",
                "2026-03-19T15:00:00+08:00",
                ZHANG,
                Some("buzheng"),
            ),
            step(
                "buzheng",
                "补正完成",
                "shoujian",
                "2026-03-19T15:00:00+08:00",
                ZHANG,
            ),
        ]);
}

#[tokio::test]
async fn concluding_from_buzheng_closes_the_pause_first() {
    case_at("2026-03-30T16:00:00+08:00")
        .given(in_buzheng())
        .when_async(complete(
            ZHANG,
            3,
            "逾期未补正",
            "2026-03-30T15:00:00+08:00",
        ))
        .await
        .then_expect_events(vec![
            resumed(
                "补正：逾期未补正",
                "2026-03-30T15:00:00+08:00",
                ZHANG,
                Some("buzheng"),
            ),
            step(
                "buzheng",
                "逾期未补正",
                "buyu_shouli",
                "2026-03-30T15:00:00+08:00",
                ZHANG,
            ),
            concluded("buyu_shouli", "不予受理", "2026-03-30T15:00:00+08:00"),
        ]);
}

#[tokio::test]
async fn completing_a_step_ends_a_manual_pause() {
    let mut given = vec![opened("2026-03-13T09:00:00+08:00")];
    given.push(paused("等待鉴定", "2026-03-16T09:00:00+08:00", ZHANG, None));
    case_at("2026-03-18T12:00:00+08:00")
        .given(given)
        .when_async(complete(ZHANG, 2, "受理", "2026-03-18T10:00:00+08:00"))
        .await
        .then_expect_events(vec![
            resumed("办理环节推进", "2026-03-18T10:00:00+08:00", ZHANG, None),
            step(
                "shoujian",
                "受理",
                "shencha",
                "2026-03-18T10:00:00+08:00",
                ZHANG,
            ),
        ]);
}

#[tokio::test]
async fn the_same_person_may_not_review_and_decide() {
    case_at("2026-03-20T12:00:00+08:00")
        .given(at_jueding())
        .when_async(complete(LI, 3, "准予许可", "2026-03-19T10:00:00+08:00"))
        .await
        .then_expect_error(CaseError::SeparationOfDuties {
            step: "jueding".into(),
            other: "shencha".into(),
        });
}

#[tokio::test]
async fn another_person_may_decide() {
    // Zhang did 收件, which is not separated from 决定.
    case_at("2026-03-20T12:00:00+08:00")
        .given(at_jueding())
        .when_async(complete(ZHANG, 3, "准予许可", "2026-03-19T10:00:00+08:00"))
        .await
        .then_expect_events(vec![
            step(
                "jueding",
                "准予许可",
                "zhunyu",
                "2026-03-19T10:00:00+08:00",
                ZHANG,
            ),
            concluded("zhunyu", "准予许可", "2026-03-19T10:00:00+08:00"),
        ]);
}

#[tokio::test]
async fn a_step_dated_before_the_previous_one_is_refused() {
    // 09:59 in China is 01:59 UTC: the comparison is of instants, not of local clock faces.
    for at in ["2026-03-18T14:59:00+08:00", "2026-03-18T06:59:00Z"] {
        case_at("2026-03-20T12:00:00+08:00")
            .given(at_jueding())
            .when_async(complete(WANG, 3, "准予许可", at))
            .await
            .then_expect_error(CaseError::InvalidTime(
                "the time given is before the case's previous step (2026-03-18T15:00:00+08:00)"
                    .into(),
            ));
    }
}

#[tokio::test]
async fn a_step_dated_at_the_previous_time_is_accepted() {
    case_at("2026-03-20T12:00:00+08:00")
        .given(at_jueding())
        .when_async(complete(WANG, 3, "不予许可", "2026-03-18T07:00:00Z"))
        .await
        .then_expect_events(vec![
            step(
                "jueding",
                "不予许可",
                "buyu",
                "2026-03-18T15:00:00+08:00",
                WANG,
            ),
            concluded("buyu", "不予许可", "2026-03-18T15:00:00+08:00"),
        ]);
}

#[tokio::test]
async fn a_step_dated_in_the_future_is_refused() {
    case_at("2026-03-20T12:00:00+08:00")
        .given(at_jueding())
        .when_async(complete(WANG, 3, "准予许可", "2026-03-20T12:06:00+08:00"))
        .await
        .then_expect_error(CaseError::InvalidTime(
            "the time given is in the future".into(),
        ));
}

#[tokio::test]
async fn an_overlong_note_is_refused() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(CaseCommand::CompleteStep {
            actor: officer(ZHANG),
            expected_version: 1,
            outcome: "受理".into(),
            note: Some("注".repeat(501)),
            at: None,
        })
        .await
        .then_expect_error(CaseError::InvalidText {
            field: "note".into(),
            message: "at most 500 characters, no control characters".into(),
        });
}

#[tokio::test]
async fn only_officers_of_the_department_handle_the_case() {
    let admin = Actor {
        id: "admin-001".into(),
        role: Role::Admin,
        department: Some(DEPT.into()),
    };
    let stranger = Actor {
        id: ZHANG.into(),
        role: Role::Officer,
        department: Some("pudong-hrss".into()),
    };
    for (actor, expected) in [
        (admin, CaseError::NotAnOfficer),
        (
            stranger,
            CaseError::WrongDepartment {
                department: DEPT.into(),
            },
        ),
    ] {
        case_at("2026-03-16T12:00:00+08:00")
            .given(vec![opened("2026-03-13T09:00:00+08:00")])
            .when_async(CaseCommand::CompleteStep {
                actor,
                expected_version: 1,
                outcome: "受理".into(),
                note: None,
                at: None,
            })
            .await
            .then_expect_error(expected);
    }
}

#[tokio::test]
async fn commands_on_an_unopened_case_are_refused() {
    case_at("2026-03-16T12:00:00+08:00")
        .given_no_previous_events()
        .when_async(complete(ZHANG, 0, "受理", "2026-03-16T10:00:00+08:00"))
        .await
        .then_expect_error(CaseError::NotOpened);
}

#[tokio::test]
async fn a_changed_pinned_version_makes_the_case_unavailable() {
    // The catalogue answers version 1 with other content than the case pinned.
    let mut other = content();
    other.statutory_limit_days = 15;
    let mut catalogue = Catalogue::default();
    catalogue.add(published(CODE, 1, other, PowerStatus::Active));
    TestFramework::<Case>::with(services_with(catalogue, "2026-03-16T12:00:00+08:00"))
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(complete(ZHANG, 1, "受理", "2026-03-16T10:00:00+08:00"))
        .await
        .then_expect_error(CaseError::Unavailable);
}

// =============================================================================================
// PauseClock / ResumeClock
// =============================================================================================

#[tokio::test]
async fn pauses_and_resumes_manually_with_reasons() {
    case_at("2026-03-17T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(pause_cmd(ZHANG, " 组织听证 ", "2026-03-16T09:00:00+08:00"))
        .await
        .then_expect_events(vec![paused(
            "组织听证",
            "2026-03-16T09:00:00+08:00",
            ZHANG,
            None,
        )]);
    case_at("2026-03-20T12:00:00+08:00")
        .given(vec![
            opened("2026-03-13T09:00:00+08:00"),
            paused("组织听证", "2026-03-16T09:00:00+08:00", ZHANG, None),
        ])
        .when_async(resume_cmd(LI, "听证结束", "2026-03-19T09:00:00+08:00"))
        .await
        .then_expect_events(vec![resumed(
            "听证结束",
            "2026-03-19T09:00:00+08:00",
            LI,
            None,
        )]);
}

#[tokio::test]
async fn a_pause_needs_a_reason() {
    for reason in ["", "   ", "听\u{0}证"] {
        let err = case_at("2026-03-17T12:00:00+08:00")
            .given(vec![opened("2026-03-13T09:00:00+08:00")])
            .when_async(pause_cmd(ZHANG, reason, "2026-03-16T09:00:00+08:00"))
            .await
            .inspect_result()
            .expect_err("the reason is refused");
        assert!(
            matches!(&err, CaseError::InvalidText { field, .. } if field == "reason"),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_resume_needs_a_reason() {
    case_at("2026-03-20T12:00:00+08:00")
        .given(vec![
            opened("2026-03-13T09:00:00+08:00"),
            paused("组织听证", "2026-03-16T09:00:00+08:00", ZHANG, None),
        ])
        .when_async(resume_cmd(LI, " ", "2026-03-19T09:00:00+08:00"))
        .await
        .then_expect_error(CaseError::InvalidText {
            field: "reason".into(),
            message: "required, 1 to 500 characters".into(),
        });
}

#[tokio::test]
async fn resuming_a_clock_held_by_a_step_is_refused() {
    case_at("2026-03-18T12:00:00+08:00")
        .given(in_buzheng())
        .when_async(resume_cmd(
            ZHANG,
            "申请人已补正",
            "2026-03-18T10:00:00+08:00",
        ))
        .await
        .then_expect_error(CaseError::ClockHeldByStep {
            step: "buzheng".into(),
        });
}

#[tokio::test]
async fn pausing_a_paused_clock_is_refused() {
    for given in [
        in_buzheng(),
        vec![
            opened("2026-03-13T09:00:00+08:00"),
            paused("组织听证", "2026-03-16T09:00:00+08:00", ZHANG, None),
        ],
    ] {
        case_at("2026-03-18T12:00:00+08:00")
            .given(given)
            .when_async(pause_cmd(ZHANG, "等待鉴定", "2026-03-18T10:00:00+08:00"))
            .await
            .then_expect_error(CaseError::AlreadyPaused);
    }
}

#[tokio::test]
async fn resuming_a_running_clock_is_refused() {
    case_at("2026-03-18T12:00:00+08:00")
        .given(vec![
            opened("2026-03-13T09:00:00+08:00"),
            paused("组织听证", "2026-03-16T09:00:00+08:00", ZHANG, None),
            resumed("听证结束", "2026-03-17T09:00:00+08:00", ZHANG, None),
        ])
        .when_async(resume_cmd(ZHANG, "恢复", "2026-03-18T10:00:00+08:00"))
        .await
        .then_expect_error(CaseError::NotPaused);
}

// =============================================================================================
// WithdrawCase and closed cases
// =============================================================================================

#[tokio::test]
async fn withdraws_a_running_case() {
    case_at("2026-03-18T17:00:00+08:00")
        .given(at_jueding())
        .when_async(withdraw_cmd(
            WANG,
            "申请人撤回申请",
            "2026-03-18T16:00:00+08:00",
        ))
        .await
        .then_expect_events(vec![CaseEvent::CaseWithdrawn {
            reason: "申请人撤回申请".into(),
            at: t("2026-03-18T16:00:00+08:00"),
            by: WANG.into(),
        }]);
}

#[tokio::test]
async fn withdrawing_while_paused_closes_the_pause() {
    let events = case_at("2026-03-18T12:00:00+08:00")
        .given(in_buzheng())
        .when_async(withdraw_cmd(
            ZHANG,
            "申请人撤回申请",
            "2026-03-18T10:00:00+08:00",
        ))
        .await
        .inspect_result()
        .expect("the case is withdrawn");
    assert_eq!(
        events,
        vec![
            resumed("撤回", "2026-03-18T10:00:00+08:00", ZHANG, Some("buzheng")),
            CaseEvent::CaseWithdrawn {
                reason: "申请人撤回申请".into(),
                at: t("2026-03-18T10:00:00+08:00"),
                by: ZHANG.into(),
            },
        ]
    );
    let mut all = in_buzheng();
    all.extend(events);
    let case = rebuild(&all);
    assert_eq!(case.status, CaseStatus::Withdrawn);
    assert_eq!(case.open_pause(), None);
    assert_eq!(case.pauses[0].until, Some(t("2026-03-18T10:00:00+08:00")));
    assert_eq!(case.closed_at, Some(t("2026-03-18T10:00:00+08:00")));
}

#[tokio::test]
async fn a_withdrawal_needs_a_reason() {
    case_at("2026-03-18T17:00:00+08:00")
        .given(at_jueding())
        .when_async(withdraw_cmd(WANG, "", "2026-03-18T16:00:00+08:00"))
        .await
        .then_expect_error(CaseError::InvalidText {
            field: "reason".into(),
            message: "required, 1 to 500 characters".into(),
        });
}

fn closed_cases() -> Vec<(Vec<CaseEvent>, &'static str)> {
    let mut concluded_case = at_jueding();
    concluded_case.push(step(
        "jueding",
        "准予许可",
        "zhunyu",
        "2026-03-19T10:00:00+08:00",
        ZHANG,
    ));
    concluded_case.push(concluded("zhunyu", "准予许可", "2026-03-19T10:00:00+08:00"));
    let withdrawn_case = vec![
        opened("2026-03-13T09:00:00+08:00"),
        CaseEvent::CaseWithdrawn {
            reason: "申请人撤回申请".into(),
            at: t("2026-03-16T10:00:00+08:00"),
            by: ZHANG.into(),
        },
    ];
    vec![(concluded_case, "concluded"), (withdrawn_case, "withdrawn")]
}

#[tokio::test]
async fn commands_on_a_closed_case_are_refused() {
    for (given, status) in closed_cases() {
        let version = given.len() as u64;
        let at = "2026-03-20T10:00:00+08:00";
        for cmd in [
            complete(WANG, version, "准予许可", at),
            pause_cmd(WANG, "组织听证", at),
            resume_cmd(WANG, "恢复", at),
            withdraw_cmd(WANG, "撤回", at),
        ] {
            case_at("2026-03-20T12:00:00+08:00")
                .given(given.clone())
                .when_async(cmd)
                .await
                .then_expect_error(CaseError::CaseClosed {
                    status: status.into(),
                });
        }
    }
}

#[test]
fn a_closed_case_allows_no_outcome() {
    let flowchart = content().validate().expect("fixture is valid");
    for (given, _) in closed_cases() {
        assert!(rebuild(&given).allowed(&flowchart).is_empty());
    }
    assert_eq!(rebuild(&at_jueding()).allowed(&flowchart).len(), 2);
}

// =============================================================================================
// Time limits (Case::times) with the built-in calendar
// =============================================================================================

fn times(events: &[CaseEvent], now: &str) -> CaseTimes {
    let flowchart = content().validate().expect("fixture is valid");
    rebuild(events)
        .times(&flowchart, &WorkingCalendar::builtin(), t(now))
        .expect("2026 is covered")
}

fn limit(limit_days: u32, start: &str, used_days: u32, due: Option<&str>) -> LimitStatus {
    LimitStatus {
        limit_days,
        start: d(start),
        used_days,
        remaining_days: i64::from(limit_days) - i64::from(used_days),
        due: due.map(d),
        overdue: used_days > limit_days,
        provisional: false,
        provisional_years: vec![],
        extended_days: 0,
        missing_year: None,
    }
}

/// Received Friday 2026-04-24, just before 劳动节 (5/1-5/5, make-up Saturday 5/9).
fn before_labour_day() -> Vec<CaseEvent> {
    vec![opened("2026-04-24T09:00:00+08:00")]
}

#[test]
fn a_case_received_on_a_friday_has_its_due_dates() {
    // Counting starts Monday 4/27: 4/27-4/30 are days 1-4; 5/1-5/5 are off; 5/6-5/8 are 5-7;
    // Saturday 5/9 is a make-up workday (8); 5/11 and 5/12 are 9 and 10 (promised due);
    // 5/13-5/15 are 11-13, 5/18-5/22 are 14-18, 5/25 is 19 and 5/26 is 20 (statutory due).
    // The start step 收件 has 5 days of its own: 4/27-4/30 and 5/6.
    let times = times(&before_labour_day(), "2026-04-24T16:00:00+08:00");
    assert_eq!(
        times.statutory,
        limit(20, "2026-04-24", 0, Some("2026-05-26"))
    );
    assert_eq!(
        times.promised,
        Some(limit(10, "2026-04-24", 0, Some("2026-05-12")))
    );
    assert_eq!(
        times.step,
        Some(limit(5, "2026-04-24", 0, Some("2026-05-06")))
    );
    assert!(times.paused.is_empty());
}

#[test]
fn received_at_is_dated_in_china() {
    // 17:00 UTC on Thursday 4/23 is 01:00 on Friday 4/24 in China.
    let mut events = before_labour_day();
    let CaseEvent::CaseOpened { received_at, .. } = &mut events[0] else {
        unreachable!()
    };
    *received_at = t("2026-04-23T17:00:00Z");
    let times = times(&events, "2026-04-24T16:00:00+08:00");
    assert_eq!(times.statutory.start, d("2026-04-24"));
    assert_eq!(times.statutory.due, Some(d("2026-05-26")));
}

#[test]
fn days_used_count_working_days_only() {
    // Thursday 4/30: 4/27, 4/28, 4/29, 4/30.
    let at_month_end = times(&before_labour_day(), "2026-04-30T10:00:00+08:00");
    assert_eq!(
        at_month_end.statutory,
        limit(20, "2026-04-24", 4, Some("2026-05-26"))
    );
    // Tuesday 5/5 is still 劳动节: nothing more is used.
    let in_holiday = times(&before_labour_day(), "2026-05-05T10:00:00+08:00");
    assert_eq!(in_holiday.statutory.used_days, 4);
    // Wednesday 5/6 is day 5; Saturday 5/9 is a make-up workday, day 8.
    let after = times(&before_labour_day(), "2026-05-06T10:00:00+08:00");
    assert_eq!(after.statutory.used_days, 5);
    assert_eq!(after.statutory.remaining_days, 15);
    assert_eq!(
        after.promised,
        Some(limit(10, "2026-04-24", 5, Some("2026-05-12")))
    );
    // 收件 has used all its 5 days on 5/6 but is not yet overdue.
    assert_eq!(
        after.step,
        Some(limit(5, "2026-04-24", 5, Some("2026-05-06")))
    );
    let make_up = times(&before_labour_day(), "2026-05-09T10:00:00+08:00");
    assert_eq!(make_up.statutory.used_days, 8);
    assert_eq!(make_up.statutory.remaining_days, 12);
    assert!(make_up.step.as_ref().is_some_and(|s| s.overdue));
}

/// Received Friday 3/13; 补正 from Tuesday 3/17 10:00 to Thursday 3/19 15:00, back at 收件.
fn with_buzheng_pause() -> Vec<CaseEvent> {
    let mut events = in_buzheng();
    events.push(resumed(
        "补正：补正完成",
        "2026-03-19T15:00:00+08:00",
        ZHANG,
        Some("buzheng"),
    ));
    events.push(step(
        "buzheng",
        "补正完成",
        "shoujian",
        "2026-03-19T15:00:00+08:00",
        ZHANG,
    ));
    events
}

#[test]
fn a_pause_moves_the_due_dates_by_the_paused_working_days() {
    // Without the pause: counting from Monday 3/16, day 10 is Friday 3/27; day 20 crosses 清明
    // (4/4-4/6) and is Monday 4/13.
    let plain = times(
        &[opened("2026-03-13T09:00:00+08:00")],
        "2026-03-20T10:00:00+08:00",
    );
    assert_eq!(
        plain.promised.as_ref().and_then(|p| p.due),
        Some(d("2026-03-27"))
    );
    assert_eq!(plain.statutory.due, Some(d("2026-04-13")));
    assert_eq!(plain.statutory.used_days, 5);

    // Paused on 3/17 and 3/18 (two working days; 3/19 counts again): both due dates move by
    // two working days, to Tuesday 3/31 and Wednesday 4/15.
    let moved = times(&with_buzheng_pause(), "2026-03-20T10:00:00+08:00");
    assert_eq!(
        moved.statutory,
        limit(20, "2026-03-13", 3, Some("2026-04-15"))
    );
    assert_eq!(
        moved.promised,
        Some(limit(10, "2026-03-13", 3, Some("2026-03-31")))
    );
    let calendar = WorkingCalendar::builtin();
    for (before, after) in [
        (plain.statutory.due, moved.statutory.due),
        (
            plain.promised.and_then(|p| p.due),
            moved.promised.and_then(|p| p.due),
        ),
    ] {
        let (before, after) = (before.expect("due"), after.expect("due"));
        assert_eq!(
            calendar
                .working_days_between(before, after, &[])
                .expect("covered"),
            2
        );
    }
    assert_eq!(
        moved.paused,
        vec![PausedSpan {
            from: t("2026-03-17T10:00:00+08:00"),
            until: Some(t("2026-03-19T15:00:00+08:00")),
            reason: "补正".into(),
        }]
    );
    // Back at 收件 since 3/19: its own 5 days run from there (3/20, 3/23 ... 3/26).
    assert_eq!(
        moved.step,
        Some(limit(5, "2026-03-19", 1, Some("2026-03-26")))
    );
}

#[test]
fn while_paused_there_is_no_due_date() {
    // Wednesday 3/18, still in 补正: only Monday 3/16 has been used.
    let now = times(&in_buzheng(), "2026-03-18T11:00:00+08:00");
    assert_eq!(now.statutory, limit(20, "2026-03-13", 1, None));
    assert_eq!(now.promised, Some(limit(10, "2026-03-13", 1, None)));
    // 补正 has no limit of its own.
    assert_eq!(now.step, None);
    assert_eq!(now.paused.len(), 1);
    assert_eq!(now.paused[0].until, None);
    // A week later the count has not moved.
    let later = times(&in_buzheng(), "2026-03-25T11:00:00+08:00");
    assert_eq!(later.statutory.used_days, 1);
    assert_eq!(later.statutory.due, None);
}

#[test]
fn a_steps_own_limit_counts_from_when_the_case_entered_it() {
    // 审查 (10 days) entered Monday 3/16: 3/17-3/20 are days 1-4, 3/23-3/27 days 5-9, Monday
    // 3/30 is day 10. The statutory count started earlier: 3/16-3/20 are five days.
    let mut events = at_jueding();
    events.truncate(2);
    let times = times(&events, "2026-03-20T10:00:00+08:00");
    assert_eq!(
        times.step,
        Some(limit(10, "2026-03-16", 4, Some("2026-03-30")))
    );
    assert_eq!(times.statutory.used_days, 5);
}

#[test]
fn a_step_limit_entered_before_a_holiday_skips_it() {
    // 决定 (5 days) entered Tuesday 3/31: 4/1-4/3 are days 1-3, 清明 4/4-4/6 is off, 4/7 and
    // 4/8 are days 4 and 5.
    let events = vec![
        opened("2026-03-13T09:00:00+08:00"),
        step(
            "shoujian",
            "受理",
            "shencha",
            "2026-03-16T10:00:00+08:00",
            ZHANG,
        ),
        step(
            "shencha",
            "提交决定",
            "jueding",
            "2026-03-31T15:00:00+08:00",
            LI,
        ),
    ];
    let times = times(&events, "2026-04-07T10:00:00+08:00");
    assert_eq!(
        times.step,
        Some(limit(5, "2026-03-31", 4, Some("2026-04-08")))
    );
}

#[test]
fn an_overdue_case_has_negative_remaining_days() {
    // Received 3/13, statutory due 4/13. On Thursday 4/16, 23 working days are used: 3/16-4/3
    // (15), 4/7-4/10 (4), 4/13-4/16 (4).
    let events = [opened("2026-03-13T09:00:00+08:00")];
    let times = times(&events, "2026-04-16T10:00:00+08:00");
    assert_eq!(times.statutory.used_days, 23);
    assert_eq!(times.statutory.remaining_days, -3);
    assert!(times.statutory.overdue);
    assert_eq!(times.statutory.due, Some(d("2026-04-13")));
    let promised = times.promised.expect("a promised limit");
    assert_eq!(promised.remaining_days, -13);
    assert!(promised.overdue);
    // Still at 收件 (5 days, due 3/20).
    let step = times.step.expect("收件 has a limit");
    assert_eq!(step.due, Some(d("2026-03-20")));
    assert_eq!(step.remaining_days, -18);
    assert!(step.overdue);
}

#[test]
fn on_the_due_day_a_case_is_not_yet_overdue() {
    let events = [opened("2026-03-13T09:00:00+08:00")];
    let times = times(&events, "2026-04-13T17:00:00+08:00");
    assert_eq!(
        times.statutory,
        limit(20, "2026-03-13", 20, Some("2026-04-13"))
    );
    assert!(!times.statutory.overdue);
}

#[test]
fn a_closed_case_stops_counting() {
    // Concluded Thursday 3/19 (3/16-3/19: four days); asked a month later.
    let mut events = at_jueding();
    events.push(step(
        "jueding",
        "准予许可",
        "zhunyu",
        "2026-03-19T10:00:00+08:00",
        ZHANG,
    ));
    events.push(concluded("zhunyu", "准予许可", "2026-03-19T10:00:00+08:00"));
    let times = times(&events, "2026-04-20T10:00:00+08:00");
    assert_eq!(
        times.statutory,
        limit(20, "2026-03-13", 4, Some("2026-04-13"))
    );
    assert_eq!(times.step, None, "a closed case has no step limit");
}

#[test]
fn a_case_withdrawn_while_paused_has_a_closed_pause() {
    // Paused 3/17, withdrawn 3/19: used 3/16 only; the pause is closed so the due date is back.
    let mut events = in_buzheng();
    events.push(resumed(
        "撤回",
        "2026-03-19T10:00:00+08:00",
        ZHANG,
        Some("buzheng"),
    ));
    events.push(CaseEvent::CaseWithdrawn {
        reason: "申请人撤回申请".into(),
        at: t("2026-03-19T10:00:00+08:00"),
        by: ZHANG.into(),
    });
    let times = times(&events, "2026-04-20T10:00:00+08:00");
    assert_eq!(times.statutory.used_days, 2, "3/16 and 3/19");
    assert_eq!(times.statutory.due, Some(d("2026-04-15")));
    assert!(times.paused.iter().all(|p| p.until.is_some()));
}

// Fees charged (收费): recorded with the published amount of the item, never corrected.

fn fee_cmd(by: &str, version: u64, item: &str, amount_fen: u64) -> CaseCommand {
    CaseCommand::ChargeFee {
        actor: officer(by),
        expected_version: version,
        item: item.into(),
        amount_fen: Fen(amount_fen),
        note: Some("票据 0001".into()),
        at: Some(t("2026-03-16T10:00:00+08:00")),
    }
}

fn charged(item: &str, amount_fen: u64, standard_fen: Option<u64>) -> CaseEvent {
    CaseEvent::FeeCharged {
        item: item.into(),
        amount_fen: Fen(amount_fen),
        standard_fen: standard_fen.map(Fen),
        at: t("2026-03-16T10:00:00+08:00"),
        by: ZHANG.into(),
        note: Some("票据 0001".into()),
    }
}

#[tokio::test]
async fn a_fee_is_recorded_with_the_published_amount_of_its_item() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(fee_cmd(ZHANG, 1, " 工本费 ", 1000))
        .await
        .then_expect_events(vec![charged("工本费", 1000, Some(1000))]);
}

#[tokio::test]
async fn a_fee_above_the_schedule_or_off_it_is_recorded_as_charged() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(fee_cmd(ZHANG, 1, "工本费", 5000))
        .await
        .then_expect_events(vec![charged("工本费", 5000, Some(1000))]);
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(fee_cmd(ZHANG, 1, "加急费", 2000))
        .await
        .then_expect_events(vec![charged("加急费", 2000, None)]);
}

#[tokio::test]
async fn a_fee_needs_an_item_and_an_amount() {
    for (item, amount) in [
        ("", 1000),
        ("工本费", 0),
        ("工\u{7}本费", 1000),
        ("工本费", 2_000_000_000),
    ] {
        let error = case_at("2026-03-16T12:00:00+08:00")
            .given(vec![opened("2026-03-13T09:00:00+08:00")])
            .when_async(fee_cmd(ZHANG, 1, item, amount))
            .await
            .inspect_result()
            .unwrap_err();
        assert!(
            matches!(error, CaseError::InvalidText { .. } | CaseError::ZeroFee),
            "{item:?} {amount}: {error:?}"
        );
        assert_eq!(matches!(error, CaseError::ZeroFee), amount == 0);
    }
}

#[tokio::test]
async fn a_fee_is_refused_on_a_stale_version_a_closed_case_or_by_another_department() {
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(fee_cmd(ZHANG, 7, "工本费", 1000))
        .await
        .then_expect_error(CaseError::StaleVersion {
            expected: 7,
            actual: 1,
        });
    let mut outsider = fee_cmd(ZHANG, 1, "工本费", 1000);
    if let CaseCommand::ChargeFee { actor, .. } = &mut outsider {
        actor.department = Some("other-dept".into());
    }
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00")])
        .when_async(outsider)
        .await
        .then_expect_error(CaseError::WrongDepartment {
            department: DEPT.into(),
        });
    let withdrawn = CaseEvent::CaseWithdrawn {
        reason: "申请人撤回".into(),
        at: t("2026-03-14T10:00:00+08:00"),
        by: ZHANG.into(),
    };
    case_at("2026-03-16T12:00:00+08:00")
        .given(vec![opened("2026-03-13T09:00:00+08:00"), withdrawn])
        .when_async(fee_cmd(ZHANG, 2, "工本费", 1000))
        .await
        .then_expect_error(CaseError::CaseClosed {
            status: "withdrawn".into(),
        });
}

#[test]
fn fees_charged_are_kept_on_the_case_in_order() {
    let case = rebuild(&[
        opened("2026-03-13T09:00:00+08:00"),
        charged("工本费", 1000, Some(1000)),
        charged("加急费", 2000, None),
    ]);
    assert_eq!(case.version, 3);
    let items: Vec<&str> = case.fees.iter().map(|f| f.item.as_str()).collect();
    assert_eq!(items, ["工本费", "加急费"]);
    assert_eq!(case.fees[1].standard_fen, None);
}

// ---------------------------------------------------------------------------
// Extensions (延期).
// ---------------------------------------------------------------------------

fn opened_extending(received_at: &str) -> CaseEvent {
    let CaseEvent::CaseOpened {
        tracking_no,
        power_name,
        department,
        party,
        channel,
        received_at: _,
        start_step,
        start_step_name,
        statutory_limit_days,
        promised_limit_days,
        query_code_salt,
        query_code_hash,
        opened_by,
        ..
    } = opened(received_at)
    else {
        unreachable!()
    };
    CaseEvent::CaseOpened {
        tracking_no,
        power_code: EXTENDING_CODE.into(),
        power_version: 1,
        content_hash: extending_content().content_hash(),
        power_name,
        department,
        party,
        channel,
        received_at: t(received_at),
        start_step,
        start_step_name,
        statutory_limit_days,
        promised_limit_days,
        query_code_salt,
        query_code_hash,
        opened_by,
        contact: None,
    }
}

fn extend_cmd(by: &str, version: u64, days: u32, at: &str) -> CaseCommand {
    CaseCommand::ExtendLimit {
        actor: officer(by),
        expected_version: version,
        days,
        approved_by: "副局长 王某".into(),
        reason: "需现场核查的经营场所较多".into(),
        at: Some(t(at)),
    }
}

fn extended(
    days: u32,
    by: &str,
    at: &str,
    step: Option<&str>,
    reason: &str,
    approved_by: &str,
) -> CaseEvent {
    CaseEvent::LimitExtended {
        days,
        approved_by: approved_by.into(),
        reason: reason.into(),
        at: t(at),
        by: by.into(),
        step: step.map(Into::into),
    }
}

/// Received Monday 2026-03-02: 20 working days end on Monday 30 March.
fn accepted_extending() -> Vec<CaseEvent> {
    vec![
        opened_extending("2026-03-02T09:00:00+08:00"),
        step(
            "shoujian",
            "受理",
            "shencha",
            "2026-03-02T10:00:00+08:00",
            ZHANG,
        ),
    ]
}

#[test]
fn an_extension_within_the_limit_is_recorded_and_moves_both_due_dates() {
    case_at("2026-03-20T10:00:00+08:00")
        .given(accepted_extending())
        .when(extend_cmd(ZHANG, 2, 10, "2026-03-20T09:00:00+08:00"))
        .then_expect_events(vec![extended(
            10,
            ZHANG,
            "2026-03-20T09:00:00+08:00",
            None,
            "需现场核查的经营场所较多",
            "副局长 王某",
        )]);
    let mut events = accepted_extending();
    events.push(extended(
        10,
        ZHANG,
        "2026-03-20T09:00:00+08:00",
        None,
        "r",
        "a",
    ));
    let state = rebuild(&events);
    assert_eq!(state.extended_days, 10);
    let flowchart = extending_content().validate().unwrap();
    let times = state
        .times(
            &flowchart,
            &WorkingCalendar::builtin(),
            t("2026-04-01T09:00:00+08:00"),
        )
        .unwrap();
    // 30 working days from 3/2: 3/30 was the 20th; 清明 4/4-4/6 off; the 30th is 4/14.
    assert_eq!(times.statutory.limit_days, 30);
    assert_eq!(times.statutory.extended_days, 10);
    assert_eq!(times.statutory.due, Some(d("2026-04-14")));
    assert!(!times.statutory.overdue);
    let promised = times.promised.unwrap();
    assert_eq!((promised.limit_days, promised.extended_days), (20, 10));
    assert_eq!(promised.due, Some(d("2026-03-30")));
}

#[test]
fn an_extension_is_refused_where_the_version_allows_none() {
    case_at("2026-03-20T10:00:00+08:00")
        .given(vec![
            opened("2026-03-02T09:00:00+08:00"),
            step(
                "shoujian",
                "受理",
                "shencha",
                "2026-03-02T10:00:00+08:00",
                ZHANG,
            ),
        ])
        .when(extend_cmd(ZHANG, 2, 5, "2026-03-20T09:00:00+08:00"))
        .then_expect_error(CaseError::ExtensionNotAllowed {
            code: CODE.into(),
            version: 1,
        });
}

#[test]
fn an_extension_is_refused_beyond_what_the_version_still_allows() {
    case_at("2026-03-20T10:00:00+08:00")
        .given(accepted_extending())
        .when(extend_cmd(ZHANG, 2, 11, "2026-03-20T09:00:00+08:00"))
        .then_expect_error(CaseError::ExtensionTooLong { remaining: 10 });
    case_at("2026-03-20T10:00:00+08:00")
        .given(accepted_extending())
        .when(extend_cmd(ZHANG, 2, 0, "2026-03-20T09:00:00+08:00"))
        .then_expect_error(CaseError::ExtensionTooLong { remaining: 10 });
    let mut events = accepted_extending();
    events.push(extended(
        6,
        ZHANG,
        "2026-03-10T09:00:00+08:00",
        None,
        "r",
        "a",
    ));
    case_at("2026-03-20T10:00:00+08:00")
        .given(events)
        .when(extend_cmd(ZHANG, 3, 5, "2026-03-20T09:00:00+08:00"))
        .then_expect_error(CaseError::ExtensionTooLong { remaining: 4 });
}

#[test]
fn an_extension_is_refused_once_the_limit_has_passed() {
    case_at("2026-03-31T10:00:00+08:00")
        .given(accepted_extending())
        .when(extend_cmd(ZHANG, 2, 10, "2026-03-31T09:00:00+08:00"))
        .then_expect_error(CaseError::LimitAlreadyPassed {
            due: "2026-03-30".into(),
        });
}

#[test]
fn an_extension_needs_an_approver_and_a_reason_and_an_officer_of_the_department() {
    let mut cmd = extend_cmd(ZHANG, 2, 5, "2026-03-20T09:00:00+08:00");
    if let CaseCommand::ExtendLimit { approved_by, .. } = &mut cmd {
        *approved_by = " ".into();
    }
    case_at("2026-03-20T10:00:00+08:00")
        .given(accepted_extending())
        .when(cmd)
        .then_expect_error(CaseError::InvalidText {
            field: "approved_by".into(),
            message: "required, 1 to 500 characters".into(),
        });
    let mut cmd = extend_cmd(ZHANG, 2, 5, "2026-03-20T09:00:00+08:00");
    if let CaseCommand::ExtendLimit { actor, .. } = &mut cmd {
        actor.department = Some("pudong-other".into());
    }
    case_at("2026-03-20T10:00:00+08:00")
        .given(accepted_extending())
        .when(cmd)
        .then_expect_error(CaseError::WrongDepartment {
            department: DEPT.into(),
        });
}

#[test]
fn completing_the_approval_step_extends_by_what_the_version_allows() {
    let mut events = accepted_extending();
    events.push(step(
        "shencha",
        "需延长期限",
        "yanqi",
        "2026-03-19T09:00:00+08:00",
        ZHANG,
    ));
    case_at("2026-03-20T10:00:00+08:00")
        .given(events.clone())
        .when(complete(
            LI,
            3,
            "负责人同意延期",
            "2026-03-20T09:00:00+08:00",
        ))
        .then_expect_events(vec![
            CaseEvent::StepCompleted {
                from: "yanqi".into(),
                from_name: "延期审批".into(),
                outcome: "负责人同意延期".into(),
                to: "shencha".into(),
                to_name: "审查".into(),
                exception: false,
                at: t("2026-03-20T09:00:00+08:00"),
                by: LI.into(),
                note: None,
            },
            extended(
                10,
                LI,
                "2026-03-20T09:00:00+08:00",
                Some("yanqi"),
                "延期审批：负责人同意延期",
                "分管负责人",
            ),
        ]);
    // Too late: the step is completed (the case must not be stuck there), without extension.
    case_at("2026-04-01T10:00:00+08:00")
        .given(events)
        .when(complete(
            LI,
            3,
            "负责人同意延期",
            "2026-04-01T09:00:00+08:00",
        ))
        .then_expect_events(vec![CaseEvent::StepCompleted {
            from: "yanqi".into(),
            from_name: "延期审批".into(),
            outcome: "负责人同意延期".into(),
            to: "shencha".into(),
            to_name: "审查".into(),
            exception: false,
            at: t("2026-04-01T09:00:00+08:00"),
            by: LI.into(),
            note: None,
        }]);
}

#[test]
fn an_extension_cannot_be_dated_back_into_a_limit_that_has_passed() {
    case_at("2026-04-02T10:00:00+08:00")
        .given(accepted_extending())
        .when(extend_cmd(ZHANG, 2, 10, "2026-03-20T09:00:00+08:00"))
        .then_expect_error(CaseError::LimitAlreadyPassed {
            due: "2026-03-30".into(),
        });
}

#[test]
fn a_step_that_approves_an_extension_needs_a_version_with_one() {
    let mut c = extending_content();
    c.extension = None;
    let problems = c.validate().unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.code == "extension_not_allowed" && p.step.as_deref() == Some("yanqi")),
        "{problems:?}"
    );
    let mut c = extending_content();
    c.flowchart.steps[0].approves_extension = true;
    let problems = c.validate().unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.code == "extension_on_start_or_end" && p.step.as_deref() == Some("shoujian")),
        "{problems:?}"
    );
}

/// Under the `refuse` policy a limit whose due date falls in a year without data has no due
/// date, and the other limits are still computed (the promised one here ends in 2026).
#[test]
fn every_limit_that_can_be_computed_is_computed() {
    use crate::calendar::OutsideCoverage;
    let refuse = WorkingCalendar::builtin().with_outside_coverage(OutsideCoverage::Refuse);
    let state = rebuild(&[opened("2026-12-07T09:00:00+08:00")]);
    let flowchart = content().validate().unwrap();
    let times = state
        .times(&flowchart, &refuse, t("2026-12-09T09:00:00+08:00"))
        .unwrap();
    assert_eq!(times.statutory.due, None);
    assert_eq!(times.statutory.missing_year, Some(2027));
    assert_eq!(times.statutory.used_days, 2);
    let promised = times.promised.unwrap();
    assert_eq!(promised.due, Some(d("2026-12-21")));
    assert_eq!(promised.missing_year, None);
    let step = times.step.unwrap();
    assert_eq!(step.due, Some(d("2026-12-14")));
}

// =============================================================================================
// ApplyOnline (网上申请)
// =============================================================================================

/// A licensing power with two materials, and a penalty power (exercised ex officio).
const MATERIALS_CODE: &str = "PD-SCJG-XK-006";
const PENALTY_CODE: &str = "PD-SCJG-CF-006";

fn online_catalogue() -> Catalogue {
    let mut with_materials = content();
    with_materials.materials = vec![
        crate::power::Material {
            name: "食品经营许可申请书".into(),
            copies: Some(1),
            note: None,
        },
        crate::power::Material {
            name: "营业执照".into(),
            copies: Some(1),
            note: None,
        },
    ];
    let mut c = Catalogue::standard();
    c.add(published(
        MATERIALS_CODE,
        1,
        with_materials.clone(),
        PowerStatus::Active,
    ));
    let mut penalty = (*published(PENALTY_CODE, 1, with_materials, PowerStatus::Active)).clone();
    penalty.category = Category::Penalty;
    c.add(Arc::new(penalty));
    c
}

fn file(material: &str, n: u8) -> SubmittedMaterial {
    SubmittedMaterial {
        material: material.into(),
        sha256: format!("{:02x}", n).repeat(32),
        media_type: MediaType::Pdf,
        bytes: 1024,
    }
}

fn contact() -> Contact {
    Contact {
        email: Some(" zhang.san@example.com ".into()),
        mobile: None,
    }
}

fn apply_cmd(code: &str, contact: Contact, materials: Vec<SubmittedMaterial>) -> CaseCommand {
    CaseCommand::ApplyOnline {
        tracking_no: TRACKING.into(),
        power_code: code.into(),
        party: party(),
        contact,
        materials,
        query_code_salt: "5a17".into(),
        query_code_hash: "9f86d081884c7d659a2feaa0c55ad015".into(),
    }
}

#[tokio::test]
async fn an_online_application_opens_at_the_start_step_received_now_with_its_files() {
    let now = "2026-03-13T21:30:00+08:00";
    let events = TestFramework::<Case>::with(services_with(online_catalogue(), now))
        .given_no_previous_events()
        .when_async(apply_cmd(
            MATERIALS_CODE,
            contact(),
            vec![file("食品经营许可申请书", 1), file("营业执照", 2)],
        ))
        .await
        .inspect_result()
        .expect("the application is accepted");
    assert_eq!(events.len(), 2);
    let CaseEvent::CaseOpened {
        channel,
        received_at,
        opened_by,
        contact,
        start_step,
        ..
    } = &events[0]
    else {
        panic!("first the case opens: {:?}", events[0]);
    };
    assert_eq!(*channel, Channel::Online);
    assert_eq!(
        *received_at,
        t(now),
        "received when it arrived, not when typed"
    );
    assert_eq!(opened_by, APPLICANT);
    assert_eq!(start_step, "shoujian");
    assert_eq!(
        contact.as_ref().and_then(|c| c.email.as_deref()),
        Some("zhang.san@example.com"),
        "the contact is stored trimmed"
    );
    assert_eq!(
        events[1],
        CaseEvent::MaterialsSubmitted {
            materials: vec![file("食品经营许可申请书", 1), file("营业执照", 2)],
            at: t(now),
        }
    );
    let case = rebuild(&events);
    assert_eq!(case.materials.len(), 2);
    assert_eq!(case.status, CaseStatus::Open);
}

#[tokio::test]
async fn an_application_refuses_what_the_version_does_not_ask_for() {
    let at = || {
        TestFramework::<Case>::with(services_with(
            online_catalogue(),
            "2026-03-13T10:00:00+08:00",
        ))
    };
    at().given_no_previous_events()
        .when_async(apply_cmd(
            MATERIALS_CODE,
            contact(),
            vec![file("身份证", 1)],
        ))
        .await
        .then_expect_error(CaseError::UnknownMaterial {
            name: "身份证".into(),
        });
    let mut bad_hash = file("营业执照", 1);
    bad_hash.sha256 = "not-a-hash".into();
    at().given_no_previous_events()
        .when_async(apply_cmd(MATERIALS_CODE, contact(), vec![bad_hash]))
        .await
        .then_expect_error(CaseError::InvalidMaterials {
            max: MAX_MATERIAL_FILES,
        });
    let too_many = (0..=MAX_MATERIAL_FILES as u8)
        .map(|n| file("营业执照", n))
        .collect();
    at().given_no_previous_events()
        .when_async(apply_cmd(MATERIALS_CODE, contact(), too_many))
        .await
        .then_expect_error(CaseError::InvalidMaterials {
            max: MAX_MATERIAL_FILES,
        });
}

#[tokio::test]
async fn nobody_applies_for_a_penalty_or_without_a_way_to_be_reached() {
    let at = || {
        TestFramework::<Case>::with(services_with(
            online_catalogue(),
            "2026-03-13T10:00:00+08:00",
        ))
    };
    at().given_no_previous_events()
        .when_async(apply_cmd(PENALTY_CODE, contact(), vec![]))
        .await
        .then_expect_error(CaseError::NotOnApplication {
            code: PENALTY_CODE.into(),
        });
    let refused = at()
        .given_no_previous_events()
        .when_async(apply_cmd(MATERIALS_CODE, Contact::default(), vec![]))
        .await
        .inspect_result();
    assert!(
        matches!(&refused, Err(CaseError::InvalidContact { problems }) if problems[0].field == "contact.email"),
        "{refused:?}"
    );
    at().given_no_previous_events()
        .when_async(apply_cmd(SUSPENDED_CODE, contact(), vec![]))
        .await
        .then_expect_error(CaseError::PowerNotActive {
            code: SUSPENDED_CODE.into(),
            status: "suspended".into(),
        });
}

#[tokio::test]
async fn an_application_opens_a_case_once() {
    TestFramework::<Case>::with(services_with(
        online_catalogue(),
        "2026-03-13T10:00:00+08:00",
    ))
    .given(vec![opened("2026-03-13T09:00:00+08:00")])
    .when_async(apply_cmd(MATERIALS_CODE, contact(), vec![]))
    .await
    .then_expect_error(CaseError::AlreadyOpened);
}

// =============================================================================================
// RequestSupplement and SubmitSupplement (一次性告知补正, 网上补正)
// =============================================================================================

/// Runs `command` on the case made of `given` at `now` in the online catalogue.
async fn run_online(
    given: Vec<CaseEvent>,
    command: CaseCommand,
    now: &str,
) -> Result<Vec<CaseEvent>, CaseError> {
    TestFramework::<Case>::with(services_with(online_catalogue(), now))
        .given(given)
        .when_async(command)
        .await
        .inspect_result()
}

/// An online application of [`MATERIALS_CODE`] received on Friday 13 March 2026.
async fn applied() -> Vec<CaseEvent> {
    run_online(
        Vec::new(),
        apply_cmd(
            MATERIALS_CODE,
            contact(),
            vec![file("食品经营许可申请书", 1)],
        ),
        "2026-03-13T09:00:00+08:00",
    )
    .await
    .unwrap()
}

fn ask(version: u64, outcome: &str, items: &[(&str, &str)]) -> CaseCommand {
    CaseCommand::RequestSupplement {
        actor: officer(ZHANG),
        expected_version: version,
        outcome: outcome.into(),
        items: items
            .iter()
            .map(|(m, r)| SupplementItem {
                material: (*m).into(),
                reason: (*r).into(),
            })
            .collect(),
        at: None,
    }
}

#[tokio::test]
async fn one_notice_lists_every_material_to_supplement_and_stops_the_clock() {
    let given = applied().await;
    let events = run_online(
        given.clone(),
        ask(
            2,
            "补正",
            &[
                ("营业执照", "未提交"),
                ("食品经营许可申请书", " 缺少法定代表人签字 "),
            ],
        ),
        "2026-03-16T10:00:00+08:00",
    )
    .await
    .unwrap();
    assert!(
        matches!(&events[0], CaseEvent::SupplementRequested { items, from_step, waiting_step, .. }
            if items.len() == 2 && items[1].reason == "缺少法定代表人签字"
                && from_step == "shoujian" && waiting_step == "buzheng"),
        "{events:?}"
    );
    assert!(matches!(&events[1], CaseEvent::StepCompleted { to, .. } if to == "buzheng"));
    assert!(matches!(&events[2], CaseEvent::ClockPaused { step: Some(s), .. } if s == "buzheng"));
    let case = rebuild(&[given, events].concat());
    assert_eq!(case.status, CaseStatus::Paused);
    assert_eq!(case.supplement.as_ref().map(|s| s.items.len()), Some(2));
}

#[tokio::test]
async fn a_notice_must_lead_to_a_waiting_step_and_list_the_versions_materials() {
    let given = applied().await;
    let now = "2026-03-16T10:00:00+08:00";
    assert_eq!(
        run_online(
            given.clone(),
            ask(2, "受理", &[("营业执照", "未提交")]),
            now
        )
        .await,
        Err(CaseError::NotASupplementStep {
            outcome: "受理".into()
        })
    );
    let invalid = Err(CaseError::InvalidSupplement {
        max: MAX_SUPPLEMENT_ITEMS,
    });
    for items in [
        vec![],
        vec![("身份证", "未提交")],
        vec![("营业执照", "  ")],
        vec![("营业执照", "未提交"), ("营业执照", "模糊")],
    ] {
        assert_eq!(
            run_online(given.clone(), ask(2, "补正", &items), now).await,
            invalid,
            "{items:?}"
        );
    }
}

#[tokio::test]
async fn the_applicants_supplement_resumes_the_case_where_the_notice_was_given() {
    let mut given = applied().await;
    given.extend(
        run_online(
            given.clone(),
            ask(2, "补正", &[("营业执照", "未提交")]),
            "2026-03-16T10:00:00+08:00",
        )
        .await
        .unwrap(),
    );
    let submit = CaseCommand::SubmitSupplement {
        materials: vec![file("营业执照", 7)],
        note: None,
    };
    let events = run_online(given.clone(), submit.clone(), "2026-03-18T20:00:00+08:00")
        .await
        .unwrap();
    assert!(
        matches!(&events[0], CaseEvent::MaterialsSubmitted { materials, .. } if materials[0].material == "营业执照")
    );
    assert!(
        matches!(&events[1], CaseEvent::ClockResumed { at, .. } if *at == t("2026-03-18T20:00:00+08:00"))
    );
    assert!(
        matches!(&events[2], CaseEvent::StepCompleted { from, to, by, .. }
        if from == "buzheng" && to == "shoujian" && by == APPLICANT)
    );
    let case = rebuild(&[given.clone(), events.clone()].concat());
    assert_eq!(case.supplement, None);
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.materials.len(), 2);
    // Answered: a second submission has nothing to answer.
    assert_eq!(
        run_online(
            [given, events].concat(),
            submit,
            "2026-03-18T21:00:00+08:00"
        )
        .await,
        Err(CaseError::NoSupplementAsked)
    );
}

#[tokio::test]
async fn nothing_is_supplemented_unasked_or_with_no_files() {
    let given = applied().await;
    let now = "2026-03-16T10:00:00+08:00";
    let submit = |materials| CaseCommand::SubmitSupplement {
        materials,
        note: None,
    };
    assert_eq!(
        run_online(given.clone(), submit(vec![file("营业执照", 7)]), now).await,
        Err(CaseError::NoSupplementAsked)
    );
    assert_eq!(
        run_online(Vec::new(), submit(vec![file("营业执照", 7)]), now).await,
        Err(CaseError::NotOpened)
    );
    let mut asked = given.clone();
    asked.extend(
        run_online(given, ask(2, "补正", &[("营业执照", "未提交")]), now)
            .await
            .unwrap(),
    );
    assert_eq!(
        run_online(asked, submit(vec![]), now).await,
        Err(CaseError::InvalidMaterials {
            max: MAX_MATERIAL_FILES
        })
    );
}

#[tokio::test]
async fn a_supplement_is_asked_for_at_acceptance_only() {
    // At 审查 (past acceptance), along an outcome to a step that stops the clock and leads
    // back: still not a 补正 notice.
    let mut pausing_review = content();
    pausing_review.materials = vec![crate::power::Material {
        name: "营业执照".into(),
        copies: None,
        note: None,
    }];
    for (from, outcome, to) in [
        ("shencha", "征求意见", "buzheng"),
        ("buzheng", "意见已回复", "shencha"),
    ] {
        pausing_review
            .flowchart
            .transitions
            .push(crate::flowchart::TransitionSpec {
                from: from.into(),
                outcome: outcome.into(),
                to: to.into(),
                exception: false,
            });
    }
    let catalogue = || {
        let mut c = Catalogue::standard();
        c.add(published(
            MATERIALS_CODE,
            1,
            pausing_review.clone(),
            PowerStatus::Active,
        ));
        c
    };
    let at = |now: &str| TestFramework::<Case>::with(services_with(catalogue(), now));
    let mut given = at("2026-03-13T09:00:00+08:00")
        .given_no_previous_events()
        .when_async(apply_cmd(MATERIALS_CODE, contact(), vec![]))
        .await
        .inspect_result()
        .unwrap();
    given.push(step(
        "shoujian",
        "受理",
        "shencha",
        "2026-03-16T09:00:00+08:00",
        ZHANG,
    ));
    let refused = at("2026-03-16T10:00:00+08:00")
        .given(given)
        .when_async(ask(2, "征求意见", &[("营业执照", "未提交")]))
        .await
        .inspect_result();
    assert_eq!(
        refused,
        Err(CaseError::NotASupplementStep {
            outcome: "征求意见".into()
        })
    );
}

// =============================================================================================
// IssueResultDocument
// =============================================================================================

fn issue_cmd(sha256: &str) -> CaseCommand {
    CaseCommand::IssueResultDocument {
        title: "准予行政许可决定书".into(),
        sha256: sha256.into(),
        size: 3000,
    }
}

const DOC_SHA: &str = "b774ef169571717a5b4a92031966adb55baded85e393b85808906438c436af81";

fn decided() -> Vec<CaseEvent> {
    let mut events = at_jueding();
    events.push(step(
        "jueding",
        "准予许可",
        "zhunyu",
        "2026-03-19T10:00:00+08:00",
        WANG,
    ));
    events.push(concluded("zhunyu", "准予许可", "2026-03-19T10:00:00+08:00"));
    events
}

#[tokio::test]
async fn a_concluded_case_records_its_document_once() {
    let issued = CaseEvent::ResultDocumentIssued {
        title: "准予行政许可决定书".into(),
        sha256: DOC_SHA.into(),
        size: 3000,
        at: t("2026-03-19T10:05:00+08:00"),
    };
    case_at("2026-03-19T10:05:00+08:00")
        .given(decided())
        .when_async(issue_cmd(DOC_SHA))
        .await
        .then_expect_events(vec![issued.clone()]);
    let mut events = decided();
    events.push(issued);
    assert_eq!(
        rebuild(&events).result_document.map(|d| d.sha256),
        Some(DOC_SHA.to_string())
    );
    case_at("2026-03-19T10:06:00+08:00")
        .given(events)
        .when_async(issue_cmd(DOC_SHA))
        .await
        .then_expect_error(CaseError::DocumentAlreadyIssued);
}

#[tokio::test]
async fn only_a_concluded_case_gets_a_document_and_only_by_a_hash() {
    case_at("2026-03-19T10:05:00+08:00")
        .given(at_jueding())
        .when_async(issue_cmd(DOC_SHA))
        .await
        .then_expect_error(CaseError::NotConcluded);
    case_at("2026-03-19T10:05:00+08:00")
        .given_no_previous_events()
        .when_async(issue_cmd(DOC_SHA))
        .await
        .then_expect_error(CaseError::NotOpened);
    case_at("2026-03-19T10:05:00+08:00")
        .given(decided())
        .when_async(issue_cmd("not-a-hash"))
        .await
        .then_expect_error(CaseError::InvalidText {
            field: "sha256".into(),
            message: "a SHA-256 in lower-case hex, of a file that is not empty".into(),
        });
}
