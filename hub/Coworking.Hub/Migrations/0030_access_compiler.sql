-- The access compiler (Access/AccessCompiler.cs, docs/SYNC.md §5): what each location's edges were last sent about
-- each holder (member, booking pass, visitor pass), one row per entity (the change log's entity name, e.g.
-- "grant:<id>") with the payload of the newest change sent for it. The compiler works out what a holder should have,
-- compares it with these rows, appends only the difference to the change log and updates the rows in the same
-- transaction; an entity that should no longer be there is removed at the edges and its row deleted.
CREATE TABLE access_sent (
    holder_id    uuid NOT NULL,
    location_id  uuid NOT NULL REFERENCES locations (id),
    entity       text NOT NULL,
    payload      jsonb NOT NULL,
    PRIMARY KEY (holder_id, location_id, entity)
);

-- What was sent before this table existed: each holder-owned entity's newest change-log entry, unless that is a
-- removal. Holders come from the payload (the holder itself, or the holder a credential or grant names).
INSERT INTO access_sent (holder_id, location_id, entity, payload)
SELECT coalesce(payload -> 'holder' ->> 'holderId', payload -> 'credential' ->> 'holderId', payload -> 'grant' ->> 'holderId')::uuid,
       location_id, entity, payload - 'seq' - 'committedAt'
FROM (
    SELECT DISTINCT ON (location_id, entity) location_id, entity, kind, payload
    FROM change_log
    WHERE entity LIKE 'holder:%' OR entity LIKE 'credential:%' OR entity LIKE 'grant:%'
    ORDER BY location_id, entity, seq DESC
) newest
WHERE kind IN ('holder', 'credential', 'grant');

-- A membership grant lasts through the end of the paid period plus this many days (ARCHITECTURE §3).
ALTER TABLE locations ADD COLUMN access_grace_days integer NOT NULL DEFAULT 3 CHECK (access_grace_days BETWEEN 0 AND 60);

-- The compiler finds a member's live passes by their credentials.
CREATE INDEX credentials_live_member_pass ON credentials (member_id) WHERE pass_holder_id IS NOT NULL AND revoked_at IS NULL;
