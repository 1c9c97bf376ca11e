//! 抽查: one document per spot check, with its draw (seed, population fingerprint, sample) and
//! the finding on each sampled case; listed by department.
use aggregates::spot_check::{SpotCheck, SpotCheckEvent, SpotFinding};
use chrono::{DateTime, FixedOffset, NaiveDate};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{EventRecord, Fold, payload};

/// One sampled case and its finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SampledCase {
    /// The case.
    pub case_id: String,
    /// The finding, once recorded.
    #[schema(value_type = Option<String>)]
    pub finding: Option<SpotFinding>,
    /// Its note.
    pub note: Option<String>,
    /// Who recorded it (subject id).
    pub by: Option<String>,
    /// When.
    pub at: Option<DateTime<FixedOffset>>,
}

/// A spot check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpotCheckDoc {
    /// Its id.
    pub id: String,
    /// The department checked.
    pub department: String,
    /// First day of the period.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
    /// The size asked for.
    pub size: u32,
    /// The seed (a string: 64-bit integers do not survive JSON numbers everywhere).
    pub seed: String,
    /// How many cases the population held.
    pub population_count: u32,
    /// SHA-256 of the population's sorted numbers joined by newlines.
    pub population_sha256: String,
    /// The sample, in draw order.
    pub cases: Vec<SampledCase>,
    /// Who drew it (subject id).
    pub by: String,
    /// When.
    pub at: Option<DateTime<FixedOffset>>,
}

/// Folds spot check events into their documents.
pub struct SpotChecksProjection;

impl Fold for SpotChecksProjection {
    type Doc = SpotCheckDoc;

    fn name(&self) -> &'static str {
        "spot_checks"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == SpotCheck::TYPE).then(|| event.aggregate_id.to_string())
    }

    fn stream_type(&self) -> Option<&'static str> {
        Some(SpotCheck::TYPE)
    }

    fn start(&self, first: &EventRecord) -> SpotCheckDoc {
        SpotCheckDoc {
            id: first.aggregate_id.to_string(),
            ..SpotCheckDoc::default()
        }
    }

    fn step(&self, doc: &mut SpotCheckDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        match payload::<SpotCheckEvent>(event)? {
            SpotCheckEvent::SampleDrawn {
                department,
                from,
                to,
                size,
                seed,
                population_count,
                population_sha256,
                cases,
                by,
                at,
            } => {
                doc.department = department;
                doc.from = Some(from);
                doc.to = Some(to);
                doc.size = size;
                doc.seed = seed.to_string();
                doc.population_count = population_count;
                doc.population_sha256 = population_sha256;
                doc.cases = cases
                    .into_iter()
                    .map(|case_id| SampledCase {
                        case_id,
                        finding: None,
                        note: None,
                        by: None,
                        at: None,
                    })
                    .collect();
                doc.by = by;
                doc.at = Some(at);
            }
            SpotCheckEvent::FindingRecorded {
                case_id,
                finding,
                note,
                by,
                at,
            } => {
                if let Some(c) = doc.cases.iter_mut().find(|c| c.case_id == case_id) {
                    c.finding = Some(finding);
                    c.note = note;
                    c.by = Some(by);
                    c.at = Some(at);
                }
            }
        }
        Ok(())
    }

    fn part(&self, doc: &SpotCheckDoc) -> String {
        doc.department.clone()
    }
}
