-- Door control from the hub (docs/API.md "Door control", docs/SYNC.md): each door's credential policy, the hours
-- it accepts credentials and the hours its strike stays released, first-person-in; lockdowns; the holders a
-- lockdown still admits and who counts as staff; remote unlock commands on their way to an edge; the
-- organisation's PIN length; and the door events these produce at the edge.

-- Existing doors keep what they did before: a card or a bare PIN, at all hours, never held released.
ALTER TABLE doors
    ADD COLUMN credential_policy text NOT NULL DEFAULT 'card_or_pin'
        CHECK (credential_policy IN ('card', 'card_or_pin', 'card_and_pin', 'pin')),
    -- The weekly hours (StaffedHours JSON) the door accepts credentials; NULL = at all hours.
    ADD COLUMN accept_hours jsonb,
    -- The weekly hours the strike stays released; NULL = never.
    ADD COLUMN unlocked_hours jsonb,
    ADD COLUMN first_person_in boolean NOT NULL DEFAULT false;

CREATE TABLE lockdowns (
    id             uuid PRIMARY KEY,
    location_id    uuid NOT NULL REFERENCES locations (id),
    scope          text NOT NULL CHECK (scope IN ('location', 'area', 'door')),
    area_id        uuid REFERENCES areas (id),
    door_id        uuid REFERENCES doors (id),
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    -- The actor that started / lifted it, "api_key:<id>" (Caller.ApiKeyId).
    started_by     text NOT NULL,
    started_at     timestamptz NOT NULL,
    lifted_by      text,
    lifted_at      timestamptz,
    CHECK ((scope = 'area') = (area_id IS NOT NULL) AND (scope = 'door') = (door_id IS NOT NULL)),
    CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
);
CREATE INDEX lockdowns_location ON lockdowns (location_id, started_at DESC, id DESC);
CREATE INDEX lockdowns_active ON lockdowns (location_id) WHERE lifted_at IS NULL;

-- Who a location's lockdowns still admit (staff and first responders) and who opens first-person-in doors (staff).
CREATE TABLE location_access_roles (
    location_id    uuid NOT NULL REFERENCES locations (id),
    role           text NOT NULL CHECK (role IN ('staff', 'first_responder')),
    member_id      uuid NOT NULL REFERENCES members (id),
    PRIMARY KEY (location_id, role, member_id)
);

-- A remote unlock from the API to the edge that drives the door: any hub instance takes the request, the one
-- holding a stream of an edge driving the door claims and sends it, the answer comes back through this row.
CREATE TABLE door_commands (
    id             uuid PRIMARY KEY,
    location_id    uuid NOT NULL REFERENCES locations (id),
    door_id        uuid NOT NULL REFERENCES doors (id),
    unlock_ms      integer NOT NULL CHECK (unlock_ms BETWEEN 1000 AND 3600000),
    actor          text NOT NULL,
    requested_at   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    edge_id        uuid REFERENCES edges (id),
    sent_at        timestamptz,
    outcome        text CHECK (outcome IN ('unlocked', 'unknown_door', 'hardware_failed', 'expired')),
    answered_at    timestamptz
);
CREATE INDEX door_commands_pending ON door_commands (location_id, requested_at) WHERE sent_at IS NULL;

-- Digits of the PINs the hub makes for bookings and visitors, and the fewest a member's own PIN may have.
ALTER TABLE organisations ADD COLUMN pin_length integer NOT NULL DEFAULT 6 CHECK (pin_length BETWEEN 6 AND 8);

ALTER TABLE edge_events DROP CONSTRAINT edge_events_kind_check;
ALTER TABLE edge_events ADD CONSTRAINT edge_events_kind_check CHECK (kind IN (
    'door_opened', 'door_closed', 'door_held_open', 'door_forced_open', 'request_to_exit', 'reader_online', 'reader_offline',
    'remote_unlock', 'pin_lockout', 'door_unlocked_by_schedule', 'door_locked_by_schedule'));
ALTER TABLE edge_events
    -- remote_unlock: who asked; pin_lockout: the scope locked out (reader, credential, edge).
    ADD COLUMN actor text,
    ADD COLUMN detail text,
    ADD COLUMN credential_id uuid,
    -- pin_lockout: when it ends.
    ADD COLUMN until timestamptz;
