-- The operator's no-show policy per location (ARCHITECTURE §11, docs/SENSORS.md "No-shows"): off by default; when on, a
-- member's booking of a sensed resource with no presence in its first `minutes` is released — cancelled, its PIN revoked,
-- the member told by e-mail. Each release is kept, so the no-show list still shows the booking after it is cancelled.
CREATE TABLE no_show_policies (
    location_id      uuid PRIMARY KEY REFERENCES locations (id),
    organisation_id  uuid NOT NULL,
    enabled          boolean NOT NULL,
    minutes          integer NOT NULL CHECK (minutes BETWEEN 5 AND 240),
    updated_at       timestamptz NOT NULL,
    updated_by       text NOT NULL
);

CREATE TABLE no_show_releases (
    booking_id       uuid PRIMARY KEY REFERENCES bookings (id),
    organisation_id  uuid NOT NULL,
    location_id      uuid NOT NULL,
    released_at      timestamptz NOT NULL,
    minutes          integer NOT NULL
);
CREATE INDEX no_show_releases_location ON no_show_releases (location_id, released_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['no_show_policies', 'no_show_releases']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (coworking_system() OR organisation_id = coworking_organisation())', t);
    END LOOP;
END
$$;

-- The member's e-mail that a booking was released. The kinds allowed so far are kept whatever other migrations added.
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint WHERE conname = 'mail_outbox_kind_check' AND conrelid = 'mail_outbox'::regclass;
    ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
    EXECUTE 'ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check ' || replace(def, 'ARRAY[', 'ARRAY[''no_show_released''::text, ');
END
$$;
