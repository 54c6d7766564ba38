-- As 0270 does for every other pair of tables that both carry an organisation: an erasure request (0230) names a
-- member of its own organisation, whatever a handler checked.
ALTER TABLE erasure_requests DROP CONSTRAINT erasure_requests_member_id_fkey,
    ADD CONSTRAINT erasure_requests_member_id_same_organisation FOREIGN KEY (organisation_id, member_id) REFERENCES members (organisation_id, id);
