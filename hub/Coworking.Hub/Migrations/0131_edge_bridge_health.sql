-- What each edge's vendor bridges last reported in its heartbeat (EdgeHealth.bridges, docs/BRIDGES.md): a JSON array
-- of {vendor, lastReconcileAt, queueDepth, lastError, doors}; NULL for an edge that runs no bridge.
ALTER TABLE edges ADD COLUMN bridges jsonb;
