-- Members' passkeys (WebAuthn): the second way a member signs in, after the e-mailed link (ARCHITECTURE §9). A member
-- registers one while signed in; signing in with it needs no e-mail address (a discoverable credential names the
-- member by its user handle, the member's id). The signature counter is kept and must rise with each use (a cloned
-- authenticator shows up as a counter that does not), unless the authenticator keeps none (always 0).
CREATE TABLE member_passkeys (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    member_id        uuid NOT NULL REFERENCES members (id),
    credential_id    bytea NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 16 AND 1023),
    public_key       bytea NOT NULL,
    sign_count       bigint NOT NULL CHECK (sign_count >= 0),
    transports       text[] NOT NULL DEFAULT '{}',
    aaguid           uuid NOT NULL,
    backed_up        boolean NOT NULL,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at       timestamptz NOT NULL,
    last_used_at     timestamptz
);
CREATE INDEX member_passkeys_member ON member_passkeys (member_id, created_at);

-- A ceremony in progress: the options (with the challenge) the browser was given, used once within five minutes.
-- Kept in the database, not in the hub's memory, so the answer may reach any hub instance.
CREATE TABLE passkey_ceremonies (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('registration', 'assertion')),
    organisation_id  uuid REFERENCES organisations (id),
    member_id        uuid REFERENCES members (id),
    options          text NOT NULL,
    expires_at       timestamptz NOT NULL,
    CHECK ((kind = 'registration') = (member_id IS NOT NULL))
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
