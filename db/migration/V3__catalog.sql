-- The model catalog, versioned by effective time (see docs/catalog.md).
--
-- A catalog version is a complete snapshot: its models, providers, listed prices and official prices are rows
-- keyed by the version, written once in the transaction that creates the version and never updated, so any
-- version can be rebuilt exactly and a charge that names its version can always be explained.
-- Rates are USD per 1M tokens (= micro-USD per token) in unconstrained NUMERIC: exact decimals, never approximate.
-- A NULL rate is a missing rate, which is not the same as 0 (free).

CREATE SEQUENCE catalog_versions_seq;

CREATE TABLE catalog_versions (
    id              text        PRIMARY KEY DEFAULT ('cat-' || nextval('catalog_versions_seq')),
    -- The version in force at instant t is the one with the greatest effective_from <= t.
    effective_from  timestamptz NOT NULL UNIQUE,
    -- The version this one was built on (the latest one when it was computed). At most one successor per
    -- version (and one root): two writers racing from the same version cannot both publish, so the history
    -- stays a single line and no concurrent change is silently lost.
    predecessor_id  text        REFERENCES catalog_versions (id),
    source          text        NOT NULL CHECK (source IN ('seed', 'registry', 'admin')),
    -- SHA-256 (hex) of the canonical serialization of the content; equal digests mean equal catalogs.
    content_sha256  text        NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    note            text,
    created_by      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX catalog_versions_one_successor_idx ON catalog_versions ((coalesce(predecessor_id, '')));

CREATE TABLE catalog_providers (
    version_id   text    NOT NULL REFERENCES catalog_versions (id),
    provider_id  text    NOT NULL,
    name         text    NOT NULL,
    kind         text,                -- registry "kind": first_party, gateway, ... (absent for most)
    status       text,                -- registry "status": active, staging, suspended, withdrawn
    byok         boolean,
    PRIMARY KEY (version_id, provider_id)
);

CREATE TABLE catalog_models (
    version_id    text    NOT NULL REFERENCES catalog_versions (id),
    model_id      text    NOT NULL,
    name          text    NOT NULL,
    family        text,
    open_weights  boolean,
    PRIMARY KEY (version_id, model_id)
);

-- A provider serving a model. has_pricing = false: listed without a price (e.g. subscription supply), which
-- prices nothing; it is kept so the catalog shows every provider of a model.
CREATE TABLE catalog_offers (
    version_id    text    NOT NULL,
    model_id      text    NOT NULL,
    provider_id   text    NOT NULL,
    has_pricing   boolean NOT NULL,
    no_cache      numeric CHECK (no_cache >= 0),
    cache_read    numeric CHECK (cache_read >= 0),
    cache_write   numeric CHECK (cache_write >= 0),
    output_text   numeric CHECK (output_text >= 0),
    reasoning     numeric CHECK (reasoning >= 0),
    PRIMARY KEY (version_id, model_id, provider_id),
    FOREIGN KEY (version_id, model_id) REFERENCES catalog_models (version_id, model_id),
    FOREIGN KEY (version_id, provider_id) REFERENCES catalog_providers (version_id, provider_id),
    CHECK (has_pricing OR num_nonnulls(no_cache, cache_read, cache_write, output_text, reasoning) = 0)
);

CREATE TABLE catalog_offer_tiers (
    version_id          text    NOT NULL,
    model_id            text    NOT NULL,
    provider_id         text    NOT NULL,
    above_input_tokens  bigint  NOT NULL CHECK (above_input_tokens >= 0),
    no_cache            numeric CHECK (no_cache >= 0),
    cache_read          numeric CHECK (cache_read >= 0),
    cache_write         numeric CHECK (cache_write >= 0),
    output_text         numeric CHECK (output_text >= 0),
    reasoning           numeric CHECK (reasoning >= 0),
    PRIMARY KEY (version_id, model_id, provider_id, above_input_tokens),
    FOREIGN KEY (version_id, model_id, provider_id) REFERENCES catalog_offers (version_id, model_id, provider_id)
);

-- The official price of a model: its vendor's listing (source vendor, basis_provider_id = the vendor's
-- provider), the self-hosted listing divided by (1 - default open discount) (source derived), or set by an
-- admin (source admin).
CREATE TABLE catalog_official_prices (
    version_id         text    NOT NULL,
    model_id           text    NOT NULL,
    source             text    NOT NULL CHECK (source IN ('vendor', 'derived', 'admin')),
    derived            boolean NOT NULL,
    basis_provider_id  text,
    no_cache           numeric CHECK (no_cache >= 0),
    cache_read         numeric CHECK (cache_read >= 0),
    cache_write        numeric CHECK (cache_write >= 0),
    output_text        numeric CHECK (output_text >= 0),
    reasoning          numeric CHECK (reasoning >= 0),
    PRIMARY KEY (version_id, model_id),
    FOREIGN KEY (version_id, model_id) REFERENCES catalog_models (version_id, model_id),
    FOREIGN KEY (version_id, basis_provider_id) REFERENCES catalog_providers (version_id, provider_id),
    CHECK (derived = (source = 'derived')),
    CHECK ((source = 'admin') = (basis_provider_id IS NULL))
);

CREATE TABLE catalog_official_price_tiers (
    version_id          text    NOT NULL,
    model_id            text    NOT NULL,
    above_input_tokens  bigint  NOT NULL CHECK (above_input_tokens >= 0),
    no_cache            numeric CHECK (no_cache >= 0),
    cache_read          numeric CHECK (cache_read >= 0),
    cache_write         numeric CHECK (cache_write >= 0),
    output_text         numeric CHECK (output_text >= 0),
    reasoning           numeric CHECK (reasoning >= 0),
    PRIMARY KEY (version_id, model_id, above_input_tokens),
    FOREIGN KEY (version_id, model_id) REFERENCES catalog_official_prices (version_id, model_id)
);

-- Published versions are history that charges point to: the database refuses to change or delete them.
CREATE FUNCTION catalog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'catalog versions are immutable: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER catalog_versions_immutable BEFORE UPDATE OR DELETE ON catalog_versions
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE TRIGGER catalog_providers_immutable BEFORE UPDATE OR DELETE ON catalog_providers
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE TRIGGER catalog_models_immutable BEFORE UPDATE OR DELETE ON catalog_models
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE TRIGGER catalog_offers_immutable BEFORE UPDATE OR DELETE ON catalog_offers
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE TRIGGER catalog_offer_tiers_immutable BEFORE UPDATE OR DELETE ON catalog_offer_tiers
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE TRIGGER catalog_official_prices_immutable BEFORE UPDATE OR DELETE ON catalog_official_prices
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE TRIGGER catalog_official_price_tiers_immutable BEFORE UPDATE OR DELETE ON catalog_official_price_tiers
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();

-- The numbers of the discount programme, versioned and dated like the catalog (see PricingPolicy).
-- Percentages are written as percents: 25 means 25%.
CREATE SEQUENCE pricing_policy_versions_seq;

CREATE TABLE pricing_policy_versions (
    id                       text        PRIMARY KEY DEFAULT ('pol-' || nextval('pricing_policy_versions_seq')),
    effective_from           timestamptz NOT NULL UNIQUE,
    self_hosted_provider_id  text        NOT NULL,
    closed_family_patterns   text[]      NOT NULL,
    default_open_discount    numeric     NOT NULL CHECK (default_open_discount >= 0 AND default_open_discount < 100),
    custom_discount_cap      numeric     NOT NULL CHECK (custom_discount_cap > 0 AND custom_discount_cap <= 50),
    note                     text,
    created_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (default_open_discount <= custom_discount_cap)
);

CREATE TRIGGER pricing_policy_versions_immutable BEFORE UPDATE OR DELETE ON pricing_policy_versions
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();

-- The programme as launched, in force from the beginning of time so every event has a policy.
INSERT INTO pricing_policy_versions (effective_from, self_hosted_provider_id, closed_family_patterns,
                                     default_open_discount, custom_discount_cap, note)
VALUES ('1970-01-01T00:00:00Z', 'bitrouter',
        ARRAY['openai/gpt-*', 'anthropic/claude-*', 'google/gemini-*', 'x-ai/grok-*'],
        25, 50, 'launch programme: 25% off open models on the self-hosted supply, custom discounts up to 50%');

-- Every registry import attempt, whatever its outcome, with the sync report it produced.
CREATE TABLE catalog_import_runs (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL,
    trigger       text        NOT NULL CHECK (trigger IN ('startup', 'scheduled', 'admin')),
    origin        text        NOT NULL,   -- the registry location read, or "upload"
    requested_by  text,                   -- the admin's subject for admin-triggered runs
    outcome       text        NOT NULL CHECK (outcome IN ('created', 'unchanged', 'rejected', 'failed')),
    version_id    text        REFERENCES catalog_versions (id),
    error         text,
    report        jsonb,
    -- created: the new version; unchanged: the version whose content the feed matched.
    CHECK (outcome NOT IN ('created', 'unchanged') OR version_id IS NOT NULL)
);
CREATE INDEX catalog_import_runs_started_idx ON catalog_import_runs (started_at DESC, id DESC);
