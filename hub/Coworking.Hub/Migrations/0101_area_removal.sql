-- An area can be removed (ARCHITECTURE §3): kept for the history of its doors, resources and bookings, marked with
-- when; its doors and resources are removed with it and every grant that named them is withdrawn in that transaction.
ALTER TABLE areas ADD COLUMN removed_at timestamptz;
DROP INDEX areas_location;
CREATE INDEX areas_location ON areas (location_id, name, id) WHERE removed_at IS NULL;
