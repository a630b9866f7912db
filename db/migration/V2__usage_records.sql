-- One row per LLM request, keyed by the router's request id: the primary key is what makes a redelivered or
-- re-sent event a no-op, forever (not for a time window).
CREATE TABLE usage_records (
    request_id          text        PRIMARY KEY,
    namespace_id        text        NOT NULL,
    api_key_id          text,
    model_requested     text        NOT NULL,
    served_model_id     text,
    provider_id         text,
    status              text        NOT NULL,
    error_code          text,
    funding_source      text        NOT NULL,
    prompt_tokens       bigint      NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens   bigint      NOT NULL CHECK (completion_tokens >= 0),
    cache_read_tokens   bigint      NOT NULL CHECK (cache_read_tokens >= 0),
    cache_write_tokens  bigint      NOT NULL CHECK (cache_write_tokens >= 0),
    reasoning_tokens    bigint      NOT NULL CHECK (reasoning_tokens >= 0),
    streamed            boolean,
    started_at          timestamptz,
    completed_at        timestamptz,
    event_time          timestamptz NOT NULL,       -- CloudEvents "time": the pricing and billing-period instant
    payload_sha256      bytea       NOT NULL,       -- tells a harmless redelivery from a conflicting re-send
    kafka_partition     integer,
    kafka_offset        bigint,
    received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_records_ns_time_idx ON usage_records (namespace_id, event_time DESC);
