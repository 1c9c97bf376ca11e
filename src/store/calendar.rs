//! Calendar years loaded into a deployment (`migrations/*/0008_calendar_years.sql` on
//! PostgreSQL, `0006` on SQLite): every server reads the same years from here.
use super::{EventRepo, PgStore, StoreError};

/// A loaded year as stored: the newest row of its year.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredYear {
    /// The row's id: rises with every load, so the largest says whether anything changed.
    pub id: i64,
    /// The calendar year.
    pub year: i32,
    /// The year file (YAML).
    pub content: String,
    /// Who loaded it (an account or the CLI's operator).
    pub loaded_by: String,
    /// When, in seconds since the Unix epoch.
    pub loaded_at: i64,
}

const NEWEST: &str = "SELECT c.id, c.year, c.content, c.loaded_by, c.loaded_at \
     FROM calendar_years c \
     WHERE c.id = (SELECT max(d.id) FROM calendar_years d WHERE d.year = c.year) \
     ORDER BY c.year";

impl EventRepo {
    /// Stores a year (already validated); returns its row id.
    pub async fn add_calendar_year(
        &self,
        year: i32,
        content: &str,
        loaded_by: &str,
        loaded_at: i64,
    ) -> Result<i64, StoreError> {
        let insert = "INSERT INTO calendar_years (year, content, loaded_by, loaded_at) \
                      VALUES ($1, $2, $3, $4) RETURNING id";
        Ok(match self {
            EventRepo::Sqlite(store) => {
                let _turn = store.write_turn().await;
                sqlx::query_scalar(&insert.replace('$', "?"))
                    .bind(year)
                    .bind(content)
                    .bind(loaded_by)
                    .bind(loaded_at)
                    .fetch_one(store.pool())
                    .await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_scalar(insert)
                    .bind(year)
                    .bind(content)
                    .bind(loaded_by)
                    .bind(loaded_at)
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// The loaded years in force (the newest row of each), by year.
    pub async fn calendar_years(&self) -> Result<Vec<StoredYear>, StoreError> {
        Ok(match self {
            EventRepo::Sqlite(store) => sqlx::query_as(NEWEST).fetch_all(store.pool()).await?,
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(NEWEST).fetch_all(pool).await?
            }
        })
    }

    /// What a server compares to know whether to reload: the rows and the newest id, in one
    /// number (`rows << 32 | newest id`, 0 when none). The count matters on PostgreSQL, where
    /// an identity taken earlier may commit after a larger one: rows are only ever added, so
    /// every commit changes the count.
    pub async fn calendar_version(&self) -> Result<i64, StoreError> {
        let sql = "SELECT (count(*) * 4294967296) + COALESCE(max(id), 0) FROM calendar_years";
        Ok(match self {
            EventRepo::Sqlite(store) => sqlx::query_scalar(sql).fetch_one(store.pool()).await?,
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await?
            }
        })
    }
}
