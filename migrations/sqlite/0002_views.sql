-- Read models. Each projection has a checkpoint (its place in the global order) and stores its
-- documents by key; `part` groups documents for listing (a department, for instance). A batch
-- of view changes and the new checkpoint are written in one transaction.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name       TEXT    PRIMARY KEY,
    version    INTEGER NOT NULL,
    tx         INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS view_docs (
    projection TEXT NOT NULL,
    key        TEXT NOT NULL,
    part       TEXT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (projection, key)
);
CREATE INDEX IF NOT EXISTS view_docs_part ON view_docs (projection, part);
