-- Booked against really used, per resource and UTC hour (ARCHITECTURE §11, docs/SENSORS.md "Utilisation"): seconds the
-- sensors said the resource was occupied, seconds members had it booked, the most people counted. Kept after the raw
-- samples are dropped. Only hours with something booked or sensed have a row.
CREATE TABLE utilisation_hours (
    organisation_id  uuid NOT NULL,
    location_id      uuid NOT NULL,
    resource_id      uuid NOT NULL,
    hour             timestamptz NOT NULL,
    occupied_s       integer NOT NULL CHECK (occupied_s BETWEEN 0 AND 3600),
    booked_s         integer NOT NULL CHECK (booked_s BETWEEN 0 AND 3600),
    peak_count       integer,
    PRIMARY KEY (resource_id, hour)
);
CREATE INDEX utilisation_hours_location ON utilisation_hours (location_id, hour);

-- Resources with samples the rollup has not yet counted, from the earliest hour they touch (a sample's state lasts
-- until the next one, so a late sample changes every hour after it until then).
-- Keyed by the reporting edge's location too: the ids are the edge's word, counted only for a resource of that location.
CREATE TABLE utilisation_stale (
    location_id      uuid NOT NULL,
    resource_id      uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    from_hour        timestamptz NOT NULL,
    PRIMARY KEY (location_id, resource_id)
);

-- Up to when the rollup has counted every resource; one row.
CREATE TABLE utilisation_progress (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    through   timestamptz NOT NULL
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['utilisation_hours', 'utilisation_stale']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (coworking_system() OR organisation_id = coworking_organisation())', t);
    END LOOP;
END
$$;

-- The rollup's own bookkeeping spans organisations: the system only.
ALTER TABLE utilisation_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE utilisation_progress FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON utilisation_progress USING (coworking_system());
