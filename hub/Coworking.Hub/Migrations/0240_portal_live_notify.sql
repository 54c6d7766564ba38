-- The portal's and the room panels' live availability (docs/WEB.md "Live parts"): each commit that adds, moves or
-- cancels bookings NOTIFYs portal_live with "bookings:<location_id>" once per location (PostgreSQL folds equal payloads
-- of one transaction into one), so every hub instance's open availability and panel streams wake at once, whichever
-- instance or writer changed the rows. Statement triggers with transition tables: a series of 50 notifies once.
CREATE FUNCTION portal_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portal_live', 'bookings:' || l.location_id) FROM (SELECT DISTINCT location_id FROM changed_rows) AS l;
    RETURN NULL;
END;
$$;

CREATE TRIGGER bookings_portal_live_insert AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_live_notify();
CREATE TRIGGER bookings_portal_live_update AFTER UPDATE ON bookings
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_live_notify();
