-- Occupancy sensors of a location (ARCHITECTURE §11, docs/SENSORS.md): configured here, sent to the location's edges
-- through the change log (SensorUpsert / SensorRemoved). A sensor watches one resource (its area follows the resource)
-- or a whole area. Removed sensors are kept with removed_at so old samples still name what they came from.
CREATE TABLE sensors (
    id           uuid PRIMARY KEY,
    location_id  uuid NOT NULL REFERENCES locations (id),
    area_id      uuid REFERENCES areas (id),
    resource_id  uuid REFERENCES resources (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind         text NOT NULL CHECK (kind IN ('pir', 'presence', 'desk', 'co2', 'counter')),
    adapter      text NOT NULL CHECK (adapter IN ('zigbee2mqtt', 'coworking', 'people_counter')),
    -- Empty only for the own scheme: the edge listens on coworking/v1/sensors/<id>.
    topic        text NOT NULL CHECK (length(topic) <= 200),
    hold_s       integer NOT NULL CHECK (hold_s BETWEEN 1 AND 86400),
    timeout_s    integer NOT NULL CHECK (timeout_s BETWEEN 10 AND 604800),
    created_at   timestamptz NOT NULL,
    removed_at   timestamptz,
    CHECK ((area_id IS NULL) <> (resource_id IS NULL)),
    CHECK (topic <> '' OR adapter = 'coworking')
);
CREATE INDEX sensors_location ON sensors (location_id, name, id) WHERE removed_at IS NULL;
-- Two live sensors of a location on one topic would each read the other's messages.
CREATE UNIQUE INDEX sensors_topic ON sensors (location_id, topic) WHERE removed_at IS NULL AND topic <> '';

-- Held like the other tables of a location (0080_row_level_security.sql).
ALTER TABLE sensors ENABLE ROW LEVEL SECURITY;
ALTER TABLE sensors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_select ON sensors FOR SELECT USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = sensors.location_id));
CREATE POLICY tenant_update ON sensors FOR UPDATE USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = sensors.location_id));
CREATE POLICY tenant_delete ON sensors FOR DELETE USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = sensors.location_id));
CREATE POLICY tenant_insert ON sensors FOR INSERT WITH CHECK (coworking_system() OR coworking_organisation() IS NOT NULL);
