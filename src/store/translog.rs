//! The log's tables on either store. Queries are written once with `$n` placeholders; SQLite
//! gets them as `?n` (its numbered form), so both stores run the same statements.
use std::collections::{BTreeSet, HashMap};

use sqlx::Row;
use tlog::Hash;
use tlog::head::SignedTreeHead;
use tlog::leaf::AggregateSecret;
use tlog::tree::NodeId;

use crate::store::{Cursor, EventRepo, StoreError};

/// Runs `$body` with `$pool` bound to the store's pool and `$sql` turning a statement into
/// that store's placeholder form.
macro_rules! on_store {
    ($repo:expr, |$pool:ident, $sql:ident| $body:expr) => {
        match $repo {
            EventRepo::Sqlite(store) => {
                let $pool = store.pool();
                let $sql = |s: &str| sqlite_placeholders(s);
                $body
            }
            EventRepo::Postgres(crate::store::PgStore { pool: $pool, .. }) => {
                let $sql = |s: &str| s.to_owned();
                $body
            }
        }
    };
}

/// A statement with `$n` placeholders in SQLite's numbered form `?n` (a `$` not followed by a
/// digit, as in a JSON path, is left alone).
pub fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// One leaf to append.
#[derive(Debug, Clone)]
pub struct NewLeaf {
    pub leaf_index: i64,
    pub cursor: Cursor,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub bytes: Vec<u8>,
}

/// What the log holds at start: its size, checkpoint and the frontier's nodes.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub size: u64,
    pub cursor: Cursor,
}

fn hash_of(bytes: Vec<u8>) -> Result<Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Query(sqlx::Error::Decode("a stored hash is not 32 bytes".into())))
}

/// The log's size and checkpoint: the last leaf.
pub async fn stored(repo: &EventRepo) -> Result<Stored, StoreError> {
    let q = "SELECT leaf_index, tx, position FROM log_leaves ORDER BY leaf_index DESC LIMIT 1";
    let row = on_store!(repo, |pool, sql| sqlx::query(&sql(q))
        .fetch_optional(pool)
        .await?
        .map(|r| -> Result<(i64, i64, i64), sqlx::Error> {
            Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
        }));
    Ok(match row.transpose()? {
        Some((index, tx, position)) => Stored {
            size: index as u64 + 1,
            cursor: Cursor { tx, position },
        },
        None => Stored::default(),
    })
}

/// The number of leaves (0 for an empty log).
pub async fn size(repo: &EventRepo) -> Result<u64, StoreError> {
    Ok(stored(repo).await?.size)
}

/// Stored nodes by id (those missing are simply absent).
pub async fn nodes(
    repo: &EventRepo,
    ids: &BTreeSet<NodeId>,
) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut out = HashMap::new();
    let ids: Vec<&NodeId> = ids.iter().collect();
    for chunk in ids.chunks(200) {
        let mut q = String::from("SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (");
        for i in 0..chunk.len() {
            if i > 0 {
                q.push(',');
            }
            q.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        q.push(')');
        let rows: Vec<(i32, i64, Vec<u8>)> = on_store!(repo, |pool, sql| {
            let q = sql(&q);
            let mut query = sqlx::query_as(&q);
            for id in chunk {
                query = query.bind(id.level as i32).bind(id.index as i64);
            }
            query.fetch_all(pool).await?
        });
        for (level, idx, hash) in rows {
            out.insert(
                NodeId {
                    level: level as u32,
                    index: idx as u64,
                },
                hash_of(hash)?,
            );
        }
    }
    Ok(out)
}

/// The stored secrets of these aggregates.
pub async fn secrets(
    repo: &EventRepo,
    keys: &[(String, String)],
) -> Result<HashMap<(String, String), AggregateSecret>, StoreError> {
    let mut out = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    if let EventRepo::Postgres(crate::store::PgStore { pool, .. }) = repo {
        // One statement whatever the number of keys: a list of placeholders as long as the
        // keys would be a statement (and a plan) for every length.
        let (types, ids): (Vec<&str>, Vec<&str>) =
            keys.iter().map(|(t, id)| (t.as_str(), id.as_str())).unzip();
        let rows: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT s.aggregate_type, s.aggregate_id, s.secret \
             FROM unnest($1::text[], $2::text[]) AS k(aggregate_type, aggregate_id) \
             JOIN log_secrets s USING (aggregate_type, aggregate_id)",
        )
        .bind(&types)
        .bind(&ids)
        .fetch_all(pool)
        .await?;
        for (t, id, secret) in rows {
            if let Some(secret) = AggregateSecret::from_slice(&secret) {
                out.insert((t, id), secret);
            }
        }
        return Ok(out);
    }
    for chunk in keys.chunks(200) {
        let mut q = String::from(
            "SELECT aggregate_type, aggregate_id, secret FROM log_secrets \
             WHERE (aggregate_type, aggregate_id) IN (",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                q.push(',');
            }
            q.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        q.push(')');
        let rows: Vec<(String, String, Vec<u8>)> = on_store!(repo, |pool, sql| {
            let q = sql(&q);
            let mut query = sqlx::query_as(&q);
            for (t, id) in chunk {
                query = query.bind(t).bind(id);
            }
            query.fetch_all(pool).await?
        });
        for (t, id, secret) in rows {
            if let Some(secret) = AggregateSecret::from_slice(&secret) {
                out.insert((t, id), secret);
            }
        }
    }
    Ok(out)
}

/// Appends leaves, the nodes they complete and new aggregate secrets in one transaction. The
/// last leaf is the new checkpoint; the primary keys refuse a second writer's duplicate.
pub async fn append(
    repo: &EventRepo,
    leaves: &[NewLeaf],
    nodes: &[(NodeId, Hash)],
    new_secrets: &[((String, String), AggregateSecret)],
) -> Result<(), StoreError> {
    match repo {
        EventRepo::Postgres(crate::store::PgStore { pool, .. }) => {
            append_pg(pool, leaves, nodes, new_secrets).await
        }
        EventRepo::Sqlite(store) => {
            // This process's turn to write, then the connection (as views do).
            let _turn = repo.write_turn().await;
            let mut conn = store.pool().acquire().await?;
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for chunk in new_secrets.chunks(1000) {
                let mut b = sqlx::QueryBuilder::new(
                    "INSERT INTO log_secrets (aggregate_type, aggregate_id, secret) ",
                );
                b.push_values(chunk, |mut b, ((t, id), s)| {
                    b.push_bind(t)
                        .push_bind(id)
                        .push_bind(s.as_bytes().to_vec());
                });
                b.build().execute(&mut *tx).await?;
            }
            for chunk in leaves.chunks(1000) {
                let mut b = sqlx::QueryBuilder::new(
                    "INSERT INTO log_leaves (leaf_index, tx, position, aggregate_type, \
                     aggregate_id, sequence, leaf) ",
                );
                b.push_values(chunk, |mut b, l| {
                    b.push_bind(l.leaf_index)
                        .push_bind(l.cursor.tx)
                        .push_bind(l.cursor.position)
                        .push_bind(&l.aggregate_type)
                        .push_bind(&l.aggregate_id)
                        .push_bind(l.sequence)
                        .push_bind(&l.bytes);
                });
                b.build().execute(&mut *tx).await?;
            }
            for chunk in nodes.chunks(2000) {
                let mut b = sqlx::QueryBuilder::new("INSERT INTO log_nodes (level, idx, hash) ");
                b.push_values(chunk, |mut b, (id, hash)| {
                    b.push_bind(id.level as i32)
                        .push_bind(id.index as i64)
                        .push_bind(hash.to_vec());
                });
                b.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        }
    }
}

/// [`append`] on PostgreSQL, in one statement (so one transaction and one round trip, where
/// `BEGIN`, an `INSERT` per table and `COMMIT` took five): each table's rows in an
/// `INSERT … SELECT FROM unnest(…)` of its own, one array per column, joined as the
/// statement's parts (`WITH`). Its text is the same for any number of rows, so each
/// connection prepares it once (a multi-row `VALUES` list is a new statement for each row
/// count, parsed and planned again: with the log's batches of varying size, nearly every
/// time); a table with nothing to add gets empty arrays. A refused row (a second writer's
/// duplicate) fails the whole statement.
async fn append_pg(
    pool: &sqlx::PgPool,
    leaves: &[NewLeaf],
    nodes: &[(NodeId, Hash)],
    new_secrets: &[((String, String), AggregateSecret)],
) -> Result<(), StoreError> {
    let (secret_types, secret_ids): (Vec<&str>, Vec<&str>) = new_secrets
        .iter()
        .map(|((t, id), _)| (t.as_str(), id.as_str()))
        .unzip();
    let secrets: Vec<&[u8]> = new_secrets
        .iter()
        .map(|(_, s)| s.as_bytes().as_slice())
        .collect();
    sqlx::query(
        "WITH secrets AS ( \
             INSERT INTO log_secrets (aggregate_type, aggregate_id, secret) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])), \
         leaves AS ( \
             INSERT INTO log_leaves (leaf_index, tx, position, aggregate_type, aggregate_id, \
                 sequence, leaf) \
             SELECT * FROM unnest($4::int8[], $5::int8[], $6::int8[], $7::text[], $8::text[], \
                 $9::int8[], $10::bytea[])), \
         nodes AS ( \
             INSERT INTO log_nodes (level, idx, hash) \
             SELECT * FROM unnest($11::int4[], $12::int8[], $13::bytea[])) \
         SELECT 1",
    )
    .bind(secret_types)
    .bind(secret_ids)
    .bind(secrets)
    .bind(leaves.iter().map(|l| l.leaf_index).collect::<Vec<_>>())
    .bind(leaves.iter().map(|l| l.cursor.tx).collect::<Vec<_>>())
    .bind(leaves.iter().map(|l| l.cursor.position).collect::<Vec<_>>())
    .bind(
        leaves
            .iter()
            .map(|l| l.aggregate_type.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        leaves
            .iter()
            .map(|l| l.aggregate_id.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(leaves.iter().map(|l| l.sequence).collect::<Vec<_>>())
    .bind(
        leaves
            .iter()
            .map(|l| l.bytes.as_slice())
            .collect::<Vec<_>>(),
    )
    .bind(
        nodes
            .iter()
            .map(|(id, _)| id.level as i32)
            .collect::<Vec<_>>(),
    )
    .bind(
        nodes
            .iter()
            .map(|(id, _)| id.index as i64)
            .collect::<Vec<_>>(),
    )
    .bind(nodes.iter().map(|(_, h)| h.as_slice()).collect::<Vec<_>>())
    .execute(pool)
    .await?;
    Ok(())
}

/// One stored leaf.
#[derive(Debug, Clone)]
pub struct LeafRow {
    pub leaf_index: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub bytes: Vec<u8>,
}

const LEAF_COLUMNS: &str = "leaf_index, aggregate_type, aggregate_id, sequence, leaf";

/// A `log_leaves` row as read.
type LeafTuple = (i64, String, String, i64, Vec<u8>);

fn leaf_row(r: LeafTuple) -> LeafRow {
    LeafRow {
        leaf_index: r.0,
        aggregate_type: r.1,
        aggregate_id: r.2,
        sequence: r.3,
        bytes: r.4,
    }
}

/// Leaves `[start, end)`.
pub async fn leaves(repo: &EventRepo, start: u64, end: u64) -> Result<Vec<LeafRow>, StoreError> {
    let q = format!(
        "SELECT {LEAF_COLUMNS} FROM log_leaves WHERE leaf_index >= $1 AND leaf_index < $2 \
         ORDER BY leaf_index"
    );
    let rows: Vec<LeafTuple> = on_store!(repo, |pool, sql| {
        sqlx::query_as(&sql(&q))
            .bind(start as i64)
            .bind(end as i64)
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(leaf_row).collect())
}

/// Every leaf of one aggregate, by sequence.
pub async fn aggregate_leaves(
    repo: &EventRepo,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<LeafRow>, StoreError> {
    let q = format!(
        "SELECT {LEAF_COLUMNS} FROM log_leaves WHERE aggregate_type = $1 AND aggregate_id = $2 \
         ORDER BY sequence, leaf_index"
    );
    let rows: Vec<LeafTuple> = on_store!(repo, |pool, sql| {
        sqlx::query_as(&sql(&q))
            .bind(aggregate_type)
            .bind(aggregate_id)
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(leaf_row).collect())
}

/// A `log_heads` row: size, timestamp, root, key id, signature.
type HeadRow = (i64, i64, Vec<u8>, String, Vec<u8>);

fn head_of(r: HeadRow) -> SignedTreeHead {
    let timestamp = r.1.max(0) as u64;
    SignedTreeHead {
        tree_size: r.0.max(0) as u64,
        timestamp,
        issued_at: tlog::head::issued_at_text(timestamp).unwrap_or_default(),
        root_hash: hex::encode(r.2),
        key_id: r.3,
        signature: hex::encode(r.4),
    }
}

const HEAD_COLUMNS: &str = "tree_size, timestamp_ms, root_hash, key_id, signature";

/// The newest signed head.
pub async fn latest_head(repo: &EventRepo) -> Result<Option<SignedTreeHead>, StoreError> {
    let q = format!("SELECT {HEAD_COLUMNS} FROM log_heads ORDER BY tree_size DESC LIMIT 1");
    let row: Option<HeadRow> = on_store!(repo, |pool, sql| sqlx::query_as(&sql(&q))
        .fetch_optional(pool)
        .await?);
    Ok(row.map(head_of))
}

/// The signed head of one size.
pub async fn head_at(repo: &EventRepo, size: u64) -> Result<Option<SignedTreeHead>, StoreError> {
    let q = format!("SELECT {HEAD_COLUMNS} FROM log_heads WHERE tree_size = $1");
    let row: Option<HeadRow> = on_store!(repo, |pool, sql| sqlx::query_as(&sql(&q))
        .bind(size as i64)
        .fetch_optional(pool)
        .await?);
    Ok(row.map(head_of))
}

/// Stores a signed head (append-only: a second head for one size is refused).
pub async fn insert_head(
    repo: &EventRepo,
    head: &SignedTreeHead,
    root: &Hash,
) -> Result<(), StoreError> {
    let signature = hex::decode(&head.signature).unwrap_or_default();
    let q = "INSERT INTO log_heads (tree_size, timestamp_ms, root_hash, key_id, signature) \
             VALUES ($1, $2, $3, $4, $5)";
    on_store!(repo, |pool, sql| {
        let _turn = repo.write_turn().await;
        let mut conn = pool.acquire().await?;
        sqlx::query(&sql(q))
            .bind(head.tree_size as i64)
            .bind(head.timestamp as i64)
            .bind(root.to_vec())
            .bind(&head.key_id)
            .bind(signature)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}
