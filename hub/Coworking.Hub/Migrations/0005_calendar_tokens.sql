-- A member's private iCalendar feed is found by a token in its URL; the hub keeps only the token's SHA-256.
-- One live token per member: a new one replaces (revokes) the old.
CREATE TABLE calendar_tokens (
    member_id   uuid PRIMARY KEY REFERENCES members (id),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL
);
