-- Failed sign-ins and the lockout, one row per name tried (security finding 9). Every failed
-- sign-in writes its row here whether or not the name is an account's, so a refusal costs the
-- same for a real name and an unknown one and the answer's timing does not tell them apart.
-- `name_hash` is SHA-256 of the provider and the name as typed (hex): a password typed into the
-- name field is not kept readable. A row is forgotten a day after its last failure unless a
-- lock is still in force. The `failed_count` and `locked_until` columns of `identities` are
-- no longer read or written; locks in force when this ran are lifted.
CREATE TABLE IF NOT EXISTS sign_in_failures (
    name_hash      TEXT    NOT NULL PRIMARY KEY,
    failed_count   INTEGER NOT NULL,
    locked_until   INTEGER,            -- seconds since the Unix epoch; in force while in the future
    last_failed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_failures_last ON sign_in_failures (last_failed_at);
