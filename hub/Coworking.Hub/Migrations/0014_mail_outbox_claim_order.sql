-- The mail outbox's sender claims due rows in (next_attempt_at, id) order. The index held next_attempt_at alone,
-- so every claim read and sorted all due rows: with a backlog of thousands, each claim cost milliseconds.
DROP INDEX mail_outbox_due;
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
