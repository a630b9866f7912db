package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.bench.RollupFixture;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The reports benchmarks build their daily rollup from seeded ledger rows with one statement
 * ({@link RollupFixture}) instead of running metering over 10M events. Their latency figures mean something only if
 * that statement builds what metering builds: this test meters a mix of events and holds the statement's rows to
 * metering's own, row for row. It runs with the ordinary suite, so the fixture cannot break unnoticed between
 * benchmark runs (it once did: a syntax error that only a benchmark run showed).
 */
@QuarkusTest
class RollupFixtureTest {

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    // A plain mapper, as in UsageEventParserTest: the events here are ordinary ones.
    private final UsageEventParser parser = new UsageEventParser(new ObjectMapper());

    @Test
    void theBenchmarksRollupStatementBuildsWhatMeteringBuilds() throws Exception {
        TestAccounts.Tenant tenant = TestAccounts.create(db);
        String ns = tenant.namespaceId();
        Instant nextDay = Instant.parse("2026-11-03T23:59:59.999999Z");
        List<Events> events = List.of(
                Events.in(ns), Events.in(ns),
                Events.in(ns).usage("{\"prompt_tokens\":5000,\"completion_tokens\":700,\"cache_read_tokens\":3000,"
                        + "\"reasoning_tokens\":200}"),
                Events.in(ns).model("moonshotai/kimi-k2.6:discount"),
                Events.in(ns).status("failed"),
                Events.in(ns).time(nextDay),
                Events.in(ns).model("anthropic/claude-sonnet-4.6").served("anthropic/claude-sonnet-4.6")
                        .provider("anthropic"),
                // Unpriceable: parked, so in neither rollup.
                Events.in(ns).model("nobody/unlisted-model").served("nobody/unlisted-model"));
        List<MeteringService.Incoming> batch = new ArrayList<>();
        for (Events e : events) {
            String payload = e.json();
            batch.add(new MeteringService.Incoming(((UsageEventParser.Parsed) parser.parse(payload)).event(),
                    payload.getBytes(StandardCharsets.UTF_8), null, null));
        }
        MeteringService.Prepared prepared = metering.prepare(batch);
        assertEquals(events.size(), prepared.accepted().size(), () -> "rejected: " + prepared.rejected());
        assertEquals(events.size(), metering.append(prepared.accepted()).inserted());

        List<String> byMetering = rows("""
                SELECT namespace_id, day, served_model_id, provider_id, variant, api_key_id, discount_kind,
                       pricing_state, account_id, requests, prompt_tokens, completion_tokens, uncached_input_tokens,
                       cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, list_micro_usd,
                       charge_micro_usd
                FROM usage_daily WHERE namespace_id = ?""", ns);
        List<String> byFixture = rows(RollupFixture.rollupOfLedger("namespace_id = ?"), ns);
        assertEquals(byMetering, byFixture);
        // The mix reaches the columns that can differ: two days, a variant, a failed request, two providers.
        assertEquals(5, byMetering.size(), () -> String.join("\n", byMetering));
        assertTrue(byMetering.stream().anyMatch(r -> r.contains("|2026-11-03|")), "the second day");
        assertTrue(byMetering.stream().anyMatch(r -> r.contains("|discount|")), "the :discount variant");
        assertTrue(byMetering.stream().anyMatch(r -> r.contains("|not_charged|")), "the failed request");
    }

    /** Each row as its columns' text joined by '|', sorted (numerics compared by value: trailing zeros stripped). */
    private List<String> rows(String sql, String ns) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, ns);
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder("|");
                    for (int i = 1; i <= n; i++) {
                        Object v = rs.getObject(i);
                        row.append(v instanceof java.math.BigDecimal d ? d.stripTrailingZeros().toPlainString() : v)
                                .append('|');
                    }
                    rows.add(row.toString());
                }
            }
        }
        rows.sort(null);
        return rows;
    }
}
