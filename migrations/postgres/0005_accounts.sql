-- People who sign in to the web console (工作人员账户). Accounts are disabled, never deleted:
-- their id is the actor recorded in events and must keep meaning the same person.
-- Times are seconds since the Unix epoch (UTC), the same on both stores.
CREATE TABLE IF NOT EXISTS accounts (
    id           TEXT    NOT NULL PRIMARY KEY,  -- the login name; the actor id in events
    display_name TEXT    NOT NULL,
    role         TEXT    NOT NULL,              -- admin | officer | inspector
    department   TEXT,                          -- NULL for inspectors
    created_at   BIGINT  NOT NULL,
    disabled_at  BIGINT                         -- set by `users disable`; NULL while usable
);

-- How a person proves who they are: one row per (provider, subject). `local` rows carry an
-- Argon2id hash (PHC string) and the failed-attempt counter of the lockout; a single sign-on
-- provider (OIDC: provider = its issuer, subject = its `sub`) adds rows without a secret,
-- pointing at the same account, so events keep naming the account.
CREATE TABLE IF NOT EXISTS identities (
    provider      TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    account_id    TEXT    NOT NULL REFERENCES accounts (id),
    secret_hash   TEXT,
    failed_count  BIGINT  NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX IF NOT EXISTS identities_account ON identities (account_id);

-- Signed-in browser sessions. The cookie holds a random id; only its SHA-256 is stored, so a
-- copy of this table signs nobody in. `csrf_token` is the synchronizer token every form of
-- the session carries. A session ends at `expires_at`, after `idle_seconds` without a
-- request, or when revoked (sign-out, account disabled).
CREATE TABLE IF NOT EXISTS sessions (
    id_hash      TEXT    NOT NULL PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    provider     TEXT    NOT NULL,
    csrf_token   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account_id);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
