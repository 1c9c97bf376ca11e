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

    /// Counts one case under `key` by what happened (`measure`), its end step (empty but for
    /// `concluded`) and its party's kind (a person when unknown).
    pub fn by_party(
        &mut self,
        key: CountKey,
        measure: &'static str,
        end_step: String,
        party: Option<PartyKind>,
    ) {
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
     (month, department, power_code, measure, end_step, party_kind, count) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (month, department, power_code, measure, end_step, party_kind) \
     DO UPDATE SET count = statistic_results.count + excluded.count";

const SAVE_CHECKPOINT: &str = "INSERT INTO projection_checkpoints (name, version, tx, position) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET version = excluded.version, \
     tx = excluded.tx, position = excluded.position";

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

/// The SQL for the store: PostgreSQL's `$n` parameters, or SQLite's `?n`.
fn dialect(sql: &str, sqlite: bool) -> String {
    if sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_string()
    }
}

impl EventRepo {
    /// Adds a batch's tally and moves the checkpoint `name` to `cursor`, in one transaction.
    pub async fn add_statistics(
        &self,
        tally: &Tally,
        name: &str,
        version: i32,
        cursor: Cursor,
    ) -> Result<(), StoreError> {
        let add_counts = add_counts_sql();
        match self {
            EventRepo::Sqlite(store) => {
                store
                    .relaxed(async |conn| -> Result<(), StoreError> {
                        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                        write_tally(&mut tx, tally, &add_counts, true).await?;
                        save_checkpoint(&mut tx, name, version, cursor, true).await?;
                        tx.commit().await?;
                        Ok(())
                    })
                    .await
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                let mut tx = pool.begin().await?;
                write_tally(&mut tx, tally, &add_counts, false).await?;
                save_checkpoint(&mut tx, name, version, cursor, false).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Forgets every count and the checkpoint `name` (the follower then counts from the start).
    pub async fn reset_statistics(&self, name: &str) -> Result<(), StoreError> {
        let statements = [
            "DELETE FROM statistics",
            "DELETE FROM statistic_results",
            "DELETE FROM projection_checkpoints WHERE name = $1",
        ];
        match self {
            EventRepo::Sqlite(store) => {
                store
                    .relaxed(async |conn| -> Result<(), StoreError> {
                        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                        for sql in statements {
                            let sql = dialect(sql, true);
                            let query = sqlx::query(&sql);
                            let query = if sql.contains('?') {
                                query.bind(name)
                            } else {
                                query
                            };
                            query.execute(&mut *tx).await?;
                        }
                        tx.commit().await?;
                        Ok(())
                    })
                    .await
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                let mut tx = pool.begin().await?;
                for sql in statements {
                    let query = sqlx::query(sql);
                    let query = if sql.contains('$') {
                        query.bind(name)
                    } else {
                        query
                    };
                    query.execute(&mut *tx).await?;
                }
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
        let decode = |department: String, power_code: String, v: Vec<i64>| CountRow {
            department,
            power_code,
            counts: Counts::from_values(v.try_into().unwrap_or([0; 16])),
        };
        let mut out = Vec::new();
        match self {
            EventRepo::Sqlite(store) => {
                use sqlx::Row;
                let sql = dialect(&sql, true);
                let mut query = sqlx::query(&sql).bind(from).bind(to);
                if let Some(d) = department {
                    query = query.bind(d);
                }
                for row in query.fetch_all(store.pool()).await? {
                    let values = (0..Counts::COLUMNS.len())
                        .map(|i| row.try_get::<i64, _>(i + 2))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.push(decode(row.try_get(0)?, row.try_get(1)?, values));
                }
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                use sqlx::Row;
                let mut query = sqlx::query(&sql).bind(from).bind(to);
                if let Some(d) = department {
                    query = query.bind(d);
                }
                for row in query.fetch_all(pool).await? {
                    let values = (0..Counts::COLUMNS.len())
                        .map(|i| row.try_get::<i64, _>(i + 2))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.push(decode(row.try_get(0)?, row.try_get(1)?, values));
                }
            }
        }
        Ok(out)
    }

    /// Cases by department, power, what happened, end step and party kind, summed over the
    /// months `from..=to` (`YYYY-MM`).
    pub async fn statistic_outcomes(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<OutcomeRow>, StoreError> {
        let sql = "SELECT department, power_code, measure, end_step, party_kind, \
                   CAST(SUM(count) AS BIGINT) AS count FROM statistic_results \
                   WHERE month >= $1 AND month <= $2 \
                   GROUP BY department, power_code, measure, end_step, party_kind \
                   ORDER BY department, power_code, measure, end_step, party_kind";
        Ok(match self {
            EventRepo::Sqlite(store) => {
                sqlx::query_as(&dialect(sql, true))
                    .bind(from)
                    .bind(to)
                    .fetch_all(store.pool())
                    .await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(sql)
                    .bind(from)
                    .bind(to)
                    .fetch_all(pool)
                    .await?
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
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
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
            .bind(key.party_kind.as_str())
            .bind(*count)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn save_checkpoint<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    name: &str,
    version: i32,
    cursor: Cursor,
    sqlite: bool,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query::<DB>(&dialect(SAVE_CHECKPOINT, sqlite))
        .bind(name)
        .bind(version)
        .bind(cursor.tx)
        .bind(cursor.position)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
