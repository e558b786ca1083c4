-- One PostgreSQL role per service: strongbox_<service> logs in, owns the schema named after its
-- service, and is granted nothing else, so a compromised content or usage process cannot read
-- gateway.users or vault.credentials (docs/operations.md, "Database roles").
--
-- Run it as a superuser (or the database's owner with CREATEROLE, a member of the five roles) in
-- the application database; it is safe to run again, and it hands over the schemas and tables an
-- older installation made under one login. The roles' passwords come from the setting
-- strongbox.role_passwords, a JSON object {"gateway": "...", "vault": "...", ...} set in the same
-- session before, e.g. with psql (which interpolates :'passwords' in what it reads, not in -c):
--   { echo "SELECT set_config('strongbox.role_passwords', :'passwords', false);"; cat service-roles.sql; } \
--     | psql "$OWNER_URL" -v ON_ERROR_STOP=1 -v passwords='{"gateway": "...", ...}' -f -
-- A service left out keeps its password, or gets none (CloudNativePG's managed roles set them).
-- Used by scripts/postgres.sh, deploy/postgres/init-roles.sh (docker-compose), the CloudNativePG
-- overlay and the tests.

-- The roles (once per PostgreSQL cluster).
DO $roles$
DECLARE
    passwords jsonb := coalesce(nullif(current_setting('strongbox.role_passwords', true), ''), '{}');
    service text;
BEGIN
    FOREACH service IN ARRAY ARRAY['gateway', 'vault', 'proxy', 'content', 'usage'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'strongbox_' || service) THEN
            EXECUTE format(
                'CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION',
                'strongbox_' || service);
        END IF;
        IF passwords ? service THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', 'strongbox_' || service, passwords ->> service);
        END IF;
    END LOOP;
END
$roles$;

-- The schemas (once per database): each service's own, and nothing for anyone in `public`.
DO $schemas$
DECLARE
    service text;
    owner text;
    relation record;
BEGIN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    FOREACH service IN ARRAY ARRAY['gateway', 'vault', 'proxy', 'content', 'usage'] LOOP
        owner := 'strongbox_' || service;
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, owner);
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, owner);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
        -- Tables, views and free-standing sequences made before the roles (a column's own
        -- sequence follows its table).
        FOR relation IN
            SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = service AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
              AND NOT EXISTS (
                  SELECT FROM pg_depend d
                  WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
        LOOP
            EXECUTE format(
                'ALTER %s %I.%I OWNER TO %I',
                CASE relation.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                    WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                service, relation.relname, owner);
        END LOOP;
        FOR relation IN
            SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS arguments
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = service
        LOOP
            EXECUTE format('ALTER FUNCTION %I.%I(%s) OWNER TO %I', service, relation.proname, relation.arguments, owner);
        END LOOP;
    END LOOP;
END
$schemas$;
