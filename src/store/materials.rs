//! Files of applications' materials (申请材料), kept once by their SHA-256
//! (`migrations/postgres/0010_materials.sql`, `migrations/sqlite/0008_materials.sql`).
//!
//! A file is stored before the event naming it is appended; should the append fail, the file
//! stays, unnamed and unreachable (nothing serves a file no case names), and an upload of the
//! same bytes later finds it there.
use super::{EventRepo, PgStore, StoreError};

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredMaterial {
    /// `application/pdf`, `image/jpeg` or `image/png`.
    pub media_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

impl EventRepo {
    /// Stores a file under its hash; a file already stored is left as it is (same hash, same
    /// bytes).
    pub async fn put_material(
        &self,
        sha256: &str,
        media_type: &str,
        content: &[u8],
        stored_at: i64,
    ) -> Result<(), StoreError> {
        let insert = "INSERT INTO materials (sha256, media_type, size, content, stored_at) \
                      VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING";
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        match self {
            EventRepo::Sqlite(store) => {
                let _turn = store.write_turn().await;
                sqlx::query(&insert.replace('$', "?"))
                    .bind(sha256)
                    .bind(media_type)
                    .bind(size)
                    .bind(content)
                    .bind(stored_at)
                    .execute(store.pool())
                    .await?;
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query(insert)
                    .bind(sha256)
                    .bind(media_type)
                    .bind(size)
                    .bind(content)
                    .bind(stored_at)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The file stored under `sha256`, if any.
    pub async fn material(&self, sha256: &str) -> Result<Option<StoredMaterial>, StoreError> {
        let select = "SELECT media_type, content FROM materials WHERE sha256 = $1";
        Ok(match self {
            EventRepo::Sqlite(store) => {
                sqlx::query_as(&select.replace('$', "?"))
                    .bind(sha256)
                    .fetch_optional(store.pool())
                    .await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(select)
                    .bind(sha256)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }
}
