-- The service runs as a role that owns nothing (docs/security.md, "Database roles"). Migrations run as the schema's
-- owner; this grants the runtime role what the service needs and nothing that would let it rewrite history: it can
-- read and write the ledger and the other tables, but it cannot ALTER or DROP any of them or their triggers (only an
-- owner can), and on audit_log it may only INSERT and SELECT, so even with the append-only triggers gone (which it
-- cannot do) it could not change a row. Default privileges give the tables of later migrations the same grants; a
-- later table that must be append-only revokes UPDATE and DELETE from ${runtime_role} itself, as below.
--
-- ${runtime_role} is quarkus.flyway.placeholders.runtime_role (the datasource's user). When the service and the
-- migrations use one role (not recommended, see docs/operations.md) there is nobody to grant to, and nothing is done.
DO $$
DECLARE
    runtime text := '${runtime_role}';
BEGIN
    IF runtime = '' OR runtime = current_user THEN
        RAISE NOTICE 'the service connects as the migrations'' role %: no separate runtime role to grant to', current_user;
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = runtime) THEN
        RAISE EXCEPTION 'runtime role % does not exist; create it (LOGIN, no ownership) before migrating', runtime;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), runtime);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', current_schema(), runtime);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), runtime);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                   current_schema(), runtime);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I',
                   current_schema(), runtime);
    -- Append-only, by privilege as well as by trigger.
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM %I', runtime);
    -- Migration history is the owner's record; the service has no business writing it.
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON flyway_schema_history FROM %I', runtime);
END
$$;
