-- A child row names its parent in the same organisation (issue 15). Row-level security checks a new row's own
-- organisation_id, but a foreign key is checked past it: a booking of organisation A could name a member of
-- organisation B, and the database took it. Each foreign key between two tables that both carry organisation_id now
-- takes (organisation_id, parent) together, so the parent must be the child's organisation's, whatever a handler
-- checked. Not here: door_alarm_acknowledgements → edge_events and no_show_releases → bookings (written by the hub's
-- own jobs from the event or booking it read; a key on those two large, hot tables would cost every insert an index).
ALTER TABLE locations ADD CONSTRAINT locations_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE members ADD CONSTRAINT members_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE invoices ADD CONSTRAINT invoices_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE edge_enrolment_codes ADD CONSTRAINT edge_enrolment_codes_organisation_id_id_key UNIQUE (organisation_id, id);

ALTER TABLE access_events DROP CONSTRAINT access_events_location_id_fkey,
    ADD CONSTRAINT access_events_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE bookings DROP CONSTRAINT bookings_location_id_fkey,
    ADD CONSTRAINT bookings_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE bookings DROP CONSTRAINT bookings_member_id_fkey,
    ADD CONSTRAINT bookings_member_id_same_organisation FOREIGN KEY (organisation_id, member_id) REFERENCES members (organisation_id, id);
ALTER TABLE credentials DROP CONSTRAINT credentials_member_id_fkey,
    ADD CONSTRAINT credentials_member_id_same_organisation FOREIGN KEY (organisation_id, member_id) REFERENCES members (organisation_id, id);
ALTER TABLE door_alarm_acknowledgements DROP CONSTRAINT door_alarm_acknowledgements_location_id_fkey,
    ADD CONSTRAINT door_alarm_acknowledgements_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE edge_enrolment_codes DROP CONSTRAINT edge_enrolment_codes_location_id_fkey,
    ADD CONSTRAINT edge_enrolment_codes_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE edge_events DROP CONSTRAINT edge_events_location_id_fkey,
    ADD CONSTRAINT edge_events_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE edges DROP CONSTRAINT edges_enrolment_code_id_fkey,
    ADD CONSTRAINT edges_enrolment_code_id_same_organisation FOREIGN KEY (organisation_id, enrolment_code_id) REFERENCES edge_enrolment_codes (organisation_id, id);
ALTER TABLE edges DROP CONSTRAINT edges_location_id_fkey,
    ADD CONSTRAINT edges_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE invoices DROP CONSTRAINT invoices_corrects_id_fkey,
    ADD CONSTRAINT invoices_corrects_id_same_organisation FOREIGN KEY (organisation_id, corrects_id) REFERENCES invoices (organisation_id, id);
ALTER TABLE invoices DROP CONSTRAINT invoices_location_id_fkey,
    ADD CONSTRAINT invoices_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE invoices DROP CONSTRAINT invoices_member_id_fkey,
    ADD CONSTRAINT invoices_member_id_same_organisation FOREIGN KEY (organisation_id, member_id) REFERENCES members (organisation_id, id);
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_invoice_id_fkey,
    ADD CONSTRAINT ledger_entries_invoice_id_same_organisation FOREIGN KEY (organisation_id, invoice_id) REFERENCES invoices (organisation_id, id);
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_location_id_fkey,
    ADD CONSTRAINT ledger_entries_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_member_id_fkey,
    ADD CONSTRAINT ledger_entries_member_id_same_organisation FOREIGN KEY (organisation_id, member_id) REFERENCES members (organisation_id, id);
ALTER TABLE member_passkeys DROP CONSTRAINT member_passkeys_member_id_fkey,
    ADD CONSTRAINT member_passkeys_member_id_same_organisation FOREIGN KEY (organisation_id, member_id) REFERENCES members (organisation_id, id);
ALTER TABLE members DROP CONSTRAINT members_home_location_id_fkey,
    ADD CONSTRAINT members_home_location_id_same_organisation FOREIGN KEY (organisation_id, home_location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE no_show_policies DROP CONSTRAINT no_show_policies_location_id_fkey,
    ADD CONSTRAINT no_show_policies_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE passkey_ceremonies DROP CONSTRAINT passkey_ceremonies_member_id_fkey,
    ADD CONSTRAINT passkey_ceremonies_member_id_same_organisation FOREIGN KEY (organisation_id, member_id) REFERENCES members (organisation_id, id);
ALTER TABLE payment_issues DROP CONSTRAINT payment_issues_invoice_id_fkey,
    ADD CONSTRAINT payment_issues_invoice_id_same_organisation FOREIGN KEY (organisation_id, invoice_id) REFERENCES invoices (organisation_id, id);
ALTER TABLE visitors DROP CONSTRAINT visitors_location_id_fkey,
    ADD CONSTRAINT visitors_location_id_same_organisation FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id);
ALTER TABLE visitors DROP CONSTRAINT visitors_host_member_id_fkey,
    ADD CONSTRAINT visitors_host_member_id_same_organisation FOREIGN KEY (organisation_id, host_member_id) REFERENCES members (organisation_id, id);
