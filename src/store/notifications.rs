//! The notification outbox (`migrations/postgres/0011_notifications.sql`,
//! `migrations/sqlite/0009_notifications.sql`): queued once per event and channel, sent at
//! least once, every failure kept with its next attempt.
use super::{EventRepo, PgStore, StoreError};

/// A notification to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// `{position}:{channel}`: the event it tells of and the channel.
    pub id: String,
    /// The case.
    pub case_id: String,
    /// What it tells (`received`, `accepted`, …).
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The address or number (personal data).
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// A queued notification as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Notification {
    /// `{position}:{channel}`.
    pub id: String,
    /// The case.
    pub case_id: String,
    /// What it tells.
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The address or number.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// Queued at (Unix seconds).
    pub created_at: i64,
    /// Tries so far.
    pub attempts: i32,
    /// Not to be tried before (Unix seconds).
    pub next_attempt_at: i64,
    /// Sent at, once sent.
    pub sent_at: Option<i64>,
    /// Why the last try failed.
    pub last_error: Option<String>,
}

/// How the outbox stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Sent.
    pub sent: i64,
    /// Waiting for their first try.
    pub queued: i64,
    /// Tried and failed, to be tried again.
    pub failing: i64,
}

const COLUMNS: &str = "id, case_id, kind, channel, recipient, subject, body, created_at, \
                       attempts, next_attempt_at, sent_at, last_error";

impl EventRepo {
    /// Queues notifications; one already queued under its id is left as it is.
    pub async fn enqueue_notifications(
        &self,
        notifications: &[NewNotification],
        now: i64,
    ) -> Result<(), StoreError> {
        let insert = "INSERT INTO notifications (id, case_id, kind, channel, recipient, subject, \
                      body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                      ON CONFLICT (id) DO NOTHING";
        match self {
            EventRepo::Sqlite(store) => {
                let _turn = store.write_turn().await;
                let sql = insert.replace('$', "?");
                for n in notifications {
                    sqlx::query(&sql)
                        .bind(&n.id)
                        .bind(&n.case_id)
                        .bind(&n.kind)
                        .bind(&n.channel)
                        .bind(&n.recipient)
                        .bind(&n.subject)
                        .bind(&n.body)
                        .bind(now)
                        .execute(store.pool())
                        .await?;
                }
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                for n in notifications {
                    sqlx::query(insert)
                        .bind(&n.id)
                        .bind(&n.case_id)
                        .bind(&n.kind)
                        .bind(&n.channel)
                        .bind(&n.recipient)
                        .bind(&n.subject)
                        .bind(&n.body)
                        .bind(now)
                        .execute(pool)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Unsent notifications due by `now`, oldest first.
    pub async fn due_notifications(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let select = format!(
            "SELECT {COLUMNS} FROM notifications WHERE sent_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2"
        );
        Ok(match self {
            EventRepo::Sqlite(store) => {
                sqlx::query_as(&select.replace('$', "?"))
                    .bind(now)
                    .bind(limit)
                    .fetch_all(store.pool())
                    .await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(&select)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// Records a try: sent at `now`, or failed with `error` and not to be tried before `next`.
    pub async fn record_notification_attempt(
        &self,
        id: &str,
        now: i64,
        outcome: Result<(), (&str, i64)>,
    ) -> Result<(), StoreError> {
        let (sql, error, next) = match outcome {
            Ok(()) => (
                "UPDATE notifications SET attempts = attempts + 1, sent_at = $2, last_error = $3, \
                 next_attempt_at = $4 WHERE id = $1",
                None,
                now,
            ),
            Err((error, next)) => (
                "UPDATE notifications SET attempts = attempts + 1, sent_at = NULL, last_error = $3, \
                 next_attempt_at = $4 WHERE id = $1 AND $2 = $2",
                Some(error.chars().take(500).collect::<String>()),
                next,
            ),
        };
        match self {
            EventRepo::Sqlite(store) => {
                let _turn = store.write_turn().await;
                sqlx::query(&sql.replace('$', "?"))
                    .bind(id)
                    .bind(now)
                    .bind(error)
                    .bind(next)
                    .execute(store.pool())
                    .await?;
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query(sql)
                    .bind(id)
                    .bind(now)
                    .bind(error)
                    .bind(next)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The notifications of a case, oldest first.
    pub async fn case_notifications(&self, case_id: &str) -> Result<Vec<Notification>, StoreError> {
        let select = format!(
            "SELECT {COLUMNS} FROM notifications WHERE case_id = $1 ORDER BY created_at, id"
        );
        Ok(match self {
            EventRepo::Sqlite(store) => {
                sqlx::query_as(&select.replace('$', "?"))
                    .bind(case_id)
                    .fetch_all(store.pool())
                    .await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(&select)
                    .bind(case_id)
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// Unsent notifications that failed at least once, the longest failing first.
    pub async fn failing_notifications(&self, limit: i64) -> Result<Vec<Notification>, StoreError> {
        let select = format!(
            "SELECT {COLUMNS} FROM notifications WHERE sent_at IS NULL AND attempts > 0 \
             ORDER BY created_at, id LIMIT $1"
        );
        Ok(match self {
            EventRepo::Sqlite(store) => {
                sqlx::query_as(&select.replace('$', "?"))
                    .bind(limit)
                    .fetch_all(store.pool())
                    .await?
            }
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(&select).bind(limit).fetch_all(pool).await?
            }
        })
    }

    /// How many are sent, queued and failing.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let sql = "SELECT \
                   COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts = 0 THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0) \
                   FROM notifications";
        let (sent, queued, failing): (i64, i64, i64) = match self {
            EventRepo::Sqlite(store) => sqlx::query_as(sql).fetch_one(store.pool()).await?,
            EventRepo::Postgres(PgStore { pool, .. }) => {
                sqlx::query_as(sql).fetch_one(pool).await?
            }
        };
        Ok(OutboxCounts {
            sent,
            queued,
            failing,
        })
    }
}
