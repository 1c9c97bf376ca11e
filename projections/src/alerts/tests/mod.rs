//! Tests of the alert rules, one file per rule group, on fixed dates in 2026.
//!
//! 2026 as the built-in calendar has it: holidays 1/1-1/3, 2/15-2/23, 4/4-4/6, 5/1-5/5,
//! 6/19-6/21, 9/25-9/27, 10/1-10/7; make-up workdays 1/4, 2/14, 2/28, 5/9, 9/20, 10/10. Every
//! expected date below was counted by hand from that list; the counts are written next to the
//! cases. The day of receipt (or of entering a step) is never counted.
//!
//! The usual case ("case A"): received Friday 2026-03-13, statutory limit 20 working days,
//! promised 10. Working days: 3/16 (1) 3/17 (2) 3/18 (3) 3/19 (4) 3/20 (5) 3/23 (6) 3/24 (7)
//! 3/25 (8) 3/26 (9) 3/27 (10, promised due) 3/30 (11) 3/31 (12) 4/1 (13) 4/2 (14) 4/3 (15),
//! 清明 4/4-4/6 off, 4/7 (16) 4/8 (17) 4/9 (18) 4/10 (19) 4/13 (20, statutory due).
use aggregates::alert::{AlertRule, EventRef};
use aggregates::calendar::WorkingCalendar;
use aggregates::case::{CaseEvent, Channel};
use aggregates::flowchart::{Flowchart, parse_yaml};
use aggregates::party::{Party, PartyKind};
use chrono::{DateTime, FixedOffset, NaiveDate};

use super::*;

mod conduct;
mod deadlines;
mod evaluate;
mod penalties;
mod records;

const CASE: &str = "YG20260313ABCD2345";
const DEPT: &str = "pudong-amr";
const CODE: &str = "PD-SCJG-XK-001";
const ZHANG: &str = "officer-zhang";
const LI: &str = "officer-li";
const WANG: &str = "officer-wang";

/// 食品经营许可: 收件 (5 days) → 受理 / 不予受理 / 补正 (pauses the clock, loops back) → 审查
/// (10 days) → 决定 (5 days, separate from 审查) → 准予许可 / 不予许可; 审查 may end in an
/// exceptional 撤回.
const FLOWCHART: &str = r#"
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

fn flowchart() -> Flowchart {
    parse_yaml(FLOWCHART).expect("fixture flowchart is valid")
}

/// The same flowchart with no limit of its own on the start step.
fn flowchart_without_acceptance_limit() -> Flowchart {
    parse_yaml(&FLOWCHART.replace("窗口受理人员, limit_days: 5 }", "窗口受理人员 }"))
        .expect("fixture flowchart is valid")
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("fixture time")
}

/// 2026-MM-DD at the given hour in China.
fn at(date: &str, time: &str) -> String {
    format!("2026-{date}T{time}+08:00")
}

fn d(s: &str) -> NaiveDate {
    format!("2026-{s}").parse().expect("fixture date")
}

/// A case's stored events, built the way the Case aggregate writes them (automatic pauses,
/// resumes and conclusions included), each recorded when it says it happened unless told.
struct Timeline {
    flowchart: Flowchart,
    records: Vec<CaseEventRecord>,
}

impl Timeline {
    /// Case A's shape: statutory 20, promised 10, received at `received` (`MM-DD`, 09:00).
    fn opened(received: &str) -> Self {
        Self::opened_with(&at(received, "09:00:00"), 20, Some(10))
    }

    fn opened_with(received_at: &str, statutory: u32, promised: Option<u32>) -> Self {
        let mut timeline = Timeline {
            flowchart: flowchart(),
            records: Vec::new(),
        };
        timeline.push(CaseEvent::CaseOpened {
            tracking_no: CASE.into(),
            power_code: CODE.into(),
            power_version: 1,
            content_hash: "sha256:fixture".into(),
            power_name: "食品经营许可".into(),
            department: DEPT.into(),
            party: Party {
                kind: PartyKind::Organisation,
                name: "上海某某餐饮管理有限公司".into(),
                id_number: "91350100M000100Y43".into(),
                phone: None,
                address: None,
            },
            channel: Channel::Window,
            received_at: t(received_at),
            start_step: "shoujian".into(),
            start_step_name: "收件".into(),
            statutory_limit_days: statutory,
            promised_limit_days: promised,
            query_code_salt: "5a17".into(),
            query_code_hash: "9f86".into(),
            opened_by: ZHANG.into(),
            contact: None,
        });
        timeline
    }

    fn with_flowchart(mut self, flowchart: Flowchart) -> Self {
        self.flowchart = flowchart;
        self
    }

    fn push(&mut self, event: CaseEvent) {
        let recorded_at = event.at();
        self.records.push(CaseEventRecord {
            event,
            recorded_at,
            sequence: self.records.len() as i64 + 1,
        });
    }

    /// Sets when the last `n` events were recorded.
    fn recorded(mut self, n: usize, recorded_at: &str) -> Self {
        let len = self.records.len();
        for record in &mut self.records[len - n..] {
            record.recorded_at = t(recorded_at);
        }
        self
    }

    fn name(&self, id: &str) -> String {
        self.flowchart.step(id).expect("fixture step").name.clone()
    }

    /// One step along the flowchart at `when`, as the aggregate writes it.
    fn step(mut self, outcome: &str, when: &str, by: &str) -> Self {
        let state = self.current();
        let transition = self
            .flowchart
            .transition(&state, outcome)
            .cloned()
            .expect("fixture outcome exists");
        let when = t(when);
        let paused_by_step = self.records.iter().rev().find_map(|r| match &r.event {
            CaseEvent::ClockPaused { step, .. } => Some(Some(step.clone())),
            CaseEvent::ClockResumed { .. } => Some(None),
            _ => None,
        });
        if let Some(Some(step)) = paused_by_step {
            self.push(CaseEvent::ClockResumed {
                reason: "推进".into(),
                at: when,
                by: by.into(),
                step,
            });
        }
        self.push(CaseEvent::StepCompleted {
            from: state.clone(),
            from_name: self.name(&state),
            outcome: outcome.into(),
            to: transition.to.clone(),
            to_name: self.name(&transition.to),
            exception: transition.exception,
            at: when,
            by: by.into(),
            note: None,
        });
        let to = self.flowchart.step(&transition.to).cloned().expect("step");
        if self.flowchart.is_end(&to.id) {
            self.push(CaseEvent::CaseConcluded {
                end_step: to.id.clone(),
                result: to.result.clone().unwrap_or_default(),
                at: when,
            });
        } else if to.pauses_clock {
            self.push(CaseEvent::ClockPaused {
                reason: to.name.clone(),
                at: when,
                by: by.into(),
                step: Some(to.id.clone()),
            });
        }
        self
    }

    fn pause(mut self, when: &str) -> Self {
        self.push(CaseEvent::ClockPaused {
            reason: "听证".into(),
            at: t(when),
            by: ZHANG.into(),
            step: None,
        });
        self
    }

    fn resume(mut self, when: &str) -> Self {
        self.push(CaseEvent::ClockResumed {
            reason: "听证结束".into(),
            at: t(when),
            by: ZHANG.into(),
            step: None,
        });
        self
    }

    fn withdraw(mut self, when: &str) -> Self {
        self.push(CaseEvent::CaseWithdrawn {
            reason: "申请人撤回申请".into(),
            at: t(when),
            by: ZHANG.into(),
        });
        self
    }

    /// The step the case stands at.
    fn current(&self) -> String {
        self.records
            .iter()
            .rev()
            .find_map(|r| match &r.event {
                CaseEvent::StepCompleted { to, .. } => Some(to.clone()),
                CaseEvent::CaseOpened { start_step, .. } => Some(start_step.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// Runs one rule with `policy` at `now`.
    fn rule_with(
        &self,
        rule: fn(&CaseHistory) -> Vec<AlertCandidate>,
        policy: &AlertPolicy,
        now: &str,
    ) -> Vec<AlertCandidate> {
        let calendar = WorkingCalendar::builtin();
        let history = CaseHistory::new(&self.records, &self.flowchart, &calendar, policy, t(now))
            .expect("the fixture opens the case");
        rule(&history)
    }

    /// Runs one rule with the default policy at `now`.
    fn rule(
        &self,
        rule: fn(&CaseHistory) -> Vec<AlertCandidate>,
        now: &str,
    ) -> Vec<AlertCandidate> {
        self.rule_with(rule, &AlertPolicy::default(), now)
    }

    /// Every rule with `policy` at `now`.
    fn evaluate_with(&self, policy: &AlertPolicy, now: &str) -> Vec<AlertCandidate> {
        evaluate(
            &self.records,
            &self.flowchart,
            &WorkingCalendar::builtin(),
            policy,
            t(now),
        )
    }

    fn evaluate(&self, now: &str) -> Vec<AlertCandidate> {
        self.evaluate_with(&AlertPolicy::default(), now)
    }
}

/// Case A, accepted by Zhang on Monday 3/16 at 10:00: standing at 审查 (limit 10, due 3/30).
fn case_a_at_shencha() -> Timeline {
    Timeline::opened("03-13").step("受理", &at("03-16", "10:00:00"), ZHANG)
}

/// The thresholds of `candidates`, in order.
fn thresholds(candidates: &[AlertCandidate]) -> Vec<&str> {
    candidates.iter().map(|c| c.threshold.as_str()).collect()
}

/// The (rule, threshold) pairs of `candidates`, in order.
fn keys(candidates: &[AlertCandidate]) -> Vec<(AlertRule, &str)> {
    candidates
        .iter()
        .map(|c| (c.rule, c.threshold.as_str()))
        .collect()
}

/// The sequence numbers of a candidate's evidence.
fn evidence_seqs(candidate: &AlertCandidate) -> Vec<i64> {
    candidate
        .evidence
        .iter()
        .map(|EventRef { sequence, .. }| *sequence)
        .collect()
}

/// The `as_of` day and used days of a limit or step candidate.
fn as_of(candidate: &AlertCandidate) -> (NaiveDate, u32) {
    match &candidate.details {
        AlertDetails::Limit {
            as_of, used_days, ..
        }
        | AlertDetails::Step {
            as_of, used_days, ..
        } => (*as_of, *used_days),
        other => panic!("no as_of in {other:?}"),
    }
}
