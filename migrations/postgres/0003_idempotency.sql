-- `Idempotency-Key`: one row per (caller, key). A row with a NULL status is a claim by a request
-- still running; once it has answered, the row keeps the response (status, a few headers and
-- the body, byte for byte) to replay to retries. `body_hash` is SHA-256 over method, path and
-- body, so a key reused for another request is recognised. Rows are forgotten after 24 hours.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    principal  TEXT        NOT NULL,
    key        TEXT        NOT NULL,
    method     TEXT        NOT NULL,
    path       TEXT        NOT NULL,
    body_hash  TEXT        NOT NULL,
    status     INTEGER,
    headers    JSONB,
    body       BYTEA,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at);
