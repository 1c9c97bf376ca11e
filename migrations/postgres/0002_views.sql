-- Read models. Each projection has a checkpoint (its place in the global order, as the pair
-- (tx, position) the gap-safe reader pages by) and stores its documents by key; `part` groups
-- documents for listing. A batch of view changes and the new checkpoint commit together.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name       TEXT        PRIMARY KEY,
    version    INTEGER     NOT NULL,
    tx         BIGINT      NOT NULL,
    position   BIGINT      NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS view_docs (
    projection TEXT  NOT NULL,
    key        TEXT  NOT NULL,
    part       TEXT  NOT NULL,
    doc        JSONB NOT NULL,
    PRIMARY KEY (projection, key)
);
CREATE INDEX IF NOT EXISTS view_docs_part ON view_docs (projection, part);
