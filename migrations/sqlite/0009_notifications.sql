-- The notification outbox (通知): what the applicant is to be told, by e-mail or text message,
-- written by the notifier as it follows the case events and sent by it with retries. One row
-- per event and channel (`id` = `{position}:{channel}`), so following an event again adds
-- nothing: a notification is sent at least once and queued exactly once.
CREATE TABLE IF NOT EXISTS notifications (
    id              TEXT    PRIMARY KEY,
    case_id         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,   -- received, accepted, supplement, extended, decided, withdrawn
    channel         TEXT    NOT NULL,   -- email or sms
    recipient       TEXT    NOT NULL,   -- personal data: never logged, masked on pages
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,   -- seconds since the Unix epoch
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS notifications_case ON notifications (case_id);
