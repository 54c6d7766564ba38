-- Vendor bridges (ARCHITECTURE §12, docs/BRIDGES.md): a door whose lock Kisi, Salto KS or Brivo manages names its
-- controller and the vendor's ids; each location may hold one account per vendor, its secrets kept as ASP.NET Core
-- Data Protection payloads and never answered by the API. The edges get the secrets over their stream, not through
-- the change log: the log holds only that an account changed.

ALTER TABLE doors
    ADD COLUMN controller text NOT NULL DEFAULT 'edge' CHECK (controller IN ('edge', 'kisi', 'salto_ks', 'brivo')),
    -- Salto KS and Brivo: the vendor's site id; Kisi has none.
    ADD COLUMN vendor_site_id text CHECK (length(vendor_site_id) BETWEEN 1 AND 100),
    -- Kisi lock id, Salto KS lock id, Brivo access-point id.
    ADD COLUMN vendor_lock_id text CHECK (length(vendor_lock_id) BETWEEN 1 AND 100),
    ADD CONSTRAINT doors_vendor_ids CHECK (
        (controller = 'edge' AND vendor_site_id IS NULL AND vendor_lock_id IS NULL)
        OR (controller = 'kisi' AND vendor_site_id IS NULL AND vendor_lock_id IS NOT NULL)
        OR (controller IN ('salto_ks', 'brivo') AND vendor_site_id IS NOT NULL AND vendor_lock_id IS NOT NULL));

CREATE TABLE location_vendor_accounts (
    location_id        uuid NOT NULL REFERENCES locations (id),
    vendor             text NOT NULL CHECK (vendor IN ('kisi', 'salto_ks', 'brivo')),
    -- Null is the vendor's own API; otherwise its base URL (the simulator in the demo and the tests).
    api_base           text CHECK (length(api_base) <= 200),
    -- The secrets as one JSON object {name: value}, protected with Data Protection.
    secrets_protected  text NOT NULL,
    -- The names of the secrets set, so the API can say what is there without reading them.
    secret_names       text[] NOT NULL,
    version            bigint NOT NULL,
    updated_at         timestamptz NOT NULL,
    updated_by         text NOT NULL,
    PRIMARY KEY (location_id, vendor)
);

ALTER TABLE location_vendor_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE location_vendor_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_select ON location_vendor_accounts FOR SELECT
    USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = location_vendor_accounts.location_id));
CREATE POLICY tenant_update ON location_vendor_accounts FOR UPDATE
    USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = location_vendor_accounts.location_id));
CREATE POLICY tenant_delete ON location_vendor_accounts FOR DELETE
    USING (coworking_system() OR EXISTS (SELECT FROM locations p WHERE p.id = location_vendor_accounts.location_id));
CREATE POLICY tenant_insert ON location_vendor_accounts FOR INSERT
    WITH CHECK (coworking_system() OR coworking_organisation() IS NOT NULL);
