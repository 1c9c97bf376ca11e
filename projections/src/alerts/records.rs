//! Record-keeping rules: signs that a case was handled outside the system and typed in
//! afterwards — steps back-filled long after the time they state, and cases received and
//! concluded within seconds.
use aggregates::alert::{AlertRule, Severity};
use aggregates::case::{CaseEvent, china_date};
use cqrs_es::DomainEvent;

use super::{AlertCandidate, AlertDetails, CaseEventRecord, CaseHistory};

/// The time an event states for an act an officer dated, or `None` for events the aggregate
/// writes alongside another one at the same time (the automatic pause of a pausing step, the
/// conclusion on reaching an end step, a resume written just before the step or withdrawal that
/// ends the pause) — those would only repeat the act's own alert.
fn stated_act(
    records: &[CaseEventRecord],
    i: usize,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    match &records[i].event {
        CaseEvent::ClockPaused { step: Some(_), .. } | CaseEvent::CaseConcluded { .. } => None,
        CaseEvent::ClockResumed { at, .. } => {
            let written_with_next = records.get(i + 1).is_some_and(|next| {
                matches!(
                    next.event,
                    CaseEvent::StepCompleted { .. } | CaseEvent::CaseWithdrawn { .. }
                ) && next.event.at() == *at
            });
            (!written_with_next).then_some(*at)
        }
        // Receipt, steps, manual pauses, withdrawals and any other act an officer dates.
        other => Some(other.at()),
    }
}

/// **Back-filled (事后补录)**: an act — receipt, a step, a manual pause or resume, a withdrawal,
/// a penalty decision — recorded more than `backfill_tolerance_days` working days after the
/// time it states.
///
/// Why: "completed cases back-filled in batches afterwards" is a known failure mode of
/// e-supervision (FACTS.md): the case was handled on paper and entered later, so the system's
/// clock supervised nothing. A back-dated manual pause is worse still — it can hide a delay. The
/// tolerance is in working days, so a step taken before a holiday and entered after it is not
/// flagged. Yellow: there are innocent reasons (a system outage, a mailed application).
///
/// One alert per event: threshold `"seq-{sequence}"`.
pub fn back_filled(history: &CaseHistory) -> Vec<AlertCandidate> {
    let tolerance = history.policy.backfill_tolerance_days;
    let mut out = Vec::new();
    for (i, record) in history.records.iter().enumerate() {
        let Some(stated_at) = stated_act(history.records, i) else {
            continue;
        };
        if record.recorded_at <= stated_at {
            continue;
        }
        let Ok(late) = history.calendar.working_days_between(
            china_date(stated_at),
            china_date(record.recorded_at),
            &[],
        ) else {
            continue;
        };
        if late <= tolerance {
            continue;
        }
        let step = match &record.event {
            CaseEvent::StepCompleted { from, .. } => Some(from.clone()),
            _ => None,
        };
        out.push(history.candidate(
            AlertRule::BackFilled,
            Severity::Yellow,
            format!("seq-{}", record.sequence),
            AlertDetails::BackFill {
                event_type: record.event.event_type(),
                step,
                stated_at,
                recorded_at: record.recorded_at,
                working_days_late: late,
                tolerance_days: tolerance,
            },
            vec![record.sequence],
        ));
    }
    out
}

/// **Instant conclusion (即收即办)**: receipt and conclusion less than `min_handling_seconds`
/// apart — either as stated (`received_at` to the conclusion's `at`) or as recorded (the
/// server's `recorded_at` of `CaseOpened` and of `CaseConcluded`).
///
/// Why: "receipt and completion logged at the same moment" is a known failure mode (FACTS.md):
/// no real handling fits in seconds, so the case was decided elsewhere and only registered here
/// — the case not handled in the system that the regulations name. The recorded times catch a
/// case typed in afterwards with plausible stated times. Yellow: on-the-spot decisions (当场办结)
/// are legal, though they take minutes, not seconds. Set the minimum to 0 to turn it off.
///
/// At most one alert per case: threshold `"conclusion"`.
pub fn instant_conclusion(history: &CaseHistory) -> Vec<AlertCandidate> {
    let min = history.policy.min_handling_seconds;
    if min == 0 {
        return Vec::new();
    }
    let Some(opened) = history.records.first() else {
        return Vec::new();
    };
    let CaseEvent::CaseOpened { received_at, .. } = &opened.event else {
        return Vec::new();
    };
    let Some(concluded) = history
        .records
        .iter()
        .find(|r| matches!(r.event, CaseEvent::CaseConcluded { .. }))
    else {
        return Vec::new();
    };
    let concluded_at = concluded.event.at();
    let stated_seconds = (concluded_at - *received_at).num_seconds();
    let recorded_seconds = (concluded.recorded_at - opened.recorded_at).num_seconds();
    let min_i = i64::from(min);
    if stated_seconds >= min_i && recorded_seconds >= min_i {
        return Vec::new();
    }
    vec![history.candidate(
        AlertRule::InstantConclusion,
        Severity::Yellow,
        "conclusion".into(),
        AlertDetails::Instant {
            received_at: *received_at,
            concluded_at,
            stated_seconds,
            recorded_seconds,
            min_seconds: min,
        },
        vec![opened.sequence, concluded.sequence],
    )]
}
