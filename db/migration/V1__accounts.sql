-- Accounts are the billing entities; each owns one or more namespaces (the workspaces a token is bound to).
CREATE TABLE accounts (
    id                 uuid        PRIMARY KEY,
    owner_subject      text        NOT NULL UNIQUE,  -- Keycloak "sub" of the owner
    email              text,
    display_name       text,
    status             text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    stripe_customer_id text        UNIQUE,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE namespaces (
    id         text        PRIMARY KEY,              -- "ns_" + 26 chars, the id routers and the CLI carry
    account_id uuid        NOT NULL REFERENCES accounts (id),
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);
CREATE INDEX namespaces_account_idx ON namespaces (account_id);
