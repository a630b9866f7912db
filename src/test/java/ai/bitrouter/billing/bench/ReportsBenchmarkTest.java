package ai.bitrouter.billing.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.testsupport.OwnerDb;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Report latency at scale (issue #6): 10 million requests across 1,000 namespaces are written straight into the
 * ledger ({@code usage_records}) with {@code generate_series}, and the daily rollup ({@code usage_daily}) is built
 * from them by the same grouping metering applies, a benchmark fixture, not the metering path (the ingestion
 * benchmark measures that). Then, over HTTP on the running service, the 30-day usage endpoint and the by-model
 * breakdown of one namespace are each called {@code bench.reports.warmup} times, then {@code bench.reports.requests}
 * times one after another, and p50/p95/p99 are reported. The query plans are printed to see whether an index is
 * missing. Only run by {@code -Pbench}; results go to stdout and {@code target/reports-benchmark.txt}.
 *
 * <p>Knobs: {@code bench.reports.rows} (10,000,000), {@code bench.reports.namespaces} (1,000),
 * {@code bench.reports.days} (90 days of history up to now), {@code bench.reports.warmup} (500),
 * {@code bench.reports.requests} (2,000).
 */
@QuarkusTest
class ReportsBenchmarkTest {
    static final long ROWS = Long.getLong("bench.reports.rows", 10_000_000);
    static final int NAMESPACES = Integer.getInteger("bench.reports.namespaces", 1_000);
    static final int DAYS = Integer.getInteger("bench.reports.days", 90);
    static final int WARMUP = Integer.getInteger("bench.reports.warmup", 500);
    static final int REQUESTS = Integer.getInteger("bench.reports.requests", 2_000);
    static final int MEASURED_NS = 42;

    @Inject
    DataSource db;

    @Inject
    ApiKeyService keys;

    @Inject
    ObjectMapper json;

    @TestHTTPResource("/")
    URL base;

    private final StringBuilder report = new StringBuilder();

    private void log(String line) {
        System.out.println("[reports-bench] " + line);
        report.append(line).append('\n');
    }

    static String ns(int i) {
        return "ns_bench" + String.format("%021d", i);
    }

    @Test
    void thirtyDayUsageAndByModelBreakdownOfOneNamespaceAmongTenMillionRequests() throws Exception {
        log("load average before: " + Files.readString(Path.of("/proc/loadavg")).trim());
        Instant now = Instant.now();
        seed(now);

        String key = QuarkusTransaction.requiringNew()
                .call(() -> keys.create(ns(MEASURED_NS), "bench", Set.of("usage:read"), "bench").credential().plaintext());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI usage = URI.create(base + "v1/namespaces/" + ns(MEASURED_NS) + "/usage");
        URI byModel = URI.create(base + "v1/namespaces/" + ns(MEASURED_NS) + "/usage/breakdown?group_by=model");

        // Correctness first: the endpoints agree with the ledger on the window they report.
        JsonNode u = json.readTree(get(http, usage, key));
        Instant from = Instant.parse(u.get("from").asText());
        Instant to = Instant.parse(u.get("to").asText());
        long[] ledger = ledgerCount(from, to);
        assertEquals(ledger[0], u.get("request_count").asLong(), "30-day request count against the ledger");
        JsonNode b = json.readTree(get(http, byModel, key));
        log("30-day window of " + ns(MEASURED_NS) + ": " + ledger[0] + " requests, "
                + b.get("rows").size() + " models; spend " + u.get("spend_micro_usd").asLong() + " micro-USD");
        assertEquals(u.get("spend_micro_usd").asLong(), b.get("totals").get("charged_micro_usd").asLong());

        explain(from, to);

        measure("GET /v1/namespaces/{ns}/usage (30 days)", http, usage, key);
        measure("GET /v1/namespaces/{ns}/usage/breakdown?group_by=model (30 days)", http, byModel, key);
        log("load average after: " + Files.readString(Path.of("/proc/loadavg")).trim());
        Files.writeString(Path.of("target/reports-benchmark.txt"), report.toString(), StandardCharsets.UTF_8);
    }

    private String get(HttpClient http, URI uri, String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError(uri + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private void measure(String name, HttpClient http, URI uri, String key) throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            get(http, uri, key);
        }
        long[] nanos = new long[REQUESTS];
        long t0 = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            long s = System.nanoTime();
            get(http, uri, key);
            nanos[i] = System.nanoTime() - s;
        }
        long total = System.nanoTime() - t0;
        Arrays.sort(nanos);
        log(String.format("%s: %d requests after %d warm-up, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms, "
                + "%.0f req/s sequential", name, REQUESTS, WARMUP, ms(pct(nanos, 50)), ms(pct(nanos, 95)),
                ms(pct(nanos, 99)), ms(nanos[nanos.length - 1]), REQUESTS / (total / 1e9)));
    }

    private static long pct(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private long[] ledgerCount(Instant from, Instant to) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM usage_records WHERE namespace_id = ? AND event_time >= ? AND event_time < ?")) {
            ps.setString(1, ns(MEASURED_NS));
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] { rs.getLong(1) };
            }
        }
    }

    /** The plans of the two halves of a report query: whole days from the rollup, a partial day from the ledger. */
    private void explain(Instant from, Instant to) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            String nsq = "'" + ns(MEASURED_NS) + "'";
            String fromDay = "(timestamptz '" + from + "' AT TIME ZONE 'UTC')::date";
            for (String q : new String[] {
                    "SELECT served_model_id, sum(requests), sum(charge_micro_usd) FROM usage_daily WHERE namespace_id = ANY(ARRAY["
                            + nsq + "]) AND day >= " + fromDay + " + 1 AND day < (timestamptz '" + to
                            + "' AT TIME ZONE 'UTC')::date GROUP BY 1",
                    "SELECT count(*), sum(charge_micro_usd) FROM usage_records WHERE namespace_id = ANY(ARRAY[" + nsq
                            + "]) AND charge_micro_usd IS NOT NULL AND event_time >= timestamptz '" + from
                            + "' AND event_time < " + fromDay + " + 1" }) {
                log("EXPLAIN ANALYZE " + q);
                try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + q)) {
                    while (rs.next()) {
                        log("    " + rs.getString(1));
                    }
                }
            }
        }
    }

    /**
     * Accounts, namespaces, ledger rows, then the rollup, all in SQL. Six models with their providers and list/charge
     * rates (self-hosted ones at 75% of the official price), two keys per namespace, one request in five with the
     * :discount variant, 2% failed (not charged), event times spread over {@link #DAYS} days up to now.
     */
    private void seed(Instant now) throws Exception {
        long t0 = System.nanoTime();
        // As the schema's owner: dropping and rebuilding indexes and VACUUM are the owner's, not the service's role's.
        try (Connection c = OwnerDb.connect(); Statement s = c.createStatement()) {
            s.execute("SET maintenance_work_mem = '512MB'");
            s.execute("SET work_mem = '256MB'");
            s.executeUpdate("""
                    INSERT INTO accounts (id, owner_subject, email, display_name)
                    SELECT md5('bench-account-' || i)::uuid, 'bench-' || i, 'bench-' || i || '@bench.local', 'Bench ' || i
                    FROM generate_series(0, %d) i""".formatted(NAMESPACES - 1));
            s.executeUpdate("""
                    INSERT INTO namespaces (id, account_id, name)
                    SELECT 'ns_bench' || lpad(i::text, 21, '0'), md5('bench-account-' || i)::uuid, 'default'
                    FROM generate_series(0, %d) i""".formatted(NAMESPACES - 1));
            // Secondary indexes are rebuilt after the bulk load, much faster than maintained row by row.
            s.execute("DROP INDEX usage_records_ns_time_idx");
            s.execute("DROP INDEX usage_records_parked_idx");
            long t1 = System.nanoTime();
            int inserted = s.executeUpdate("""
                    INSERT INTO usage_records (request_id, namespace_id, account_id, api_key_id, model_requested, variant,
                        served_model_id, provider_id, status, funding_source, streamed, event_time, prompt_tokens,
                        completion_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
                        uncached_input_tokens, output_tokens, pricing_state, charge_micro_usd, list_micro_usd,
                        discount_kind, discount_percent, payload_sha256, priced_at)
                    SELECT 'req_bench_' || g, 'ns_bench' || lpad(n::text, 21, '0'), md5('bench-account-' || n)::uuid,
                           'key_bench_' || n || '_' || (g %% 2),
                           (ARRAY['moonshotai/kimi-k2.6','deepseek/deepseek-v3.2','qwen/qwen3.6-plus','minimax/minimax-m3',
                                  'openai/gpt-5.4','anthropic/claude-sonnet-4.6'])[m + 1] || CASE WHEN v THEN ':discount' ELSE '' END,
                           CASE WHEN v THEN 'discount' END,
                           (ARRAY['moonshotai/kimi-k2.6','deepseek/deepseek-v3.2','qwen/qwen3.6-plus','minimax/minimax-m3',
                                  'openai/gpt-5.4','anthropic/claude-sonnet-4.6'])[m + 1],
                           (ARRAY['bitrouter','bitrouter','bitrouter','minimax','openai','anthropic'])[m + 1],
                           CASE WHEN failed THEN 'failed' ELSE 'succeeded' END, 'cloud_credit', true,
                           timestamptz '%s' - make_interval(secs => (g * 7919) %% (%d * 86400)),
                           p, o, cr, 0, 0, p - cr, o,
                           CASE WHEN failed THEN 'not_charged' ELSE 'computed' END,
                           CASE WHEN failed THEN 0 ELSE (p - cr) * (ARRAY[0.7125, 0.21, 0.375, 0.6, 2.5, 3])[m + 1]
                                + cr * (ARRAY[0.12, 0.105, 0.0375, 0.12, 0.25, 0.3])[m + 1]
                                + o * (ARRAY[3, 0.315, 2.25, 2.4, 15, 15])[m + 1] END,
                           CASE WHEN failed THEN 0 ELSE (p - cr) * (ARRAY[0.95, 0.28, 0.5, 0.6, 2.5, 3])[m + 1]
                                + cr * (ARRAY[0.16, 0.14, 0.05, 0.12, 0.25, 0.3])[m + 1]
                                + o * (ARRAY[4, 0.42, 3, 2.4, 15, 15])[m + 1] END,
                           CASE WHEN failed OR m > 2 THEN 'none' ELSE 'self_hosted_default' END,
                           CASE WHEN failed OR m > 2 THEN 0 ELSE 25 END,
                           decode(md5(g::text), 'hex'), timestamptz '%s'
                    FROM (SELECT g, g %% %d AS n, (g / %d) %% 6 AS m, g %% 5 = 0 AS v, g %% 50 = 7 AS failed,
                                 100 + g %% 3000 AS p, 10 + g %% 700 AS o, (g %% 3) * 40 AS cr
                          FROM generate_series(1::bigint, %d) g) x""".formatted(now, DAYS, now, NAMESPACES, NAMESPACES, ROWS));
            assertEquals(ROWS, inserted);
            long t2 = System.nanoTime();
            s.execute("CREATE INDEX usage_records_ns_time_idx ON usage_records (namespace_id, event_time DESC)");
            s.execute("CREATE INDEX usage_records_parked_idx ON usage_records (event_time) WHERE pricing_state = 'unknown'");
            long t3 = System.nanoTime();
            int rollup = s.executeUpdate(RollupFixture.rollupFromLedger("namespace_id LIKE 'ns_bench%'"));
            long t4 = System.nanoTime();
            s.execute("VACUUM ANALYZE usage_records");
            s.execute("VACUUM ANALYZE usage_daily");
            long t5 = System.nanoTime();
            try (ResultSet rs = s.executeQuery("SELECT pg_size_pretty(pg_total_relation_size('usage_records')), "
                    + "pg_size_pretty(pg_total_relation_size('usage_daily'))")) {
                rs.next();
                log(String.format("seeded %,d ledger rows (%s with indexes) in %.0f s, indexes %.0f s; %,d rollup rows"
                        + " (%s) in %.0f s; vacuum analyze %.0f s; total %.0f s", ROWS, rs.getString(1),
                        (t2 - t1) / 1e9, (t3 - t2) / 1e9, rollup, rs.getString(2), (t4 - t3) / 1e9, (t5 - t4) / 1e9,
                        (t5 - t0) / 1e9));
            }
        }
    }
}
