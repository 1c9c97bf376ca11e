//! `Idempotency-Key` records (`idempotency_keys`): a claim while the first request runs, then
//! its response, kept 24 hours for retries to replay.
use sqlx::Row;
use sqlx::types::Json;

use super::{EventRepo, PgStore, StoreError};

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// The headers kept (lower-case names), in order.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

/// A key already claimed, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Method of the first request.
    pub method: String,
    /// Path (and query) of the first request.
    pub path: String,
    /// SHA-256 over method, path and body of the first request (hex).
    pub body_hash: String,
    /// Its response; `None` while it is still running.
    pub response: Option<StoredResponse>,
}

/// The outcome of claiming a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is ours: run the request, then [`EventRepo::complete_idempotency_key`] or
    /// [`EventRepo::release_idempotency_key`].
    Claimed,
    /// Someone used the key first (within 24 hours).
    Existing(IdempotencyRecord),
}

/// A new request (method, path, body hash) under a caller's key.
#[derive(Debug, Clone, Copy)]
pub struct KeyedRequest<'a> {
    /// The caller (the token's subject).
    pub principal: &'a str,
    /// The `Idempotency-Key` value.
    pub key: &'a str,
    /// Method.
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    /// SHA-256 over method, path and body (hex).
    pub body_hash: &'a str,
}

// How long a response is kept, and after how long a claim whose request never answered (its
// process died) is given up. Both as SQLite date modifiers and PostgreSQL intervals.
const SQLITE_EXPIRED: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')";
const SQLITE_ABANDONED: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 minutes')";
const PG_EXPIRED: &str = "now() - interval '24 hours'";
const PG_ABANDONED: &str = "now() - interval '5 minutes'";

impl EventRepo {
    /// Claims `request.key` for `request.principal` with a pending row, or returns the row
    /// already there. Rows older than 24 hours, and claims abandoned for 5 minutes, are
    /// forgotten first. Now and then every expired row is deleted.
    pub async fn claim_idempotency_key(
        &self,
        request: KeyedRequest<'_>,
    ) -> Result<Claim, StoreError> {
        if rand::random_ratio(1, 64)
            && let Err(e) = self.purge_idempotency_keys().await
        {
            tracing::warn!(error = %e, "could not purge expired idempotency keys");
        }
        // A row found by the INSERT may vanish before the SELECT (its request failed and
        // released it): then claim again.
        for _ in 0..5 {
            if self.try_claim(request).await? {
                return Ok(Claim::Claimed);
            }
            if let Some(record) = self
                .idempotency_record(request.principal, request.key)
                .await?
            {
                return Ok(Claim::Existing(record));
            }
        }
        Err(StoreError::Query(sqlx::Error::Protocol(
            "an idempotency key kept being claimed and released".into(),
        )))
    }

    /// Claims the key with a pending row: inserts it, or replaces a row of the key that has
    /// expired or whose claim was abandoned, in one statement (one commit). False if a live row
    /// holds the key.
    async fn try_claim(&self, r: KeyedRequest<'_>) -> Result<bool, StoreError> {
        let claim = |expired: &str, abandoned: &str| {
            format!(
                "INSERT INTO idempotency_keys (principal, key, method, path, body_hash) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (principal, key) DO UPDATE \
                 SET method = excluded.method, path = excluded.path, \
                     body_hash = excluded.body_hash, status = NULL, headers = NULL, \
                     body = NULL, created_at = excluded.created_at \
                 WHERE idempotency_keys.created_at < {expired} \
                    OR (idempotency_keys.status IS NULL \
                        AND idempotency_keys.created_at < {abandoned})"
            )
        };
        let claimed = match self {
            EventRepo::Sqlite(store) => {
                let sql = crate::store::translog::sqlite_placeholders(&claim(
                    SQLITE_EXPIRED,
                    SQLITE_ABANDONED,
                ));
                let claim = async |conn: &mut sqlx::SqliteConnection| {
                    sqlx::query(&sql)
                        .bind(r.principal)
                        .bind(r.key)
                        .bind(r.method)
                        .bind(r.path)
                        .bind(r.body_hash)
                        .execute(&mut *conn)
                        .await
                        .map(|done| done.rows_affected())
                };
                store.relaxed(claim).await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query(&claim(PG_EXPIRED, PG_ABANDONED))
                    .bind(r.principal)
                    .bind(r.key)
                    .bind(r.method)
                    .bind(r.path)
                    .bind(r.body_hash)
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
        };
        Ok(claimed == 1)
    }

    /// The row of a key, if any.
    pub async fn idempotency_record(
        &self,
        principal: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        const COLUMNS: &str = "method, path, body_hash, status, headers, body";
        let record = match self {
            EventRepo::Sqlite(pool) => {
                let row = sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM idempotency_keys WHERE principal = ?1 AND key = ?2"
                ))
                .bind(principal)
                .bind(key)
                .fetch_optional(pool.pool())
                .await?;
                match row {
                    None => None,
                    Some(row) => {
                        let headers: Option<String> = row.try_get("headers")?;
                        let headers = match headers {
                            Some(text) => Some(
                                serde_json::from_str::<Vec<(String, String)>>(&text)
                                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                            ),
                            None => None,
                        };
                        Some(record(
                            row.try_get("method")?,
                            row.try_get("path")?,
                            row.try_get("body_hash")?,
                            row.try_get("status")?,
                            headers,
                            row.try_get("body")?,
                        ))
                    }
                }
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                let row = sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM idempotency_keys WHERE principal = $1 AND key = $2"
                ))
                .bind(principal)
                .bind(key)
                .fetch_optional(pool)
                .await?;
                match row {
                    None => None,
                    Some(row) => {
                        let headers: Option<Json<Vec<(String, String)>>> =
                            row.try_get("headers")?;
                        Some(record(
                            row.try_get("method")?,
                            row.try_get("path")?,
                            row.try_get("body_hash")?,
                            row.try_get("status")?,
                            headers.map(|h| h.0),
                            row.try_get("body")?,
                        ))
                    }
                }
            }
        };
        Ok(record)
    }

    /// Keeps the response of a claimed key for retries.
    pub async fn complete_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let status = i32::from(response.status);
        match self {
            EventRepo::Sqlite(store) => {
                let headers = serde_json::to_string(&response.headers)
                    .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                // At FULL (unlike the claim): nothing written after it would make it durable,
                // and a kept answer lost to a power cut lets a later retry run again.
                let _turn = store.write_turn().await;
                sqlx::query(
                    "UPDATE idempotency_keys SET status = ?3, headers = ?4, body = ?5 \
                     WHERE principal = ?1 AND key = ?2 AND status IS NULL",
                )
                .bind(principal)
                .bind(key)
                .bind(status)
                .bind(headers)
                .bind(&response.body)
                .execute(store.pool())
                .await?;
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query(
                    "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 \
                     WHERE principal = $1 AND key = $2 AND status IS NULL",
                )
                .bind(principal)
                .bind(key)
                .bind(status)
                .bind(Json(&response.headers))
                .bind(&response.body)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Gives up a claim whose request should run again on retry (a conflict, a rate limit,
    /// a server error).
    pub async fn release_idempotency_key(
        &self,
        principal: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        match self {
            EventRepo::Sqlite(store) => {
                let release = async |conn: &mut sqlx::SqliteConnection| {
                    sqlx::query(
                        "DELETE FROM idempotency_keys \
                         WHERE principal = ?1 AND key = ?2 AND status IS NULL",
                    )
                    .bind(principal)
                    .bind(key)
                    .execute(&mut *conn)
                    .await
                };
                store.relaxed(release).await?;
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query(
                    "DELETE FROM idempotency_keys \
                     WHERE principal = $1 AND key = $2 AND status IS NULL",
                )
                .bind(principal)
                .bind(key)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Deletes every row older than 24 hours; returns how many.
    pub async fn purge_idempotency_keys(&self) -> Result<u64, StoreError> {
        let deleted = match self {
            EventRepo::Sqlite(store) => {
                let purge = async |conn: &mut sqlx::SqliteConnection| {
                    sqlx::query(&format!(
                        "DELETE FROM idempotency_keys WHERE created_at < {SQLITE_EXPIRED}"
                    ))
                    .execute(&mut *conn)
                    .await
                    .map(|done| done.rows_affected())
                };
                store.relaxed(purge).await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => sqlx::query(&format!(
                "DELETE FROM idempotency_keys WHERE created_at < {PG_EXPIRED}"
            ))
            .execute(pool)
            .await?
            .rows_affected(),
        };
        Ok(deleted)
    }
}

fn record(
    method: String,
    path: String,
    body_hash: String,
    status: Option<i32>,
    headers: Option<Vec<(String, String)>>,
    body: Option<Vec<u8>>,
) -> IdempotencyRecord {
    let response = status.map(|status| StoredResponse {
        status: u16::try_from(status).unwrap_or(500),
        headers: headers.unwrap_or_default(),
        body: body.unwrap_or_default(),
    });
    IdempotencyRecord {
        method,
        path,
        body_hash,
        response,
    }
}
