//! 抽查 (spot checks): an inspector draws a random sample of a department's concluded cases for
//! a period and records a finding on each.
//!
//! **The draw is reproducible by anyone.** Each case of the population (the department's cases
//! concluded in the period, by tracking number) is ranked by SHA-256 of `"{seed}:{tracking
//! number}"` (lower-case hex compared as text); the sample is the `size` lowest. The seed, the
//! population's size and the SHA-256 of its sorted numbers joined by `\n` are recorded with the
//! sample, so that anyone holding the list of the period's concluded cases can recompute the
//! draw with any SHA-256 tool, and see that the server did not pick.
//!
//! One stream per spot check (`S` + date + 8 symbols). The server fills the population from its
//! views, the seed from a random source when the inspector gives none, and `at` from its clock.
use chrono::{DateTime, FixedOffset, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::text::Bounded;
use crate::{Actor, Role};

/// Largest sample.
pub const MAX_SAMPLE: u32 = 200;

/// SHA-256 of `text`, lower-case hex.
fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The draw: the `size` cases of `population` with the lowest SHA-256 of `"{seed}:{id}"`, in
/// that order. Duplicates in the population count once.
pub fn draw(population: &[String], seed: u64, size: u32) -> Vec<String> {
    let mut ranked: Vec<(String, &String)> = population
        .iter()
        .map(|id| (sha256_hex(&format!("{seed}:{id}")), id))
        .collect();
    ranked.sort();
    ranked.dedup_by(|a, b| a.1 == b.1);
    ranked
        .into_iter()
        .take(size as usize)
        .map(|(_, id)| id.clone())
        .collect()
}

/// The fingerprint of a population: SHA-256 of its sorted, distinct numbers joined by `\n`.
pub fn population_hash(population: &[String]) -> String {
    let mut sorted: Vec<&String> = population.iter().collect();
    sorted.sort();
    sorted.dedup();
    sha256_hex(
        &sorted
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A finding on one sampled case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpotFinding {
    /// 规范: handled as the rules require.
    Compliant,
    /// 存在问题: a deficiency found (the note says which).
    Deficient,
}

/// Commands on a spot check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SpotCheckCommand {
    /// 抽取样本.
    DrawSample {
        /// The inspector.
        actor: Actor,
        /// The department checked.
        department: String,
        /// First day of the period (China dates, concluded on).
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
        /// How many cases to draw (1 to 200).
        size: u32,
        /// The seed.
        seed: u64,
        /// Every case of the department concluded in the period.
        population: Vec<String>,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 记录检查结论 on one sampled case, once.
    RecordFinding {
        /// The inspector.
        actor: Actor,
        /// The case.
        case_id: String,
        /// The finding.
        finding: SpotFinding,
        /// What was found (required for a deficiency).
        note: Option<String>,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

/// What happened to a spot check. Names and versions are a stored schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SpotCheckEvent {
    /// 已抽取样本.
    SampleDrawn {
        /// The department.
        department: String,
        /// First day of the period.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
        /// The size asked for.
        size: u32,
        /// The seed.
        seed: u64,
        /// How many cases the population held.
        population_count: u32,
        /// Its fingerprint ([`population_hash`]).
        population_sha256: String,
        /// The cases drawn, in draw order.
        cases: Vec<String>,
        /// The inspector.
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 已记录检查结论.
    FindingRecorded {
        /// The case.
        case_id: String,
        /// The finding.
        finding: SpotFinding,
        /// The note.
        note: Option<String>,
        /// The inspector.
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

impl DomainEvent for SpotCheckEvent {
    fn event_type(&self) -> String {
        match self {
            SpotCheckEvent::SampleDrawn { .. } => "SampleDrawn",
            SpotCheckEvent::FindingRecorded { .. } => "FindingRecorded",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

/// Why a command on a spot check was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotCheckError {
    /// Only inspectors draw and judge.
    #[error("only discipline inspectors draw spot checks and record findings")]
    NotInspector,
    /// The size is outside 1-200.
    #[error("the sample size must be 1 to 200")]
    InvalidSize,
    /// The period ends before it starts.
    #[error("the period ends before it starts")]
    InvalidPeriod,
    /// No case was concluded in the period.
    #[error("no case of the department was concluded in the period")]
    EmptyPopulation,
    /// Drawn already.
    #[error("this spot check has been drawn")]
    AlreadyDrawn,
    /// No such spot check.
    #[error("no such spot check")]
    NotFound,
    /// The case is not in the sample.
    #[error("the case is not in this sample")]
    NotSampled,
    /// A finding is recorded for the case already.
    #[error("a finding is recorded for this case already")]
    AlreadyFound,
    /// A deficiency needs its note; notes are bounded.
    #[error("a deficiency needs a note of 1 to 2000 characters")]
    InvalidNote,
}

impl crate::refusal::Refusal for SpotCheckError {
    fn code(&self) -> &'static str {
        match self {
            SpotCheckError::NotInspector => "forbidden",
            SpotCheckError::InvalidSize => "invalid_size",
            SpotCheckError::InvalidPeriod => "invalid_period",
            SpotCheckError::EmptyPopulation => "empty_population",
            SpotCheckError::AlreadyDrawn => "already_drawn",
            SpotCheckError::NotFound => "not_found",
            SpotCheckError::NotSampled => "not_sampled",
            SpotCheckError::AlreadyFound => "already_found",
            SpotCheckError::InvalidNote => "invalid_note",
        }
    }

    fn kind(&self) -> crate::refusal::RefusalKind {
        use crate::refusal::RefusalKind as K;
        match self {
            SpotCheckError::NotInspector => K::Forbidden,
            SpotCheckError::NotFound => K::NotFound,
            SpotCheckError::AlreadyDrawn | SpotCheckError::AlreadyFound => K::Conflict,
            _ => K::Rule,
        }
    }

    fn zh(&self) -> String {
        match self {
            SpotCheckError::NotInspector => "只有纪检监察人员可以抽查。",
            SpotCheckError::InvalidSize => "抽取件数为 1 至 200。",
            SpotCheckError::InvalidPeriod => "截止日不能早于起始日。",
            SpotCheckError::EmptyPopulation => "该部门在此期间没有办结的办件。",
            SpotCheckError::AlreadyDrawn => "该抽查已抽取样本。",
            SpotCheckError::NotFound => "没有这次抽查。",
            SpotCheckError::NotSampled => "该办件不在本次抽查样本中。",
            SpotCheckError::AlreadyFound => "该办件已记录检查结论。",
            SpotCheckError::InvalidNote => "存在问题的，须写明问题（2000 字以内）。",
        }
        .into()
    }

    fn en(&self) -> String {
        self.to_string()
    }
}

/// A spot check as its events leave it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpotCheck {
    /// The cases drawn (empty before the draw).
    pub cases: Vec<String>,
    /// The cases with a finding.
    pub found: Vec<String>,
    /// Whether drawn.
    pub drawn: bool,
}

fn inspector(actor: &Actor) -> Result<(), SpotCheckError> {
    (actor.role == Role::Inspector)
        .then_some(())
        .ok_or(SpotCheckError::NotInspector)
}

impl Aggregate for SpotCheck {
    const TYPE: &'static str = "SpotCheck";
    type Command = SpotCheckCommand;
    type Event = SpotCheckEvent;
    type Error = SpotCheckError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            SpotCheckCommand::DrawSample {
                actor,
                department,
                from,
                to,
                size,
                seed,
                population,
                at,
            } => {
                inspector(&actor)?;
                if self.drawn {
                    return Err(SpotCheckError::AlreadyDrawn);
                }
                if !(1..=MAX_SAMPLE).contains(&size) {
                    return Err(SpotCheckError::InvalidSize);
                }
                if to < from {
                    return Err(SpotCheckError::InvalidPeriod);
                }
                let mut distinct = population.clone();
                distinct.sort();
                distinct.dedup();
                if distinct.is_empty() {
                    return Err(SpotCheckError::EmptyPopulation);
                }
                SpotCheckEvent::SampleDrawn {
                    department,
                    from,
                    to,
                    size,
                    seed,
                    population_count: u32::try_from(distinct.len()).unwrap_or(u32::MAX),
                    population_sha256: population_hash(&distinct),
                    cases: draw(&distinct, seed, size),
                    by: actor.id,
                    at,
                }
            }
            SpotCheckCommand::RecordFinding {
                actor,
                case_id,
                finding,
                note,
                at,
            } => {
                inspector(&actor)?;
                if !self.drawn {
                    return Err(SpotCheckError::NotFound);
                }
                if !self.cases.contains(&case_id) {
                    return Err(SpotCheckError::NotSampled);
                }
                if self.found.contains(&case_id) {
                    return Err(SpotCheckError::AlreadyFound);
                }
                let note = match note.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(n) => Some(
                        Bounded::lines(2000)
                            .required(n)
                            .map_err(|_| SpotCheckError::InvalidNote)?
                            .to_string(),
                    ),
                };
                if finding == SpotFinding::Deficient && note.is_none() {
                    return Err(SpotCheckError::InvalidNote);
                }
                SpotCheckEvent::FindingRecorded {
                    case_id,
                    finding,
                    note,
                    by: actor.id,
                    at,
                }
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            SpotCheckEvent::SampleDrawn { cases, .. } => {
                self.cases = cases;
                self.drawn = true;
            }
            SpotCheckEvent::FindingRecorded { case_id, .. } => self.found.push(case_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;

    use super::*;

    fn at() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-12-07T10:00:00+08:00").unwrap()
    }

    fn inspector() -> Actor {
        Actor {
            id: "chen".into(),
            role: Role::Inspector,
            department: None,
        }
    }

    fn population(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("YG20261102CASE{i:04}")).collect()
    }

    #[test]
    fn the_draw_is_a_function_of_the_seed_and_the_population_only() {
        let p = population(50);
        let a = draw(&p, 42, 5);
        assert_eq!(a.len(), 5);
        // Order of the population does not matter; the seed does.
        let mut shuffled = p.clone();
        shuffled.reverse();
        assert_eq!(draw(&shuffled, 42, 5), a);
        assert_ne!(draw(&p, 43, 5), a);
        // The rule is the documented one: lowest SHA-256 of "{seed}:{id}".
        let mut by_hand: Vec<(String, String)> = p
            .iter()
            .map(|id| (sha256_hex(&format!("42:{id}")), id.clone()))
            .collect();
        by_hand.sort();
        let expected: Vec<String> = by_hand.into_iter().take(5).map(|x| x.1).collect();
        assert_eq!(a, expected);
        // A sample larger than the population is the whole population.
        assert_eq!(draw(&population(3), 7, 10).len(), 3);
        assert_eq!(population_hash(&shuffled), population_hash(&p));
    }

    #[test]
    fn a_draw_records_its_seed_and_fingerprint_then_one_finding_per_sampled_case() {
        let p = population(20);
        let cases = draw(&p, 9, 3);
        let drawn = SpotCheckEvent::SampleDrawn {
            department: "pudong-amr".into(),
            from: "2026-11-01".parse().unwrap(),
            to: "2026-11-30".parse().unwrap(),
            size: 3,
            seed: 9,
            population_count: 20,
            population_sha256: population_hash(&p),
            cases: cases.clone(),
            by: "chen".into(),
            at: at(),
        };
        TestFramework::<SpotCheck>::with(())
            .given_no_previous_events()
            .when(SpotCheckCommand::DrawSample {
                actor: inspector(),
                department: "pudong-amr".into(),
                from: "2026-11-01".parse().unwrap(),
                to: "2026-11-30".parse().unwrap(),
                size: 3,
                seed: 9,
                population: p.clone(),
                at: at(),
            })
            .then_expect_events(vec![drawn.clone()]);
        let finding = |case: &str, finding: SpotFinding, note: Option<&str>| {
            SpotCheckCommand::RecordFinding {
                actor: inspector(),
                case_id: case.into(),
                finding,
                note: note.map(String::from),
                at: at(),
            }
        };
        TestFramework::<SpotCheck>::with(())
            .given(vec![drawn.clone()])
            .when(finding(&cases[0], SpotFinding::Deficient, None))
            .then_expect_error(SpotCheckError::InvalidNote);
        TestFramework::<SpotCheck>::with(())
            .given(vec![drawn.clone()])
            .when(finding("YG20261102NOTDRAWN", SpotFinding::Compliant, None))
            .then_expect_error(SpotCheckError::NotSampled);
        let found = SpotCheckEvent::FindingRecorded {
            case_id: cases[0].clone(),
            finding: SpotFinding::Compliant,
            note: None,
            by: "chen".into(),
            at: at(),
        };
        TestFramework::<SpotCheck>::with(())
            .given(vec![drawn.clone()])
            .when(finding(&cases[0], SpotFinding::Compliant, Some(" ")))
            .then_expect_events(vec![found.clone()]);
        TestFramework::<SpotCheck>::with(())
            .given(vec![drawn, found])
            .when(finding(&cases[0], SpotFinding::Compliant, None))
            .then_expect_error(SpotCheckError::AlreadyFound);
    }

    #[test]
    fn refusals() {
        let cmd = |size: u32, population: Vec<String>, to: &str| SpotCheckCommand::DrawSample {
            actor: inspector(),
            department: "pudong-amr".into(),
            from: "2026-11-01".parse().unwrap(),
            to: to.parse().unwrap(),
            size,
            seed: 1,
            population,
            at: at(),
        };
        for (command, error) in [
            (
                cmd(0, population(3), "2026-11-30"),
                SpotCheckError::InvalidSize,
            ),
            (
                cmd(201, population(3), "2026-11-30"),
                SpotCheckError::InvalidSize,
            ),
            (
                cmd(3, population(3), "2026-10-30"),
                SpotCheckError::InvalidPeriod,
            ),
            (
                cmd(3, vec![], "2026-11-30"),
                SpotCheckError::EmptyPopulation,
            ),
        ] {
            TestFramework::<SpotCheck>::with(())
                .given_no_previous_events()
                .when(command)
                .then_expect_error(error);
        }
        let mut officer = inspector();
        officer.role = Role::Officer;
        TestFramework::<SpotCheck>::with(())
            .given_no_previous_events()
            .when(SpotCheckCommand::DrawSample {
                actor: officer,
                department: "pudong-amr".into(),
                from: "2026-11-01".parse().unwrap(),
                to: "2026-11-30".parse().unwrap(),
                size: 3,
                seed: 1,
                population: population(3),
                at: at(),
            })
            .then_expect_error(SpotCheckError::NotInspector);
    }
}
