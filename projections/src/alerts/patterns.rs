//! The statistical discretion pattern (裁量异常模式): an officer whose fines sit at the bottom of
//! the chosen band far more often than their peers' on the same power — the shape of favours
//! that stay inside every single band and so never trip the per-case rules.
//!
//! The test: for each power, each officer's share of "bottom" decisions (within
//! `pattern_bottom_percent` % of the band's width above its minimum) is compared with the rate of
//! everyone else on that power. The officer is flagged when both have at least
//! `pattern_min_decisions` decisions, the officer's share is at least twice the peers' rate, and
//! the one-sided binomial tail P(X ≥ bottom | n, peer rate) is at most `pattern_max_p_permille`
//! ‰. The peer rate is smoothed ((b + 1) / (n + 2)) so that peers who never decide at the bottom
//! do not make every single bottom decision "impossible".
//!
//! **Once, and stable.** Samples are taken in the order the decisions became final (the global
//! position of the case's conclusion), which only grows at the end. The alert names the case
//! whose decision first made the pattern significant; later decisions never change an earlier
//! prefix, so every evaluation finds the same case and the alert id (case, rule, officer) stays
//! the same: one alert per officer and power.
use std::collections::{BTreeMap, BTreeSet};

use aggregates::alert::{AlertRule, EventRef, Severity};
use aggregates::case::Case;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AlertCandidate, AlertDetails, AlertPolicy};

/// One final penalty decision (of a concluded case) with its place in its band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionSample {
    /// The case.
    pub case_id: String,
    /// Its department.
    pub department: String,
    /// Its power.
    pub power_code: String,
    /// The officer who recorded the decision (subject id).
    pub officer: String,
    /// Where the fine sits in the band, in per mille of the band's width above its minimum.
    pub band_position_permille: u32,
    /// The sequence of the decision's event in its case.
    pub sequence: i64,
}

/// What the pattern rule found (the alert's details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternFinding {
    /// The officer.
    pub officer: String,
    /// The power.
    pub power_code: String,
    /// The officer's decisions up to the case named.
    pub decisions: u32,
    /// Of which at the bottom of the band.
    pub bottom: u32,
    /// The peers' decisions.
    pub peer_decisions: u32,
    /// Of which at the bottom.
    pub peer_bottom: u32,
    /// The binomial tail probability, in parts per million.
    pub p_value_ppm: u32,
}

/// ln C(n, k) from a table of ln(i!).
fn ln_choose(ln_fact: &[f64], n: usize, k: usize) -> f64 {
    ln_fact[n] - ln_fact[k] - ln_fact[n - k]
}

/// P(X ≥ k) for X ~ Binomial(n, p), 0 < p < 1.
pub fn binomial_tail(n: u32, k: u32, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let n = n as usize;
    let mut ln_fact = vec![0.0f64; n + 1];
    for i in 1..=n {
        ln_fact[i] = ln_fact[i - 1] + (i as f64).ln();
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    (k as usize..=n)
        .map(|i| (ln_choose(&ln_fact, n, i) + i as f64 * lp + (n - i) as f64 * lq).exp())
        .sum::<f64>()
        .min(1.0)
}

/// The threshold naming an officer: their subject id where it is a safe label, else a hash.
fn officer_threshold(officer: &str) -> String {
    let safe = officer.len() <= 80
        && officer
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if safe && !officer.is_empty() {
        format!("officer-{officer}")
    } else {
        let digest = Sha256::digest(officer.as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("officer-h{hex}")
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: u32,
    bottom: u32,
}

/// The pattern alerts over `samples`, which must be in the order the decisions became final.
pub fn discretion_pattern(samples: &[DecisionSample], policy: &AlertPolicy) -> Vec<AlertCandidate> {
    let min = policy.pattern_min_decisions.max(1);
    let bottom_limit = policy.pattern_bottom_percent.min(100) * 10;
    let max_p = f64::from(policy.pattern_max_p_permille) / 1000.0;
    let mut by_power: BTreeMap<&str, Vec<&DecisionSample>> = BTreeMap::new();
    for s in samples {
        by_power.entry(&s.power_code).or_default().push(s);
    }
    let mut out = Vec::new();
    for (power, samples) in by_power {
        let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
        let mut total = Tally::default();
        let mut flagged: BTreeSet<&str> = BTreeSet::new();
        for sample in samples {
            let at_bottom = sample.band_position_permille <= bottom_limit;
            let t = tallies.entry(&sample.officer).or_default();
            t.n += 1;
            t.bottom += u32::from(at_bottom);
            total.n += 1;
            total.bottom += u32::from(at_bottom);
            for (officer, t) in &tallies {
                if flagged.contains(officer) || t.n < min {
                    continue;
                }
                let peers = Tally {
                    n: total.n - t.n,
                    bottom: total.bottom - t.bottom,
                };
                if peers.n < min {
                    continue;
                }
                let rate = (f64::from(peers.bottom) + 1.0) / (f64::from(peers.n) + 2.0);
                let share = f64::from(t.bottom) / f64::from(t.n);
                if share < 2.0 * rate {
                    continue;
                }
                let p = binomial_tail(t.n, t.bottom, rate);
                if p > max_p {
                    continue;
                }
                flagged.insert(officer);
                out.push(AlertCandidate {
                    case_id: sample.case_id.clone(),
                    department: sample.department.clone(),
                    power_code: power.to_string(),
                    rule: AlertRule::DiscretionPattern,
                    severity: Severity::Yellow,
                    threshold: officer_threshold(officer),
                    details: AlertDetails::Pattern(PatternFinding {
                        officer: officer.to_string(),
                        power_code: power.to_string(),
                        decisions: t.n,
                        bottom: t.bottom,
                        peer_decisions: peers.n,
                        peer_bottom: peers.bottom,
                        p_value_ppm: (p * 1e6).round() as u32,
                    }),
                    evidence: vec![EventRef {
                        aggregate_type: Case::TYPE.into(),
                        aggregate_id: sample.case_id.clone(),
                        sequence: sample.sequence,
                    }],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(i: usize, officer: &str, position: u32) -> DecisionSample {
        DecisionSample {
            case_id: format!("YG{i:04}"),
            department: "pudong-amr".into(),
            power_code: "PD-SCJG-CF-001".into(),
            officer: officer.into(),
            band_position_permille: position,
            sequence: 4,
        }
    }

    /// Peers decide across the band; `suspect` decides at the bottom `bottom` times out of `n`.
    fn population(n: usize, bottom: usize) -> Vec<DecisionSample> {
        let mut out = Vec::new();
        for i in 0..40 {
            let peer = if i % 2 == 0 { "officer-a" } else { "officer-b" };
            // Peers sit at the bottom once in ten.
            out.push(sample(
                i,
                peer,
                if i % 10 == 0 {
                    50
                } else {
                    300 + (i as u32 * 37) % 700
                },
            ));
        }
        for j in 0..n {
            out.push(sample(
                100 + j,
                "officer-x",
                if j < bottom { 0 } else { 500 },
            ));
        }
        out
    }

    #[test]
    fn the_tail_matches_known_values() {
        // P(X >= 8 | 10, 0.5) = 56/1024.
        assert!((binomial_tail(10, 8, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_tail(10, 0, 0.3), 1.0);
        assert_eq!(binomial_tail(3, 4, 0.3), 0.0);
        // Large n does not underflow to nonsense.
        let p = binomial_tail(2000, 1000, 0.1);
        assert!((0.0..1e-100).contains(&p));
    }

    #[test]
    fn an_officer_always_at_the_bottom_is_flagged_once() {
        let samples = population(12, 12);
        let alerts = discretion_pattern(&samples, &AlertPolicy::default());
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let a = &alerts[0];
        assert_eq!(a.rule, AlertRule::DiscretionPattern);
        assert_eq!(a.threshold, "officer-officer-x");
        // The tenth decision (the minimum) is the one that made it significant.
        assert_eq!(a.case_id, "YG0109");
        // Later decisions do not move the alert: same id.
        let more = population(30, 30);
        let again = discretion_pattern(&more, &AlertPolicy::default());
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].alert_id(), a.alert_id());
    }

    #[test]
    fn an_officer_like_their_peers_is_not_flagged() {
        let samples = population(30, 3);
        assert!(discretion_pattern(&samples, &AlertPolicy::default()).is_empty());
    }

    #[test]
    fn too_few_decisions_are_not_judged() {
        let samples = population(9, 9);
        assert!(discretion_pattern(&samples, &AlertPolicy::default()).is_empty());
        let policy = AlertPolicy {
            pattern_min_decisions: 5,
            ..AlertPolicy::default()
        };
        assert_eq!(discretion_pattern(&samples, &policy).len(), 1);
    }

    #[test]
    fn powers_are_judged_apart() {
        let mut samples = population(12, 12);
        for s in samples.iter_mut().filter(|s| s.officer != "officer-x") {
            s.power_code = "PD-OTHER-001".into();
        }
        // Without peers on the same power there is no comparison.
        assert!(discretion_pattern(&samples, &AlertPolicy::default()).is_empty());
    }

    #[test]
    fn unsafe_subject_ids_are_hashed_into_the_threshold() {
        assert_eq!(officer_threshold("zhang.san"), "officer-zhang.san");
        let t = officer_threshold("张三@pudong");
        assert!(t.starts_with("officer-h") && t.len() == 25, "{t}");
    }
}
