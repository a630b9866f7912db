-- API keys: long-lived credentials of one namespace, presented as "brk_<id>.<secret>" (Authorization: Bearer or
-- x-api-key). Only the SHA-256 of the secret is stored: the secret is 32 random bytes, so a fast hash is as strong
-- as a slow one here and keeps authentication to one primary-key read. Keys are revoked (revoked_at), never
-- deleted, so a usage record that names a key keeps pointing at a real one.
CREATE TABLE api_keys (
    id             text        PRIMARY KEY CHECK (id ~ '^[0-9a-z]{20}$'),  -- the public part of the key
    namespace_id   text        NOT NULL REFERENCES namespaces (id),
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes         text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    secret_sha256  bytea       NOT NULL CHECK (octet_length(secret_sha256) = 32),
    created_by     text        NOT NULL,  -- the Keycloak subject, or "key:<id>" when a key minted it
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,           -- coarse: written at most about once a minute per key
    revoked_at     timestamptz
);
CREATE INDEX api_keys_namespace_idx ON api_keys (namespace_id, created_at) WHERE revoked_at IS NULL;
