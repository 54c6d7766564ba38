-- Row-level security: the second tenancy wall (ARCHITECTURE §9, docs/SECURITY.md). Every store already filters by
-- the caller's organisation in SQL; these policies admit only rows of the organisation in the session setting
-- coworking.organisation_id (set by the hub on every connection it opens), or every row when coworking.system is on
-- (jobs that span organisations, said so in the code). With neither set nothing is seen. FORCE applies the policies to
-- the tables' owner too; only a superuser or a BYPASSRLS role passes them, and the hub warns at start if it is one.
-- Foreign keys and unique indexes are checked by PostgreSQL regardless of the policies.

CREATE FUNCTION coworking_system() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('coworking.system', true), '') = 'on' $$;

CREATE FUNCTION coworking_organisation() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('coworking.organisation_id', true), '')::uuid $$;

DO $$
DECLARE
    t text;
    child record;
BEGIN
    ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE organisations FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON organisations USING (coworking_system() OR id = coworking_organisation());

    -- Tables that name their organisation.
    FOREACH t IN ARRAY ARRAY[
        'access_events', 'api_keys', 'audit_events', 'bookings', 'credentials', 'edge_enrolment_codes', 'edge_events',
        'edges', 'idempotency_keys', 'invoice_counters', 'invoices', 'ledger_entries', 'locations', 'member_passkeys', 'members',
        'one_time_tokens', 'operators', 'organisation_stripe_accounts', 'passkey_ceremonies', 'payment_issues',
        'sessions', 'stripe_events', 'tiers', 'visitors']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (coworking_system() OR organisation_id = coworking_organisation())', t);
    END LOOP;

    -- Tables that belong to an organisation through their parent row: read, changed and deleted only when the parent
    -- is visible (the parent's own policy applies inside the subquery). A new row needs a scope but is not checked
    -- against its parent: the hub inserts a parent and its children in one statement (an invoice and its lines), and
    -- a statement does not see its own rows; the foreign key still needs the parent to exist, and once there the row
    -- is visible only with it.
    FOR child IN SELECT * FROM (VALUES
        ('access_sent', 'location_id', 'locations'),
        ('areas', 'location_id', 'locations'),
        ('change_log', 'location_id', 'locations'),
        ('change_log_compaction', 'location_id', 'locations'),
        ('door_commands', 'location_id', 'locations'),
        ('doors', 'location_id', 'locations'),
        ('location_access_roles', 'location_id', 'locations'),
        ('location_seq', 'location_id', 'locations'),
        ('location_tax_rates', 'location_id', 'locations'),
        ('lockdowns', 'location_id', 'locations'),
        ('resources', 'location_id', 'locations'),
        ('billing_customers', 'member_id', 'members'),
        ('calendar_tokens', 'member_id', 'members'),
        ('member_events', 'member_id', 'members'),
        ('memberships', 'member_id', 'members'),
        ('renewal_reminders', 'member_id', 'members'),
        ('invoice_collection', 'invoice_id', 'invoices'),
        ('invoice_lines', 'invoice_id', 'invoices'),
        ('payment_attempts', 'invoice_id', 'invoices'),
        ('payments', 'invoice_id', 'invoices'),
        ('operator_locations', 'operator_id', 'operators'),
        ('operator_recovery_codes', 'operator_id', 'operators'),
        ('api_key_locations', 'api_key_id', 'api_keys'),
        ('tier_overrides', 'tier_id', 'tiers'),
        ('tier_prices', 'tier_id', 'tiers')) AS c (name, parent_key, parent)
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', child.name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', child.name);
        FOREACH t IN ARRAY ARRAY['SELECT', 'UPDATE', 'DELETE']
        LOOP
            EXECUTE format(
                'CREATE POLICY tenant_%s ON %I FOR %s USING (coworking_system() OR EXISTS (SELECT FROM %I p WHERE p.id = %I.%I))',
                lower(t), child.name, t, child.parent, child.name, child.parent_key);
        END LOOP;
        EXECUTE format(
            'CREATE POLICY tenant_insert ON %I FOR INSERT WITH CHECK (coworking_system() OR coworking_organisation() IS NOT NULL)',
            child.name);
    END LOOP;
END
$$;
