-- Which history a location's change log is (docs/OPERATIONS.md, "After a restore: the edges"). An edge remembers the
-- epoch it followed; when a restore makes the log start over from an older seq, `coworking-hub new-log-epoch` gives
-- every location a new one, and an edge naming another epoch than its location's gets a snapshot, even when the
-- restored log has grown past the edge's seq again.
-- Expand only (docs/OPERATIONS.md, "Upgrades"): hub versions before this one insert location_seq rows without the
-- column and the default fills it; they never read it.
ALTER TABLE location_seq ADD COLUMN log_epoch uuid NOT NULL DEFAULT gen_random_uuid();
