//! 抽查 reads: the spot checks, and one with its draw done again from its seed.
use projections::spot_checks::SpotCheckDoc;
use serde::Serialize;
use utoipa::ToSchema;

use super::Reads;
use crate::engine::LoadError;

/// A spot check's draw done again now: the population read afresh, ranked by the recorded
/// seed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reproduction {
    /// How many cases the population holds now.
    pub population_count: u32,
    /// Its fingerprint now.
    pub population_sha256: String,
    /// The sample the seed gives now.
    pub cases: Vec<String>,
    /// Whether population and sample are the recorded ones.
    pub matches: bool,
}

/// A spot check with its reproduction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpotCheckView {
    /// The spot check.
    #[serde(flatten)]
    pub check: SpotCheckDoc,
    /// Its draw done again.
    pub reproduction: Reproduction,
}

impl Reads<'_> {
    /// Every spot check (of `department` only, if given), newest first.
    pub async fn spot_checks(
        &self,
        department: Option<&str>,
    ) -> Result<Vec<SpotCheckDoc>, LoadError> {
        self.wait_for_view("spot_checks").await;
        let mut docs: Vec<SpotCheckDoc> = self.repo().view_docs("spot_checks", department).await?;
        docs.sort_by_key(|d| std::cmp::Reverse(d.at));
        Ok(docs)
    }

    /// Spot check `id` with its draw done again from its seed.
    pub async fn spot_check(&self, id: &str) -> Result<Option<SpotCheckView>, LoadError> {
        if !crate::engine::spot_checks::is_spot_check_id(id) {
            return Ok(None);
        }
        self.wait_for_view("spot_checks").await;
        let Some(check) = self
            .repo()
            .view_doc::<SpotCheckDoc>("spot_checks", id)
            .await?
        else {
            return Ok(None);
        };
        let (Some(from), Some(to), Ok(seed)) = (check.from, check.to, check.seed.parse::<u64>())
        else {
            return Ok(None);
        };
        let population = self.concluded_cases(&check.department, from, to).await?;
        let cases = aggregates::spot_check::draw(&population, seed, check.size);
        let population_sha256 = aggregates::spot_check::population_hash(&population);
        let population_count = u32::try_from(population.len()).unwrap_or(u32::MAX);
        let matches = population_sha256 == check.population_sha256
            && cases.iter().eq(check.cases.iter().map(|c| &c.case_id));
        Ok(Some(SpotCheckView {
            check,
            reproduction: Reproduction {
                population_count,
                population_sha256,
                cases,
                matches,
            },
        }))
    }
}
