-- Door alarms (an edge's door_forced_open and door_held_open events) an operator has seen to: the console's dashboard
-- lists a location's alarms until someone acknowledges them, and names who did and when.
CREATE TABLE door_alarm_acknowledgements (
    edge_event_id    uuid PRIMARY KEY REFERENCES edge_events (id) ON DELETE CASCADE,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    location_id      uuid NOT NULL REFERENCES locations (id),
    acknowledged_by  text NOT NULL,
    acknowledged_at  timestamptz NOT NULL
);
CREATE INDEX door_alarm_acknowledgements_location ON door_alarm_acknowledgements (location_id, acknowledged_at DESC);

-- The second tenancy wall (0080): only the organisation the hub's connection is opened for, or the system.
ALTER TABLE door_alarm_acknowledgements ENABLE ROW LEVEL SECURITY;
ALTER TABLE door_alarm_acknowledgements FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON door_alarm_acknowledgements USING (coworking_system() OR organisation_id = coworking_organisation());
