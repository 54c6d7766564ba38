-- People as actors (ARCHITECTURE §9): every write names the kind of actor and its id instead of an API key, operators
-- and members sign in to server-side sessions, and the front desk is a role. Rows written before keep their API key
-- as an actor of kind 'api_key'; rows without one were the hub's own ('system').
CREATE DOMAIN actor_kind AS text CHECK (VALUE IN ('api_key', 'operator', 'member', 'edge', 'system'));

ALTER TABLE bookings DROP CONSTRAINT bookings_booked_by_fkey;
ALTER TABLE bookings ADD COLUMN booked_by_kind actor_kind NOT NULL DEFAULT 'api_key';
ALTER TABLE bookings ALTER COLUMN booked_by_kind DROP DEFAULT;
ALTER TABLE bookings ALTER COLUMN booked_by DROP NOT NULL;
ALTER TABLE bookings ADD CONSTRAINT bookings_booked_by_actor CHECK (booked_by_kind = 'system' OR booked_by IS NOT NULL);

ALTER TABLE member_events DROP CONSTRAINT member_events_api_key_id_fkey;
ALTER TABLE member_events RENAME COLUMN api_key_id TO actor_id;
ALTER TABLE member_events ADD COLUMN actor_kind actor_kind;
UPDATE member_events SET actor_kind = CASE WHEN actor_id IS NULL THEN 'system' ELSE 'api_key' END;
ALTER TABLE member_events ALTER COLUMN actor_kind SET NOT NULL;
ALTER TABLE member_events ADD CONSTRAINT member_events_actor CHECK (actor_kind = 'system' OR actor_id IS NOT NULL);

ALTER TABLE payments DROP CONSTRAINT payments_api_key_id_fkey;
ALTER TABLE payments RENAME COLUMN api_key_id TO actor_id;
ALTER TABLE payments ADD COLUMN actor_kind actor_kind;
UPDATE payments SET actor_kind = CASE WHEN actor_id IS NULL THEN 'system' ELSE 'api_key' END;
ALTER TABLE payments ALTER COLUMN actor_kind SET NOT NULL;
ALTER TABLE payments ADD CONSTRAINT payments_actor CHECK (actor_kind = 'system' OR actor_id IS NOT NULL);

ALTER TABLE operators DROP CONSTRAINT operators_role_check;
ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN ('org_admin', 'location_manager', 'front_desk'));
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('org_admin', 'location_manager', 'front_desk'));

-- A disabled operator cannot sign in and its sessions are revoked. The TOTP secret is kept encrypted with the hub's
-- data-protection keys (below); it counts once confirmed, and the last time step used is refused a second time.
ALTER TABLE operators ADD COLUMN disabled_at timestamptz;
ALTER TABLE operators ADD COLUMN totp_secret text;
ALTER TABLE operators ADD COLUMN totp_confirmed_at timestamptz;
ALTER TABLE operators ADD COLUMN totp_last_step bigint;

-- One-use codes for a lost authenticator; only their SHA-256 (they carry 80 random bits).
CREATE TABLE operator_recovery_codes (
    operator_id  uuid NOT NULL REFERENCES operators (id),
    code_hash    bytea NOT NULL CHECK (length(code_hash) = 32),
    used_at      timestamptz,
    PRIMARY KEY (operator_id, code_hash)
);

-- A signed-in browser. The cookie holds a random token; the hub keeps its SHA-256. A session ends when revoked, when
-- unused for idle_seconds, or at expires_at (its absolute lifetime), whichever comes first.
CREATE TABLE sessions (
    id               uuid PRIMARY KEY,
    token_hash       bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    actor_kind       actor_kind NOT NULL CHECK (actor_kind IN ('operator', 'member')),
    actor_id         uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    idle_seconds     integer NOT NULL CHECK (idle_seconds > 0),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    client_address   text CHECK (length(client_address) <= 64),
    user_agent       text CHECK (length(user_agent) <= 300)
);
CREATE INDEX sessions_actor ON sessions (actor_kind, actor_id, created_at DESC);

-- Single-use tokens sent by e-mail (password reset, a member's sign-in link) or held between the two steps of a
-- login with a second factor. Only the SHA-256 of the token is kept.
CREATE TABLE one_time_tokens (
    token_hash       bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    purpose          text NOT NULL CHECK (purpose IN ('password_reset', 'member_sign_in', 'second_factor')),
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    subject_id       uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz
);
CREATE INDEX one_time_tokens_expiry ON one_time_tokens (expires_at);

-- Failed logins per e-mail address (its SHA-256, whether or not an operator has it, so a lock tells nothing) and per
-- client address; ten within the window lock the key for a while.
CREATE TABLE login_failures (
    key              text PRIMARY KEY,
    failures         integer NOT NULL,
    first_failed_at  timestamptz NOT NULL,
    locked_until     timestamptz
);

-- ASP.NET Core data-protection keys (antiforgery tokens, TOTP secrets), shared by every hub instance.
CREATE TABLE data_protection_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text NOT NULL,
    xml           text NOT NULL
);

-- The sign-in e-mails go through the durable mail outbox like every other message.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('bookings', 'visitor', 'invoice', 'payment_failed', 'renewal', 'password_reset', 'member_sign_in'));
