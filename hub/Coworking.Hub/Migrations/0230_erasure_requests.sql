-- A member's request to be forgotten (GDPR art. 17), made in the portal and carried out when an operator confirms it
-- (Privacy/MemberErasure). The row outlives the erasure, naming no one but the pseudonymised member row.
CREATE TABLE erasure_requests (
    member_id        uuid PRIMARY KEY REFERENCES members (id),
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    requested_at     timestamptz NOT NULL,
    erased_at        timestamptz,
    erased_by        uuid
);
CREATE INDEX erasure_requests_pending ON erasure_requests (organisation_id, requested_at) WHERE erased_at IS NULL;

ALTER TABLE erasure_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE erasure_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON erasure_requests USING (coworking_system() OR organisation_id = coworking_organisation());
