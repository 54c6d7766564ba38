-- Payments that match (docs/BILLING.md): each card attempt keeps what the hub asked Stripe for and through which
-- account, so a PaymentIntent settles an invoice only when its amount, currency and account are the attempt's.
ALTER TABLE payment_attempts
    ADD COLUMN amount_minor bigint,
    ADD COLUMN currency char(3),
    ADD COLUMN stripe_account text NOT NULL DEFAULT 'hub' CHECK (stripe_account IN ('hub', 'organisation'));
UPDATE payment_attempts a
SET amount_minor = CASE WHEN a.status = 'pending' THEN c.amount_due_minor ELSE i.gross_minor END, currency = i.currency
FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id
WHERE i.id = a.invoice_id;
ALTER TABLE payment_attempts ALTER COLUMN amount_minor SET NOT NULL, ALTER COLUMN currency SET NOT NULL;

-- A successful PaymentIntent that settled nothing: a different amount or currency than the attempt asked for, or no
-- such attempt. Kept for an operator, who resolves it (refunds at Stripe, records the payment by hand, …).
CREATE TABLE payment_issues (
    id                      uuid PRIMARY KEY,
    -- Null only for an event on the hub-wide account that names no invoice the hub knows.
    organisation_id         uuid REFERENCES organisations (id),
    invoice_id              uuid REFERENCES invoices (id),
    attempt                 integer,
    reason                  text NOT NULL CHECK (reason IN ('amount', 'currency', 'unknown_attempt', 'other_intent')),
    payment_intent_id       text NOT NULL CHECK (length(payment_intent_id) <= 255),
    stripe_event_id         text CHECK (length(stripe_event_id) <= 255),
    amount_minor            bigint NOT NULL,
    currency                text NOT NULL CHECK (length(currency) <= 10),
    expected_amount_minor   bigint,
    expected_currency       char(3),
    received_at             timestamptz NOT NULL,
    resolved_at             timestamptz,
    resolved_by_kind        actor_kind,
    resolved_by_id          uuid,
    resolution              text CHECK (length(resolution) <= 500)
);
-- Once per PaymentIntent and organisation that received it (an account wrongly shared by two organisations tells both).
CREATE UNIQUE INDEX payment_issues_once ON payment_issues ((coalesce(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid)), payment_intent_id);
CREATE INDEX payment_issues_open ON payment_issues (organisation_id, received_at DESC, id DESC) WHERE resolved_at IS NULL;
CREATE INDEX payment_issues_invoice ON payment_issues (invoice_id) WHERE invoice_id IS NOT NULL;

-- An organisation's own Stripe account. The keys are ASP.NET Core Data Protection payloads (the key ring lives outside
-- the database, docs/SECURITY.md), so a copy of the database alone does not reveal them.
CREATE TABLE organisation_stripe_accounts (
    organisation_id            uuid PRIMARY KEY REFERENCES organisations (id),
    secret_key_protected       text NOT NULL,
    webhook_secret_protected   text NOT NULL,
    publishable_key_protected  text NOT NULL,
    -- Null is Stripe itself; otherwise one of the hub's Stripe:AllowedApiBases (the simulator in the demo).
    api_base                   text CHECK (length(api_base) <= 200),
    updated_at                 timestamptz NOT NULL,
    updated_by_kind            actor_kind,
    updated_by_id              uuid
);

-- A member's Stripe customer belongs to one account: when the organisation changes accounts the hub forgets it (and
-- the saved card) but keeps the row's dunning state.
ALTER TABLE billing_customers ALTER COLUMN stripe_customer_id DROP NOT NULL;

-- An event is applied once per endpoint that received it: the hub-wide one (organisation_id null) or an organisation's.
ALTER TABLE stripe_events ADD COLUMN organisation_id uuid REFERENCES organisations (id);
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_pkey;
CREATE UNIQUE INDEX stripe_events_once ON stripe_events ((coalesce(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid)), id);
