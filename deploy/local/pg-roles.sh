#!/usr/bin/env bash
# Make the hub's two database roles and its database on a local cluster (started by pg-start.sh, which trusts local
# logins, so the roles have no passwords; a real install gives both a password):
#   coworking_owner  owns the database and the tables and runs the migrations (ConnectionStrings:Migrations);
#   coworking_hub    the hub's own login: no superuser, no BYPASSRLS, owns nothing, so row-level security holds it
#                    (ConnectionStrings:Hub). The migrations grant it the rows of every table.
#   deploy/local/pg-roles.sh PORT DATABASE
# A database made before the roles existed (tables owned by the superuser) is handed to coworking_owner.
set -euo pipefail
port=$1
database=$2
psql_as() { psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

psql_as -d postgres >/dev/null <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coworking_owner') THEN
        CREATE ROLE coworking_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coworking_hub') THEN
        CREATE ROLE coworking_hub LOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;
SQL
if [ -z "$(psql_as -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
  psql_as -d postgres -c "CREATE DATABASE \"$database\" OWNER coworking_owner" >/dev/null
else
  psql_as -d postgres -c "ALTER DATABASE \"$database\" OWNER TO coworking_owner" >/dev/null
  psql_as -d "$database" >/dev/null <<'SQL'
DO $$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT 'TABLE' AS kind, format('%I', c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> 'coworking_owner'
             UNION ALL
             SELECT 'SEQUENCE', format('%I', c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> 'coworking_owner'
             UNION ALL
             SELECT 'FUNCTION', p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'coworking_owner'
               AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO coworking_owner', o.kind, o.name);
    END LOOP;
END
$$;
SQL
fi
