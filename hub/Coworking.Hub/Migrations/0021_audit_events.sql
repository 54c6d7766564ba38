-- Who changed what (ARCHITECTURE §9): one row per successful write through the API by an API key, an operator or a
-- member. changes holds the fields the request set, by name, with secrets (passwords, PINs, card numbers, codes,
-- tokens) replaced by "[redacted]"; object_id is the object written (the route's id, or the id of what was created).
CREATE TABLE audit_events (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    actor_kind       actor_kind NOT NULL,
    actor_id         uuid,
    action           text NOT NULL,
    object_kind      text NOT NULL,
    object_id        uuid,
    changes          jsonb NOT NULL,
    client_address   text CHECK (length(client_address) <= 64),
    occurred_at      timestamptz NOT NULL
);
CREATE INDEX audit_events_organisation ON audit_events (organisation_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_object ON audit_events (object_id, occurred_at DESC) WHERE object_id IS NOT NULL;
CREATE INDEX audit_events_actor ON audit_events (actor_id, occurred_at DESC) WHERE actor_id IS NOT NULL;
