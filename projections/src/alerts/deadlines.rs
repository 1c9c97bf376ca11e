//! Time-limit rules: yellow card, red card, step overdue and late acceptance. All count working
//! days with the case's own arithmetic ([`Case::times`](aggregates::case::Case::times)): the
//! day of receipt is not counted, paused days are skipped, a step's own limit keeps running
//! while the case waits at that very pausing step.
use std::collections::HashSet;

use aggregates::alert::{AlertRule, Severity};
use aggregates::calendar::DateSpan;
use aggregates::case::{CaseEvent, LimitStatus, china_date};

use super::{AlertCandidate, AlertDetails, CaseHistory, LimitKind, Window};

/// The limits the card rules look at, in this order.
const LIMITS: [LimitKind; 2] = [LimitKind::Statutory, LimitKind::Promised];

fn limit_details(
    kind: LimitKind,
    limit: &LimitStatus,
    window: &Window,
    as_of: chrono::NaiveDate,
) -> AlertDetails {
    AlertDetails::Limit {
        limit: kind,
        limit_days: limit.limit_days,
        used_days: limit.used_days,
        remaining_days: limit.remaining_days,
        due: limit.due,
        as_of,
        current_step: window.state.current_step.clone(),
        current_step_name: window.state.current_step_name.clone(),
        provisional_years: limit.provisional_years.clone(),
    }
}

/// **Yellow card (黄牌)**: a case limit — statutory (法定) and, if the power promises one, promised
/// (承诺), each on its own — is nearly used up while the case is still open (or paused).
///
/// Why: the e-supervision systems observed warn before a deadline, not only after it (FACTS.md,
/// "Yellow and red cards"): Yulin shows yellow once 90 % of the promised limit is used with the
/// case still open; other places send a reminder a fixed lead time (one working day) before the
/// deadline. Both models are [`YellowCardPolicy`](super::YellowCardPolicy) settings; the default is 80 % of the limit.
///
/// Fires on the first day the share is reached (a working day counts as used from its start), or
/// the first day at most `days` working days are left, unless the limit is already overdue by
/// then — the red card covers that. One card per limit and setting: threshold
/// `"{statutory|promised}-{percent}pct"` or `"{statutory|promised}-{days}d-before-due"`.
pub fn yellow_card(history: &CaseHistory) -> Vec<AlertCandidate> {
    let policy = history.policy.yellow;
    let mut out = Vec::new();
    for kind in LIMITS {
        for window in history.running_windows() {
            let Some((day, times)) =
                history.first_day(window, |t| kind.of(t).is_some_and(|l| policy.reached(l)))
            else {
                continue;
            };
            if let Some(limit) = kind.of(&times).filter(|l| !l.overdue) {
                out.push(history.candidate(
                    AlertRule::YellowCard,
                    Severity::Yellow,
                    format!("{}-{}", kind.as_str(), policy.suffix()),
                    limit_details(kind, limit, window, day),
                    history.limit_evidence(window.applied),
                ));
            }
            break;
        }
    }
    out
}

/// **Red card (红牌)**: a case limit — statutory or promised, each on its own — exceeded: the case
/// is still running after its due date, or it concluded (or was withdrawn) after it.
///
/// Why: overdue is the one rule every observed model shares (FACTS.md: Yulin shows red once the
/// promised limit is exceeded; Zhanjiang escalates overdue cases to yellow and then red). A case
/// is late from the first day after its due date, working day or not. Known failure mode: an
/// overdue alert caused by a step that was done but never confirmed in the system — the details
/// name the step the case stood at, so the inspector can check that first.
///
/// Threshold `"statutory"` or `"promised"`; the details give the first overdue day.
pub fn red_card(history: &CaseHistory) -> Vec<AlertCandidate> {
    let mut out = Vec::new();
    for kind in LIMITS {
        for window in history.running_windows() {
            let Some((day, times)) =
                history.first_day(window, |t| kind.of(t).is_some_and(|l| l.overdue))
            else {
                continue;
            };
            if let Some(limit) = kind.of(&times) {
                out.push(history.candidate(
                    AlertRule::RedCard,
                    Severity::Red,
                    kind.as_str().to_string(),
                    limit_details(kind, limit, window, day),
                    history.limit_evidence(window.applied),
                ));
            }
            break;
        }
    }
    out
}

/// The time a step visit ended: the next `StepCompleted` from `applied` on.
fn completed_at(
    history: &CaseHistory,
    applied: usize,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    history.records[applied..]
        .iter()
        .find_map(|r| match &r.event {
            CaseEvent::StepCompleted { at, .. } => Some(*at),
            _ => None,
        })
}

/// **Step overdue (环节超时)**: the step the case stands at has passed its own `limit_days` while
/// the case as a whole (statutory and promised limits) is not overdue.
///
/// Why: "one step overdue while the whole case is not" is a rule of its own in the
/// e-supervision regulations (FACTS.md): a case can meet its overall limit while one post sits on
/// it, and the post is what supervision holds to account. Once the case itself is overdue the red
/// card says more, so this rule stays quiet.
///
/// Looked at on the first day the step is overdue, so a step that ran late and was then
/// completed is still flagged. One alert per visit of a step (a case may come back to a step
/// through a loop such as 补正): threshold `"{step}-{visit}"`. Yellow: a warning, the case can
/// still be on time.
pub fn step_overdue(history: &CaseHistory) -> Vec<AlertCandidate> {
    let mut decided = HashSet::new();
    let mut out = Vec::new();
    for window in history.running_windows() {
        let step_id = &window.state.current_step;
        let Some(limit_days) = history.flowchart.step(step_id).and_then(|s| s.limit_days) else {
            continue;
        };
        let (visit, entered_seq) = history.visits(step_id, window.applied);
        let threshold = format!("{step_id}-{visit}");
        if decided.contains(&threshold) {
            continue;
        }
        let Some((day, times)) =
            history.first_day(window, |t| t.step.as_ref().is_some_and(|s| s.overdue))
        else {
            continue;
        };
        decided.insert(threshold.clone());
        let case_overdue =
            times.statutory.overdue || times.promised.as_ref().is_some_and(|p| p.overdue);
        let (Some(step), false) = (times.step.as_ref(), case_overdue) else {
            continue;
        };
        let Some(entered_at) = window.state.entered_step_at else {
            continue;
        };
        let mut evidence = history.limit_evidence(window.applied);
        evidence.extend(entered_seq);
        out.push(history.candidate(
            AlertRule::StepOverdue,
            Severity::Yellow,
            threshold,
            AlertDetails::Step {
                step: step_id.clone(),
                step_name: window.state.current_step_name.clone(),
                visit,
                limit_days,
                limit_source: "step".into(),
                used_days: step.used_days,
                due: step.due,
                entered_at,
                completed_at: completed_at(history, window.applied),
                as_of: day,
            },
            evidence,
        ));
    }
    out
}

/// **Late acceptance (受理超时)**: the start step (收件/受理, or 立案 for penalties) was completed
/// after its limit: the step's own `limit_days`, or else the policy's `acceptance_limit_days`.
///
/// Why: late acceptance is one of the rules the e-supervision designs list (DESIGN.md), and
/// refusing or sitting on a valid application is a discipline matter of its own (FACTS.md); for
/// licences, an application not answered within the limit counts as accepted by law (行政许可法
/// art. 32), so the delay is a breach, not a warning: red. While the start step is still waiting
/// past its limit, [`step_overdue`] warns; this rule records the late act once it is taken.
///
/// Counted like a step's own limit: from the day the case reached the start step (receipt, or
/// the return from 补正), paused days excluded except the start step's own pause. One alert per
/// visit of the start step: threshold `"{start_step}-{visit}"`.
pub fn late_acceptance(history: &CaseHistory) -> Vec<AlertCandidate> {
    let start = history.flowchart.start();
    let (limit_days, limit_source) = match (start.limit_days, history.policy.acceptance_limit_days)
    {
        (Some(days), _) => (days, "step"),
        (None, Some(days)) => (days, "policy"),
        (None, None) => return Vec::new(),
    };
    let mut out = Vec::new();
    for (i, record) in history.records.iter().enumerate() {
        let CaseEvent::StepCompleted { from, at, .. } = &record.event else {
            continue;
        };
        if from != &start.id {
            continue;
        }
        let Some(before) = i.checked_sub(1).and_then(|j| history.windows.get(j)) else {
            continue;
        };
        let Some(entered_at) = before.state.entered_step_at else {
            continue;
        };
        let begin = china_date(entered_at);
        let end = china_date(*at);
        let paused: Vec<DateSpan> = before
            .state
            .pauses
            .iter()
            .filter(|p| p.step.as_deref() != Some(start.id.as_str()))
            .map(|p| DateSpan {
                from: china_date(p.from),
                until: p
                    .until
                    .map(china_date)
                    .unwrap_or_else(|| end.succ_opt().unwrap_or(end)),
            })
            .filter(|s| s.from < s.until && s.until > begin)
            .collect();
        let (Ok(used_days), Ok(due)) = (
            history.calendar.working_days_between(begin, end, &paused),
            history.calendar.due_date(begin, limit_days, &paused),
        ) else {
            continue;
        };
        if used_days <= limit_days && end <= due {
            continue;
        }
        let (visit, entered_seq) = history.visits(&start.id, i);
        let mut evidence: Vec<i64> = entered_seq.into_iter().collect();
        evidence.push(record.sequence);
        out.push(history.candidate(
            AlertRule::LateAcceptance,
            Severity::Red,
            format!("{}-{visit}", start.id),
            AlertDetails::Step {
                step: start.id.clone(),
                step_name: start.name.clone(),
                visit,
                limit_days,
                limit_source: limit_source.into(),
                used_days,
                due: Some(due),
                entered_at,
                completed_at: Some(*at),
                as_of: end,
            },
            evidence,
        ));
    }
    out
}

/// **Publication overdue (公开超时)**: a penalty decision (a fine) not published within the
/// policy's limit — 7 working days after the decision by default (FACTS.md: 2018 national
/// guidance on 行政执法公示 and the 双公示 rule) — counted like every other limit: the day of the
/// decision is not counted. Fires once the limit has passed without publication, and also for a
/// publication that came late; a decision revoked before the due date has nothing left to
/// publish. Threshold `"publication-{limit}d"`.
pub fn publication_overdue(history: &CaseHistory) -> Vec<AlertCandidate> {
    let limit_days = history.policy.publication_limit_days;
    if limit_days == 0 {
        return Vec::new();
    }
    let mut decision = None;
    let mut concluded = None;
    let mut published = None;
    let mut revoked = None;
    for record in history.records {
        match &record.event {
            CaseEvent::PenaltyDecisionRecorded { amount_fen, .. } if concluded.is_none() => {
                decision = Some((record.sequence, *amount_fen));
            }
            CaseEvent::CaseConcluded { at, .. } => concluded = Some((record.sequence, *at)),
            CaseEvent::PenaltyDecisionPublished { at, .. } => {
                published = published.or(Some((record.sequence, *at)));
            }
            CaseEvent::PenaltyDecisionRevoked { at, .. } => revoked = revoked.or(Some(*at)),
            _ => {}
        }
    }
    let (Some((decision_seq, amount_fen)), Some((concluded_seq, decided_at))) =
        (decision, concluded)
    else {
        return Vec::new();
    };
    if amount_fen.is_zero() {
        return Vec::new();
    }
    let Ok(due) = history
        .calendar
        .due_date(china_date(decided_at), limit_days, &[])
    else {
        return Vec::new();
    };
    let late = match published {
        Some((_, at)) => china_date(at) > due,
        None => china_date(history.now) > due,
    };
    if !late || revoked.is_some_and(|at| china_date(at) <= due) {
        return Vec::new();
    }
    let mut evidence = vec![decision_seq, concluded_seq];
    evidence.extend(published.map(|(seq, _)| seq));
    vec![history.candidate(
        AlertRule::PublicationOverdue,
        Severity::Yellow,
        format!("publication-{limit_days}d"),
        AlertDetails::Publication {
            decided_at,
            limit_days,
            due,
            published_at: published.map(|(_, at)| at),
        },
        evidence,
    )]
}
