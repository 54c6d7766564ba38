-- Billing (docs/BILLING.md): tax rates per location, add-on prices per tier, the ledger of everything
-- billable, invoices and credit notes numbered per organisation without gaps and immutable once issued,
-- payments, and the state of collecting them (Stripe, dunning). Released scripts are never edited: add a new one.

-- The location's jurisdiction: VAT, GST or sales tax, in parts per million, inclusive or exclusive.
CREATE TABLE location_tax_rates (
    location_id        uuid PRIMARY KEY REFERENCES locations (id),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    parts_per_million  integer NOT NULL CHECK (parts_per_million BETWEEN 0 AND 1000000),
    inclusive          boolean NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- What a member of a tier pays for an add-on (day pass, printing credit, locker, event ticket) or for each
-- meeting-room hour beyond the tier's included hours (code 'room_hour').
CREATE TABLE tier_prices (
    tier_id           uuid NOT NULL REFERENCES tiers (id),
    code              text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
    currency          char(3) NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (tier_id, code)
);

-- Invoices and credit notes. A row and its lines never change once written (the triggers below); what
-- changes — paid, failed attempts, the next retry — lives in invoice_collection.
CREATE TABLE invoices (
    id                  uuid PRIMARY KEY,
    organisation_id     uuid NOT NULL REFERENCES organisations (id),
    member_id           uuid NOT NULL REFERENCES members (id),
    location_id         uuid REFERENCES locations (id),
    kind                text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number              bigint NOT NULL CHECK (number > 0),
    -- The invoice a credit note corrects.
    corrects_id         uuid REFERENCES invoices (id),
    currency            char(3) NOT NULL,
    net_minor           bigint NOT NULL,
    tax_minor           bigint NOT NULL,
    gross_minor         bigint NOT NULL,
    -- {"rates":[{"name":…,"partsPerMillion":…,"inclusive":…,"netMinor":…,"taxMinor":…,"grossMinor":…}]}
    tax_summary         jsonb NOT NULL,
    -- Who was billed, as they were when the invoice was issued.
    bill_to             jsonb NOT NULL,
    issued_at           timestamptz NOT NULL,
    due_at              timestamptz NOT NULL,
    CHECK ((kind = 'credit_note') = (corrects_id IS NOT NULL)),
    UNIQUE (organisation_id, kind, number)
);
CREATE INDEX invoices_organisation ON invoices (organisation_id, issued_at DESC, id DESC);
CREATE INDEX invoices_member ON invoices (member_id, issued_at DESC, id DESC);
CREATE INDEX invoices_corrects ON invoices (corrects_id) WHERE corrects_id IS NOT NULL;

CREATE TABLE invoice_lines (
    invoice_id         uuid NOT NULL REFERENCES invoices (id),
    position           integer NOT NULL,
    kind               text NOT NULL,
    description        text NOT NULL,
    quantity           integer NOT NULL,
    unit_amount_minor  bigint NOT NULL,
    net_minor          bigint NOT NULL,
    tax_minor          bigint NOT NULL,
    gross_minor        bigint NOT NULL,
    tax_name           text NOT NULL,
    tax_ppm            integer NOT NULL,
    tax_inclusive      boolean NOT NULL,
    service_start      date,
    service_end        date,
    PRIMARY KEY (invoice_id, position)
);

-- The last number handed out per organisation and kind. Issuing takes this row's lock until commit, so
-- numbers are gapless: a rolled-back invoice gives its number back.
CREATE TABLE invoice_counters (
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    kind             text NOT NULL,
    last_number      bigint NOT NULL,
    PRIMARY KEY (organisation_id, kind)
);

CREATE FUNCTION invoices_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued invoices and their lines are immutable; issue a credit note instead'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_are_immutable();
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoices_are_immutable();

-- Everything billable, posted when it happens and invoiced from bill_after on. source_key makes each
-- posting happen once however often (and by however many hub instances) it is attempted.
CREATE TABLE ledger_entries (
    id                 uuid PRIMARY KEY,
    -- Posting order, so lines posted in one step (a credit, then its charge) keep their order on the invoice.
    posted             bigint GENERATED ALWAYS AS IDENTITY,
    organisation_id    uuid NOT NULL REFERENCES organisations (id),
    member_id          uuid NOT NULL REFERENCES members (id),
    location_id        uuid REFERENCES locations (id),
    kind               text NOT NULL CHECK (kind IN ('plan', 'proration', 'room_overage', 'add_on', 'late_fee', 'adjustment')),
    description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
    quantity           integer NOT NULL CHECK (quantity > 0),
    unit_amount_minor  bigint NOT NULL,
    currency           char(3) NOT NULL,
    service_start      date,
    service_end        date,
    source_key         text NOT NULL UNIQUE,
    bill_after         timestamptz NOT NULL,
    created_at         timestamptz NOT NULL,
    invoice_id         uuid REFERENCES invoices (id)
);
CREATE INDEX ledger_entries_unbilled ON ledger_entries (bill_after, member_id) WHERE invoice_id IS NULL;
CREATE INDEX ledger_entries_member ON ledger_entries (member_id, created_at, id);

-- Collecting an invoice: how much is still due, and where dunning stands.
CREATE TABLE invoice_collection (
    invoice_id          uuid PRIMARY KEY REFERENCES invoices (id),
    status              text NOT NULL CHECK (status IN ('open', 'paid', 'credited')),
    amount_due_minor    bigint NOT NULL CHECK (amount_due_minor >= 0),
    failed_attempts     integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz,
    late_fee_posted     boolean NOT NULL DEFAULT false,
    paid_at             timestamptz,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX invoice_collection_open ON invoice_collection (next_attempt_at) WHERE status = 'open';

CREATE TABLE payments (
    id                 uuid PRIMARY KEY,
    invoice_id         uuid NOT NULL REFERENCES invoices (id),
    amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
    currency           char(3) NOT NULL,
    method             text NOT NULL CHECK (method IN ('card', 'bank_transfer', 'cash')),
    reference          text CHECK (length(reference) <= 200),
    -- The PaymentIntent that paid; unique so a replayed webhook cannot pay twice.
    payment_intent_id  text UNIQUE,
    api_key_id         uuid REFERENCES api_keys (id),
    paid_at            timestamptz NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id, paid_at);

-- A member's customer at Stripe and the card saved for off-session payments.
CREATE TABLE billing_customers (
    member_id           uuid PRIMARY KEY REFERENCES members (id),
    stripe_customer_id  text NOT NULL UNIQUE,
    payment_method_id   text,
    -- When Stripe made the saved card's setup (the event's created time), so an older event arriving late loses.
    payment_method_at   timestamptz,
    -- The member was suspended by dunning (not by an operator), so paying reinstates them.
    suspended_by_dunning boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL
);

-- Each off-session charge of an invoice; the idempotency key is the attempt's, so a retried request never
-- charges twice.
CREATE TABLE payment_attempts (
    invoice_id         uuid NOT NULL REFERENCES invoices (id),
    attempt            integer NOT NULL,
    payment_intent_id  text UNIQUE,
    status             text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    failure            text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (invoice_id, attempt)
);

-- Stripe events already processed: each is applied once however often Stripe delivers it.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    received_at  timestamptz NOT NULL
);

-- Reminders sent before a period renews, once per member and period.
CREATE TABLE renewal_reminders (
    member_id     uuid NOT NULL REFERENCES members (id),
    period_end    timestamptz NOT NULL,
    sent_at       timestamptz NOT NULL,
    PRIMARY KEY (member_id, period_end)
);
