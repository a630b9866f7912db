package ai.bitrouter.billing.discounts;

import static ai.bitrouter.billing.discounts.DiscountGrantsApiTest.admin;
import static ai.bitrouter.billing.discounts.DiscountGrantsApiTest.body;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Grants made through the admin API, honoured by metering at each event's time: events are produced to the real
 * broker as routers send them and the charges awaited in the ledger. Amounts are the worked examples of
 * docs/pricing.md on the seed catalog: kimi-k2.6 official 1,350,000 µUSD for 1M prompt + 100k completion tokens.
 */
@QuarkusTest
class GrantMeteringTest {
    static final String TOPIC = "bitrouter.usage.v1";
    static final String DEFAULT_25 = "1012500";
    static final String CUSTOM_40 = "810000";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    DataSource db;

    @Inject
    ai.bitrouter.billing.accounts.ApiKeyService keys;

    KafkaProducer<String, String> producer;
    TestAccounts.Tenant tenant;

    @BeforeEach
    void setUp() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
        tenant = TestAccounts.create(db);
    }

    @AfterEach
    void close() {
        producer.close();
    }

    /** Sends one 1M-prompt / 100k-completion event and returns its request id. */
    private String send(String model, String served, String provider, Instant time) throws Exception {
        String id = "req_" + UUID.randomUUID();
        String ns = tenant.namespaceId();
        String json = """
                {"specversion":"1.0","id":"%s","source":"router://test/node-1","type":"ai.bitrouter.usage.v1",
                 "subject":"%s","time":"%s","datacontenttype":"application/json",
                 "data":{"request_id":"%s","namespace_id":"%s","model":"%s","served_model_id":"%s",
                   "provider_id":"%s","status":"succeeded","funding_source":"cloud_credit",
                   "usage":{"prompt_tokens":1000000,"completion_tokens":100000},"streamed":false}}
                """.formatted(id, ns, time, id, ns, model, served, provider, provider);
        producer.send(new ProducerRecord<>(TOPIC, ns, json)).get();
        return id;
    }

    private String discounted(Instant time) throws Exception {
        return send("moonshotai/kimi-k2.6:discount", "moonshotai/kimi-k2.6", "bitrouter", time);
    }

    private BigDecimal charge(String requestId) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> {
            try (var c = db.getConnection();
                    var ps = c.prepareStatement("SELECT charge_micro_usd FROM usage_records WHERE request_id = ?")) {
                ps.setString(1, requestId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBigDecimal(1) : null;
                }
            }
        }, v -> v != null);
    }

    private void assertCharge(String expected, String requestId) {
        BigDecimal actual = charge(requestId);
        assertEquals(0, new BigDecimal(expected).compareTo(actual), () -> expected + " != " + actual);
    }

    private String grant(String percent, Instant startsAt) {
        return admin().contentType(ContentType.JSON).body(body(percent, startsAt.toString(), null))
                .when().post("/v1/admin/accounts/{a}/discounts", tenant.accountId()).then()
                .statusCode(201).extract().path("id");
    }

    @Test
    void aGrantStartingTomorrowDoesNotChangeTodaysDiscountCharges() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        grant("\"40\"", now.plus(1, ChronoUnit.DAYS));
        assertCharge(DEFAULT_25, discounted(now.minusSeconds(60)));
    }

    @Test
    void aFortyPercentGrantAppliesToDiscountTrafficOnTheSelfHostedProviderOnly() throws Exception {
        grant("\"40\"", Instant.parse("2026-11-01T00:00:00Z"));
        Instant t = Instant.parse("2026-11-02T10:00:00Z");
        String discount = discounted(t);
        String bare = send("moonshotai/kimi-k2.6", "moonshotai/kimi-k2.6", "bitrouter", t);
        String closed = send("anthropic/claude-sonnet-4.6:discount", "anthropic/claude-sonnet-4.6", "anthropic", t);
        String beforeGrant = discounted(Instant.parse("2026-10-31T23:59:59Z")); // late, priced at its own time
        assertCharge(CUSTOM_40, discount);
        assertCharge(DEFAULT_25, bare);
        assertCharge("4500000", closed);
        assertCharge(DEFAULT_25, beforeGrant);

        // The customer's breakdown by model and discount kind shows what each discount took off the list price.
        String key = QuarkusTransaction.requiringNew().call(() -> keys.create(tenant.namespaceId(), "e2e",
                Set.of("usage:read"), "test").credential().plaintext());
        JsonPath b = given().auth().oauth2(key).queryParam("from", "2026-10-31T00:00:00Z")
                .queryParam("to", "2026-11-03T00:00:00Z").queryParam("group_by", "model,discount_kind")
                .when().get("/v1/namespaces/{ns}/usage/breakdown", tenant.namespaceId())
                .then().statusCode(200).extract().jsonPath();
        Map<String, Integer[]> byKind = new java.util.HashMap<>();
        for (Map<String, Object> row : b.<Map<String, Object>>getList("rows")) {
            byKind.put(row.get("model") + "|" + row.get("discount_kind"), new Integer[] {
                    (Integer) row.get("list_micro_usd"), (Integer) row.get("discount_micro_usd"),
                    (Integer) row.get("charged_micro_usd"), (Integer) row.get("requests")});
        }
        // kimi-k2.6 official 1,350,000: 40% off on the :discount request, 25% off on the two others.
        assertArrayEquals(new Integer[] {1_350_000, 540_000, 810_000, 1},
                byKind.get("moonshotai/kimi-k2.6|custom"), () -> "rows: " + b.getList("rows"));
        assertArrayEquals(new Integer[] {2_700_000, 675_000, 2_025_000, 2},
                byKind.get("moonshotai/kimi-k2.6|self_hosted_default"));
        assertArrayEquals(new Integer[] {4_500_000, 0, 4_500_000, 1},
                byKind.get("anthropic/claude-sonnet-4.6|none"));
        assertEquals(1_215_000, b.getInt("totals.discount_micro_usd"));
        assertEquals(7_335_000, b.getInt("totals.charged_micro_usd"));
    }

    @Test
    void revokingStopsTheDiscountForEventsAfterTheRevokeAndNotBefore() throws Exception {
        String id = grant("\"40\"", Instant.now().minus(1, ChronoUnit.HOURS));
        String endsAt = admin().when().post("/v1/admin/accounts/{a}/discounts/{g}/revoke", tenant.accountId(), id)
                .then().statusCode(200).body("state", equalTo("ended")).extract().path("ends_at");
        Instant revokedAt = Instant.parse(endsAt);
        String justBefore = discounted(revokedAt.minusMillis(1));
        String justAfter = discounted(revokedAt.plusMillis(1));
        String atTheRevoke = discounted(revokedAt); // [starts_at, ends_at): the end instant is no longer covered
        assertCharge(CUSTOM_40, justBefore);
        assertCharge(DEFAULT_25, justAfter);
        assertCharge(DEFAULT_25, atTheRevoke);

        // The admin account view sums the same charges from the daily rollup: 810,000 + 1,012,500 x 2.
        admin().when().get("/v1/admin/accounts/{a}", tenant.accountId()).then().statusCode(200)
                .body("month_to_date.spend_micro_usd", equalTo(2835000));
    }
}
