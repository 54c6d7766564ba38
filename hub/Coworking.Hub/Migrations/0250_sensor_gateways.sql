-- Sensor gateways of a location (docs/SENSORS.md "Gateways"): the MQTT usernames allowed at its edges' embedded
-- brokers. The hub issues each password, answers it once and keeps only its PBKDF2 verifier, which reaches the edges
-- through the change log (SensorGatewayUpsert / SensorGatewayRemoved). Removed gateways are kept with removed_at, so
-- the audit trail still names them.
CREATE TABLE sensor_gateways (
    id                 uuid PRIMARY KEY,
    location_id        uuid NOT NULL REFERENCES locations (id),
    username           text NOT NULL CHECK (username ~ '^[A-Za-z0-9._-]{1,64}$'),
    password_verifier  text NOT NULL,
    created_at         timestamptz NOT NULL,
    removed_at         timestamptz
);
CREATE UNIQUE INDEX sensor_gateways_username ON sensor_gateways (location_id, username) WHERE removed_at IS NULL;

-- Held like the other tables of a location (0080_row_level_security.sql).
ALTER TABLE sensor_gateways ENABLE ROW LEVEL SECURITY;
ALTER TABLE sensor_gateways FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_select ON sensor_gateways FOR SELECT USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = sensor_gateways.location_id));
CREATE POLICY tenant_update ON sensor_gateways FOR UPDATE USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = sensor_gateways.location_id));
CREATE POLICY tenant_delete ON sensor_gateways FOR DELETE USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = sensor_gateways.location_id));
CREATE POLICY tenant_insert ON sensor_gateways FOR INSERT WITH CHECK (coworking_system() OR coworking_organisation() IS NOT NULL);
