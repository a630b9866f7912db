package ai.bitrouter.billing.bench;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.reports.Dimension;
import ai.bitrouter.billing.reports.ReportWindow;
import ai.bitrouter.billing.reports.UsageReports;
import ai.bitrouter.billing.testsupport.OwnerDb;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Where the time of one report request goes, on a small data set (a few thousand requests of one namespace): the
 * two benchmarked endpoints over HTTP, a near-empty authenticated endpoint for the fixed cost of a request, and each
 * step of the request path called directly. Medians and p99 of {@code bench.probe.requests} sequential calls after
 * {@code bench.probe.warmup}; stdout only. A diagnostic run by hand ({@code -Pbench -Dtest=ReportsLatencyProbeTest}),
 * not a benchmark of record.
 */
@QuarkusTest
class ReportsLatencyProbeTest {
    static final int WARMUP = Integer.getInteger("bench.probe.warmup", 300);
    static final int REQUESTS = Integer.getInteger("bench.probe.requests", 1_000);

    @Inject
    DataSource db;

    @Inject
    ApiKeyService keys;

    @Inject
    UsageReports reports;

    @TestHTTPResource("/")
    URL base;

    /** Health is on the management port (application.properties). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void whereTheTimeOfAReportRequestGoes() throws Exception {
        TestAccounts.Tenant t = TestAccounts.create(db);
        String ns = t.namespaceId();
        seed(ns, t);
        String key = QuarkusTransaction.requiringNew()
                .call(() -> keys.create(ns, "probe", Set.of("usage:read"), "probe").credential().plaintext());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Instant to = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ReportWindow w = new ReportWindow(to.minus(Duration.ofDays(30)), to);

        // Interleaved: each round calls every probe once, so they all see the same machine load.
        List<String> names = new ArrayList<>();
        List<Callable<?>> probes = new ArrayList<>();
        names.add("HTTP /usage");
        probes.add(() -> get(http, "v1/namespaces/" + ns + "/usage", key));
        names.add("HTTP /usage/breakdown?group_by=model");
        probes.add(() -> get(http, "v1/namespaces/" + ns + "/usage/breakdown?group_by=model", key));
        names.add("HTTP /requests?limit=1");
        probes.add(() -> get(http, "v1/namespaces/" + ns + "/requests?limit=1", key));
        names.add("HTTP settlement of an unknown id (auth + namespaces + 1 PK read)");
        probes.add(() -> get(http, "v1/requests/req_none/settlement", key));
        names.add("HTTP /q/health/live (no auth, no DB)");
        String live = URI.create(management.toString()).resolve("/q/health/live").toString();
        probes.add(() -> getAbsolute(http, live));
        names.add("ApiKeyService.authenticate");
        probes.add(() -> keys.authenticate(key).orElseThrow());
        names.add("Namespace.findById in a JTA transaction (requireOwned)");
        probes.add(() -> QuarkusTransaction.requiringNew().call(() -> Namespace.findById(ns)));
        names.add("UsageReports.totals (30 days)");
        probes.add(() -> reports.totals(ns, w.from(), w.to()));
        names.add("UsageReports.breakdown by model (30 days)");
        probes.add(() -> reports.breakdown(UsageReports.Scope.namespace(ns), w, List.of(Dimension.MODEL)));
        System.setProperty("probe.base", base.toString());
        long[][] nanos = new long[probes.size()][REQUESTS];
        for (int i = -WARMUP; i < REQUESTS; i++) {
            for (int p = 0; p < probes.size(); p++) {
                long s = System.nanoTime();
                probes.get(p).call();
                if (i >= 0) {
                    nanos[p][i] = System.nanoTime() - s;
                }
            }
        }
        for (int p = 0; p < probes.size(); p++) {
            long[] n = nanos[p];
            Arrays.sort(n);
            System.out.printf("[latency-probe] %-70s p50 %6.3f ms  p90 %6.3f ms  p99 %6.3f ms%n", names.get(p),
                    n[REQUESTS / 2] / 1e6, n[(int) (REQUESTS * 0.9)] / 1e6, n[(int) (REQUESTS * 0.99)] / 1e6);
        }
    }

    private static String getAbsolute(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError(url + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private static String get(HttpClient http, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(System.getProperty("probe.base") + path)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && r.statusCode() != 404) {
            throw new AssertionError(path + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** 6,000 requests over 60 days, six models, and their rollup, the same shape the reports benchmark seeds. */
    private void seed(String ns, TestAccounts.Tenant t) throws Exception {
        // As the schema's owner: ANALYZE is the owner's (the service's role owns nothing, docs/security.md).
        try (Connection c = OwnerDb.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("""
                    INSERT INTO usage_records (request_id, namespace_id, account_id, api_key_id, model_requested,
                        served_model_id, provider_id, status, funding_source, streamed, event_time, prompt_tokens,
                        completion_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
                        uncached_input_tokens, output_tokens, pricing_state, charge_micro_usd, list_micro_usd,
                        discount_kind, discount_percent, payload_sha256, priced_at)
                    SELECT 'req_probe_%1$s_' || g, '%1$s', '%2$s'::uuid, 'key_probe', m, m, 'bitrouter', 'succeeded',
                           'cloud_credit', true, now() - make_interval(secs => (g * 7919) %% (60 * 86400)),
                           100, 10, 0, 0, 0, 100, 10, 'computed', 1.5 * g %% 7, 2 * g %% 7, 'none', 0,
                           decode(md5('%1$s' || g), 'hex'), now()
                    FROM (SELECT g, (ARRAY['a/m1','a/m2','b/m3','c/m4','d/m5','e/m6'])[g %% 6 + 1] AS m
                          FROM generate_series(1, 6000) g) x""".formatted(ns, t.accountId()));
            s.executeUpdate(RollupFixture.rollupFromLedger("namespace_id = '" + ns + "'"));
            s.execute("ANALYZE usage_records");
            s.execute("ANALYZE usage_daily");
        }
    }
}
