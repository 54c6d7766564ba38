-- Confirmation e-mails wait here until sent, so a hub that stops with mail queued loses none. The payload holds
-- what the message is composed from (the PIN of a pass included) and is erased once the message is sent.
CREATE TABLE mail_outbox (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('bookings', 'visitor')),
    -- What the message is about, for logs (never its content).
    about            text NOT NULL,
    payload          jsonb,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    sent_at          timestamptz,
    -- Set when the last retry failed; the row stays for an operator to look at.
    failed_at        timestamptz,
    CHECK ((sent_at IS NULL) OR (payload IS NULL))
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The live credentials of passes, which the cleanup of ended bookings and visits walks.
CREATE INDEX credentials_live_pass ON credentials (pass_holder_id) WHERE pass_holder_id IS NOT NULL AND revoked_at IS NULL;
