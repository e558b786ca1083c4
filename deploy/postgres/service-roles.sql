-- One PostgreSQL role per service: strongbox_<service> logs in, owns the schema named after its
-- service, and is granted nothing else, so a compromised content or usage process cannot read
-- gateway.users or vault.credentials (docs/operations.md, "Database roles").
--
-- Run it as a superuser, or as the database's owner with CREATEROLE (a managed PostgreSQL's
-- admin), in the application database; it is safe to run again, and it hands over the schemas and
-- tables an older installation made under one login. Each role's password comes from the setting
-- strongbox.<service>_password, set in the same session before (deploy/postgres/init-roles.sh does
-- it from POSTGRES_<SERVICE>_PASSWORD); one left unset keeps the role's password, or none
-- (CloudNativePG's managed roles set them). Used by init-roles.sh (make run, docker-compose), the
-- CloudNativePG overlay and the tests.

-- The roles (once per PostgreSQL cluster).
DO $roles$
DECLARE
    service text;
    role text;
    password text;
BEGIN
    FOREACH service IN ARRAY ARRAY['gateway', 'vault', 'proxy', 'content', 'usage'] LOOP
        role := 'strongbox_' || service;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role) THEN
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION', role);
        END IF;
        password := nullif(current_setting('strongbox.' || service || '_password', true), '');
        IF password IS NOT NULL THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', role, password);
        END IF;
        -- Not a superuser: handing a schema to the role needs membership in it (PostgreSQL 16 no
        -- longer gives it to the role's creator).
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            AND NOT pg_has_role(current_user, role, 'MEMBER')
        THEN
            EXECUTE format('GRANT %I TO %I', role, current_user);
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
