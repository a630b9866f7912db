-- Monthly invoicing through Stripe (docs/invoicing.md). Every "never twice" of the invoice run is a constraint
-- here, not a check in Java: one Stripe customer per account, one invoice per account and month, one Stripe
-- invoice per local invoice, each billed request on exactly one invoice.

-- The Stripe customer of an account. A row is written BEFORE the create call (stripe_customer_id still null), so a
-- run that finds such a row knows a create may have reached Stripe and searches Stripe before creating again.
-- The column V1 reserved on accounts was never written; the invoicing feature keeps its own table instead.
ALTER TABLE accounts DROP COLUMN stripe_customer_id;

CREATE TABLE billing_customers (
    account_id          uuid        PRIMARY KEY REFERENCES accounts (id),
    stripe_customer_id  text        UNIQUE,
    create_requested_at timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz
);

CREATE TABLE invoices (
    id                     uuid        PRIMARY KEY,
    account_id             uuid        NOT NULL REFERENCES accounts (id),
    period_start           date        NOT NULL CHECK (extract(day FROM period_start) = 1),
    period_end             date        NOT NULL CHECK (period_end = (period_start + interval '1 month')::date),
    status                 text        NOT NULL CHECK (status IN
                               ('draft', 'pushing', 'push_failed', 'finalized', 'paid', 'payment_failed', 'void')),
    -- part of every idempotency key: an admin re-push of a failed invoice is a new attempt, so Stripe does not
    -- replay the failure it saved under the old keys
    attempt                integer     NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    currency               text        NOT NULL DEFAULT 'usd',
    exact_total_micro_usd  numeric     NOT NULL CHECK (exact_total_micro_usd >= 0),
    total_cents            bigint      NOT NULL CHECK (total_cents >= 0),
    line_count             integer     NOT NULL,
    request_count          bigint      NOT NULL,
    stripe_customer_id     text,
    stripe_invoice_id      text        UNIQUE,
    -- set before the create / add-lines calls: a later run that finds them set and the id or flags missing lists
    -- what Stripe has before creating anything (idempotency keys expire after 24 h)
    create_requested_at    timestamptz,
    lines_requested_at     timestamptz,
    stripe_number          text,
    hosted_invoice_url     text,
    invoice_pdf            text,
    last_error             text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    finalized_at           timestamptz,
    paid_at                timestamptz,
    UNIQUE (account_id, period_start)
);
CREATE INDEX invoices_status_idx ON invoices (status, period_start);

CREATE TABLE invoice_lines (
    invoice_id            uuid        NOT NULL REFERENCES invoices (id),
    line_no               integer     NOT NULL CHECK (line_no >= 1),
    kind                  text        NOT NULL CHECK (kind IN ('usage', 'late_usage')),
    usage_period_start    date        NOT NULL,       -- the month the usage belongs to (differs for late usage)
    model                 text,                       -- null when lines were grouped further (250-line limit)
    discount_kind         text,
    description           text        NOT NULL,
    requests              bigint      NOT NULL,
    uncached_input_tokens bigint      NOT NULL,
    cache_read_tokens     bigint      NOT NULL,
    cache_write_tokens    bigint      NOT NULL,
    output_tokens         bigint      NOT NULL,
    reasoning_tokens      bigint      NOT NULL,
    list_micro_usd        numeric     NOT NULL,
    exact_micro_usd       numeric     NOT NULL,       -- exact sum of the requests' charges: precise beside rounded
    amount_cents          bigint      NOT NULL,       -- allocated so the lines add up to the invoice total
    pushed                boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (invoice_id, line_no)
);

-- Which invoice billed each request. The primary key is the proof that a request is billed once: a second claim
-- of the same request by any invoice is a conflict the claim statement skips. The line follows from the request's
-- month, model and discount kind (the line's own columns), so it is not stored twice.
CREATE TABLE invoice_usage (
    request_id  text    PRIMARY KEY REFERENCES usage_records (request_id),
    invoice_id  uuid    NOT NULL REFERENCES invoices (id)
);
CREATE INDEX invoice_usage_invoice_idx ON invoice_usage (invoice_id);

-- Stripe webhook events, each applied once: the id is the key of a replayed delivery.
CREATE TABLE stripe_events (
    event_id     text        PRIMARY KEY,
    type         text        NOT NULL,
    invoice_id   uuid,
    outcome      text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
