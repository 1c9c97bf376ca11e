//! Public statistics as running counts (`migrations/postgres/0012_statistics.sql`,
//! `migrations/sqlite/0010_statistics.sql`): what a batch of events adds is written with the
//! statistics follower's checkpoint in one transaction, so every event counts exactly once; a
//! reader sums the months of its period.
use std::collections::BTreeMap;

use aggregates::party::PartyKind;
use projections::statistics::Counts;
use sqlx::Connection;

use super::{Cursor, EventRepo, PgStore, StoreError};

/// Where a count is kept: a month (`YYYY-MM`, China time), a department and a power.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountKey {
    /// `YYYY-MM`.
    pub month: String,
    /// Department id.
    pub department: String,
    /// Power code.
    pub power_code: String,
}

/// Where a case is counted by its party's kind: the key, what happened (`received`,
/// `concluded`, `withdrawn`), the end step reached (empty but for `concluded`) and the party's
/// kind (`person` or `organisation`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutcomeKey {
    /// Month, department, power.
    pub key: CountKey,
    /// `received`, `concluded` or `withdrawn`.
    pub measure: &'static str,
    /// The end step's id (empty but for `concluded`).
    pub end_step: String,
    /// Its result as the event recorded it (empty but for `concluded`).
    pub result: String,
    /// `person` or `organisation`.
    pub party_kind: String,
}

/// What a batch of events adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Counts to add.
    pub counts: BTreeMap<CountKey, Counts>,
    /// Outcomes to add.
    pub outcomes: BTreeMap<OutcomeKey, i64>,
}

impl Tally {
    /// The counts under `key`, to add to.
    pub fn at(&mut self, key: CountKey) -> &mut Counts {
        self.counts.entry(key).or_default()
    }

    /// Counts one case under `key` by what happened (`measure`), its end step and result
    /// (`(end step, result)` for `concluded`, else `None`) and its party's kind (a person when
    /// unknown).
    pub fn by_party(
        &mut self,
        key: CountKey,
        measure: &'static str,
        end: Option<(String, String)>,
        party: Option<PartyKind>,
    ) {
        let (end_step, result) = end.unwrap_or_default();
        let party_kind = match party {
            Some(PartyKind::Organisation) => "organisation",
            _ => "person",
        };
        *self
            .outcomes
            .entry(OutcomeKey {
                key,
                measure,
                end_step,
                result,
                party_kind: party_kind.to_string(),
            })
            .or_default() += 1;
    }
}

/// A department's and power's counts, summed over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    /// Department id.
    pub department: String,
    /// Power code.
    pub power_code: String,
    /// The sums.
    pub counts: Counts,
}

/// Cases of a department and power by what happened, end step and party kind, over a period.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutcomeRow {
    /// Department id.
    pub department: String,
    /// Power code.
    pub power_code: String,
    /// `received`, `concluded` or `withdrawn`.
    pub measure: String,
    /// End step id.
    pub end_step: String,
    /// Its result as recorded.
    pub result: String,
    /// `person` or `organisation`.
    pub party_kind: String,
    /// How many.
    pub count: i64,
}

fn add_counts_sql() -> String {
    let columns = Counts::COLUMNS;
    let names = columns.join(", ");
    let params: Vec<String> = (4..4 + columns.len()).map(|i| format!("${i}")).collect();
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = statistics.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO statistics (month, department, power_code, {names}) VALUES ($1, $2, $3, {}) \
         ON CONFLICT (month, department, power_code) DO UPDATE SET {}",
        params.join(", "),
        sets.join(", ")
    )
}

const ADD_OUTCOME: &str = "INSERT INTO statistic_results \
     (month, department, power_code, measure, end_step, result, party_kind, count) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (month, department, power_code, measure, end_step, result, party_kind) \
     DO UPDATE SET count = statistic_results.count + excluded.count";

/// Moves the checkpoint on from where the batch started (compare and set: a process that lost
/// its lease, whose batch another has counted, changes nothing).
const MOVE_CHECKPOINT: &str = "UPDATE projection_checkpoints SET version = $2, tx = $3, position = $4, \
     updated_at = {now} WHERE name = $1 AND tx = $5 AND position = $6 RETURNING name";
/// The first checkpoint, when the batch started at the log's start.
const FIRST_CHECKPOINT: &str = "INSERT INTO projection_checkpoints (name, version, tx, position) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name";

fn sum_counts_sql(department: bool) -> String {
    let sums: Vec<String> = Counts::COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect();
    format!(
        "SELECT department, power_code, {} FROM statistics WHERE month >= $1 AND month <= $2 {} \
         GROUP BY department, power_code ORDER BY department, power_code",
        sums.join(", "),
        if department {
            "AND department = $3"
        } else {
            ""
        }
    )
}

fn sum_outcomes_sql(department: bool) -> String {
    format!(
        "SELECT department, power_code, measure, end_step, result, party_kind, \
         CAST(SUM(count) AS BIGINT) AS count FROM statistic_results \
         WHERE month >= $1 AND month <= $2 {} \
         GROUP BY department, power_code, measure, end_step, result, party_kind \
         ORDER BY department, power_code, measure, end_step, result, party_kind",
        if department {
            "AND department = $3"
        } else {
            ""
        }
    )
}

/// The SQL for the store: PostgreSQL's `$n` parameters and `now()`, or SQLite's `?n` and its
/// timestamp text.
fn dialect(sql: &str, sqlite: bool) -> String {
    if sqlite {
        sql.replace('$', "?")
            .replace("{now}", "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
    } else {
        sql.replace("{now}", "now()")
    }
}

/// A count row as selected: department, power, then the sums in the order of
/// [`Counts::COLUMNS`].
fn count_row<R: sqlx::Row>(row: &R) -> Result<CountRow, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut values = [0_i64; Counts::COLUMNS.len()];
    for (i, v) in values.iter_mut().enumerate() {
        *v = row.try_get(i + 2)?;
    }
    Ok(CountRow {
        department: row.try_get(0)?,
        power_code: row.try_get(1)?,
        counts: Counts::from_values(values),
    })
}

impl EventRepo {
    /// Adds a batch's tally and moves the checkpoint `name` from `from` (where the batch
    /// started; the default cursor at the log's start) to `to`, in one transaction. `false`,
    /// with nothing written, when the checkpoint is no longer at `from` (another process has
    /// counted on since: this one lost its lease).
    pub async fn add_statistics(
        &self,
        tally: &Tally,
        name: &str,
        version: i32,
        from: Cursor,
        to: Cursor,
    ) -> Result<bool, StoreError> {
        let add_counts = add_counts_sql();
        match self {
            EventRepo::Sqlite(store) => {
                store
                    .relaxed(async |conn| -> Result<bool, StoreError> {
                        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                        if !move_checkpoint(&mut tx, name, version, from, to, true).await? {
                            return Ok(false);
                        }
                        write_tally(&mut tx, tally, &add_counts, true).await?;
                        tx.commit().await?;
                        Ok(true)
                    })
                    .await
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                let mut tx = pool.begin().await?;
                if !move_checkpoint(&mut tx, name, version, from, to, false).await? {
                    return Ok(false);
                }
                write_tally(&mut tx, tally, &add_counts, false).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    }

    /// Forgets every count and the checkpoint `name` (the follower then counts from the start).
    pub async fn reset_statistics(&self, name: &str) -> Result<(), StoreError> {
        match self {
            EventRepo::Sqlite(store) => {
                store
                    .relaxed(async |conn| -> Result<(), StoreError> {
                        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                        reset(&mut tx, name, true).await?;
                        tx.commit().await?;
                        Ok(())
                    })
                    .await
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                let mut tx = pool.begin().await?;
                reset(&mut tx, name, false).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// The counts of each department and power summed over the months `from..=to`
    /// (`YYYY-MM`), of one department if given; ordered by department and power.
    pub async fn statistics(
        &self,
        from: &str,
        to: &str,
        department: Option<&str>,
    ) -> Result<Vec<CountRow>, StoreError> {
        let sql = sum_counts_sql(department.is_some());
        let rows = match self {
            EventRepo::Sqlite(store) => {
                let sql = dialect(&sql, true);
                let mut query = sqlx::query(&sql).bind(from).bind(to);
                if let Some(d) = department {
                    query = query.bind(d);
                }
                query
                    .fetch_all(store.pool())
                    .await?
                    .iter()
                    .map(count_row)
                    .collect::<Result<_, _>>()?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                let mut query = sqlx::query(&sql).bind(from).bind(to);
                if let Some(d) = department {
                    query = query.bind(d);
                }
                query
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(count_row)
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(rows)
    }

    /// Cases by department, power, what happened, end step, result and party kind, summed over
    /// the months `from..=to` (`YYYY-MM`), of one department if given.
    pub async fn statistic_outcomes(
        &self,
        from: &str,
        to: &str,
        department: Option<&str>,
    ) -> Result<Vec<OutcomeRow>, StoreError> {
        let sql = sum_outcomes_sql(department.is_some());
        Ok(match self {
            EventRepo::Sqlite(store) => {
                let sql = dialect(&sql, true);
                let mut query = sqlx::query_as(&sql).bind(from).bind(to);
                if let Some(d) = department {
                    query = query.bind(d);
                }
                query.fetch_all(store.pool()).await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                let mut query = sqlx::query_as(&sql).bind(from).bind(to);
                if let Some(d) = department {
                    query = query.bind(d);
                }
                query.fetch_all(pool).await?
            }
        })
    }
}

async fn write_tally<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    tally: &Tally,
    add_counts: &str,
    sqlite: bool,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let add_counts = dialect(add_counts, sqlite);
    for (key, counts) in &tally.counts {
        let mut query = sqlx::query::<DB>(&add_counts)
            .bind(key.month.as_str())
            .bind(key.department.as_str())
            .bind(key.power_code.as_str());
        for v in counts.values() {
            query = query.bind(v);
        }
        query.execute(&mut **tx).await?;
    }
    let add_outcome = dialect(ADD_OUTCOME, sqlite);
    for (key, count) in &tally.outcomes {
        sqlx::query::<DB>(&add_outcome)
            .bind(key.key.month.as_str())
            .bind(key.key.department.as_str())
            .bind(key.key.power_code.as_str())
            .bind(key.measure)
            .bind(key.end_step.as_str())
            .bind(key.result.as_str())
            .bind(key.party_kind.as_str())
            .bind(*count)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Moves the checkpoint from `from` to `to` if it is still at `from`; whether it was.
async fn move_checkpoint<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    name: &str,
    version: i32,
    from: Cursor,
    to: Cursor,
    sqlite: bool,
) -> Result<bool, StoreError>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (String,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let moved: Option<String> = if from == Cursor::default() {
        sqlx::query_scalar::<DB, String>(&dialect(FIRST_CHECKPOINT, sqlite))
            .bind(name)
            .bind(version)
            .bind(to.tx)
            .bind(to.position)
            .fetch_optional(&mut **tx)
            .await?
    } else {
        sqlx::query_scalar::<DB, String>(&dialect(MOVE_CHECKPOINT, sqlite))
            .bind(name)
            .bind(version)
            .bind(to.tx)
            .bind(to.position)
            .bind(from.tx)
            .bind(from.position)
            .fetch_optional(&mut **tx)
            .await?
    };
    Ok(moved.is_some())
}

async fn reset<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    name: &str,
    sqlite: bool,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query::<DB>("DELETE FROM statistics")
        .execute(&mut **tx)
        .await?;
    sqlx::query::<DB>("DELETE FROM statistic_results")
        .execute(&mut **tx)
        .await?;
    sqlx::query::<DB>(&dialect(
        "DELETE FROM projection_checkpoints WHERE name = $1",
        sqlite,
    ))
    .bind(name)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
