//! Leases (租约): one process at a time runs each follower (a view runner, the alert raiser,
//! the transparency log's appender). On PostgreSQL a lease is a session advisory lock held by
//! a connection taken out of the pool; SQLite is one process, which needs none.
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::PgConnection;

/// How often a process without the lease tries to take it.
const LEASE_RETRY: Duration = Duration::from_secs(2);

/// The advisory-lock key of a projection's lease.
fn lease_key(name: &str) -> i64 {
    let digest = Sha256::digest(format!("yangguang.projection.{name}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Takes the projection's lease, waiting until it is free. The connection holding it is taken
/// out of the pool: dropping it closes the session and so releases the lease (a pooled
/// connection would go back to the pool still holding it).
pub async fn take(pool: &sqlx::PgPool, name: &str) -> Result<PgConnection, sqlx::Error> {
    loop {
        let mut conn = pool.acquire().await?.detach();
        let (got,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(lease_key(name))
            .fetch_one(&mut conn)
            .await?;
        if got {
            return Ok(conn);
        }
        drop(conn);
        tokio::time::sleep(LEASE_RETRY).await;
    }
}

/// Checks that the connection holding a lease is alive: a dead connection means the lease is
/// lost (the session ended, so did its lock).
pub async fn check(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(conn).await?;
    Ok(())
}
