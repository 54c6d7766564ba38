-- Idempotency-Key on the POSTs that create money or credentials (bookings, charges, credit notes, payments, cards and
-- PINs): the first answer to a key is kept for 24 hours and replayed to a retry of the same request by the same actor
-- of the same organisation. The answer may hold a PIN or a QR payload, so it is stored encrypted with the hub's Data
-- Protection key ring, never in plain text. A row without an answer is a request still being carried out.
CREATE TABLE idempotency_keys (
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    actor            text NOT NULL,
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     bytea NOT NULL,
    status_code      integer,
    location         text,
    response         bytea,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, actor, key),
    CHECK ((status_code IS NULL) = (response IS NULL))
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
