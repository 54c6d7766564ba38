-- Visitor passes (docs/BOOKINGS.md): a member registers a guest for a visit window at a location, within the
-- tier's monthly allowance; the guest's PIN and QR (credentials with pass_holder_id = the visitor) open the
-- location's doors inside that window only.
CREATE TABLE visitors (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    location_id      uuid NOT NULL REFERENCES locations (id),
    host_member_id   uuid NOT NULL REFERENCES members (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email            text NOT NULL,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    cancelled_at     timestamptz,
    CHECK (starts_at < ends_at)
);
CREATE INDEX visitors_host ON visitors (host_member_id, starts_at) WHERE cancelled_at IS NULL;
CREATE INDEX visitors_host_history ON visitors (host_member_id, created_at DESC, id DESC);
