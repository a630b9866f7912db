-- The usage ledger: one row per LLM request, keyed by the router's request id. The primary key is what makes a
-- redelivered or re-sent event a no-op, forever (not for a time window). Rows are appended; the only update is
-- the pricing of a parked (unpriced) row once the catalog can price it.
CREATE TABLE usage_records (
    request_id            text        PRIMARY KEY,
    namespace_id          text        NOT NULL,
    account_id            uuid        NOT NULL,
    api_key_id            text,
    model_requested       text        NOT NULL,       -- as the router received it, variant suffix included
    variant               text,                       -- discount | cost | latency | throughput | balanced
    served_model_id       text,
    provider_id           text,
    status                text        NOT NULL,
    error_code            text,
    funding_source        text        NOT NULL,
    streamed              boolean,
    started_at            timestamptz,
    completed_at          timestamptz,
    event_time            timestamptz NOT NULL,       -- CloudEvents "time": the pricing and billing-period instant
    -- raw counts as reported
    prompt_tokens         bigint      NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens     bigint      NOT NULL CHECK (completion_tokens >= 0),
    cache_read_tokens     bigint      NOT NULL CHECK (cache_read_tokens >= 0),
    cache_write_tokens    bigint      NOT NULL CHECK (cache_write_tokens >= 0),
    reasoning_tokens      bigint      NOT NULL CHECK (reasoning_tokens >= 0),
    -- the five non-overlapping buckets they normalise into
    uncached_input_tokens bigint      NOT NULL CHECK (uncached_input_tokens >= 0),
    output_tokens         bigint      NOT NULL CHECK (output_tokens >= 0),
    -- pricing: exact amounts in micro-USD (NUMERIC without scale keeps every digit), never rounded here
    pricing_state         text        NOT NULL CHECK (pricing_state IN ('computed', 'not_charged', 'unknown')),
    pricing_reason        text,
    charge_micro_usd      numeric     CHECK (charge_micro_usd >= 0),
    list_micro_usd        numeric     CHECK (list_micro_usd >= 0),
    discount_kind         text,
    discount_percent      numeric,
    price_basis           text,
    context_tier_above    bigint,
    effective_rates       jsonb,
    catalog_version       text,
    policy_version        text,
    anomaly               boolean     NOT NULL DEFAULT false,
    priced_at             timestamptz,
    payload_sha256        bytea       NOT NULL,       -- tells a harmless redelivery from a conflicting re-send
    kafka_partition       integer,
    kafka_offset          bigint,
    received_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((pricing_state = 'unknown') = (charge_micro_usd IS NULL))
);
CREATE INDEX usage_records_ns_time_idx ON usage_records (namespace_id, event_time DESC);
CREATE INDEX usage_records_account_time_idx ON usage_records (account_id, event_time);
-- Parked rows are few and looked at often (re-pricing, admin list): a partial index keeps that cheap.
CREATE INDEX usage_records_parked_idx ON usage_records (event_time) WHERE pricing_state = 'unknown';

-- The same request id arriving again with a different payload: neither version is silently dropped. The first one
-- stays in the ledger; each different later one is kept here for a person to resolve.
CREATE TABLE usage_conflicts (
    request_id        text        NOT NULL,
    payload_sha256    bytea       NOT NULL,
    payload           text        NOT NULL,
    kafka_partition   integer,
    kafka_offset      bigint,
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, payload_sha256)
);

-- Daily rollup of priced rows, updated in the same transaction as the ledger, so reports never scan the ledger.
-- Parked rows join it when they are priced.
CREATE TABLE usage_daily (
    namespace_id          text        NOT NULL,
    day                   date        NOT NULL,       -- UTC day of event_time
    served_model_id       text        NOT NULL,
    provider_id           text        NOT NULL,
    variant               text        NOT NULL,       -- '' when none
    api_key_id            text        NOT NULL,       -- '' when none
    discount_kind         text        NOT NULL,
    pricing_state         text        NOT NULL,       -- computed | not_charged
    account_id            uuid        NOT NULL,
    requests              bigint      NOT NULL,
    prompt_tokens         bigint      NOT NULL,
    completion_tokens     bigint      NOT NULL,
    uncached_input_tokens bigint      NOT NULL,
    cache_read_tokens     bigint      NOT NULL,
    cache_write_tokens    bigint      NOT NULL,
    output_tokens         bigint      NOT NULL,
    reasoning_tokens      bigint      NOT NULL,
    list_micro_usd        numeric     NOT NULL,
    charge_micro_usd      numeric     NOT NULL,
    PRIMARY KEY (namespace_id, day, served_model_id, provider_id, variant, api_key_id, discount_kind, pricing_state)
);
CREATE INDEX usage_daily_account_day_idx ON usage_daily (account_id, day);
