-- Which PostgreSQL history the hub's data is (docs/OPERATIONS.md, "After a restore: the edges"): the cluster's system
-- identifier and the timeline of its write-ahead log, as the hub last saw them at start-up. A restore by archive recovery
-- (a base backup with recovery.signal, point-in-time recovery, CloudNativePG's bootstrap.recovery) starts a new
-- timeline, a dump restored into another cluster has another system identifier; either way the change logs get a new
-- epoch before the hub serves an edge (Database/DatabaseLineage.cs). One row, read and written only as the system.
-- Expand only: hub versions before this one never read it.
CREATE TABLE database_lineage (
    only_row           boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    system_identifier  bigint NOT NULL,
    timeline           integer NOT NULL,
    seen_at            timestamptz NOT NULL
);

ALTER TABLE database_lineage ENABLE ROW LEVEL SECURITY;
ALTER TABLE database_lineage FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON database_lineage USING (coworking_system());
