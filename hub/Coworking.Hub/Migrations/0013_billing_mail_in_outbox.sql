-- Billing's e-mails (a new invoice, a failed payment, a renewal reminder) wait in the durable mail outbox too,
-- so a hub that stops before sending them loses none.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('bookings', 'visitor', 'invoice', 'payment_failed', 'renewal'));
