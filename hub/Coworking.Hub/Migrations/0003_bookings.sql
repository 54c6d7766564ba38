-- Bookings, tiers and memberships (docs/BOOKINGS.md): resources of a location, membership tiers with
-- per-location overrides, one membership per member, and bookings the database itself keeps from
-- overlapping. Released scripts are never edited: add a new one.

CREATE TABLE resources (
    id              uuid PRIMARY KEY,
    location_id     uuid NOT NULL REFERENCES locations (id),
    -- The area whose doors lead to the resource: a booking's PIN and QR open those doors.
    area_id         uuid NOT NULL REFERENCES areas (id),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('hot_desk', 'dedicated_desk', 'meeting_room', 'private_office', 'event_space', 'phone_booth')),
    capacity        integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    -- Same shape as locations.staffed_hours, in the location's time zone; NULL: bookable at all hours.
    bookable_hours  jsonb,
    created_at      timestamptz NOT NULL,
    -- Resources are removed, never deleted: bookings keep pointing at them.
    removed_at      timestamptz
);
CREATE INDEX resources_location ON resources (location_id, kind, name, id) WHERE removed_at IS NULL;
CREATE INDEX resources_area ON resources (area_id) WHERE removed_at IS NULL;

-- A tier's terms (kind, price, billing interval, benefits) are one JSON document in the API's own shape,
-- so that a location's override is the same document with only the keys it changes.
CREATE TABLE tiers (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    terms            jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX tiers_name ON tiers (organisation_id, lower(name));

CREATE TABLE tier_overrides (
    tier_id      uuid NOT NULL REFERENCES tiers (id),
    location_id  uuid NOT NULL REFERENCES locations (id),
    -- Keys present replace the tier's; a null limit there means unlimited at this location.
    terms        jsonb NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tier_id, location_id)
);

-- A member's current membership; the member's status (members.status) says whether it is in force.
CREATE TABLE memberships (
    member_id        uuid PRIMARY KEY REFERENCES members (id),
    tier_id          uuid NOT NULL REFERENCES tiers (id),
    channel          text NOT NULL CHECK (channel IN ('website', 'referral', 'partner', 'walk_in')),
    joined_at        timestamptz NOT NULL,
    -- The current billing period; billing moves it on, the membership clock applies what is due at its end.
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL CHECK (period_end > period_start),
    -- A tier change asked for "at period end".
    pending_tier_id  uuid REFERENCES tiers (id),
    -- A pause with an end: the member is active again from then.
    paused_until     timestamptz,
    -- A cancellation with notice: the member is cancelled from then.
    cancel_at        timestamptz,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX memberships_tier ON memberships (tier_id);
CREATE INDEX memberships_due ON memberships (least(period_end, paused_until, cancel_at));

-- Everything that occupies a resource: a member's booking, a maintenance block, an operator's hold.
-- The exclusion constraint makes double booking impossible whatever the application does: two live rows
-- of one resource never share an instant ([start, end) ranges, so back-to-back is fine).
CREATE TABLE bookings (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    location_id      uuid NOT NULL REFERENCES locations (id),
    resource_id      uuid NOT NULL REFERENCES resources (id),
    -- Copied from the resource so tier rules count meeting-room time without a join.
    resource_kind    text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('member', 'maintenance', 'hold')),
    member_id        uuid REFERENCES members (id),
    series_id        uuid,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    note             text CHECK (length(note) <= 500),
    -- The API key that made it; on_behalf: an operator booked for the member, past the tier's rules.
    booked_by        uuid NOT NULL REFERENCES api_keys (id),
    on_behalf        boolean NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    cancelled_at     timestamptz,
    CHECK (starts_at < ends_at),
    CHECK ((kind = 'member') = (member_id IS NOT NULL) OR kind = 'hold'),
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (cancelled_at IS NULL)
);
CREATE INDEX bookings_member ON bookings (member_id, starts_at) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_member_history ON bookings (member_id, created_at DESC, id DESC);
CREATE INDEX bookings_location ON bookings USING gist (location_id, tstzrange(starts_at, ends_at)) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_series ON bookings (series_id) WHERE series_id IS NOT NULL;

-- Booking and visitor credentials are credentials of the member who booked or invited, known to the edges
-- under their own holder (the booking or the visitor), so the member's membership grant never covers them.
ALTER TABLE credentials ADD COLUMN pass_holder_id uuid;
CREATE INDEX credentials_pass_holder ON credentials (pass_holder_id) WHERE pass_holder_id IS NOT NULL;

-- What happened to a member's status and membership, for the member's history.
CREATE TABLE member_events (
    id           uuid PRIMARY KEY,
    member_id    uuid NOT NULL REFERENCES members (id),
    kind         text NOT NULL,
    -- What the event needs to be understood, e.g. {"tierId": …, "effective": "period_end"}.
    detail       jsonb NOT NULL,
    -- The API key that asked for it; NULL when the membership clock applied it.
    api_key_id   uuid REFERENCES api_keys (id),
    occurred_at  timestamptz NOT NULL
);
CREATE INDEX member_events_member ON member_events (member_id, occurred_at DESC, id DESC);
