-- Edges and their sync (ARCHITECTURE §4, docs/SYNC.md): enrolment codes, enrolled edges with what
-- operators see of them, door and reader events, and change-log compaction.

-- A one-time code an operator makes for one location; an installer's `coworking-edge enroll` spends it.
CREATE TABLE edge_enrolment_codes (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    location_id      uuid NOT NULL REFERENCES locations (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- SHA-256 of the code's secret part; the code itself is shown once and never stored.
    code_hash        bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    revoked_at       timestamptz
);
CREATE INDEX edge_enrolment_codes_location ON edge_enrolment_codes (location_id, created_at, id);

CREATE TABLE edges (
    id                   uuid PRIMARY KEY,
    organisation_id      uuid NOT NULL REFERENCES organisations (id),
    -- The only location this edge is ever served.
    location_id          uuid NOT NULL REFERENCES locations (id),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- SHA-256 of the edge credential's secret; the credential is shown to the edge once, at enrolment.
    secret_hash          bytea NOT NULL CHECK (length(secret_hash) = 32),
    enrolment_code_id    uuid NOT NULL UNIQUE REFERENCES edge_enrolment_codes (id),
    enrolled_at          timestamptz NOT NULL,
    revoked_at           timestamptz,
    -- What the edge last told the hub instance serving its stream (for GET /api/v1/edges).
    last_contact_at      timestamptz,
    connected_since      timestamptz,
    applied_seq          bigint NOT NULL DEFAULT 0,
    cache_id             text,
    software_version     text,
    clock_skew_ms        bigint,
    outbox_depth         bigint,
    readers_online       integer,
    readers_total        integer
);
CREATE INDEX edges_organisation ON edges (organisation_id, location_id, enrolled_at, id);

-- Door states, alarms, requests to exit and reader online/offline as the edges report them (access
-- decisions go to access_events). Like those, stored once per (edge_id, event_id).
CREATE TABLE edge_events (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    location_id      uuid NOT NULL REFERENCES locations (id),
    edge_id          text NOT NULL,
    event_id         text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('door_opened', 'door_closed', 'door_held_open', 'door_forced_open',
                                                   'request_to_exit', 'reader_online', 'reader_offline')),
    door_id          uuid,
    reader_id        text,
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL,
    UNIQUE (edge_id, event_id)
);
CREATE INDEX edge_events_location ON edge_events (location_id, occurred_at DESC, id DESC);

-- The entity a change-log entry is about, so an entity's newest entry is one index lookup: the
-- snapshot of a location is each entity's newest entry unless that is a removal, and compaction
-- deletes entries a newer entry of the same entity supersedes.
ALTER TABLE change_log ADD COLUMN entity text GENERATED ALWAYS AS (
    CASE kind
        WHEN 'location' THEN 'location'
        WHEN 'door' THEN 'door:' || (payload -> 'door' ->> 'doorId')
        WHEN 'door_removed' THEN 'door:' || (payload -> 'doorRemoved' ->> 'doorId')
        WHEN 'holder' THEN 'holder:' || (payload -> 'holder' ->> 'holderId')
        WHEN 'credential' THEN 'credential:' || (payload -> 'credential' ->> 'credentialId')
        WHEN 'credential_revoked' THEN 'credential:' || (payload -> 'credentialRevoked' ->> 'credentialId')
        WHEN 'grant' THEN 'grant:' || (payload -> 'grant' ->> 'grantId')
        WHEN 'grant_removed' THEN 'grant:' || (payload -> 'grantRemoved' ->> 'grantId')
        -- A kind this script does not know stands alone until a later script says what it is about.
        ELSE kind || ':' || seq
    END) STORED;
CREATE INDEX change_log_entity ON change_log (location_id, entity, seq DESC);

-- How far compaction has gone per location: below and at compacted_through the log keeps only each
-- entity's newest entry, so an edge that applied less than that gets a snapshot instead of changes.
CREATE TABLE change_log_compaction (
    location_id        uuid PRIMARY KEY REFERENCES locations (id),
    compacted_through  bigint NOT NULL,
    compacted_at       timestamptz NOT NULL
);
