package ai.bitrouter.billing.bench;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import ai.bitrouter.billing.catalog.CatalogVersion;
import ai.bitrouter.billing.catalog.SeedCatalog;
import ai.bitrouter.billing.catalog.VendorProviders;
import ai.bitrouter.billing.catalog.VersionHeader;
import ai.bitrouter.billing.money.Percentage;
import ai.bitrouter.billing.pricing.CatalogView;
import ai.bitrouter.billing.pricing.FundingSource;
import ai.bitrouter.billing.pricing.ModelRef;
import ai.bitrouter.billing.pricing.PricingEngine;
import ai.bitrouter.billing.pricing.PricingPolicy;
import ai.bitrouter.billing.pricing.PricingRequest;
import ai.bitrouter.billing.pricing.PricingResult;
import ai.bitrouter.billing.pricing.PricingState;
import ai.bitrouter.billing.pricing.RequestStatus;
import ai.bitrouter.billing.pricing.TokenUsage;

/**
 * Synthetic usage traffic for load tests, and the outcome the service must reach with it.
 *
 * <p>{@link #plan} is pure and deterministic for a given {@link Config} (seed included): it picks tenants (accounts,
 * namespaces, some custom discount grants), then events in a realistic mix — skewed namespaces, self-hosted and
 * closed model families from the seed catalog, {@code :discount}/{@code :cost} suffixes, cache reads and writes,
 * reasoning, failed and BYOK requests, a few unpriceable models (parked) — plus exact re-sends and invalid records
 * (malformed JSON, overlapping buckets, negative tokens, unknown namespaces). Every record is serialized up front.
 * The expected outcome is computed with the same pure {@link PricingEngine} at the catalog and policy in force at
 * each event's time, supplied by the caller, so that a check of the ledger against it finds anything lost, doubled
 * or mispriced.
 *
 * <p>{@link #createTenants} writes the tenants in bulk; {@link #publish} sends the records as fast as the producer
 * allows. {@link #main} does all three against an already running stack (e.g. {@code ./mvnw quarkus:dev}); see
 * docs/benchmarks.md.
 */
public final class UsageLoadGenerator {

    public static final String TOPIC = "bitrouter.usage.v1";

    /**
     * @param seed       everything random derives from it
     * @param runTag     a short [0-9a-z] tag made part of every id, so several runs can share one database; ids are
     *                   matched by prefix, so no run's tag may be a prefix of another's ("wu1" and "wu10")
     * @param events     records to send, re-sends and invalid records included
     * @param namespaces tenants (one account, one namespace each)
     * @param from       event times are spread evenly over {@code [from, from + span)}, with a little jitter
     */
    public record Config(long seed, String runTag, int events, int namespaces, Instant from, Duration span) {
        public Config {
            if (!runTag.matches("[0-9a-z]{1,8}")) {
                throw new IllegalArgumentException("runTag must be 1-8 chars of [0-9a-z]: " + runTag);
            }
            if (events < 100 || namespaces < 1) {
                throw new IllegalArgumentException("at least 100 events and one namespace");
            }
        }

        public static Config defaults(String runTag, int events) {
            // A fixed, past window that crosses midnight UTC: the run is reproducible and exercises two rollup days.
            return new Config(42L, runTag, events, 2_000, Instant.parse("2026-11-02T23:00:00Z"), Duration.ofHours(2));
        }
    }

    /** A custom discount in force from {@code startsAt}, open-ended. */
    public record Grant(BigDecimal percent, Instant startsAt) {
    }

    /**
     * A namespace and its habits: like a real workspace it calls a few models the same way ({@code routes}: a model,
     * provider and suffix each) through a few API keys, and only now and then something else.
     */
    public record Tenant(UUID accountId, String namespaceId, Optional<Grant> grant, List<Route> routes, int apiKeys) {
        Optional<Percentage> discountAt(Instant t) {
            return grant.filter(g -> !t.isBefore(g.startsAt())).map(g -> Percentage.of(g.percent()));
        }
    }

    /** What a record is meant to test; the expected outcome is kept per kind. */
    public enum Kind {
        VALID, RESEND, MALFORMED_JSON, OVERLAPPING_BUCKETS, NEGATIVE_TOKENS, UNKNOWN_NAMESPACE
    }

    public record Outgoing(byte[] key, byte[] value, Kind kind) {
    }

    /**
     * What the service must end with after consuming every record once or more.
     *
     * @param requestIds      the distinct request ids that must be in the ledger, each exactly once
     * @param rowsByState     ledger rows per {@code pricing_state}
     * @param charge          Σ {@code charge_micro_usd} over the run's rows (exact; not-charged rows are zero)
     * @param list            Σ {@code list_micro_usd} over the run's rows
     * @param deadLetters     the invalid record values, each of which must be on the dead-letter topic
     * @param deadByReason    expected {@code dlq-reason} header counts
     * @param resends         exact re-sends (a no-op each)
     * @param anomalies       closed-family {@code :discount} requests that were priced
     * @param oddStrings      request id → its {@code api_key_id} and {@code error_code}, for the events whose strings
     *                        hold backslashes, quotes, SQL and CSV metacharacters or non-ASCII: stored exactly
     */
    public record Expected(Set<String> requestIds, Map<String, Long> rowsByState, BigDecimal charge, BigDecimal list,
            Map<String, String> deadLetters, Map<String, Long> deadByReason, long resends, long anomalies,
            Map<String, List<String>> oddStrings) {

        public long rows() {
            return requestIds.size();
        }

        /** Rows that reach the daily rollup: the priced ones (computed and not charged). */
        public long rolledUp() {
            return rowsByState.getOrDefault("computed", 0L) + rowsByState.getOrDefault("not_charged", 0L);
        }
    }

    public record Plan(Config config, List<Tenant> tenants, List<Outgoing> records, Expected expected) {
        public List<String> namespaceIds() {
            return tenants.stream().map(Tenant::namespaceId).toList();
        }

        public long bytes() {
            return records.stream().mapToLong(r -> r.value().length + r.key().length).sum();
        }
    }

    /** The catalog view and policy in force at an instant: the oracle prices with them. */
    public interface PriceBook {
        CatalogView catalogAt(Instant t);

        PricingPolicy policyAt(Instant t);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The mix. Weights are per mille of the valid events.

    private record Offer(String model, String provider, int weight, boolean cacheWrites, boolean bigContext) {
    }

    /** How a tenant calls a model: the offer that serves it and the suffix it asks with. */
    public record Route(int offer, String suffix) {
    }

    /** Share (percent) of a tenant's requests that go through one of its own routes rather than anywhere. */
    private static final int HABIT = 90;

    private static final List<Offer> OFFERS = List.of(
            // open models served by the self-hosted provider: official price less the discount
            new Offer("moonshotai/kimi-k2.6", "bitrouter", 280, false, false),
            new Offer("deepseek/deepseek-v3.2", "bitrouter", 100, false, false),
            new Offer("minimax/minimax-m3", "bitrouter", 60, false, false),
            new Offer("qwen/qwen3.6-plus", "bitrouter", 60, false, false),
            // open models from third-party providers: their listed price
            new Offer("moonshotai/kimi-k2.6", "moonshotai", 40, false, false),
            new Offer("moonshotai/kimi-k2.6", "openrouter", 30, false, false),
            new Offer("deepseek/deepseek-v3.2", "chutes", 40, false, false),
            new Offer("minimax/minimax-m3", "tencent", 30, false, true), // context tier above 512k input tokens
            new Offer("minimax/minimax-m3", "minimax", 20, false, false),
            new Offer("qwen/qwen3.6-plus", "alibaba", 30, false, false),
            // closed families: listed price, never discounted
            new Offer("anthropic/claude-sonnet-4.6", "anthropic", 140, true, false),
            new Offer("anthropic/claude-sonnet-4.6", "openrouter", 30, true, false),
            new Offer("openai/gpt-5.4", "openai", 100, false, false),
            new Offer("openai/gpt-5.4", "openrouter", 20, false, false),
            // not in any catalog: parked as unpriced, never dropped
            new Offer("nobody/unlisted-model", "bitrouter", 0, false, false)); // drawn apart: UNLISTED per mille

    private static final int UNLISTED = 3;

    private static final int OFFER_TOTAL = OFFERS.stream().mapToInt(Offer::weight).sum();

    /** Per mille of all records. */
    private static final int RESEND = 20, MALFORMED = 10, OVERLAPPING = 10, NEGATIVE = 3, UNKNOWN_NS = 2;

    private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

    /** Per mille of valid events whose API key id (and error code) holds characters that need escaping somewhere. */
    private static final int ODD = 5;

    // No control characters: the contract refuses them in ids (a schema_violation dead letter, UsageEventParserTest).
    private static final List<String> ODD_STRINGS = List.of("back\\slash", "\\N", "quote\"d", "ключ-ü-€-😀",
            "semi;colon,comma|pipe", "{\"json\":[1]}", "'; DROP TABLE x; --", "per%cent_under", "sp ace");

    public static Plan plan(Config config, PriceBook prices) {
        Random rnd = new Random(config.seed());
        PricingEngine engine = new PricingEngine();
        List<Tenant> tenants = tenants(config, rnd);
        Instant windowEnd = config.from().plus(config.span());

        // Base records first (valid and invalid), then exact re-sends spliced in after their original.
        int resends = config.events() * RESEND / 1000;
        int base = config.events() - resends;
        List<Outgoing> records = new ArrayList<>(config.events());
        List<Integer> validPositions = new ArrayList<>(base);
        Set<String> ids = new LinkedHashSet<>();
        Map<String, Long> byState = new TreeMap<>();
        Map<String, String> dead = new LinkedHashMap<>();
        Map<String, Long> deadByReason = new TreeMap<>();
        Map<String, List<String>> exact = new HashMap<>();
        BigDecimal charge = BigDecimal.ZERO;
        BigDecimal list = BigDecimal.ZERO;
        long anomalies = 0;
        long spanMillis = config.span().toMillis();
        for (int i = 0; i < base; i++) {
            Tenant tenant = tenants.get(skewed(rnd, tenants.size()));
            long offsetMillis = spanMillis * i / base + rnd.nextInt(60_000) - 30_000;
            Instant time = clamp(config.from().plusMillis(offsetMillis), config.from(), windowEnd.minusMillis(1));
            String id = "req_" + config.runTag() + "_" + i + "_" + Long.toString(rnd.nextLong() & Long.MAX_VALUE, 36);
            int roll = rnd.nextInt(1000);
            Event e = randomEvent(rnd, id, tenant, time);
            Kind kind;
            if (roll < MALFORMED) {
                kind = Kind.MALFORMED_JSON;
            } else if (roll < MALFORMED + OVERLAPPING) {
                kind = Kind.OVERLAPPING_BUCKETS;
                e.cacheRead = e.prompt / 2 + 1;
                e.cacheWrite = e.prompt / 2 + 1;
            } else if (roll < MALFORMED + OVERLAPPING + NEGATIVE) {
                kind = Kind.NEGATIVE_TOKENS;
                e.completion = -1 - rnd.nextInt(100);
                e.reasoning = 0;
            } else if (roll < MALFORMED + OVERLAPPING + NEGATIVE + UNKNOWN_NS) {
                kind = Kind.UNKNOWN_NAMESPACE;
                e.namespace = "ns_" + config.runTag() + "zz" + random(rnd, 24 - config.runTag().length());
            } else {
                kind = Kind.VALID;
            }
            String json = e.json();
            if (kind == Kind.MALFORMED_JSON) {
                json = json.substring(0, 80 + rnd.nextInt(json.length() - 100)); // cut: never a complete object
            }
            byte[] value = bytes(json);
            json = new String(value, StandardCharsets.UTF_8); // as the broker will hold it (a cut may split a character)
            records.add(new Outgoing(bytes(e.namespace), value, kind));
            switch (kind) {
                case VALID -> {
                    PricingResult r = price(engine, prices, e, tenant.discountAt(time));
                    if (r.state() == PricingState.INVALID) {
                        throw new IllegalStateException("the generator made an invalid event by accident: " + json);
                    }
                    ids.add(id);
                    byState.merge(r.state().wireName(), 1L, Long::sum);
                    charge = charge.add(r.charge().map(m -> m.microUsd()).orElse(BigDecimal.ZERO));
                    list = list.add(r.listAmount().map(m -> m.microUsd()).orElse(BigDecimal.ZERO));
                    anomalies += r.anomaly() ? 1 : 0;
                    if (e.odd) {
                        exact.put(id, Arrays.asList(e.apiKey, e.errorCode));
                    }
                    validPositions.add(records.size() - 1);
                }
                case OVERLAPPING_BUCKETS -> {
                    PricingResult r = price(engine, prices, e, Optional.empty());
                    expectDead(dead, deadByReason, json, r.reason().orElseThrow());
                }
                case MALFORMED_JSON -> expectDead(dead, deadByReason, json, "malformed_json");
                case NEGATIVE_TOKENS -> expectDead(dead, deadByReason, json, "negative_tokens");
                case UNKNOWN_NAMESPACE -> expectDead(dead, deadByReason, json, "unknown_namespace");
                default -> throw new IllegalStateException();
            }
        }
        // Exact re-sends: the same key and value again, between 1 and 5,000 records after the original (so some
        // land in the original's batch and most in a later one).
        List<int[]> inserts = new ArrayList<>(resends);
        for (int k = 0; k < resends; k++) {
            int original = validPositions.get(rnd.nextInt(validPositions.size()));
            inserts.add(new int[] { Math.min(records.size(), original + 1 + rnd.nextInt(5_000)), original });
        }
        inserts.sort((a, b) -> Integer.compare(b[0], a[0])); // from the end, so positions stay valid
        List<Outgoing> originals = List.copyOf(records);
        for (int[] ins : inserts) {
            Outgoing o = originals.get(ins[1]);
            records.add(ins[0], new Outgoing(o.key(), o.value(), Kind.RESEND));
        }
        Expected expected = new Expected(Collections.unmodifiableSet(ids), Collections.unmodifiableMap(byState), charge,
                list, Collections.unmodifiableMap(dead), Collections.unmodifiableMap(deadByReason), resends, anomalies,
                Collections.unmodifiableMap(exact));
        return new Plan(config, List.copyOf(tenants), Collections.unmodifiableList(records), expected);
    }

    private static void expectDead(Map<String, String> dead, Map<String, Long> byReason, String json, String reason) {
        dead.put(json, reason);
        byReason.merge(reason, 1L, Long::sum);
    }

    /** The same facts the service derives from an event, priced by the pure engine (see UsagePricer). */
    private static PricingResult price(PricingEngine engine, PriceBook prices, Event e, Optional<Percentage> custom) {
        String served = e.served != null ? e.served : ModelRef.parse(e.model).modelId();
        String provider = e.provider != null ? e.provider : "";
        PricingRequest request = new PricingRequest(e.id, e.model, served, provider, RequestStatus.fromWire(e.status),
                FundingSource.fromWire(e.funding),
                new TokenUsage(e.prompt, e.completion, e.cacheRead, e.cacheWrite, e.reasoning), e.time, custom);
        return engine.price(request, prices.catalogAt(e.time), prices.policyAt(e.time));
    }

    private static List<Tenant> tenants(Config config, Random rnd) {
        List<Tenant> tenants = new ArrayList<>(config.namespaces());
        for (int i = 0; i < config.namespaces(); i++) {
            UUID account = new UUID(rnd.nextLong(), rnd.nextLong());
            String ns = "ns_" + config.runTag() + random(rnd, 26 - config.runTag().length());
            Optional<Grant> grant = Optional.empty();
            int g = rnd.nextInt(100);
            if (g < 10) { // open-source projects with a custom discount for the whole window
                grant = Optional.of(new Grant(BigDecimal.valueOf(10 + 5L * rnd.nextInt(9)), config.from().minus(Duration.ofDays(30))));
            } else if (g < 12) { // granted in the middle of the window: earlier events must not get it
                grant = Optional.of(new Grant(new BigDecimal("42.5"), config.from().plus(config.span().dividedBy(2))));
            }
            List<Route> routes = new ArrayList<>();
            for (int r = 1 + rnd.nextInt(3); r > 0; r--) {
                routes.add(randomRoute(rnd));
            }
            tenants.add(new Tenant(account, ns, grant, List.copyOf(routes), rnd.nextInt(4)));
        }
        return tenants;
    }

    /** A heavy head: a few namespaces send most of the traffic, as in production. */
    private static int skewed(Random rnd, int n) {
        return (int) Math.min(n - 1, Math.floor(n * Math.pow(rnd.nextDouble(), 3)));
    }

    private static final class Event {
        String id, namespace, apiKey, model, served, provider, status, errorCode, funding;
        long prompt, completion, cacheRead, cacheWrite, reasoning;
        Boolean streamed;
        boolean odd;
        Instant time, startedAt;
        String source;

        String json() {
            StringBuilder b = new StringBuilder(720);
            b.append("{\"specversion\":\"1.0\",\"id\":\"").append(id).append("\",\"source\":\"").append(source)
                    .append("\",\"type\":\"ai.bitrouter.usage.v1\",\"subject\":\"").append(namespace)
                    .append("\",\"time\":\"").append(time).append("\",\"datacontenttype\":\"application/json\",")
                    .append("\"data\":{\"request_id\":\"").append(id).append("\",\"namespace_id\":\"").append(namespace)
                    .append('"');
            field(b, "api_key_id", apiKey);
            field(b, "model", model);
            field(b, "served_model_id", served);
            field(b, "provider_id", provider);
            field(b, "status", status);
            field(b, "error_code", errorCode);
            field(b, "funding_source", funding);
            b.append(",\"usage\":{\"prompt_tokens\":").append(prompt).append(",\"completion_tokens\":").append(completion);
            if (cacheRead != 0) {
                b.append(",\"cache_read_tokens\":").append(cacheRead);
            }
            if (cacheWrite != 0) {
                b.append(",\"cache_write_tokens\":").append(cacheWrite);
            }
            if (reasoning != 0) {
                b.append(",\"reasoning_tokens\":").append(reasoning);
            }
            b.append('}');
            if (streamed != null) {
                b.append(",\"streamed\":").append(streamed);
            }
            field(b, "started_at", startedAt == null ? null : startedAt.toString());
            field(b, "completed_at", time.toString());
            return b.append("}}").toString();
        }

        private static void field(StringBuilder b, String name, String value) {
            if (value != null) {
                b.append(",\"").append(name).append("\":\"");
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    switch (c) {
                        case '"' -> b.append("\\\"");
                        case '\\' -> b.append("\\\\");
                        case '\t' -> b.append("\\t");
                        case '\n' -> b.append("\\n");
                        case '\r' -> b.append("\\r");
                        default -> {
                            if (c < 0x20) {
                                b.append(String.format("\\u%04x", (int) c));
                            } else {
                                b.append(c);
                            }
                        }
                    }
                }
                b.append('"');
            }
        }
    }

    private static Route randomRoute(Random rnd) {
        int suffix = rnd.nextInt(100);
        return new Route(offer(rnd), suffix < 20 ? ":discount" : suffix < 30 ? ":cost" : "");
    }

    private static Event randomEvent(Random rnd, String id, Tenant tenant, Instant time) {
        Event e = new Event();
        e.id = id;
        e.namespace = tenant.namespaceId();
        e.time = time;
        e.source = "router://" + (rnd.nextBoolean() ? "us-east-1" : "eu-west-1") + "/node-" + rnd.nextInt(12);
        // Keys: none for a tenant without any, else one of its own (and sometimes none: a console or CLI call).
        e.apiKey = tenant.apiKeys() == 0 || rnd.nextInt(10) == 0 ? null
                : "key" + tenant.namespaceId().substring(3, 12) + rnd.nextInt(tenant.apiKeys());
        Route route = rnd.nextInt(1000) < UNLISTED ? new Route(OFFERS.size() - 1, "")
                : rnd.nextInt(100) < HABIT ? tenant.routes().get(rnd.nextInt(tenant.routes().size()))
                : randomRoute(rnd);
        Offer offer = OFFERS.get(route.offer());
        e.model = offer.model() + route.suffix();
        e.served = offer.model();
        e.provider = offer.provider();
        e.status = "succeeded";
        e.funding = rnd.nextInt(100) < 3 ? "byok" : "cloud_credit";
        if (rnd.nextInt(100) < 5) {
            e.status = "failed";
            e.errorCode = rnd.nextBoolean() ? "upstream_timeout" : "rate_limited";
            if (rnd.nextBoolean()) { // failed before any provider answered
                e.served = null;
                e.provider = null;
            }
        }
        e.prompt = logUniform(rnd, 20, offer.bigContext() && rnd.nextInt(10) == 0 ? 900_000 : 200_000);
        if (rnd.nextInt(100) < 40) {
            e.cacheRead = (long) (e.prompt * rnd.nextDouble() * 0.9);
        }
        if (offer.cacheWrites() && rnd.nextInt(100) < 25) {
            e.cacheWrite = (long) ((e.prompt - e.cacheRead) * rnd.nextDouble() * 0.5);
        }
        e.completion = e.status.equals("failed") && rnd.nextBoolean() ? 0 : logUniform(rnd, 1, 16_000);
        if (rnd.nextInt(100) < 30) {
            e.reasoning = (long) (e.completion * rnd.nextDouble());
        }
        if (rnd.nextInt(1000) < ODD) { // strings a router may pass through: they must come back byte for byte
            e.odd = true;
            e.apiKey = ODD_STRINGS.get(rnd.nextInt(ODD_STRINGS.size())) + rnd.nextInt(1000);
            if (e.errorCode != null) {
                e.errorCode = ODD_STRINGS.get(rnd.nextInt(ODD_STRINGS.size()));
            }
        }
        e.streamed = rnd.nextInt(10) < 7 ? Boolean.TRUE : rnd.nextInt(3) == 0 ? null : Boolean.FALSE;
        e.startedAt = rnd.nextInt(10) < 8 ? time.minusMillis(200 + rnd.nextInt(60_000)) : null;
        return e;
    }

    private static int offer(Random rnd) {
        int x = rnd.nextInt(OFFER_TOTAL);
        for (int i = 0; i < OFFERS.size(); i++) {
            x -= OFFERS.get(i).weight();
            if (x < 0) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    private static long logUniform(Random rnd, long min, long max) {
        return (long) Math.floor(Math.exp(Math.log(min) + rnd.nextDouble() * (Math.log(max) - Math.log(min))));
    }

    private static Instant clamp(Instant t, Instant min, Instant max) {
        return t.isBefore(min) ? min : t.isAfter(max) ? max : t;
    }

    private static String random(Random rnd, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
        }
        return new String(out);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Side effects: tenants in the database, records on the broker.

    /** Accounts, namespaces and grants of the plan, in three statements. */
    public static void createTenants(Connection c, List<Tenant> tenants) throws SQLException {
        int n = tenants.size();
        Object[] accounts = new Object[n];
        String[] subjects = new String[n];
        String[] namespaces = new String[n];
        for (int i = 0; i < n; i++) {
            accounts[i] = tenants.get(i).accountId();
            subjects[i] = "bench-" + tenants.get(i).namespaceId();
            namespaces[i] = tenants.get(i).namespaceId();
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO accounts (id, owner_subject, email, display_name)
                    SELECT a, s, s || '@bench.local', 'Bench ' || s FROM unnest(?::uuid[], ?::text[]) AS t(a, s)""")) {
                ps.setArray(1, c.createArrayOf("uuid", accounts));
                ps.setArray(2, c.createArrayOf("text", subjects));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO namespaces (id, account_id, name)
                    SELECT n, a, 'default' FROM unnest(?::text[], ?::uuid[]) AS t(n, a)""")) {
                ps.setArray(1, c.createArrayOf("text", namespaces));
                ps.setArray(2, c.createArrayOf("uuid", accounts));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO discount_grants (id, account_id, percent, reason, project_url, granted_by, starts_at)
                    VALUES (?, ?, ?, 'benchmark', 'https://example.org/bench', 'bench', ?)""")) {
                for (Tenant t : tenants) {
                    if (t.grant().isPresent()) {
                        ps.setObject(1, UUID.nameUUIDFromBytes(bytes("grant-" + t.namespaceId())));
                        ps.setObject(2, t.accountId());
                        ps.setBigDecimal(3, t.grant().get().percent());
                        ps.setTimestamp(4, Timestamp.from(t.grant().get().startsAt()));
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** When the producer was done: every record acknowledged by the broker. */
    public record Published(long records, long bytes, long firstSendNanos, long lastAckNanos, long failures) {
        public double seconds() {
            return (lastAckNanos - firstSendNanos) / 1e9;
        }
    }

    public static Map<String, Object> producerConfig(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    /**
     * Sends every record, in order, as fast as the producer takes them, and waits for the last acknowledgement.
     * {@code onFirstSend} runs just before the first record is handed to the producer (the clock starts there).
     */
    public static Published publish(KafkaProducer<byte[], byte[]> producer, List<Outgoing> records, Runnable onFirstSend) {
        return publish(producer, records, onFirstSend, new AtomicLong());
    }

    /** As {@link #publish(KafkaProducer, List, Runnable)}, counting acknowledged records in {@code acked}. */
    public static Published publish(KafkaProducer<byte[], byte[]> producer, List<Outgoing> records, Runnable onFirstSend,
            AtomicLong acked) {
        AtomicLong failures = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        long bytes = 0;
        onFirstSend.run();
        long start = System.nanoTime();
        for (Outgoing r : records) {
            bytes += r.key().length + r.value().length;
            producer.send(new ProducerRecord<>(TOPIC, r.key(), r.value()), (meta, error) -> {
                if (error != null) {
                    failures.incrementAndGet();
                    firstError.compareAndSet(null, error);
                }
                lastAck.accumulateAndGet(System.nanoTime(), Math::max);
                acked.incrementAndGet();
            });
        }
        producer.flush();
        if (firstError.get() != null) {
            throw new IllegalStateException(failures.get() + " records were not accepted by the broker", firstError.get());
        }
        return new Published(records.size(), bytes, start, lastAck.get(), failures.get());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Stand-alone: publish to a running stack.

    /**
     * The seed catalog with its official prices under the launch policy: what a fresh stack prices with. Only an
     * approximation for a stack whose catalog was changed since (imports, admin edits).
     */
    public static PriceBook seedPriceBook() {
        SeedCatalog seed = SeedCatalog.load();
        PricingPolicy policy = PricingPolicy.defaults("pol-1", Instant.EPOCH);
        CatalogVersion version = new CatalogVersion(new VersionHeader("seed", seed.effectiveFrom(), null,
                VersionHeader.SOURCE_SEED, "-", seed.note(), "bench", seed.effectiveFrom()),
                seed.candidate(VendorProviders.load(), policy).snapshot());
        return new PriceBook() {
            @Override
            public CatalogView catalogAt(Instant t) {
                return version;
            }

            @Override
            public PricingPolicy policyAt(Instant t) {
                return policy;
            }
        };
    }

    /**
     * {@code -Dbench.bootstrap=host:port -Dbench.jdbc=jdbc:postgresql://host:port/db [-Dbench.jdbc.user=postgres]
     * [-Dbench.jdbc.password=postgres] [-Dbench.events=200000] [-Dbench.namespaces=2000] [-Dbench.seed=42]
     * [-Dbench.tag=g<millis>] [-Dbench.out=target/bench]}: creates the tenants, publishes the records and writes
     * the expected outcome (summary and the request ids) under {@code bench.out}.
     */
    public static void main(String[] args) throws Exception {
        String bootstrap = required("bench.bootstrap");
        String jdbc = required("bench.jdbc");
        int events = Integer.getInteger("bench.events", 200_000);
        String tag = System.getProperty("bench.tag", "g" + Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36));
        Config defaults = Config.defaults(tag, events);
        Config config = new Config(Long.getLong("bench.seed", defaults.seed()), tag, events,
                Integer.getInteger("bench.namespaces", defaults.namespaces()), defaults.from(), defaults.span());
        long t0 = System.nanoTime();
        Plan plan = plan(config, seedPriceBook());
        System.out.printf("planned %,d records (%,d bytes) for %,d namespaces in %d ms%n", plan.records().size(),
                plan.bytes(), plan.tenants().size(), (System.nanoTime() - t0) / 1_000_000);
        try (Connection c = DriverManager.getConnection(jdbc, System.getProperty("bench.jdbc.user", "postgres"),
                System.getProperty("bench.jdbc.password", "postgres"))) {
            createTenants(c, plan.tenants());
        }
        Published published;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            published = publish(producer, plan.records(), () -> {
            });
        }
        System.out.printf("published %,d records in %.2f s (%,.0f records/s)%n", published.records(),
                published.seconds(), published.records() / published.seconds());
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.write(out.resolve("expected-" + tag + "-ids.txt"), plan.expected().requestIds());
        String summary = summary(plan);
        Files.writeString(out.resolve("expected-" + tag + ".txt"), summary);
        System.out.print(summary);
        System.out.println("expected outcome written to " + out.toAbsolutePath());
    }

    /** The expected outcome, human-readable, with the SQL that checks it. */
    public static String summary(Plan plan) {
        Expected x = plan.expected();
        StringBuilder b = new StringBuilder();
        b.append("run tag              ").append(plan.config().runTag()).append(" (seed ").append(plan.config().seed())
                .append(")\n");
        b.append("records sent         ").append(plan.records().size()).append('\n');
        Map<Kind, Long> kinds = new TreeMap<>();
        plan.records().forEach(r -> kinds.merge(r.kind(), 1L, Long::sum));
        b.append("  by kind            ").append(kinds).append('\n');
        b.append("ledger rows          ").append(x.rows()).append(" distinct request ids\n");
        b.append("  by pricing_state   ").append(x.rowsByState()).append('\n');
        b.append("  closed :discount   ").append(x.anomalies()).append(" anomalies\n");
        b.append("sum charge_micro_usd ").append(x.charge().toPlainString()).append('\n');
        b.append("sum list_micro_usd   ").append(x.list().toPlainString()).append('\n');
        b.append("rollup requests      ").append(x.rolledUp()).append('\n');
        b.append("dead letters         ").append(x.deadLetters().size()).append(' ').append(x.deadByReason()).append('\n');
        b.append("check: SELECT pricing_state, count(*), sum(charge_micro_usd) FROM usage_records WHERE namespace_id LIKE 'ns_")
                .append(plan.config().runTag()).append("%' GROUP BY 1;\n");
        return b.toString();
    }

    private static String required(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("set -D" + name);
        }
        return v;
    }
}
