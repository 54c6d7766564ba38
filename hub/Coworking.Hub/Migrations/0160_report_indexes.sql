-- Reports (docs/REPORTS.md) find the ledger entries an invoice was made from, in the order its lines were written, and a
-- member's tier history; neither had an index. Released scripts are never edited: add a new one.
CREATE INDEX ledger_entries_invoice ON ledger_entries (invoice_id, service_start, posted) WHERE invoice_id IS NOT NULL;
CREATE INDEX member_events_tier ON member_events (member_id, occurred_at DESC) WHERE kind IN ('joined', 'tier_changed');
CREATE INDEX payments_paid ON payments (paid_at);
