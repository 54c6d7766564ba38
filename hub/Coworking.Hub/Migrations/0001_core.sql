-- Hub core: organisations, operators, API keys, locations, doors, members, credentials, access events and
-- the per-location change log (ARCHITECTURE §4). Released scripts are never edited: add a new one.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Key of the PIN keyed hash (docs/SECURITY.md); sent only to the organisation's edges.
    pin_key     bytea NOT NULL CHECK (length(pin_key) = 32),
    created_at  timestamptz NOT NULL
);

CREATE TABLE locations (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    time_zone        text NOT NULL,
    currency         char(3) NOT NULL,
    country          char(2) NOT NULL,
    -- {"monday":[{"open":"08:00","close":"18:00"}], ...} in the location's time zone.
    staffed_hours    jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL
);
CREATE INDEX locations_organisation ON locations (organisation_id, name, id);

CREATE TABLE operators (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    email            text NOT NULL,
    name             text NOT NULL,
    password_hash    text NOT NULL,
    role             text NOT NULL CHECK (role IN ('org_admin', 'location_manager')),
    created_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX operators_email ON operators (organisation_id, lower(email));

CREATE TABLE operator_locations (
    operator_id  uuid NOT NULL REFERENCES operators (id),
    location_id  uuid NOT NULL REFERENCES locations (id),
    PRIMARY KEY (operator_id, location_id)
);

CREATE TABLE api_keys (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    name             text NOT NULL,
    -- The public part of the key, used to find the row; the secret is kept only as its SHA-256.
    prefix           text NOT NULL UNIQUE,
    secret_hash      bytea NOT NULL CHECK (length(secret_hash) = 32),
    role             text NOT NULL CHECK (role IN ('org_admin', 'location_manager')),
    created_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    last_used_at     timestamptz
);
CREATE INDEX api_keys_organisation ON api_keys (organisation_id, created_at, id);

CREATE TABLE api_key_locations (
    api_key_id   uuid NOT NULL REFERENCES api_keys (id),
    location_id  uuid NOT NULL REFERENCES locations (id),
    PRIMARY KEY (api_key_id, location_id)
);

CREATE TABLE areas (
    id           uuid PRIMARY KEY,
    location_id  uuid NOT NULL REFERENCES locations (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL
);
CREATE INDEX areas_location ON areas (location_id, name, id);

CREATE TABLE doors (
    id                 uuid PRIMARY KEY,
    location_id        uuid NOT NULL REFERENCES locations (id),
    area_id            uuid NOT NULL REFERENCES areas (id),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    fail_mode          text NOT NULL CHECK (fail_mode IN ('secure', 'safe')),
    unlock_ms          integer NOT NULL CHECK (unlock_ms BETWEEN 100 AND 60000),
    held_open_limit_s  integer NOT NULL CHECK (held_open_limit_s BETWEEN 1 AND 3600),
    created_at         timestamptz NOT NULL,
    -- Doors are removed, never deleted: access events keep pointing at them.
    removed_at         timestamptz
);
CREATE INDEX doors_location ON doors (location_id, name, id);

CREATE TABLE members (
    id                uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL REFERENCES organisations (id),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email             text NOT NULL,
    company           text,
    status            text NOT NULL CHECK (status IN ('active', 'paused', 'suspended', 'cancelled')),
    home_location_id  uuid REFERENCES locations (id),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX members_email ON members (organisation_id, lower(email));
CREATE INDEX members_list ON members (organisation_id, created_at, id);
CREATE INDEX members_home ON members (home_location_id, created_at, id);

CREATE TABLE credentials (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    member_id        uuid NOT NULL REFERENCES members (id),
    kind             text NOT NULL CHECK (kind IN ('card', 'pin')),
    -- Cards: H10301 (facility code 0..255, number 0..65535) or a raw number of up to 64 bits (facility 0).
    card_format      text CHECK (card_format IN ('h10301', 'raw')),
    facility_code    integer CHECK (facility_code BETWEEN 0 AND 255),
    card_number      numeric(20, 0) CHECK (card_number BETWEEN 0 AND 18446744073709551615),
    -- PINs: HMAC-SHA256(organisation pin_key, digits); the digits themselves are never stored.
    pin_hash         bytea CHECK (length(pin_hash) = 32),
    created_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    CHECK ((kind = 'card' AND card_format IS NOT NULL AND facility_code IS NOT NULL AND card_number IS NOT NULL AND pin_hash IS NULL)
        OR (kind = 'pin' AND pin_hash IS NOT NULL AND card_format IS NULL AND facility_code IS NULL AND card_number IS NULL))
);
-- An edge sees a card as (facility code, number), so two live cards may never share both; a revoked
-- card may be issued again.
CREATE UNIQUE INDEX credentials_card ON credentials (organisation_id, facility_code, card_number)
    WHERE kind = 'card' AND revoked_at IS NULL;
-- The edge finds a PIN credential by the keyed hash of the typed digits, so live PINs are unique.
CREATE UNIQUE INDEX credentials_pin ON credentials (organisation_id, pin_hash)
    WHERE kind = 'pin' AND revoked_at IS NULL;
CREATE INDEX credentials_member ON credentials (member_id, created_at, id);

-- Decisions as the edges report them. Door, credential and member are not foreign keys: an event is a
-- fact an edge observed and is kept even when it names something the hub no longer knows.
CREATE TABLE access_events (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    location_id      uuid NOT NULL REFERENCES locations (id),
    edge_id          text NOT NULL,
    event_id         text NOT NULL,
    door_id          uuid,
    credential_id    uuid,
    member_id        uuid,
    decision         text NOT NULL CHECK (decision IN ('granted', 'denied')),
    reason           text NOT NULL,
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL,
    UNIQUE (edge_id, event_id)
);
CREATE INDEX access_events_organisation ON access_events (organisation_id, occurred_at DESC, id DESC);
CREATE INDEX access_events_location ON access_events (location_id, occurred_at DESC, id DESC);
CREATE INDEX access_events_door ON access_events (door_id, occurred_at DESC, id DESC);
CREATE INDEX access_events_member ON access_events (member_id, occurred_at DESC, id DESC);

-- The last seq handed out per location. Appending takes this row's lock until commit, so entries of a
-- location commit in seq order and a reader of "seq > N" never misses a lower seq committed later.
CREATE TABLE location_seq (
    location_id  uuid PRIMARY KEY REFERENCES locations (id),
    last_seq     bigint NOT NULL
);

CREATE TABLE change_log (
    location_id   uuid NOT NULL REFERENCES locations (id),
    seq           bigint NOT NULL,
    kind          text NOT NULL,
    -- coworking.v1.Change in protobuf JSON form; its seq and committed_at are the columns beside it.
    payload       jsonb NOT NULL,
    committed_at  timestamptz NOT NULL,
    PRIMARY KEY (location_id, seq)
);
