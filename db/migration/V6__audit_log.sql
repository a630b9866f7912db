-- The audit trail of admin actions (discount grants and revokes, official-price overrides, catalog imports,
-- re-pricing): who, when, what, and the state before and after. Append-only in the database itself, so neither a bug
-- in the service nor an operator with the service's credentials can quietly change history.
CREATE TABLE audit_log (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_subject  text        NOT NULL,   -- Keycloak "sub" of the admin
    actor_username text,
    action         text        NOT NULL,   -- e.g. discount.grant, discount.revoke, catalog.import
    target_type    text        NOT NULL,   -- e.g. discount_grant, model, catalog, usage
    target_id      text,
    before         jsonb,
    after          jsonb,
    detail         text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action_at_idx ON audit_log (action, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- TRUNCATE bypasses row triggers; a statement trigger refuses it too.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
