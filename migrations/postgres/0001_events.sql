-- The event log. `position` is the global order; the unique key on
-- (aggregate_type, aggregate_id, sequence) is the optimistic-concurrency check.
-- PostgreSQL commits transactions out of position order, so every row also records the id of
-- the transaction that wrote it (`tx`); readers page by (tx, position) and only read rows of
-- transactions older than the oldest one still running (pg_snapshot_xmin), which makes the
-- read gap-safe: a row can never appear later behind a reader's checkpoint.
CREATE TABLE IF NOT EXISTS events (
    position       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx             BIGINT      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    aggregate_type TEXT        NOT NULL,
    aggregate_id   TEXT        NOT NULL,
    sequence       BIGINT      NOT NULL,
    event_type     TEXT        NOT NULL,
    event_version  TEXT        NOT NULL,
    payload        JSONB       NOT NULL,
    metadata       JSONB       NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (aggregate_type, aggregate_id, sequence)
);
CREATE INDEX IF NOT EXISTS events_tx_position ON events (tx, position);
