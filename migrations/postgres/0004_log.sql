-- The transparency log (透明日志). Every event becomes one leaf, in the global order the
-- gap-safe reader hands out; `tx, position` of the last leaf is the log's checkpoint, so the
-- checkpoint can never disagree with the tree. `leaf` holds the exact bytes hashed (the
-- canonical public form). `log_nodes` holds the hash of every complete subtree (level, idx):
-- a proof at any tree size reads O(log n) of them. `log_secrets` holds each aggregate's
-- commitment secret, apart from the log, so it can be destroyed for erasure. `log_heads` is
-- append-only: one signed head per tree size.
CREATE TABLE IF NOT EXISTS log_leaves (
    leaf_index     BIGINT PRIMARY KEY,
    tx             BIGINT NOT NULL,
    position       BIGINT NOT NULL UNIQUE,
    aggregate_type TEXT   NOT NULL,
    aggregate_id   TEXT   NOT NULL,
    sequence       BIGINT NOT NULL,
    leaf           BYTEA  NOT NULL
);
CREATE INDEX IF NOT EXISTS log_leaves_aggregate ON log_leaves (aggregate_type, aggregate_id, sequence);
CREATE TABLE IF NOT EXISTS log_nodes (
    level INTEGER NOT NULL,
    idx   BIGINT  NOT NULL,
    hash  BYTEA   NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS log_secrets (
    aggregate_type TEXT  NOT NULL,
    aggregate_id   TEXT  NOT NULL,
    secret         BYTEA NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);
CREATE TABLE IF NOT EXISTS log_heads (
    tree_size    BIGINT PRIMARY KEY,
    timestamp_ms BIGINT NOT NULL,
    root_hash    BYTEA  NOT NULL,
    key_id       TEXT   NOT NULL,
    signature    BYTEA  NOT NULL
);
