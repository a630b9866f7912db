-- Custom discounts granted to an account (typically an open-source project). Applied to :discount traffic served by
-- the self-hosted provider, at the grant in force at the event's time. Revoking sets ends_at to the revoke time: the
-- past is never rewritten.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE discount_grants (
    id          uuid        PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES accounts (id),
    percent     numeric     NOT NULL CHECK (percent > 0 AND percent <= 50),
    reason      text        NOT NULL,
    project_url text,
    granted_by  text        NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoked_by  text,
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    -- At most one grant in force per account at any instant, enforced by the database itself.
    EXCLUDE USING gist (account_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
);
