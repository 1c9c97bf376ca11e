//! Conduct rules: separation of duties and exception transitions — who did what, and along which
//! path.
use aggregates::alert::{AlertRule, Severity};
use aggregates::case::CaseEvent;

use super::{AlertCandidate, AlertDetails, CaseHistory};

/// **Separation of duties (岗位分离)**: the same person (`by`) completed two steps the flowchart
/// says must be done by different people ([`Flowchart::must_separate`], either side's
/// `separate_from`), e.g. reviewing (审查) and deciding (决定).
///
/// Why: separating the posts that examine and decide is the core of the Pudong model's 制度规范
/// (DESIGN.md); the Case aggregate refuses such a step today, but cases imported from an older
/// system, or recorded before the flowchart gained the rule, may still show it — and a rule that
/// checks the record, not the command path, also catches a future bug in the command path. A
/// breach, not a warning: red.
///
/// One alert per pair of steps, on the first time the pair was done by one person: threshold
/// `"{a}-{b}"` with the two step ids in alphabetical order.
///
/// [`Flowchart::must_separate`]: aggregates::flowchart::Flowchart::must_separate
pub fn separation_of_duties(history: &CaseHistory) -> Vec<AlertCandidate> {
    let mut done: Vec<(&str, &str, &str, i64)> = Vec::new();
    let mut out: Vec<AlertCandidate> = Vec::new();
    for record in history.records {
        let CaseEvent::StepCompleted {
            from,
            from_name,
            by,
            ..
        } = &record.event
        else {
            continue;
        };
        for (step, step_name, earlier_by, seq) in &done {
            if earlier_by != by || !history.flowchart.must_separate(step, from) {
                continue;
            }
            let (a, b) = if *step <= from.as_str() {
                (*step, from.as_str())
            } else {
                (from.as_str(), *step)
            };
            let threshold = format!("{a}-{b}");
            if out.iter().any(|c| c.threshold == threshold) {
                continue;
            }
            out.push(history.candidate(
                AlertRule::SeparationOfDuties,
                Severity::Red,
                threshold,
                AlertDetails::Separation {
                    first_step: (*step).to_string(),
                    first_step_name: (*step_name).to_string(),
                    second_step: from.clone(),
                    second_step_name: from_name.clone(),
                    by: by.clone(),
                },
                vec![*seq, record.sequence],
            ));
        }
        done.push((from, from_name, by, record.sequence));
    }
    out
}

/// **Exception transition (异常流转)**: a step was completed along a transition the flowchart
/// marks `exception` (撤回, 终止, 退回 …).
///
/// Why: exception paths are legal but are where cases quietly disappear; the regulations FACTS.md
/// summarises list withdrawn cases and a change of course (e.g. of the charge in a penalty case)
/// as things supervision checks, and Chengdu shows red for "abnormal" handling. Taking the path is
/// not itself a fault, so the alert is `info`: for an inspector to look at, not a card.
///
/// One alert per transition taken: threshold `"seq-{sequence}"` (the event's sequence number in
/// the case).
pub fn exception_transition(history: &CaseHistory) -> Vec<AlertCandidate> {
    history
        .records
        .iter()
        .filter_map(|record| match &record.event {
            CaseEvent::StepCompleted {
                from,
                from_name,
                outcome,
                to,
                to_name,
                exception: true,
                at,
                by,
                ..
            } => Some(history.candidate(
                AlertRule::ExceptionTransition,
                Severity::Info,
                format!("seq-{}", record.sequence),
                AlertDetails::Transition {
                    from: from.clone(),
                    from_name: from_name.clone(),
                    outcome: outcome.clone(),
                    to: to.clone(),
                    to_name: to_name.clone(),
                    by: by.clone(),
                    at: *at,
                },
                vec![record.sequence],
            )),
            _ => None,
        })
        .collect()
}

/// The penalty decisions of the case whose check has `pick` as its verdict's rule: the
/// candidate per decision (threshold `seq-{n}`: every decision recorded is judged on its own,
/// so a corrected decision does not hide the earlier one).
fn decision_alerts(
    history: &CaseHistory,
    pick: impl Fn(&CaseEvent) -> Option<(AlertRule, Severity)>,
) -> Vec<AlertCandidate> {
    history
        .records
        .iter()
        .filter_map(|record| match &record.event {
            CaseEvent::PenaltyDecisionRecorded {
                band,
                base_amount_fen,
                amount_fen,
                check,
                at,
                by,
                ..
            } => {
                let (rule, severity) = pick(&record.event)?;
                Some(history.candidate(
                    rule,
                    severity,
                    format!("seq-{}", record.sequence),
                    AlertDetails::Discretion {
                        band: band.clone(),
                        amount_fen: *amount_fen,
                        base_amount_fen: *base_amount_fen,
                        check: serde_json::to_value(check).unwrap_or_default(),
                        by: by.clone(),
                        at: *at,
                    },
                    vec![record.sequence],
                ))
            }
            _ => None,
        })
        .collect()
}

/// **裁量偏离**: a penalty decision the discretion check marked as a deviation that the two more
/// specific rules below do not cover: outside its band (above or below, within the statutory
/// range), a 从轻 band without its listed circumstance, or no penalty without 不予处罚 grounds.
/// The domain records such decisions — the officer saw the check before confirming — and
/// supervision takes them up. No penalty without grounds is red (the law's own floor is not
/// applied); departures within the statutory range are yellow.
pub fn discretion_deviation(history: &CaseHistory) -> Vec<AlertCandidate> {
    use aggregates::discretion::Verdict;
    decision_alerts(history, |event| match event {
        CaseEvent::PenaltyDecisionRecorded { check, .. } if check.deviation => {
            match check.verdict {
                Verdict::HeavierWithoutCircumstance
                | Verdict::BelowStatutoryMinimumWithoutGrounds => None,
                Verdict::NoPenaltyWithoutGrounds => {
                    Some((AlertRule::DiscretionDeviation, Severity::Red))
                }
                _ => Some((AlertRule::DiscretionDeviation, Severity::Yellow)),
            }
        }
        _ => None,
    })
}

/// **从重无据**: a heavier (从重) band chosen without any of the aggravating circumstances the
/// standard lists for it. Why: a standard allows 从重 "only with a listed aggravating
/// circumstance" (FACTS.md, Discretion standards); heavier without one burdens the party beyond
/// what the standard permits, so it is red.
pub fn heavier_without_circumstance(history: &CaseHistory) -> Vec<AlertCandidate> {
    use aggregates::discretion::Verdict;
    decision_alerts(history, |event| match event {
        CaseEvent::PenaltyDecisionRecorded { check, .. }
            if check.verdict == Verdict::HeavierWithoutCircumstance =>
        {
            Some((AlertRule::HeavierWithoutCircumstance, Severity::Red))
        }
        _ => None,
    })
}

/// **减轻无据**: a fine below the statutory minimum without a listed 减轻 ground (行政处罚法 2021
/// art. 32), or on a listed ground but without the approval the standard requires (none given).
/// Both are red: the statutory floor is set aside.
pub fn mitigation_unjustified(history: &CaseHistory) -> Vec<AlertCandidate> {
    use aggregates::discretion::Verdict;
    decision_alerts(history, |event| match event {
        CaseEvent::PenaltyDecisionRecorded {
            check, approval, ..
        } => match check.verdict {
            Verdict::BelowStatutoryMinimumWithoutGrounds => {
                Some((AlertRule::MitigationUnjustified, Severity::Red))
            }
            Verdict::MitigatedWithGrounds if check.approval_required && approval.is_none() => {
                Some((AlertRule::MitigationUnjustified, Severity::Red))
            }
            _ => None,
        },
        _ => None,
    })
}

/// **违规收费**: a fee charged above the pinned version's published amount for the item, on an
/// item the standard lists as free (amount 0), or on an item the standard does not list. Why:
/// off-standard fees are among the e-supervision rules observed (FACTS.md); all three are red.
/// Threshold `seq-{n}` per fee charged.
pub fn fee_off_standard(history: &CaseHistory) -> Vec<AlertCandidate> {
    history
        .records
        .iter()
        .filter_map(|record| match &record.event {
            CaseEvent::FeeCharged {
                item,
                amount_fen,
                standard_fen,
                at,
                by,
                ..
            } if standard_fen.is_none_or(|s| *amount_fen > s) => Some(history.candidate(
                AlertRule::FeeOffStandard,
                Severity::Red,
                format!("seq-{}", record.sequence),
                AlertDetails::Fee {
                    item: item.clone(),
                    amount_fen: *amount_fen,
                    standard_fen: *standard_fen,
                    by: by.clone(),
                    at: *at,
                },
                vec![record.sequence],
            )),
            _ => None,
        })
        .collect()
}
