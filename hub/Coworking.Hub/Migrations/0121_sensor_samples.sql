-- Occupancy as the edges report it (REPORTED_EVENT_KIND_OCCUPANCY_CHANGED, ARCHITECTURE §11): one row per state change
-- of a watched resource or area. Partitioned by month of occurred_at (UTC) so raw retention drops whole months; the
-- hourly rollups (0122) are kept. Unique on (edge_id, event_id, occurred_at): an event sent again after a lost
-- acknowledgement carries the same id and time, so it is stored once. No foreign keys: the ids are what the edge
-- reported, kept even when the hub no longer knows them.
CREATE TABLE sensor_samples (
    organisation_id  uuid NOT NULL,
    location_id      uuid NOT NULL,
    edge_id          text NOT NULL,
    event_id         text NOT NULL,
    resource_id      uuid,
    area_id          uuid,
    sensor_id        uuid,
    occupied         boolean NOT NULL,
    people_count     integer CHECK (people_count >= 0),
    co2_ppm          double precision CHECK (co2_ppm > 0),
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL,
    PRIMARY KEY (edge_id, event_id, occurred_at),
    CHECK (resource_id IS NOT NULL OR area_id IS NOT NULL)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX sensor_samples_resource ON sensor_samples (resource_id, occurred_at) WHERE resource_id IS NOT NULL;
CREATE INDEX sensor_samples_location ON sensor_samples (location_id, occurred_at);

ALTER TABLE sensor_samples ENABLE ROW LEVEL SECURITY;
ALTER TABLE sensor_samples FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON sensor_samples USING (coworking_system() OR organisation_id = coworking_organisation());

-- The partition of the month holding p_at, created when missing: by the partition job ahead of time, and by the intake
-- for a month the job has not reached. The hub's role owns no table, so the function runs as the tables' owner
-- (SECURITY DEFINER) and does this one thing. Each partition is held by the same policy as the parent, forced, so
-- reading it directly shows no more than reading through the parent.
CREATE FUNCTION sensor_samples_partition(p_at timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    first timestamptz := date_trunc('month', p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'sensor_samples_' || to_char(first AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF p_at IS NULL OR p_at < now() - interval '2 years' OR p_at > now() + interval '1 year' THEN
        RAISE EXCEPTION 'no sensor sample partition for %: outside two years back and one ahead', p_at;
    END IF;
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('sensor_samples_partition'));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF sensor_samples FOR VALUES FROM (%L) TO (%L)', name, first, first + interval '1 month');
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', name);
        EXECUTE format('CREATE POLICY tenant ON %I USING (coworking_system() OR organisation_id = coworking_organisation())', name);
    END IF;
    RETURN name;
END
$$;

-- Drops the partitions of months that ended before p_cutoff (raw retention); the names of those dropped.
CREATE FUNCTION sensor_samples_drop_before(p_cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'sensor_samples'::regclass AND c.relname ~ '^sensor_samples_[0-9]{4}_[0-9]{2}$'
          AND (to_date(substr(c.relname, 16), 'YYYY_MM')::timestamp AT TIME ZONE 'UTC') + interval '1 month' <= p_cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        RETURN NEXT part.relname;
    END LOOP;
END
$$;

SELECT sensor_samples_partition(now());
SELECT sensor_samples_partition(now() + interval '1 month');
