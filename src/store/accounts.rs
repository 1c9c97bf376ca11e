//! Accounts, identities and sessions of the web console (`migrations/*/0005_accounts.sql`).
//!
//! Plain tables, not events: they hold secrets (password hashes, session ids) that must never
//! reach the event log, its projections or the transparency log. What people *do* once signed
//! in is recorded as events with the account id as the actor.
//!
//! Times are seconds since the Unix epoch, computed by the caller, so both stores compare the
//! same integers.
use super::{EventRepo, PgStore, StoreError};

/// The SQL written with `$1`-style placeholders, as SQLite wants it (`?1`): positional, so a
/// parameter may appear twice or out of order.
fn lite(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Runs `$body` with `$pool` bound to the store's pool and `$sql` to `$text` in that store's
/// placeholder style. The body is written once and compiled for each backend. With `write`, on
/// SQLite the body runs in this process's turn at the write lock (taken before the body takes a
/// pooled connection, as every writer does), so it queues behind the commands' group commits
/// instead of meeting the lock in SQLite's busy handler.
macro_rules! on_store {
    (write $repo:expr, $pool:ident, $sql:ident = $text:expr => $body:expr) => {
        on_store!(@ $repo, true, $pool, $sql = $text => $body)
    };
    ($repo:expr, $pool:ident, $sql:ident = $text:expr => $body:expr) => {
        on_store!(@ $repo, false, $pool, $sql = $text => $body)
    };
    (@ $repo:expr, $write:expr, $pool:ident, $sql:ident = $text:expr => $body:expr) => {
        match $repo {
            EventRepo::Sqlite(store) => {
                let _turn = if $write {
                    Some(store.write_turn().await)
                } else {
                    None
                };
                let $pool = store.pool();
                let $sql = lite($text);
                $body
            }
            EventRepo::Postgres(PgStore { pool: $pool, .. }) => {
                let $sql: String = $text.to_string();
                $body
            }
        }
    };
}

/// The name of the built-in password provider in `identities`.
pub const LOCAL_PROVIDER: &str = "local";

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// Login name and actor id.
    pub id: String,
    /// Name shown on pages.
    pub display_name: String,
    /// `admin`, `officer` or `inspector`.
    pub role: String,
    /// Department id (admins and officers).
    pub department: Option<String>,
    /// When created.
    pub created_at: i64,
    /// When disabled, if it is.
    pub disabled_at: Option<i64>,
}

type AccountTuple = (String, String, String, Option<String>, i64, Option<i64>);

impl From<AccountTuple> for AccountRow {
    fn from(t: AccountTuple) -> Self {
        AccountRow {
            id: t.0,
            display_name: t.1,
            role: t.2,
            department: t.3,
            created_at: t.4,
            disabled_at: t.5,
        }
    }
}

/// How long failed sign-ins are remembered after the last one (a lock in force is kept).
pub const FAILURES_REMEMBERED_SECONDS: i64 = 24 * 3600;

/// The key of a name's failed sign-ins: SHA-256 of the provider and the name as typed (hex),
/// so the table keeps no name readable (a password typed into the name field, say).
pub fn failure_key(provider: &str, subject: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(provider.as_bytes());
    hash.update([0]);
    hash.update(subject.as_bytes());
    hex::encode(hash.finalize())
}

/// A sign-in identity with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRow {
    /// The account it signs in to.
    pub account: AccountRow,
    /// Argon2id PHC string (local identities).
    pub secret_hash: Option<String>,
    /// Failures since the last success or lockout (`sign_in_failures`).
    pub failed_count: i64,
    /// Locked until then (epoch seconds), if locked.
    pub locked_until: Option<i64>,
}

/// A session as stored, with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 of the cookie's id (hex).
    pub id_hash: String,
    /// The account signed in.
    pub account: AccountRow,
    /// How they signed in (`local`, later an OIDC issuer).
    pub provider: String,
    /// The synchronizer token of the session's forms.
    pub csrf_token: String,
    /// When signed in.
    pub created_at: i64,
    /// Last request.
    pub last_seen_at: i64,
    /// Absolute end.
    pub expires_at: i64,
    /// When signed out or revoked.
    pub revoked_at: Option<i64>,
}

/// Creating an account failed because the id is taken.
#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    /// The id (or the local identity) exists already.
    #[error("an account named {0} exists already")]
    Exists(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

const ACCOUNT_COLUMNS: &str = "a.id, a.display_name, a.role, a.department, a.created_at, \
                               a.disabled_at";

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

impl EventRepo {
    /// Creates an account with a local identity (subject = the account id) holding
    /// `secret_hash`, in one transaction.
    pub async fn create_account(
        &self,
        account: &AccountRow,
        secret_hash: &str,
    ) -> Result<(), CreateAccountError> {
        const INSERT_ACCOUNT: &str = "INSERT INTO accounts (id, display_name, role, department, \
                                      created_at, disabled_at) VALUES ($1, $2, $3, $4, $5, NULL)";
        const INSERT_IDENTITY: &str = "INSERT INTO identities (provider, subject, account_id, \
                                       secret_hash, failed_count, locked_until, created_at) \
                                       VALUES ($1, $2, $3, $4, 0, NULL, $5)";
        let identity = match self {
            EventRepo::Sqlite(_) => lite(INSERT_IDENTITY),
            EventRepo::Postgres(_) => INSERT_IDENTITY.to_string(),
        };
        let result: Result<(), sqlx::Error> = on_store!(write self, pool, sql = INSERT_ACCOUNT => async {
            let mut tx = pool.begin().await?;
            sqlx::query(&sql)
                .bind(&account.id)
                .bind(&account.display_name)
                .bind(&account.role)
                .bind(&account.department)
                .bind(account.created_at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&identity)
                .bind(LOCAL_PROVIDER)
                .bind(&account.id)
                .bind(&account.id)
                .bind(secret_hash)
                .bind(account.created_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await);
        match result {
            Ok(()) => Ok(()),
            Err(e) if unique_violation(&e) => Err(CreateAccountError::Exists(account.id.clone())),
            Err(e) => Err(CreateAccountError::Store(e.into())),
        }
    }

    /// One account.
    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, StoreError> {
        let text = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1");
        let row: Option<AccountTuple> = on_store!(self, pool, sql = &text => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(AccountRow::from))
    }

    /// Every account, by id.
    pub async fn accounts(&self) -> Result<Vec<(AccountRow, Option<i64>)>, StoreError> {
        let text = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a ORDER BY a.id");
        let rows: Vec<AccountTuple> = on_store!(self, pool, sql = &text => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        const LOCKS: &str =
            "SELECT name_hash, locked_until FROM sign_in_failures WHERE locked_until IS NOT NULL";
        let locks: Vec<(String, i64)> = on_store!(self, pool, sql = LOCKS => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        let locks: std::collections::HashMap<String, i64> = locks.into_iter().collect();
        Ok(rows
            .into_iter()
            .map(|t| {
                let lock = locks.get(&failure_key(LOCAL_PROVIDER, &t.0)).copied();
                (AccountRow::from(t), lock)
            })
            .collect())
    }

    /// Disables (`Some(now)`) or re-enables (`None`) an account; disabling revokes its
    /// sessions. Returns whether the account exists.
    pub async fn set_account_disabled(
        &self,
        id: &str,
        disabled_at: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        const UPDATE: &str = "UPDATE accounts SET disabled_at = $2 WHERE id = $1";
        let done: u64 = on_store!(write self, pool, sql = UPDATE => {
            sqlx::query(&sql)
                .bind(id)
                .bind(disabled_at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done > 0 && disabled_at.is_some() {
            self.revoke_sessions_of(id, now).await?;
        }
        Ok(done > 0)
    }

    /// A local or single sign-on identity with its account.
    pub async fn identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<IdentityRow>, StoreError> {
        let text = format!(
            "SELECT {ACCOUNT_COLUMNS}, i.secret_hash, COALESCE(f.failed_count, 0), \
             f.locked_until FROM identities i JOIN accounts a ON a.id = i.account_id \
             LEFT JOIN sign_in_failures f ON f.name_hash = $3 \
             WHERE i.provider = $1 AND i.subject = $2"
        );
        type Row = (
            String,
            String,
            String,
            Option<String>,
            i64,
            Option<i64>,
            Option<String>,
            i64,
            Option<i64>,
        );
        let row: Option<Row> = on_store!(self, pool, sql = &text => {
            sqlx::query_as(&sql)
                .bind(provider)
                .bind(subject)
                .bind(failure_key(provider, subject))
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|t| IdentityRow {
            account: (t.0, t.1, t.2, t.3, t.4, t.5).into(),
            secret_hash: t.6,
            failed_count: t.7,
            locked_until: t.8,
        }))
    }

    /// Counts a failed sign-in of the name `subject`, whether or not it is an account's (the
    /// same statement for both, so a refusal takes as long for an unknown name as for a
    /// wrong password: security finding 9). The `threshold`-th failure in a row locks the
    /// name until `lock_until` and starts the count again; a failure while a lock is in
    /// force neither counts nor extends it. Failures a day old are forgotten. One statement
    /// per table, so concurrent failures each count. Returns the lock now in force, if any.
    pub async fn record_sign_in_failure(
        &self,
        provider: &str,
        subject: &str,
        threshold: i64,
        lock_until: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        const FORGET: &str = "DELETE FROM sign_in_failures WHERE last_failed_at < $1 \
             AND (locked_until IS NULL OR locked_until <= $2)";
        const UPSERT: &str = "INSERT INTO sign_in_failures \
             (name_hash, failed_count, locked_until, last_failed_at) \
             VALUES ($1, CASE WHEN 1 >= $2 THEN 0 ELSE 1 END, \
                     CASE WHEN 1 >= $2 THEN $3 END, $4) \
             ON CONFLICT (name_hash) DO UPDATE SET \
             failed_count = CASE WHEN sign_in_failures.locked_until > $4 \
                                 THEN sign_in_failures.failed_count \
                                 WHEN sign_in_failures.failed_count + 1 >= $2 THEN 0 \
                                 ELSE sign_in_failures.failed_count + 1 END, \
             locked_until = CASE WHEN sign_in_failures.locked_until > $4 \
                                 THEN sign_in_failures.locked_until \
                                 WHEN sign_in_failures.failed_count + 1 >= $2 THEN $3 \
                                 ELSE sign_in_failures.locked_until END, \
             last_failed_at = $4 \
             RETURNING locked_until";
        let upsert = match self {
            EventRepo::Sqlite(_) => lite(UPSERT),
            EventRepo::Postgres(_) => UPSERT.to_string(),
        };
        let key = failure_key(provider, subject);
        let row: (Option<i64>,) = on_store!(write self, pool, sql = FORGET => async {
            let mut tx = pool.begin().await?;
            sqlx::query(&sql)
                .bind(now - FAILURES_REMEMBERED_SECONDS)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query_as(&upsert)
                .bind(&key)
                .bind(threshold)
                .bind(lock_until)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(row)
        }.await?);
        Ok(row.0.filter(|until| *until > now))
    }

    /// A name's failed sign-ins since its last success or lock, and its lock (epoch seconds)
    /// if one was set: the same for an account's name and a name no account has.
    pub async fn sign_in_failures(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<(i64, Option<i64>)>, StoreError> {
        const SELECT: &str =
            "SELECT failed_count, locked_until FROM sign_in_failures WHERE name_hash = $1";
        Ok(on_store!(self, pool, sql = SELECT => {
            sqlx::query_as(&sql)
                .bind(failure_key(provider, subject))
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Clears the failure count and any lock of a name (a successful sign-in, a new
    /// password, or `users unlock`).
    pub async fn clear_sign_in_failures(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        const DELETE: &str = "DELETE FROM sign_in_failures WHERE name_hash = $1";
        on_store!(write self, pool, sql = DELETE => {
            sqlx::query(&sql)
                .bind(failure_key(provider, subject))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Replaces a local identity's password hash and clears its lock; revokes the account's
    /// sessions. Returns whether the identity exists.
    pub async fn set_secret(
        &self,
        subject: &str,
        secret_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        const UPDATE: &str =
            "UPDATE identities SET secret_hash = $3 WHERE provider = $1 AND subject = $2";
        let done: u64 = on_store!(write self, pool, sql = UPDATE => {
            sqlx::query(&sql)
                .bind(LOCAL_PROVIDER)
                .bind(subject)
                .bind(secret_hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done > 0 {
            self.clear_sign_in_failures(LOCAL_PROVIDER, subject).await?;
            self.revoke_sessions_of(subject, now).await?;
        }
        Ok(done > 0)
    }

    /// Stores a new session.
    pub async fn create_session(
        &self,
        id_hash: &str,
        account_id: &str,
        provider: &str,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        // Now and then, forget sessions that ended more than a day ago.
        if rand::random_ratio(1, 64) {
            const PURGE: &str = "DELETE FROM sessions WHERE expires_at < $1";
            let _: u64 = on_store!(write self, pool, sql = PURGE => {
                sqlx::query(&sql).bind(now - 86_400).execute(pool).await?.rows_affected()
            });
        }
        const INSERT: &str = "INSERT INTO sessions (id_hash, account_id, provider, csrf_token, \
                              created_at, last_seen_at, expires_at, revoked_at) \
                              VALUES ($1, $2, $3, $4, $5, $5, $6, NULL)";
        let _: u64 = on_store!(write self, pool, sql = INSERT => {
            sqlx::query(&sql)
                .bind(id_hash)
                .bind(account_id)
                .bind(provider)
                .bind(csrf_token)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// A session by the hash of its id, with its account (whatever its state: the caller
    /// decides whether it is still good).
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let text = format!(
            "SELECT {ACCOUNT_COLUMNS}, s.id_hash, s.provider, s.csrf_token, s.created_at, \
             s.last_seen_at, s.expires_at, s.revoked_at \
             FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = $1"
        );
        type Row = (
            String,
            String,
            String,
            Option<String>,
            i64,
            Option<i64>,
            String,
            String,
            String,
            i64,
            i64,
            i64,
            Option<i64>,
        );
        let row: Option<Row> = on_store!(self, pool, sql = &text => {
            sqlx::query_as(&sql).bind(id_hash).fetch_optional(pool).await?
        });
        Ok(row.map(|t| SessionRow {
            account: (t.0, t.1, t.2, t.3, t.4, t.5).into(),
            id_hash: t.6,
            provider: t.7,
            csrf_token: t.8,
            created_at: t.9,
            last_seen_at: t.10,
            expires_at: t.11,
            revoked_at: t.12,
        }))
    }

    /// Notes a request on a session (for the idle timeout).
    pub async fn touch_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        const UPDATE: &str = "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1";
        let _: u64 = on_store!(write self, pool, sql = UPDATE => {
            sqlx::query(&sql).bind(id_hash).bind(now).execute(pool).await?.rows_affected()
        });
        Ok(())
    }

    /// Ends one session (sign-out).
    pub async fn revoke_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        const UPDATE: &str = "UPDATE sessions SET revoked_at = $2 \
                              WHERE id_hash = $1 AND revoked_at IS NULL";
        let _: u64 = on_store!(write self, pool, sql = UPDATE => {
            sqlx::query(&sql).bind(id_hash).bind(now).execute(pool).await?.rows_affected()
        });
        Ok(())
    }

    /// Ends every session of an account.
    pub async fn revoke_sessions_of(&self, account_id: &str, now: i64) -> Result<(), StoreError> {
        const UPDATE: &str = "UPDATE sessions SET revoked_at = $2 \
                              WHERE account_id = $1 AND revoked_at IS NULL";
        let _: u64 = on_store!(write self, pool, sql = UPDATE => {
            sqlx::query(&sql).bind(account_id).bind(now).execute(pool).await?.rows_affected()
        });
        Ok(())
    }
}
