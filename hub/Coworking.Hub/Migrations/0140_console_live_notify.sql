-- The console's live parts (docs/WEB.md "Live parts"): each commit that brings access decisions, door or reader events
-- or alarm acknowledgements NOTIFYs console_live with "<kind>:<location_id>" once per location (PostgreSQL folds equal
-- payloads of one transaction into one), so every hub instance's open console streams wake at once, whichever instance
-- or writer inserted the rows. Statement triggers with transition tables: a batch of 500 uploaded events notifies once.
CREATE FUNCTION console_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('console_live', TG_ARGV[0] || ':' || l.location_id) FROM (SELECT DISTINCT location_id FROM new_rows) AS l;
    RETURN NULL;
END;
$$;

CREATE TRIGGER access_events_console_live AFTER INSERT ON access_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION console_live_notify('access');
CREATE TRIGGER edge_events_console_live AFTER INSERT ON edge_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION console_live_notify('door');
CREATE TRIGGER door_alarm_acknowledgements_console_live AFTER INSERT ON door_alarm_acknowledgements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION console_live_notify('alarms');
