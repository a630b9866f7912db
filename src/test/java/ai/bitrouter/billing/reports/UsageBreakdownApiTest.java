package ai.bitrouter.billing.reports;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.security.KeycloakAdmin;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Usage breakdowns and CSV exports (issue #6) on usage written through the real metering path: rows checked against
 * the ledger grouped independently, totals = sum of rows (exact and on the wire), list - charged = discount, CSV
 * escaping and totals equal to the JSON's; and tenant isolation on every new endpoint (RELIABILITY E23, E26, E27).
 */
@QuarkusTest
class UsageBreakdownApiTest {
    static final String KIMI_1_IN = "{\"prompt_tokens\":1,\"completion_tokens\":0}";
    static final Instant FROM = Instant.parse("2026-09-10T06:00:00Z"); // a partial first day: ledger, then rollup
    static final Instant TO = Instant.parse("2026-09-13T00:00:00Z");

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    ApiKeyService keys;

    @Inject
    ObjectMapper json;

    @TestHTTPResource("/")
    URL base;

    TestAccounts.Tenant a;
    TestAccounts.Tenant b;
    String keyA;
    String keyB;

    @BeforeEach
    void tenants() {
        a = TestAccounts.create(db);
        b = TestAccounts.create(db);
        keyA = key(a.namespaceId(), Set.of("usage:read"));
        keyB = key(b.namespaceId(), Set.of("usage:read"));
    }

    private String key(String ns, Set<String> scopes) {
        return QuarkusTransaction.requiringNew()
                .call(() -> keys.create(ns, "breakdown-test", scopes, "test").credential().plaintext());
    }

    private List<String> record(String ns, String model, String provider, String status, String apiKey, String usage,
            Instant... times) {
        return ReportFixtures.record(metering, json, ns, model, provider, status, apiKey, usage, times);
    }

    /** A mix: discounted self-hosted, full-price vendor, a variant and a key, a failure, and one outside the window. */
    private void seed(String ns) {
        record(ns, "moonshotai/kimi-k2.6", "bitrouter", "succeeded", null, KIMI_1_IN,
                Instant.parse("2026-09-10T07:00:00Z"), Instant.parse("2026-09-11T12:00:00Z"),
                Instant.parse("2026-09-12T23:59:59Z"));
        record(ns, "moonshotai/kimi-k2.6", "bitrouter", "failed", null, "{\"prompt_tokens\":500,\"completion_tokens\":0}",
                Instant.parse("2026-09-11T01:00:00Z"));
        record(ns, "moonshotai/kimi-k2.6", "moonshotai", "succeeded", "key_alpha",
                "{\"prompt_tokens\":10,\"completion_tokens\":2}", Instant.parse("2026-09-10T08:00:00Z"),
                Instant.parse("2026-09-12T08:00:00Z"));
        record(ns, "deepseek/deepseek-v3.2:discount", "bitrouter", "succeeded", "key_beta",
                "{\"prompt_tokens\":1000,\"completion_tokens\":100,\"cache_read_tokens\":300,\"reasoning_tokens\":40}",
                Instant.parse("2026-09-11T09:30:00Z"));
        record(ns, "qwen/qwen3.6-plus", "alibaba", "succeeded", null, "{\"prompt_tokens\":7,\"completion_tokens\":3}",
                Instant.parse("2026-09-10T05:59:59Z"), TO); // both just outside [FROM, TO)
    }

    private JsonPath breakdown(String token, String ns, Object... groupBy) {
        return given().auth().oauth2(token).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", groupBy).when().get("/v1/namespaces/{ns}/usage/breakdown", ns).then()
                .statusCode(200).extract().jsonPath();
    }

    record Expected(long requests, long prompt, long completion, long uncached, long cacheRead, long cacheWrite,
            long output, long reasoning, BigDecimal list, BigDecimal charged) {
    }

    /** The ledger alone, grouped by the given columns: an independent computation of what the breakdown must show. */
    private Map<String, Expected> fromLedger(String ns, String... columns) throws Exception {
        String cols = String.join(", ", java.util.Arrays.stream(columns).map(c -> c.equals("day")
                ? "((event_time AT TIME ZONE 'UTC')::date)::text" : "coalesce(" + c + ", '')").toList());
        Map<String, Expected> out = new HashMap<>();
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT concat_ws('|', " + cols + "), count(*), sum(prompt_tokens),"
                        + " sum(completion_tokens), sum(uncached_input_tokens), sum(cache_read_tokens),"
                        + " sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),"
                        + " sum(coalesce(list_micro_usd, charge_micro_usd)), sum(charge_micro_usd) FROM usage_records"
                        + " WHERE namespace_id = ? AND event_time >= ? AND event_time < ? AND charge_micro_usd IS NOT NULL"
                        + " GROUP BY 1")) {
            ps.setString(1, ns);
            ps.setTimestamp(2, Timestamp.from(FROM));
            ps.setTimestamp(3, Timestamp.from(TO));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Expected(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getBigDecimal(10),
                            rs.getBigDecimal(11)));
                }
            }
        }
        return out;
    }

    private static String keyOf(Map<String, Object> row, String... dims) {
        List<String> parts = new ArrayList<>();
        for (String d : dims) {
            Object v = row.get(d);
            parts.add(v == null ? "" : v.toString());
        }
        return String.join("|", parts);
    }

    private static long num(Map<String, Object> m, String field) {
        return ((Number) m.get(field)).longValue();
    }

    private static BigDecimal exact(Map<String, Object> m, String field) {
        return new BigDecimal((String) m.get(field));
    }

    /** Rows match the ledger; totals are the sums of the rows, exactly and on the wire; list - charged = discount. */
    private void assertConsistent(JsonPath body, Map<String, Expected> expected, String[] dims) {
        List<Map<String, Object>> rows = body.getList("rows");
        Map<String, Object> totals = body.getMap("totals");
        assertEquals(expected.size(), rows.size(), () -> "rows " + rows + " expected " + expected);
        Map<String, Long> wireSums = new HashMap<>();
        Map<String, BigDecimal> exactSums = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> row : rows) {
            String k = keyOf(row, dims);
            assertTrue(seen.add(k), "one row per key: " + k);
            Expected e = expected.get(k);
            assertTrue(e != null, () -> "unexpected row " + row);
            assertEquals(e.requests(), num(row, "requests"), k);
            assertEquals(e.prompt(), num(row, "prompt_tokens"), k);
            assertEquals(e.completion(), num(row, "completion_tokens"), k);
            assertEquals(e.uncached(), num(row, "uncached_input_tokens"), k);
            assertEquals(e.cacheRead(), num(row, "cache_read_tokens"), k);
            assertEquals(e.cacheWrite(), num(row, "cache_write_tokens"), k);
            assertEquals(e.output(), num(row, "output_tokens"), k);
            assertEquals(e.reasoning(), num(row, "reasoning_tokens"), k);
            assertEquals(0, e.list().compareTo(exact(row, "list_micro_usd_exact")), k);
            assertEquals(0, e.charged().compareTo(exact(row, "charged_micro_usd_exact")), k);
            assertEquals(0, e.list().subtract(e.charged()).compareTo(exact(row, "discount_micro_usd_exact")), k);
            assertEquals(num(row, "list_micro_usd") - num(row, "charged_micro_usd"), num(row, "discount_micro_usd"), k);
            assertTrue(num(row, "discount_micro_usd") >= 0, k);
            // Allocated: within one micro-USD of the exact amount.
            assertTrue(BigDecimal.valueOf(num(row, "charged_micro_usd")).subtract(e.charged()).abs()
                    .compareTo(BigDecimal.ONE) < 0, k);
            for (String f : List.of("requests", "prompt_tokens", "completion_tokens", "uncached_input_tokens",
                    "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "list_micro_usd",
                    "discount_micro_usd", "charged_micro_usd")) {
                wireSums.merge(f, num(row, f), Long::sum);
            }
            for (String f : List.of("list_micro_usd_exact", "discount_micro_usd_exact", "charged_micro_usd_exact")) {
                exactSums.merge(f, exact(row, f), BigDecimal::add);
            }
        }
        wireSums.forEach((f, sum) -> assertEquals(sum.longValue(), num(totals, f), "total " + f));
        exactSums.forEach((f, sum) -> assertEquals(0, sum.compareTo(exact(totals, f)), "total " + f));
        BigDecimal chargedExact = exact(totals, "charged_micro_usd_exact");
        assertEquals(chargedExact.setScale(0, RoundingMode.HALF_UP).longValueExact(), num(totals, "charged_micro_usd"),
                "the total is the exact sum rounded half-up once");
        assertEquals(exact(totals, "discount_micro_usd_exact").setScale(0, RoundingMode.HALF_UP).longValueExact(),
                num(totals, "discount_micro_usd"));
    }

    @Test
    void rowsMatchTheLedgerAndTotalsAreTheirExactSumForEveryGrouping() throws Exception {
        seed(a.namespaceId());
        List<String[]> groupings = List.of(new String[] { "day" }, new String[] { "model" },
                new String[] { "model", "provider" }, new String[] { "api_key", "variant" },
                new String[] { "day", "model", "provider", "api_key", "variant", "discount_kind" });
        Map<String, String> columns = Map.of("day", "day", "model", "served_model_id", "provider", "provider_id",
                "api_key", "api_key_id", "variant", "variant", "discount_kind", "discount_kind");
        for (String[] dims : groupings) {
            JsonPath body = breakdown(keyA, a.namespaceId(), (Object[]) dims);
            assertEquals(List.of(dims), body.getList("group_by"));
            assertConsistent(body, fromLedger(a.namespaceId(),
                    java.util.Arrays.stream(dims).map(columns::get).toArray(String[]::new)), dims);
        }

        // The same totals as the usage endpoint, and the hand-checked figures: kimi on the self-hosted provider is
        // charged 0.7125 per input token against an official 0.95; the failed request counts with zero amounts.
        JsonPath byProvider = breakdown(keyA, a.namespaceId(), "model,provider");
        Map<String, Object> kimiSelfHosted = byProvider.getMap(
                "rows.find { it.model == 'moonshotai/kimi-k2.6' && it.provider == 'bitrouter' }");
        assertEquals(4L, num(kimiSelfHosted, "requests"));
        assertEquals(503L, num(kimiSelfHosted, "prompt_tokens"));
        assertEquals(0, new BigDecimal("2.1375").compareTo(exact(kimiSelfHosted, "charged_micro_usd_exact")));
        assertEquals(0, new BigDecimal("2.85").compareTo(exact(kimiSelfHosted, "list_micro_usd_exact")));
        assertEquals(0, new BigDecimal("0.7125").compareTo(exact(kimiSelfHosted, "discount_micro_usd_exact")));
        Map<String, Object> vendor = byProvider.getMap("rows.find { it.provider == 'moonshotai' }");
        assertEquals(0, new BigDecimal("35").compareTo(exact(vendor, "charged_micro_usd_exact"))); // 2 x (9.5 + 8)
        assertEquals(0, num(vendor, "discount_micro_usd"));
        long spend = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).then().statusCode(200)
                .extract().jsonPath().getLong("spend_micro_usd");
        assertEquals(spend, byProvider.getLong("totals.charged_micro_usd"));
        assertEquals(7, byProvider.getLong("totals.requests"));

        // Repeated and comma-separated group_by are the same request.
        String repeated = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "model").queryParam("group_by", "provider")
                .when().get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId()).then().statusCode(200)
                .extract().asString();
        String comma = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "model,provider")
                .when().get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId()).then().statusCode(200)
                .extract().asString();
        assertEquals(repeated, comma);

        // By day: the partial first day comes from the ledger, the others from the rollup, in key order.
        JsonPath byDay = breakdown(keyA, a.namespaceId(), "day");
        assertEquals(List.of("2026-09-10", "2026-09-11", "2026-09-12"), byDay.getList("rows.day"));
    }

    @Test
    void responsesCarryOnlyTheAllowListedFields() {
        seed(a.namespaceId());
        JsonPath body = breakdown(keyA, a.namespaceId(), "day", "model", "provider", "api_key", "variant",
                "discount_kind");
        Set<String> amounts = Set.of("requests", "prompt_tokens", "completion_tokens", "uncached_input_tokens",
                "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "list_micro_usd",
                "discount_micro_usd", "charged_micro_usd", "list_micro_usd_exact", "discount_micro_usd_exact",
                "charged_micro_usd_exact");
        assertEquals(Set.of("from", "to", "group_by", "currency", "rows", "totals", "amounts_explained"),
                body.getMap("$").keySet());
        assertEquals(amounts, body.getMap("totals").keySet());
        Set<String> rowFields = new HashSet<>(amounts);
        rowFields.addAll(Set.of("day", "model", "provider", "api_key", "variant", "discount_kind"));
        List<Map<String, Object>> rows = body.getList("rows");
        assertFalse(rows.isEmpty());
        for (Map<String, Object> row : rows) {
            assertEquals(rowFields, row.keySet());
        }
        assertEquals("USD", body.getString("currency"));
        assertTrue(body.getString("amounts_explained.list_micro_usd").contains("official"));
    }

    @Test
    void badGroupByAndWindowsAreRefusedInTheEnvelopeOnEveryEndpoint() {
        for (String path : List.of("/v1/namespaces/" + a.namespaceId() + "/usage/breakdown",
                "/v1/namespaces/" + a.namespaceId() + "/usage/breakdown.csv", "/v1/account/usage/breakdown",
                "/v1/account/usage/breakdown.csv")) {
            given().auth().oauth2(keyA).queryParam("group_by", "model,cost").when().get(path).then()
                    .statusCode(400).contentType("application/json").body("error", equalTo("bad_request"))
                    .body("error_description", startsWith("group_by must be one or more of day, model"));
            given().auth().oauth2(keyA).queryParam("group_by", "model;DROP TABLE usage_daily").when().get(path).then()
                    .statusCode(400).body("error", equalTo("bad_request"));
        }
        given().auth().oauth2(keyA).queryParam("group_by", "namespace").when()
                .get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId()).then().statusCode(400);
        given().auth().oauth2(keyA).queryParam("group_by", "namespace").when().get("/v1/account/usage/breakdown").then()
                .statusCode(200).body("group_by", equalTo(List.of("namespace")));
        given().auth().oauth2(keyA).queryParam("group_by", "MODEL").when()
                .get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId()).then().statusCode(200)
                .body("group_by", equalTo(List.of("model")));

        for (String path : List.of("/v1/namespaces/" + a.namespaceId() + "/usage/breakdown",
                "/v1/namespaces/" + a.namespaceId() + "/usage/breakdown.csv",
                "/v1/namespaces/" + a.namespaceId() + "/requests.csv", "/v1/account/usage/breakdown",
                "/v1/account/usage/breakdown.csv")) {
            given().auth().oauth2(keyA).queryParam("from", "2025-01-01T00:00:00Z").queryParam("to", "2026-01-03T00:00:00Z")
                    .when().get(path).then().statusCode(400)
                    .body("error_description", equalTo("the window may span at most 366 days"));
            given().auth().oauth2(keyA).queryParam("from", "2026-02-01T00:00:00Z").queryParam("to", "2026-01-01T00:00:00Z")
                    .when().get(path).then().statusCode(400).body("error", equalTo("bad_request"));
            given().auth().oauth2(keyA).queryParam("from", "last week").when().get(path).then().statusCode(400)
                    .body("error", equalTo("bad_request"));
            String keysOnly = key(a.namespaceId(), Set.of("keys:read"));
            given().auth().oauth2(keysOnly).when().get(path).then().statusCode(403)
                    .body("error_description", equalTo("missing required scope: usage:read"));
            given().when().get(path).then().statusCode(401).body("error", equalTo("unauthorized"));
        }
        // Exactly 366 days is allowed; the default window is the last 30 days.
        given().auth().oauth2(keyA).queryParam("from", "2025-01-01T00:00:00Z").queryParam("to", "2026-01-02T00:00:00Z")
                .when().get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId()).then().statusCode(200);
        JsonPath defaults = given().auth().oauth2(keyA).when().get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId())
                .then().statusCode(200).body("group_by", equalTo(List.of("day"))).extract().jsonPath();
        assertEquals(30L * 86_400, Instant.parse(defaults.getString("to")).getEpochSecond()
                - Instant.parse(defaults.getString("from")).getEpochSecond());
    }

    @Test
    void aBreakdownLargerThanTheRowCapIsRefusedAsJsonButExportedAsCsv() throws Exception {
        int n = UsageReports.MAX_BREAKDOWN_ROWS + 1;
        // Rows straight into the rollup: this checks the cap, not metering (the other tests go through metering).
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO usage_daily (namespace_id, day, served_model_id, provider_id, variant, api_key_id,
                    discount_kind, pricing_state, account_id, requests, prompt_tokens, completion_tokens,
                    uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                    list_micro_usd, charge_micro_usd)
                SELECT ?, date '2026-09-11', 'moonshotai/kimi-k2.6', 'bitrouter', '', 'key_' || g, 'none', 'computed',
                       ?, 1, 1, 0, 1, 0, 0, 0, 0, 0.95, 0.7125
                FROM generate_series(1, ?) g""")) {
            ps.setString(1, a.namespaceId());
            ps.setObject(2, a.accountId());
            ps.setInt(3, n);
            assertEquals(n, ps.executeUpdate());
        }
        given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "api_key").when().get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId())
                .then().statusCode(400).body("error", equalTo("bad_request"))
                .body("error_description", startsWith("the breakdown has more than 5000 rows"));
        String csv = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "api_key").when()
                .get("/v1/namespaces/{ns}/usage/breakdown.csv", a.namespaceId()).then().statusCode(200)
                .extract().asString();
        List<List<String>> records = ReportFixtures.parseCsv(csv);
        assertEquals(n + 1, records.size());
        BigDecimal billed = BigDecimal.ZERO;
        int col = records.get(0).indexOf("BilledCost");
        for (List<String> r : records.subList(1, records.size())) {
            billed = billed.add(new BigDecimal(r.get(col)));
        }
        assertEquals(0, new BigDecimal("0.7125").multiply(BigDecimal.valueOf(n)).movePointLeft(6).compareTo(billed));
        // Grouped by model instead, the same usage is one row and fits.
        given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "model").when().get("/v1/namespaces/{ns}/usage/breakdown", a.namespaceId())
                .then().statusCode(200).body("rows.size()", equalTo(1)).body("totals.requests", equalTo(n));
    }

    @Test
    void theBreakdownCsvFollowsFocusAndAddsUpToTheJson() throws Exception {
        seed(a.namespaceId());
        JsonPath body = breakdown(keyA, a.namespaceId(), "day", "model", "provider");
        String csv = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "day,model,provider").when()
                .get("/v1/namespaces/{ns}/usage/breakdown.csv", a.namespaceId()).then().statusCode(200)
                .contentType(startsWith("text/csv"))
                .header("Content-Disposition", startsWith("attachment; filename=\"usage-breakdown-" + a.namespaceId()))
                .extract().asString();
        List<List<String>> records = ReportFixtures.parseCsv(csv);
        assertEquals(FocusCsv.BREAKDOWN_HEADER, records.get(0));
        assertEquals(List.of("ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency", "ChargeCategory", "ServiceName",
                "ServiceCategory", "ProviderName", "PublisherName", "ResourceId", "SubAccountId", "ConsumedQuantity",
                "ConsumedUnit", "ListCost", "BilledCost", "EffectiveCost", "x_DiscountCost", "x_Requests"),
                records.get(0).subList(0, 17));
        List<Map<String, Object>> rows = body.getList("rows");
        assertEquals(rows.size(), records.size() - 1);
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < records.get(0).size(); i++) {
            col.put(records.get(0).get(i), i);
        }
        BigDecimal billed = BigDecimal.ZERO;
        BigDecimal list = BigDecimal.ZERO;
        BigDecimal discount = BigDecimal.ZERO;
        long requests = 0;
        for (int i = 0; i < rows.size(); i++) {
            List<String> r = records.get(i + 1);
            Map<String, Object> row = rows.get(i);
            assertEquals("USD", r.get(col.get("BillingCurrency")));
            assertEquals("Usage", r.get(col.get("ChargeCategory")));
            assertEquals("Tokens", r.get(col.get("ConsumedUnit")));
            assertEquals("BitRouter", r.get(col.get("ProviderName")));
            assertEquals(row.get("model"), r.get(col.get("ResourceId")));
            assertEquals(row.get("provider"), r.get(col.get("PublisherName")));
            assertEquals(a.namespaceId(), r.get(col.get("SubAccountId")));
            Instant start = Instant.parse(r.get(col.get("ChargePeriodStart")));
            Instant end = Instant.parse(r.get(col.get("ChargePeriodEnd")));
            String day = (String) row.get("day");
            assertEquals(day.equals("2026-09-10") ? FROM : Instant.parse(day + "T00:00:00Z"), start);
            assertEquals(Instant.parse(day + "T00:00:00Z").plusSeconds(86_400), end);
            assertEquals(r.get(col.get("BilledCost")), r.get(col.get("EffectiveCost")));
            BigDecimal rowBilled = new BigDecimal(r.get(col.get("BilledCost")));
            assertEquals(0, exact(row, "charged_micro_usd_exact").compareTo(rowBilled.movePointRight(6)));
            assertEquals(num(row, "requests"), Long.parseLong(r.get(col.get("x_Requests"))));
            assertEquals(num(row, "uncached_input_tokens") + num(row, "cache_read_tokens")
                    + num(row, "cache_write_tokens") + num(row, "output_tokens") + num(row, "reasoning_tokens"),
                    Long.parseLong(r.get(col.get("ConsumedQuantity"))));
            billed = billed.add(rowBilled);
            list = list.add(new BigDecimal(r.get(col.get("ListCost"))));
            discount = discount.add(new BigDecimal(r.get(col.get("x_DiscountCost"))));
            requests += Long.parseLong(r.get(col.get("x_Requests")));
        }
        assertEquals(0, billed.movePointRight(6).compareTo(new BigDecimal(body.getString("totals.charged_micro_usd_exact"))));
        assertEquals(0, list.movePointRight(6).compareTo(new BigDecimal(body.getString("totals.list_micro_usd_exact"))));
        assertEquals(0, list.subtract(billed).compareTo(discount));
        assertEquals(body.getLong("totals.requests"), requests);
        assertEquals(body.getLong("totals.charged_micro_usd"),
                billed.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact());
    }

    @Test
    void theRequestLogCsvHasEveryRequestEscapedAndDefusedAndAlsoAnswersAcceptTextCsv() throws Exception {
        String hostileKey = "=HYPERLINK(\"http://evil.example\",\"a,b\")";
        List<String> ids = new ArrayList<>();
        ids.addAll(record(a.namespaceId(), "moonshotai/kimi-k2.6", "bitrouter", "succeeded", hostileKey, KIMI_1_IN,
                Instant.parse("2026-09-11T10:00:00Z")));
        ids.addAll(record(a.namespaceId(), "moonshotai/kimi-k2.6:discount", "bitrouter", "failed", "@key",
                "{\"prompt_tokens\":5,\"completion_tokens\":0}", Instant.parse("2026-09-11T11:00:00Z")));
        ids.addAll(record(a.namespaceId(), "nobody/unlisted", "bitrouter", "succeeded", null,
                "{\"prompt_tokens\":5,\"completion_tokens\":5}", Instant.parse("2026-09-12T11:00:00Z"))); // parked
        record(a.namespaceId(), "moonshotai/kimi-k2.6", "bitrouter", "succeeded", null, KIMI_1_IN, TO); // outside

        String csv = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .when().get("/v1/namespaces/{ns}/requests.csv", a.namespaceId()).then().statusCode(200)
                .contentType(startsWith("text/csv")).extract().asString();
        assertTrue(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"a,b\"\")\""), csv);
        List<List<String>> records = ReportFixtures.parseCsv(csv);
        assertEquals(FocusCsv.REQUEST_HEADER, records.get(0));
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < records.get(0).size(); i++) {
            col.put(records.get(0).get(i), i);
        }
        assertEquals(4, records.size()); // header + 3, oldest first, the one at TO excluded
        assertEquals(ids, records.subList(1, 4).stream().map(r -> r.get(col.get("x_RequestId"))).toList());
        List<String> first = records.get(1);
        assertEquals("'" + hostileKey, first.get(col.get("x_ApiKeyId")));
        assertEquals("0.0000007125", first.get(col.get("BilledCost")));
        assertEquals("0.00000095", first.get(col.get("ListCost")));
        assertEquals("0.0000002375", first.get(col.get("x_DiscountCost")));
        assertEquals("moonshotai/kimi-k2.6", first.get(col.get("ResourceId")));
        assertEquals("bitrouter", first.get(col.get("PublisherName")));
        assertEquals("2026-09-11T00:00:00Z", first.get(col.get("ChargePeriodStart")));
        assertEquals("2026-09-12T00:00:00Z", first.get(col.get("ChargePeriodEnd")));
        assertEquals("2026-09-11T10:00:00Z", first.get(col.get("x_EventTime")));
        assertEquals("succeeded", first.get(col.get("x_Status")));
        assertEquals("computed", first.get(col.get("x_PricingState")));
        List<String> failed = records.get(2);
        assertEquals("'@key", failed.get(col.get("x_ApiKeyId")));
        assertEquals("failed", failed.get(col.get("x_Status")));
        assertEquals("0", failed.get(col.get("BilledCost")));
        assertEquals("0", failed.get(col.get("ListCost")));
        assertEquals("discount", failed.get(col.get("x_Variant")));
        List<String> parked = records.get(3);
        assertEquals("unknown", parked.get(col.get("x_PricingState")));
        assertEquals("", parked.get(col.get("BilledCost"))); // not yet priced is not free

        String viaAccept = given().auth().oauth2(keyA).accept("text/csv").queryParam("from", FROM.toString())
                .queryParam("to", TO.toString()).when().get("/v1/namespaces/{ns}/requests", a.namespaceId()).then()
                .statusCode(200).contentType(startsWith("text/csv")).extract().asString();
        assertEquals(csv, viaAccept);
        // Without an explicit CSV Accept the request log stays JSON.
        given().auth().oauth2(keyA).when().get("/v1/namespaces/{ns}/requests", a.namespaceId()).then()
                .statusCode(200).contentType(startsWith("application/json"));
        given().auth().oauth2(keyA).accept("application/json, text/csv;q=0.5").when()
                .get("/v1/namespaces/{ns}/requests", a.namespaceId()).then().statusCode(200)
                .contentType(startsWith("application/json"));
    }

    @Test
    void anotherTenantGetsNotFoundOnEveryNewEndpoint() {
        seed(b.namespaceId());
        List<String> paths = List.of("/v1/namespaces/{ns}/usage/breakdown", "/v1/namespaces/{ns}/usage/breakdown.csv",
                "/v1/namespaces/{ns}/requests.csv");
        for (String path : paths) {
            String notFound = given().auth().oauth2(keyA).when().get(path, "ns_absent_" + UUID.randomUUID()).then()
                    .statusCode(404).contentType("application/json").body("error", equalTo("not_found"))
                    .extract().asString();
            assertEquals(notFound, given().auth().oauth2(keyA).when().get(path, b.namespaceId()).then()
                    .statusCode(404).extract().asString(), "same 404 as an absent namespace: " + path);
            given().auth().oauth2(keyA).queryParam("group_by", "model").queryParam("from", FROM.toString())
                    .queryParam("to", TO.toString()).when().get(path, b.namespaceId()).then().statusCode(404);
            given().auth().oauth2(keyB).queryParam("from", FROM.toString()).queryParam("to", TO.toString()).when()
                    .get(path, b.namespaceId()).then().statusCode(200);
        }
        given().auth().oauth2(keyA).accept("text/csv").when().get("/v1/namespaces/{ns}/requests", b.namespaceId())
                .then().statusCode(404).body("error", equalTo("not_found"));

        // An API key's account-wide view is its own namespace; tenant-naming parameters change nothing.
        String plain = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "namespace").when().get("/v1/account/usage/breakdown").then().statusCode(200)
                .extract().asString();
        String sneaky = given().auth().oauth2(keyA).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "namespace").queryParam("namespace_id", b.namespaceId())
                .queryParam("nsid", b.namespaceId()).queryParam("account_id", b.accountId().toString())
                .queryParam("tenant_id", b.accountId().toString()).when().get("/v1/account/usage/breakdown").then()
                .statusCode(200).extract().asString();
        assertEquals(plain, sneaky);
        assertFalse(plain.contains(b.namespaceId()));
        assertEquals(0, JsonPath.from(plain).getLong("totals.requests"));
        given().auth().oauth2(keyB).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "namespace").when().get("/v1/account/usage/breakdown").then().statusCode(200)
                .body("rows.namespace", equalTo(List.of(b.namespaceId()))).body("totals.requests", equalTo(7));
    }

    @Test
    void aPersonsAccountBreakdownSumsAllItsNamespacesAndNoOneElses() throws Exception {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser("reports");
        DeviceFlowClient.TokenResponse signIn = Tokens.signInThroughService(base.toString(), user.username(),
                user.password(), DeviceFlowClient.DEFAULT_CLI_SCOPES);
        String token = signIn.accessToken();
        String first = signIn.text("namespace_id");
        String second = "ns_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO namespaces (id, account_id, name) SELECT ?, account_id, 'second' FROM namespaces WHERE id = ?")) {
            ps.setString(1, second);
            ps.setString(2, first);
            assertEquals(1, ps.executeUpdate());
        }
        record(first, "moonshotai/kimi-k2.6", "bitrouter", "succeeded", null, KIMI_1_IN,
                Instant.parse("2026-09-11T10:00:00Z"), Instant.parse("2026-09-11T11:00:00Z"));
        record(second, "moonshotai/kimi-k2.6", "moonshotai", "succeeded", null, KIMI_1_IN,
                Instant.parse("2026-09-12T10:00:00Z"));
        seed(b.namespaceId()); // another account, same window

        JsonPath byNamespace = given().auth().oauth2(token).queryParam("from", FROM.toString())
                .queryParam("to", TO.toString()).queryParam("group_by", "namespace").queryParam("group_by", "provider")
                .queryParam("namespace_id", b.namespaceId()).when().get("/v1/account/usage/breakdown").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(Set.of(first, second), new HashSet<>(byNamespace.getList("rows.namespace")));
        assertEquals(3, byNamespace.getLong("totals.requests"));
        // 2 x 0.7125 + 0.95 = 2.375 -> 2 on the wire, rounded once; the rows still add up to it.
        assertEquals(0, new BigDecimal("2.375").compareTo(new BigDecimal(byNamespace.getString("totals.charged_micro_usd_exact"))));
        assertEquals(2, byNamespace.getLong("totals.charged_micro_usd"));
        long rowsSum = byNamespace.getList("rows.charged_micro_usd", Long.class).stream().mapToLong(Long::longValue).sum();
        assertEquals(2, rowsSum);

        String csv = given().auth().oauth2(token).queryParam("from", FROM.toString()).queryParam("to", TO.toString())
                .queryParam("group_by", "namespace").when().get("/v1/account/usage/breakdown.csv").then()
                .statusCode(200).extract().asString();
        assertFalse(csv.contains(b.namespaceId()));
        List<List<String>> records = ReportFixtures.parseCsv(csv);
        int sub = records.get(0).indexOf("SubAccountId");
        assertEquals(Set.of(first, second), Set.of(records.get(1).get(sub), records.get(2).get(sub)));
        assertEquals(3, records.size());

        // The person may read one of their namespaces by id; not B's.
        given().auth().oauth2(token).when().get("/v1/namespaces/{ns}/usage/breakdown", second).then().statusCode(200);
        given().auth().oauth2(token).when().get("/v1/namespaces/{ns}/usage/breakdown", b.namespaceId()).then()
                .statusCode(404);
    }
}
