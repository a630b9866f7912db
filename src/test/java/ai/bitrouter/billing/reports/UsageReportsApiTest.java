package ai.bitrouter.billing.reports;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.metering.UsageEventParser;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * The CLI's usage endpoints, field by field against CONTRACT.md sections 6 and 7, on ledger rows written through the
 * real metering path (parse, price, append), and tenant isolation between two accounts.
 */
@QuarkusTest
class UsageReportsApiTest {

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    ApiKeyService keys;

    @Inject
    ObjectMapper json;

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
                .call(() -> keys.create(ns, "reports-test", scopes, "test").credential().plaintext());
    }

    /** Writes events through the real pricing and ledger path (without Kafka, to control timing). */
    private List<String> record(String ns, String model, String status, String usage, Instant... times) {
        UsageEventParser parser = new UsageEventParser(json);
        List<MeteringService.Incoming> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Instant t : times) {
            String id = "req_" + UUID.randomUUID();
            String payload = """
                    {"specversion":"1.0","id":"%s","source":"router://test","type":"ai.bitrouter.usage.v1","subject":"%s",
                     "time":"%s","data":{"request_id":"%s","namespace_id":"%s","model":"%s","served_model_id":"%s",
                     "provider_id":"bitrouter","status":"%s","funding_source":"cloud_credit","usage":%s,"streamed":true}}
                    """.formatted(id, ns, t, id, ns, model, model.split(":")[0], status, usage);
            var parsed = (UsageEventParser.Parsed) parser.parse(payload);
            batch.add(new MeteringService.Incoming(parsed.event(), payload.getBytes(StandardCharsets.UTF_8), null, null));
            ids.add(id);
        }
        MeteringService.Prepared prepared = metering.prepare(batch);
        assertTrue(prepared.rejected().isEmpty(), () -> "rejected: " + prepared.rejected());
        metering.append(prepared.accepted());
        return ids;
    }

    @Test
    void usageFollowsTheContractAndRoundsTheExactTotalOnce() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // 1 uncached prompt token on kimi-k2.6 self-hosted = 0.95 x 0.75 = 0.7125 micro-USD each: rounded once, three
        // of them are 2 (2.1375); rounded one by one they would be 3.
        record(a.namespaceId(), "moonshotai/kimi-k2.6", "succeeded", "{\"prompt_tokens\":1,\"completion_tokens\":0}",
                now.minusSeconds(3600), now.minusSeconds(1800), now.minusSeconds(60));
        record(a.namespaceId(), "moonshotai/kimi-k2.6", "failed", "{\"prompt_tokens\":500,\"completion_tokens\":0}",
                now.minusSeconds(30));
        record(a.namespaceId(), "moonshotai/kimi-k2.6", "succeeded", "{\"prompt_tokens\":7,\"completion_tokens\":1}",
                now.minus(Duration.ofDays(31))); // outside the default 30-day window

        JsonPath body = given().auth().oauth2(keyA).when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).then()
                .statusCode(200)
                .body("spend_micro_usd", instanceOf(Integer.class))
                .body("prompt_tokens", instanceOf(Integer.class))
                .body("completion_tokens", instanceOf(Integer.class))
                .body("request_count", instanceOf(Integer.class))
                .extract().jsonPath();
        assertEquals(2, body.getLong("spend_micro_usd"));
        assertEquals(503, body.getLong("prompt_tokens"));
        assertEquals(0, body.getLong("completion_tokens"));
        assertEquals(4, body.getLong("request_count"));
        Instant to = Instant.parse(body.getString("to"));
        Instant from = Instant.parse(body.getString("from"));
        assertTrue(body.getString("to").endsWith("Z"));
        assertEquals(Duration.ofDays(30), Duration.between(from, to));
        assertTrue(Duration.between(to, Instant.now()).abs().compareTo(Duration.ofMinutes(1)) < 0);
    }

    @Test
    void aWindowWithPartialDaysEqualsTheLedgerExactly() {
        Instant base = Instant.parse("2026-09-10T00:00:00Z");
        List<Instant> times = new ArrayList<>();
        for (int h = 0; h < 96; h += 5) { // four days, every five hours
            times.add(base.plus(Duration.ofHours(h)).plusSeconds(h * 7L));
        }
        record(a.namespaceId(), "moonshotai/kimi-k2.6:discount", "succeeded",
                "{\"prompt_tokens\":1234,\"completion_tokens\":77,\"cache_read_tokens\":100}", times.toArray(Instant[]::new));
        Instant from = Instant.parse("2026-09-10T13:30:00Z");
        Instant to = Instant.parse("2026-09-13T07:15:00Z");
        BigDecimal exact = BigDecimal.ZERO;
        long count = 0;
        BigDecimal each = new BigDecimal("1134").multiply(new BigDecimal("0.7125"))
                .add(new BigDecimal("100").multiply(new BigDecimal("0.12")))
                .add(new BigDecimal("77").multiply(new BigDecimal("3.00")));
        for (Instant t : times) {
            if (!t.isBefore(from) && t.isBefore(to)) {
                exact = exact.add(each);
                count++;
            }
        }
        given().auth().oauth2(keyA).queryParam("from", from.toString()).queryParam("to", to.toString())
                .when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).then()
                .statusCode(200)
                .body("from", equalTo(from.toString()))
                .body("to", equalTo(to.toString()))
                .body("request_count", equalTo((int) count))
                .body("spend_micro_usd", equalTo(exact.setScale(0, RoundingMode.HALF_UP).intValueExact()));
    }

    @Test
    void theRequestLogIsNewestFirstWithClampedPages() {
        Instant t = Instant.parse("2026-08-01T00:00:00Z");
        List<Instant> times = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            times.add(t.plusSeconds(i));
        }
        List<String> ids = record(a.namespaceId(), "moonshotai/kimi-k2.6", "succeeded",
                "{\"prompt_tokens\":10,\"completion_tokens\":2}", times.toArray(Instant[]::new));
        List<String> failed = record(a.namespaceId(), "moonshotai/kimi-k2.6", "failed",
                "{\"prompt_tokens\":10,\"completion_tokens\":0}", t.plusSeconds(100));

        JsonPath page = given().auth().oauth2(keyA).when().get("/v1/namespaces/{ns}/requests", a.namespaceId())
                .then().statusCode(200)
                .body("limit", equalTo(25)).body("offset", equalTo(0))
                .body("data.size()", equalTo(25))
                .body("data[0].request_id", equalTo(failed.get(0)))
                .body("data[0].status", equalTo("failed"))
                .body("data[0].final_charge_micro_usd", equalTo(0))
                .body("data[1].request_id", equalTo(ids.get(29)))
                .body("data[1].id", equalTo(ids.get(29)))
                .body("data[1].model_id", equalTo("moonshotai/kimi-k2.6"))
                .body("data[1].provider_id", equalTo("bitrouter"))
                .body("data[1].prompt_tokens", equalTo(10))
                .body("data[1].completion_tokens", equalTo(2))
                .body("data[1].final_charge_micro_usd", equalTo(13)) // 10 x 0.7125 + 2 x 3.00 = 13.125
                .body("data[1].funding_source", equalTo("cloud_credit"))
                .body("data[1].streamed", equalTo(true))
                .body("data[1].created_at", equalTo(t.plusSeconds(29).toString()))
                .body("data[1].completed_at", equalTo(t.plusSeconds(29).toString()))
                .body("data[1]", not(hasKey("payload")))
                .extract().jsonPath();
        assertEquals(25, page.getList("data").size());

        given().auth().oauth2(keyA).queryParam("limit", 1000).when().get("/v1/namespaces/{ns}/requests", a.namespaceId())
                .then().statusCode(200).body("limit", equalTo(100)).body("data.size()", equalTo(31));
        given().auth().oauth2(keyA).queryParam("limit", 0).when().get("/v1/namespaces/{ns}/requests", a.namespaceId())
                .then().statusCode(200).body("limit", equalTo(1)).body("data.size()", equalTo(1));
        given().auth().oauth2(keyA).queryParam("limit", 5).queryParam("offset", 28)
                .when().get("/v1/namespaces/me/requests").then().statusCode(200)
                .body("offset", equalTo(28)).body("data.size()", equalTo(3))
                .body("data[2].request_id", equalTo(ids.get(0)));
        given().auth().oauth2(keyA).queryParam("offset", -1).when().get("/v1/namespaces/{ns}/requests", a.namespaceId())
                .then().statusCode(400).body("error", equalTo("bad_request"));
        // The offset cap (RELIABILITY E26): deep pages are a 400 in the envelope, the largest allowed one is served.
        given().auth().oauth2(keyA).queryParam("offset", 100_001).when()
                .get("/v1/namespaces/{ns}/requests", a.namespaceId()).then().statusCode(400)
                .contentType("application/json").body("error", equalTo("bad_request"))
                .body("error_description", equalTo("offset must be between 0 and 100000"));
        given().auth().oauth2(keyA).queryParam("offset", 100_000).when()
                .get("/v1/namespaces/{ns}/requests", a.namespaceId()).then().statusCode(200)
                .body("data.size()", equalTo(0));
    }

    @Test
    void theSettlementReceiptShowsTheBucketsAndTheChargeOnlyWhenComputed() {
        String computed = record(a.namespaceId(), "moonshotai/kimi-k2.6", "succeeded",
                "{\"prompt_tokens\":100,\"completion_tokens\":30,\"cache_read_tokens\":40,\"reasoning_tokens\":10}",
                Instant.parse("2026-11-05T00:00:00Z")).get(0);
        given().header("x-api-key", keyA).when().get("/v1/requests/{id}/settlement", computed).then()
                .statusCode(200)
                .body("request_id", equalTo(computed))
                .body("state", equalTo("computed"))
                .body("model_id", equalTo("moonshotai/kimi-k2.6"))
                .body("provider_id", equalTo("bitrouter"))
                .body("usage.uncached_input_tokens", equalTo(60))
                .body("usage.cache_read_tokens", equalTo(40))
                .body("usage.cache_write_tokens", equalTo(0))
                .body("usage.output_tokens", equalTo(20))
                .body("usage.reasoning_tokens", equalTo(10))
                // 60 x 0.7125 + 40 x 0.12 + 20 x 3.00 + 10 x 3.00 = 137.55 -> 138
                .body("final_charge_micro_usd", equalTo(138));

        String parked = record(a.namespaceId(), "nobody/unlisted", "succeeded",
                "{\"prompt_tokens\":5,\"completion_tokens\":5}", Instant.parse("2026-11-05T00:00:00Z")).get(0);
        given().header("x-api-key", keyA).when().get("/v1/requests/{id}/settlement", parked).then()
                .statusCode(200)
                .body("state", equalTo("unknown"))
                .body("$", not(hasKey("final_charge_micro_usd")));

        given().header("x-api-key", keyB).when().get("/v1/requests/{id}/settlement", computed).then()
                .statusCode(404).body("error", equalTo("not_found"));
        given().header("x-api-key", keyA).when().get("/v1/requests/{id}/settlement", "req_absent_" + UUID.randomUUID())
                .then().statusCode(404).body("error", equalTo("not_found"));
    }

    @Test
    void anotherAccountsNamespaceIsNotFoundOnEveryUsageEndpoint() {
        record(b.namespaceId(), "moonshotai/kimi-k2.6", "succeeded", "{\"prompt_tokens\":10,\"completion_tokens\":1}",
                Instant.now().minusSeconds(10));
        for (String path : List.of("/v1/namespaces/{ns}/usage", "/v1/namespaces/{ns}/requests")) {
            given().auth().oauth2(keyA).when().get(path, b.namespaceId()).then()
                    .statusCode(404).body("error", equalTo("not_found"));
            given().auth().oauth2(keyA).when().get(path, "ns_absent_" + UUID.randomUUID()).then()
                    .statusCode(404).body("error", equalTo("not_found"));
        }
        given().auth().oauth2(keyB).when().get("/v1/namespaces/{ns}/usage", b.namespaceId()).then()
                .statusCode(200).body("request_count", equalTo(1));
    }

    @Test
    void badWindowsAndMissingScopesAreRefusedInTheEnvelope() {
        given().auth().oauth2(keyA).queryParam("from", "yesterday").when()
                .get("/v1/namespaces/{ns}/usage", a.namespaceId()).then()
                .statusCode(400).body("error", equalTo("bad_request"));
        given().auth().oauth2(keyA).queryParam("from", "2024-01-01T00:00:00Z").queryParam("to", "2026-01-01T00:00:00Z")
                .when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).then()
                .statusCode(400).body("error_description", equalTo("the window may span at most 366 days"));
        given().auth().oauth2(keyA).queryParam("from", "2026-02-01T00:00:00Z").queryParam("to", "2026-01-01T00:00:00Z")
                .when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).then().statusCode(400);
        String keysOnly = key(a.namespaceId(), Set.of("keys:read"));
        given().auth().oauth2(keysOnly).when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).then()
                .statusCode(403)
                .body("error", equalTo("forbidden"))
                .body("error_description", equalTo("missing required scope: usage:read"));
        given().when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).then()
                .statusCode(401).body("error", equalTo("unauthorized"));
        given().auth().oauth2(keyA).when().get("/v1/namespaces/{ns}/requests", a.namespaceId()).then()
                .statusCode(200).body("data", instanceOf(List.class));
    }
}
