//! Supervision alert rules (电子监察规则): pure functions from one case's events, its flowchart,
//! the working-day calendar, a jurisdiction's [`AlertPolicy`] and `now` to the alerts the case
//! deserves ([`AlertCandidate`]s). No I/O, no clock reads.
//!
//! The rules propose; the Alert aggregate decides. A candidate names its case, rule and
//! threshold, which together are the alert's id ([`aggregates::alert::alert_id`]), so the runner
//! may evaluate a case after every event and the deadline watcher every morning, and each alert
//! is still raised exactly once ([`AlertCandidate::into_command`] builds the `RaiseAlert`).
//!
//! **Time rules see the whole history, not only `now`.** The case's history is cut into windows:
//! the state after each event holds from that event's time until the next event's (the last one
//! until `now`). Yellow card, red card and step overdue look at every window of a running case
//! and find the first day a condition held (the conditions only grow within a window, so a
//! binary search over its days suffices). A step that was overdue for two days and then
//! completed is therefore flagged even if nobody evaluated the case during those two days, and a
//! candidate's details (the day it applied, days used) are the same whenever it is computed.
//!
//! Rule groups: [`deadlines`] (yellow card, red card, step overdue, late acceptance),
//! [`conduct`] (separation of duties, exception transitions) and [`records`] (back-filling,
//! instant conclusion). Each rule is also callable on its own with a [`CaseHistory`].
pub mod conduct;
pub mod deadlines;
pub mod feedback;
pub mod patterns;
pub mod records;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use aggregates::alert::{AlertCommand, AlertRule, AlertSource, EventRef, Severity, alert_id};
use aggregates::calendar::WorkingCalendar;
use aggregates::case::{
    Case, CaseEvent, CaseStatus, CaseTimes, LimitStatus, china_date, china_offset,
};
use aggregates::flowchart::Flowchart;
use aggregates::money::Fen;
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

pub use conduct::{
    discretion_deviation, exception_transition, fee_off_standard, heavier_without_circumstance,
    mitigation_unjustified, separation_of_duties,
};
pub use deadlines::{late_acceptance, publication_overdue, red_card, step_overdue, yellow_card};
pub use feedback::{FeedbackEventRecord, feedback_alerts};
pub use patterns::{DecisionSample, PatternFinding, discretion_pattern};
pub use records::{back_filled, instant_conclusion};

/// One stored case event as the rules need it: the event, when the server recorded it (from the
/// event's metadata) and its sequence number in the case's stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEventRecord {
    /// The event.
    pub event: CaseEvent,
    /// When the server stored it (metadata `recorded_at`).
    pub recorded_at: DateTime<FixedOffset>,
    /// Its sequence number within the case (from 1).
    pub sequence: i64,
}

/// When the yellow card (黄牌) is shown, per jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YellowCardPolicy {
    /// Once `percent` % of a limit's working days are used (80 by default; Yulin uses 90). An
    /// integer percentage keeps the boundary exact: yellow when `used * 100 >= percent * limit`.
    ShareOfLimit {
        /// Share of the limit, in percent.
        percent: u32,
    },
    /// Once at most `days` working days are left (a reminder one working day before the
    /// deadline is a common model): yellow when `limit - used <= days`.
    DaysBeforeDue {
        /// Working days before the due date.
        days: u32,
    },
}

impl YellowCardPolicy {
    /// Whether `limit` has reached the yellow threshold.
    pub fn reached(self, limit: &LimitStatus) -> bool {
        match self {
            YellowCardPolicy::ShareOfLimit { percent } => {
                u64::from(limit.used_days) * 100 >= u64::from(percent) * u64::from(limit.limit_days)
            }
            YellowCardPolicy::DaysBeforeDue { days } => limit.remaining_days <= i64::from(days),
        }
    }

    /// The setting as it appears in thresholds: `80pct` or `1d-before-due`.
    pub fn suffix(self) -> String {
        match self {
            YellowCardPolicy::ShareOfLimit { percent } => format!("{percent}pct"),
            YellowCardPolicy::DaysBeforeDue { days } => format!("{days}d-before-due"),
        }
    }
}

impl Default for YellowCardPolicy {
    fn default() -> Self {
        YellowCardPolicy::ShareOfLimit { percent: 80 }
    }
}

/// A jurisdiction's settings of the rules. Every field has a default, so a configuration file
/// names only what it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertPolicy {
    /// When the yellow card is shown.
    pub yellow: YellowCardPolicy,
    /// A step may be recorded up to this many working days after the time it states before it
    /// counts as back-filled (default 3).
    pub backfill_tolerance_days: u32,
    /// Receipt and conclusion less than this many seconds apart (stated or recorded) are not a
    /// plausible handling (即收即办). Default 0: the rule is off, since a quick decision at the
    /// window (当场办结, an immediate 不予受理) is usually good service; a jurisdiction that has
    /// seen cases typed in afterwards turns it on (60 is a common minimum).
    pub min_handling_seconds: u32,
    /// The acceptance limit in working days, for flowcharts whose start step has no `limit_days`
    /// of its own (the step's own limit always wins). Default none: only the step's limit.
    pub acceptance_limit_days: Option<u32>,
    /// Working days after a penalty decision within which it must be published (default 7,
    /// FACTS.md "Publication"; 0 turns the rule off).
    pub publication_limit_days: u32,
    /// The statistical discretion pattern: an officer needs at least this many decisions on a
    /// power before their pattern is judged (default 10), and so do their peers together.
    pub pattern_min_decisions: u32,
    /// A fine "sits at the bottom of its band" when it is within this percentage of the band's
    /// width above the band's minimum (default 10).
    pub pattern_bottom_percent: u32,
    /// How unlikely the officer's count of bottom decisions must be if they decided like their
    /// peers, in per mille (one-sided binomial tail; default 10 = p < 0.01).
    pub pattern_max_p_permille: u32,
    /// Working days within which a department answers a question from the public (网上咨询;
    /// default 5, this system's choice, not a legal limit; 0 turns the rule off). An older
    /// unanswered question raises `unanswered_question` and shows as overdue in the inbox.
    pub question_answer_days: u32,
    /// Working days within which a department calls back a citizen after a bad rating or a
    /// complaint (好差评回访; 0 turns the rule off). 国办发〔2019〕51号 orders every 差评 called
    /// back, verified, rectified and answered (回访核实、整改、反馈) without a national count of
    /// days; the default 1 is Zhejiang's (FACTS.md "Citizen ratings").
    pub call_back_days: u32,
    /// Working days within which it rectifies and answers (整改; 0 turns it off). Default 15,
    /// as Sichuan's implementation: "对'不满意'或者'非常不满意'问题，在15个工作日内整改到位"
    /// (https://www.spprec.com/sczwweb/zwfwnew/027001/027001004/20200519/c84a7724-ff57-4a78-8be0-4a467d045b9e.html).
    pub rectification_days: u32,
}

impl AlertPolicy {
    /// The defaults, as a constant (a policy in a `const` can start from it).
    pub const DEFAULT: AlertPolicy = AlertPolicy {
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
    };
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy::DEFAULT
    }
}

/// Which case limit a time rule looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// 法定时限.
    Statutory,
    /// 承诺时限.
    Promised,
}

impl LimitKind {
    /// The stable snake_case name (used in thresholds).
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Statutory => "statutory",
            LimitKind::Promised => "promised",
        }
    }

    /// This limit in `times`, if the case has it.
    fn of(self, times: &CaseTimes) -> Option<&LimitStatus> {
        match self {
            LimitKind::Statutory => Some(&times.statutory),
            LimitKind::Promised => times.promised.as_ref(),
        }
    }
}

/// What a rule saw, per kind of rule. Serialized (tagged by `kind`) into the alert's `details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertDetails {
    /// A penalty decision that departs from the discretion standard, with the check the
    /// officer saw when recording it.
    Discretion {
        /// The band chosen.
        band: Option<String>,
        /// The fine, in fen.
        amount_fen: Fen,
        /// The base amount, in fen.
        base_amount_fen: Option<Fen>,
        /// The check stored on the decision.
        #[serde(default)]
        check: serde_json::Value,
        /// Who recorded it.
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// A case limit (yellow and red cards), as it stood on `as_of`.
    Limit {
        /// Which limit.
        limit: LimitKind,
        /// The limit in working days.
        limit_days: u32,
        /// Working days used on `as_of`.
        used_days: u32,
        /// Working days left on `as_of` (negative when overdue).
        remaining_days: i64,
        /// The due date (`None` while the clock was paused).
        due: Option<NaiveDate>,
        /// The first day the rule applied.
        as_of: NaiveDate,
        /// The step the case stood at.
        current_step: String,
        /// Its name.
        current_step_name: String,
        /// The years without their State Council notice the count rested on (预计): the card
        /// fired on a provisional date (empty when every day counted was official).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        provisional_years: Vec<i32>,
    },
    /// One visit of a step against its own limit (step overdue, late acceptance).
    Step {
        /// The step.
        step: String,
        /// Its name.
        step_name: String,
        /// Which visit of the step (1 = the first time the case reached it).
        visit: u32,
        /// The step's limit in working days.
        limit_days: u32,
        /// Where the limit comes from: `step` (the flowchart) or `policy`.
        limit_source: String,
        /// Working days used on `as_of`.
        used_days: u32,
        /// The step's due date (`None` while another pause held the clock).
        due: Option<NaiveDate>,
        /// When the case reached the step.
        entered_at: DateTime<FixedOffset>,
        /// When the step was completed, if it was.
        completed_at: Option<DateTime<FixedOffset>>,
        /// The first day the rule applied.
        as_of: NaiveDate,
    },
    /// The same person on two steps that must be done by different people.
    Separation {
        /// The step done first.
        first_step: String,
        /// Its name.
        first_step_name: String,
        /// The step done later.
        second_step: String,
        /// Its name.
        second_step_name: String,
        /// The person (subject id) who did both.
        by: String,
    },
    /// An exception transition taken.
    Transition {
        /// The step left.
        from: String,
        /// Its name.
        from_name: String,
        /// The outcome chosen.
        outcome: String,
        /// The step reached.
        to: String,
        /// Its name.
        to_name: String,
        /// Who (subject id).
        by: String,
        /// When, as stated.
        at: DateTime<FixedOffset>,
    },
    /// An event recorded long after the time it states.
    BackFill {
        /// The event type, e.g. `StepCompleted`.
        event_type: String,
        /// The step completed, for `StepCompleted`.
        step: Option<String>,
        /// The time the event states.
        stated_at: DateTime<FixedOffset>,
        /// When the server recorded it.
        recorded_at: DateTime<FixedOffset>,
        /// Working days between the two dates.
        working_days_late: u32,
        /// The policy's tolerance.
        tolerance_days: u32,
    },
    /// A fee off the published standard.
    Fee {
        /// The item.
        item: String,
        /// Charged, in fen.
        amount_fen: Fen,
        /// The standard, in fen (`None`: not listed).
        standard_fen: Option<Fen>,
        /// Who charged it.
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// A penalty decision published late or not at all.
    Publication {
        /// When decided.
        decided_at: DateTime<FixedOffset>,
        /// The limit, in working days.
        limit_days: u32,
        /// The last day to publish.
        due: NaiveDate,
        /// When it was published, if it was.
        published_at: Option<DateTime<FixedOffset>>,
    },
    /// A complaint from the public (its text is in the case file, not in the alert).
    Complaint {
        /// The complaint's number within the case.
        number: u32,
        /// When received.
        at: DateTime<FixedOffset>,
    },
    /// A question from the public left unanswered.
    Question {
        /// The power's name.
        power_name: String,
        /// When asked.
        asked_at: DateTime<FixedOffset>,
        /// Working days it has waited.
        working_days: u32,
        /// The limit it passed.
        limit_days: u32,
    },
    /// A supervision order (督办) not answered by its due date, or answered after it.
    Order {
        /// The order's id.
        order_id: String,
        /// Which round (1 = the order, then one per return).
        round: u32,
        /// The last day to reply.
        due: NaiveDate,
        /// When the department replied, if it did.
        replied_at: Option<DateTime<FixedOffset>>,
    },
    /// A bad rating or complaint not called back or rectified in time (好差评整改).
    Rectification {
        /// `call_back` or `rectification`.
        task: String,
        /// When the task began (the bad rating or complaint).
        since: DateTime<FixedOffset>,
        /// The limit, in working days.
        limit_days: u32,
        /// The last day.
        due: NaiveDate,
    },
    /// A bad rating.
    Rating {
        /// 1 or 2.
        score: u8,
        /// When given.
        at: DateTime<FixedOffset>,
    },
    /// An officer's decisions at the bottom of the band far more often than peers'.
    Pattern(PatternFinding),
    /// Receipt and conclusion too close together.
    Instant {
        /// Received at, as stated.
        received_at: DateTime<FixedOffset>,
        /// Concluded at, as stated.
        concluded_at: DateTime<FixedOffset>,
        /// Seconds between the stated times.
        stated_seconds: i64,
        /// Seconds between the recorded times.
        recorded_seconds: i64,
        /// The policy's minimum.
        min_seconds: u32,
    },
}

/// An alert a rule proposes for a case. Whether it is new is the Alert aggregate's business:
/// its id ([`AlertCandidate::alert_id`]) deduplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertCandidate {
    /// The case (tracking number).
    pub case_id: String,
    /// The case's department.
    pub department: String,
    /// The case's power code.
    pub power_code: String,
    /// The rule.
    pub rule: AlertRule,
    /// How serious.
    pub severity: Severity,
    /// Which threshold of the rule; with the case and the rule, the alert's identity.
    pub threshold: String,
    /// What the rule saw.
    pub details: AlertDetails,
    /// The case events it rests on.
    pub evidence: Vec<EventRef>,
}

impl AlertCandidate {
    /// The id of the alert this candidate raises: `"{case_id}:{rule}:{threshold}"`.
    pub fn alert_id(&self) -> String {
        alert_id(&self.case_id, self.rule, &self.threshold)
    }

    /// The command that raises it (send it to [`AlertCandidate::alert_id`]).
    pub fn into_command(self, raised_at: DateTime<FixedOffset>) -> AlertCommand {
        let details = serde_json::to_value(&self.details)
            .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()));
        AlertCommand::RaiseAlert {
            source: AlertSource::System,
            rule: self.rule,
            severity: self.severity,
            case_id: self.case_id,
            department: self.department,
            power_code: self.power_code,
            threshold: self.threshold,
            details,
            raised_at,
            evidence: self.evidence,
        }
    }
}

/// Every rule over one case: the candidates in rule order (yellow card, red card, step overdue,
/// late acceptance, separation of duties, exception transition, back-filled, instant
/// conclusion, discretion deviation, 从重 and 减轻 without grounds, fees, publication), each rule's in the order of the case's history, at most one per rule and
/// threshold. Empty when the events do not begin with `CaseOpened`.
///
/// `case_events` are the case's events in sequence order; `flowchart` is the case's pinned
/// flowchart; `now` ends the last window (the deadline watcher passes the current time, the
/// projection runner the time it runs).
pub fn evaluate(
    case_events: &[CaseEventRecord],
    flowchart: &Flowchart,
    calendar: &WorkingCalendar,
    policy: &AlertPolicy,
    now: DateTime<FixedOffset>,
) -> Vec<AlertCandidate> {
    let Some(history) = CaseHistory::new(case_events, flowchart, calendar, policy, now) else {
        return Vec::new();
    };
    let rules: [fn(&CaseHistory) -> Vec<AlertCandidate>; 13] = [
        yellow_card,
        red_card,
        step_overdue,
        late_acceptance,
        separation_of_duties,
        exception_transition,
        back_filled,
        instant_conclusion,
        discretion_deviation,
        heavier_without_circumstance,
        mitigation_unjustified,
        fee_off_standard,
        publication_overdue,
    ];
    let mut seen = HashSet::new();
    rules
        .iter()
        .flat_map(|rule| rule(&history))
        .filter(|c| seen.insert((c.rule, c.threshold.clone())))
        .collect()
}

/// The state of the case over one stretch of time: after `records[..applied]`, from the last
/// of them until the next event (or `now`).
#[derive(Debug, Clone)]
pub struct Window {
    /// The case's state over the window.
    pub state: Case,
    /// When the window begins (the stated time of its last event).
    pub from: DateTime<FixedOffset>,
    /// When it ends (the next event's stated time, or `now`); never before `from`.
    pub until: DateTime<FixedOffset>,
    /// How many records the state includes.
    pub applied: usize,
}

/// One case's history, prepared once for every rule.
pub struct CaseHistory<'a> {
    /// The events, in sequence order.
    pub records: &'a [CaseEventRecord],
    /// The case's flowchart.
    pub flowchart: &'a Flowchart,
    /// The calendar.
    pub calendar: &'a WorkingCalendar,
    /// The jurisdiction's policy.
    pub policy: &'a AlertPolicy,
    /// Now.
    pub now: DateTime<FixedOffset>,
    /// The case's tracking number.
    pub case_id: String,
    /// Its department.
    pub department: String,
    /// Its power code.
    pub power_code: String,
    /// The state after each event, with the time it held.
    pub windows: Vec<Window>,
    /// The limits already computed, by window (its `applied`) and day: the deadline rules
    /// (yellow and red cards for both limits, the step's own limit) each look at the same
    /// windows on the same days first.
    times: std::sync::Mutex<HashMap<(usize, NaiveDate), Option<CaseTimes>>>,
}

impl<'a> CaseHistory<'a> {
    /// Folds the events; `None` unless the first is `CaseOpened`.
    pub fn new(
        records: &'a [CaseEventRecord],
        flowchart: &'a Flowchart,
        calendar: &'a WorkingCalendar,
        policy: &'a AlertPolicy,
        now: DateTime<FixedOffset>,
    ) -> Option<Self> {
        let Some(CaseEventRecord {
            event:
                CaseEvent::CaseOpened {
                    tracking_no,
                    department,
                    power_code,
                    ..
                },
            ..
        }) = records.first()
        else {
            return None;
        };
        let mut state = Case::default();
        let mut windows = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            state.apply(record.event.clone());
            let from = record.event.at();
            let until = records
                .get(i + 1)
                .map_or(now, |next| next.event.at())
                .max(from);
            windows.push(Window {
                state: state.clone(),
                from,
                until,
                applied: i + 1,
            });
        }
        Some(CaseHistory {
            records,
            flowchart,
            calendar,
            policy,
            now,
            case_id: tracking_no.clone(),
            department: department.clone(),
            power_code: power_code.clone(),
            windows,
            times: Default::default(),
        })
    }

    /// A candidate of this case.
    pub fn candidate(
        &self,
        rule: AlertRule,
        severity: Severity,
        threshold: String,
        details: AlertDetails,
        evidence: Vec<i64>,
    ) -> AlertCandidate {
        let mut evidence = evidence;
        evidence.sort_unstable();
        evidence.dedup();
        AlertCandidate {
            case_id: self.case_id.clone(),
            department: self.department.clone(),
            power_code: self.power_code.clone(),
            rule,
            severity,
            threshold,
            details,
            evidence: evidence
                .into_iter()
                .map(|sequence| EventRef {
                    aggregate_type: Case::TYPE.into(),
                    aggregate_id: self.case_id.clone(),
                    sequence,
                })
                .collect(),
        }
    }

    /// The windows in which the case was running (open or paused).
    pub fn running_windows(&self) -> impl Iterator<Item = &Window> {
        self.windows
            .iter()
            .filter(|w| matches!(w.state.status, CaseStatus::Open | CaseStatus::Paused))
    }

    /// The case's limits in `state` on `date`; `None` when the calendar cannot tell.
    pub fn times_on(&self, state: &Case, date: NaiveDate) -> Option<CaseTimes> {
        let moment = date
            .and_time(NaiveTime::MIN)
            .and_local_timezone(china_offset())
            .single()?;
        state.times(self.flowchart, self.calendar, moment).ok()
    }

    /// [`Self::times_on`] of a window's state, computed once per window and day.
    fn window_times_on(&self, window: &Window, date: NaiveDate) -> Option<CaseTimes> {
        let key = (window.applied, date);
        if let Some(known) = self.times.lock().ok().and_then(|t| t.get(&key).cloned()) {
            return known;
        }
        let times = self.times_on(&window.state, date);
        if let Ok(mut known) = self.times.lock() {
            known.insert(key, times.clone());
        }
        times
    }

    /// The first day of `window` on which `holds` is true, with the limits on that day; `None`
    /// if it is not true on the window's last day. `holds` must only grow with time within a
    /// window (false, …, false, true, …, true), as "used at least", "overdue" and "at most n
    /// left" do.
    pub fn first_day(
        &self,
        window: &Window,
        holds: impl Fn(&CaseTimes) -> bool,
    ) -> Option<(NaiveDate, CaseTimes)> {
        let mut lo = china_date(window.from);
        let mut hi = china_date(window.until).max(lo);
        let mut found = self.window_times_on(window, hi).filter(|t| holds(t))?;
        while lo < hi {
            let half = u64::try_from((hi - lo).num_days() / 2).unwrap_or(0);
            let mid = lo.checked_add_days(Days::new(half)).unwrap_or(lo);
            match self.window_times_on(window, mid) {
                Some(times) if holds(&times) => {
                    hi = mid;
                    found = times;
                }
                _ => lo = mid.succ_opt().unwrap_or(hi),
            }
        }
        Some((hi, found))
    }

    /// Sequence numbers of `CaseOpened` and of every pause and resume among the first `applied`
    /// records: what a case limit is computed from.
    pub fn limit_evidence(&self, applied: usize) -> Vec<i64> {
        self.records[..applied]
            .iter()
            .filter(|r| {
                matches!(
                    r.event,
                    CaseEvent::CaseOpened { .. }
                        | CaseEvent::ClockPaused { .. }
                        | CaseEvent::ClockResumed { .. }
                )
            })
            .map(|r| r.sequence)
            .collect()
    }

    /// How often the case had entered `step` within the first `applied` records (the start step
    /// is entered by `CaseOpened`), and the sequence of the latest entry.
    pub fn visits(&self, step: &str, applied: usize) -> (u32, Option<i64>) {
        let mut count = 0;
        let mut last = None;
        for record in &self.records[..applied] {
            let entered = match &record.event {
                CaseEvent::CaseOpened { start_step, .. } => start_step == step,
                CaseEvent::StepCompleted { to, .. } => to == step,
                _ => false,
            };
            if entered {
                count += 1;
                last = Some(record.sequence);
            }
        }
        (count, last)
    }
}
