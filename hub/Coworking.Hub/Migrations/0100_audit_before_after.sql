-- The audit trail says what a write changed, not only what it asked for (ARCHITECTURE §9): before and after hold the
-- written object's columns that differ (a create has only after, a delete only before), by camelCase name, with
-- hashes, protected secrets, PIN keys and card numbers replaced by "[redacted]" so a change shows without its value.
ALTER TABLE audit_events ADD COLUMN before jsonb;
ALTER TABLE audit_events ADD COLUMN after jsonb;
