-- The utilisation rollup per resource and UTC quarter of an hour (ARCHITECTURE §11, docs/SENSORS.md "Utilisation"),
-- replacing the hourly one of 0122: seconds occupied, seconds booked by members, the most people counted, and CO2's
-- mean and highest reading from the edges' 5-minute aggregates. Kept after the raw samples are dropped; only quarters
-- with something booked or sensed have a row.
SET LOCAL coworking.system = 'on';
CREATE TABLE utilisation_quarters (
    organisation_id  uuid NOT NULL,
    location_id      uuid NOT NULL,
    resource_id      uuid NOT NULL,
    quarter          timestamptz NOT NULL,
    occupied_s       integer NOT NULL CHECK (occupied_s BETWEEN 0 AND 900),
    booked_s         integer NOT NULL CHECK (booked_s BETWEEN 0 AND 900),
    peak_count       integer,
    co2_mean_ppm     double precision,
    co2_max_ppm      double precision,
    PRIMARY KEY (resource_id, quarter)
);
CREATE INDEX utilisation_quarters_location ON utilisation_quarters (location_id, quarter);

-- The hours counted so far become four even quarters: the raw samples still kept are counted again exactly below, the
-- hours before them (raw retention) can only be split.
INSERT INTO utilisation_quarters (organisation_id, location_id, resource_id, quarter, occupied_s, booked_s, peak_count)
SELECT u.organisation_id, u.location_id, u.resource_id, u.hour + q * interval '15 minutes', u.occupied_s / 4, u.booked_s / 4, u.peak_count
FROM utilisation_hours u, generate_series(0, 3) AS q;
DROP TABLE utilisation_hours;

ALTER TABLE utilisation_stale RENAME COLUMN from_hour TO from_quarter;
INSERT INTO utilisation_stale (location_id, resource_id, organisation_id, from_quarter)
SELECT location_id, resource_id, min(organisation_id::text)::uuid, date_trunc('hour', min(occurred_at), 'UTC')
FROM sensor_samples WHERE resource_id IS NOT NULL
GROUP BY location_id, resource_id
ON CONFLICT (location_id, resource_id) DO UPDATE SET from_quarter = least(utilisation_stale.from_quarter, excluded.from_quarter);

-- The edges' 5-minute aggregates (REPORTED_EVENT_KIND_OCCUPANCY_AGGREGATE): unique on the edge and its event id, so one
-- sent again after a lost acknowledgement is stored once. Kept as long as the raw samples.
CREATE TABLE occupancy_windows (
    organisation_id  uuid NOT NULL,
    location_id      uuid NOT NULL,
    edge_id          text NOT NULL,
    event_id         text NOT NULL,
    resource_id      uuid,
    area_id          uuid,
    window_start     timestamptz NOT NULL,
    window_s         integer NOT NULL CHECK (window_s BETWEEN 1 AND 3600),
    occupied_s       integer NOT NULL CHECK (occupied_s >= 0 AND occupied_s <= window_s),
    peak_count       integer CHECK (peak_count >= 0),
    co2_mean_ppm     double precision CHECK (co2_mean_ppm > 0),
    co2_max_ppm      double precision CHECK (co2_max_ppm > 0),
    received_at      timestamptz NOT NULL,
    PRIMARY KEY (edge_id, event_id),
    CHECK (resource_id IS NOT NULL OR area_id IS NOT NULL)
);
CREATE INDEX occupancy_windows_resource ON occupancy_windows (resource_id, window_start) WHERE resource_id IS NOT NULL;
CREATE INDEX occupancy_windows_start ON occupancy_windows (window_start);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['utilisation_quarters', 'occupancy_windows']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (coworking_system() OR organisation_id = coworking_organisation())', t);
    END LOOP;
END
$$;
