-- Occupancy now on the console's dashboard is live (docs/WEB.md "Live parts"): a commit that stores sensor samples
-- NOTIFYs console_live with "occupancy:<location_id>" once per location, as 0140 does for access and door events, so
-- the open dashboards of every hub instance fetch their occupancy part again. On the partitioned parent: the transition
-- table holds the rows of every partition the statement wrote into.
CREATE TRIGGER sensor_samples_console_live AFTER INSERT ON sensor_samples
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION console_live_notify('occupancy');
