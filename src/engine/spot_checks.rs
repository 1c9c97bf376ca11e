//! 抽查: an inspector draws a sample of a department's cases concluded in a period (the
//! population read from the `cases` view), with a seed given or drawn at random, and records a
//! finding per sampled case; anyone can reproduce the draw from the seed
//! ([`aggregates::spot_check::draw`]).
use aggregates::Actor;
use aggregates::case::{CaseStatus, china_date};
use aggregates::spot_check::{SpotCheckCommand, SpotCheckError, SpotFinding};
use chrono::NaiveDate;
use cqrs_es::AggregateError;
use projections::cases::{CaseDoc, department_part};

use super::{CommandMeta, Engine, LoadError};

/// Why a spot check command was not run.
#[derive(Debug)]
pub enum SpotCheckCommandError {
    /// Refused.
    Refused(AggregateError<SpotCheckError>),
    /// The cases could not be read.
    Load(LoadError),
}

impl From<AggregateError<SpotCheckError>> for SpotCheckCommandError {
    fn from(e: AggregateError<SpotCheckError>) -> Self {
        SpotCheckCommandError::Refused(e)
    }
}

/// Whether `id` has the shape of a spot check id.
pub fn is_spot_check_id(id: &str) -> bool {
    id.len() == 17 && id.starts_with('S') && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Engine {
    /// The tracking numbers of `department`'s cases concluded (办结) between `from` and `to`
    /// (China dates, both included): a spot check's population.
    pub async fn concluded_cases(
        &self,
        department: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<String>, LoadError> {
        self.wait_for_view("cases", crate::store::Cursor::default())
            .await;
        let part = department_part(department, CaseStatus::Concluded);
        let docs: Vec<CaseDoc> = self.repo().view_docs("cases", Some(&part)).await?;
        let mut ids: Vec<String> = docs
            .into_iter()
            .filter(|d| d.case.status == CaseStatus::Concluded)
            .filter(|d| {
                d.case
                    .closed_at
                    .map(china_date)
                    .is_some_and(|day| from <= day && day <= to)
            })
            .map(|d| d.case.tracking_no)
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// 抽取样本; answers with the spot check's id.
    #[allow(clippy::too_many_arguments)]
    pub async fn draw_spot_check(
        &self,
        actor: Actor,
        department: &str,
        from: NaiveDate,
        to: NaiveDate,
        size: u32,
        seed: Option<u64>,
        meta: CommandMeta,
    ) -> Result<String, SpotCheckCommandError> {
        if actor.role != aggregates::Role::Inspector {
            return Err(AggregateError::UserError(SpotCheckError::NotInspector).into());
        }
        let population = self
            .concluded_cases(department, from, to)
            .await
            .map_err(SpotCheckCommandError::Load)?;
        let id = super::query_code::spot_check_id(china_date(self.now()));
        let command = SpotCheckCommand::DrawSample {
            actor,
            department: department.to_string(),
            from,
            to,
            size,
            seed: seed.unwrap_or_else(rand::random),
            population,
            at: self.now(),
        };
        self.execute_spot_check(&id, command, meta).await?;
        Ok(id)
    }

    /// 记录检查结论 on `case_id` of spot check `id`.
    pub async fn record_spot_finding(
        &self,
        id: &str,
        actor: Actor,
        case_id: String,
        finding: SpotFinding,
        note: Option<String>,
        meta: CommandMeta,
    ) -> Result<(), SpotCheckCommandError> {
        if !is_spot_check_id(id) {
            return Err(AggregateError::UserError(SpotCheckError::NotFound).into());
        }
        let command = SpotCheckCommand::RecordFinding {
            actor,
            case_id,
            finding,
            note,
            at: self.now(),
        };
        self.execute_spot_check(id, command, meta).await?;
        Ok(())
    }
}
