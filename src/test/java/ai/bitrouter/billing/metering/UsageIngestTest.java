package ai.bitrouter.billing.metering;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Events produced to the real broker are consumed by the service, priced at the catalog and grant of their time,
 * and land in PostgreSQL exactly once; bad ones end on the dead-letter topic with their reason. Amounts are the
 * worked examples of docs/pricing.md, against the seed catalog (kimi-k2.6: official in 0.95 / out 4.00).
 */
@QuarkusTest
class UsageIngestTest {
    static final String TOPIC = "bitrouter.usage.v1";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    DataSource db;

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

    private void send(Events e) throws Exception {
        send(e.namespace, e.json());
    }

    private void send(String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
    }

    /** Sends a marker after everything sent so far on this tenant's partition and waits until it is recorded. */
    private void drain() throws Exception {
        Events marker = Events.in(tenant.namespaceId()).usage("{\"prompt_tokens\":1}");
        send(marker);
        await().atMost(Duration.ofSeconds(60)).until(() -> row(marker.id) != null);
    }

    private Map<String, Object> row(String requestId) throws Exception {
        try (var c = db.getConnection(); var ps = c.prepareStatement("SELECT * FROM usage_records WHERE request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> row = new HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
                }
                return row;
            }
        }
    }

    private Map<String, Object> awaitRow(String requestId) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> row(requestId), r -> r != null);
    }

    private long count(String sql, String arg) throws Exception {
        try (var c = db.getConnection(); var ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void assertAmount(String expected, Object actual) {
        assertNotNull(actual, "amount");
        assertEquals(0, new BigDecimal(expected).compareTo((BigDecimal) actual), () -> expected + " != " + actual);
    }

    @Test
    void anEventIsRecordedOnceAndPricedExactlyHoweverOftenItIsDelivered() throws Exception {
        Events e = Events.in(tenant.namespaceId());
        send(e);
        Map<String, Object> r = awaitRow(e.id);
        assertEquals("computed", r.get("pricing_state"));
        assertAmount("1012500", r.get("charge_micro_usd")); // (1,000,000 x 0.95 + 100,000 x 4.00) x 0.75
        assertAmount("1350000", r.get("list_micro_usd"));
        assertEquals("self_hosted_default", r.get("discount_kind"));
        assertEquals(tenant.accountId(), r.get("account_id"));
        assertEquals(1000000L, r.get("uncached_input_tokens"));
        assertNotNull(r.get("catalog_version"));
        assertNotNull(r.get("policy_version"));

        send(e);
        send(e);
        drain();
        assertEquals(1, count("SELECT count(*) FROM usage_records WHERE request_id = ?", e.id));
        assertEquals(0, count("SELECT count(*) FROM usage_conflicts WHERE request_id = ?", e.id));
    }

    @Test
    void discountTrafficGetsTheGrantInForceAtTheEventTimeAndBareIdsDoNot() throws Exception {
        Instant grantStart = Instant.parse("2026-11-01T00:00:00Z");
        TestAccounts.grant(db, tenant.accountId(), new BigDecimal("40"), grantStart, null);
        Events discounted = Events.in(tenant.namespaceId()).model("moonshotai/kimi-k2.6:discount");
        Events beforeGrant = Events.in(tenant.namespaceId()).model("moonshotai/kimi-k2.6:discount")
                .time(grantStart.minusSeconds(1)); // arrives late, still priced at its own time
        Events bare = Events.in(tenant.namespaceId());
        Events closed = Events.in(tenant.namespaceId()).model("anthropic/claude-sonnet-4.6:discount")
                .served("anthropic/claude-sonnet-4.6").provider("anthropic");
        for (Events e : List.of(discounted, beforeGrant, bare, closed)) {
            send(e);
        }
        assertAmount("810000", awaitRow(discounted.id).get("charge_micro_usd"));
        assertEquals("custom", row(discounted.id).get("discount_kind"));
        assertAmount("1012500", awaitRow(beforeGrant.id).get("charge_micro_usd"));
        assertAmount("1012500", awaitRow(bare.id).get("charge_micro_usd"));
        Map<String, Object> c = awaitRow(closed.id);
        assertAmount("4500000", c.get("charge_micro_usd")); // closed family: list price, never discounted
        assertEquals(Boolean.TRUE, c.get("anomaly"));
        assertEquals("discount", c.get("variant"));
    }

    @Test
    void theSameIdWithADifferentPayloadIsKeptAsAConflictNotDropped() throws Exception {
        Events first = Events.in(tenant.namespaceId()).usage("{\"prompt_tokens\":100,\"completion_tokens\":50}");
        send(first);
        awaitRow(first.id);
        Events changed = Events.in(tenant.namespaceId()).id(first.id).usage("{\"prompt_tokens\":999,\"completion_tokens\":50}");
        send(changed);
        drain();
        assertEquals(100L, row(first.id).get("prompt_tokens"), "the ledger keeps the first version");
        assertEquals(1, count("SELECT count(*) FROM usage_conflicts WHERE request_id = ?", first.id));
        assertTrue(count("SELECT count(*) FROM usage_conflicts WHERE request_id = ? AND payload LIKE '%999%'", first.id) == 1);
    }

    @Test
    void aConflictingReSendIsKeptAsTheTextItWasSent() throws Exception {
        Events first = Events.in(tenant.namespaceId()).usage("{\"prompt_tokens\":100,\"completion_tokens\":50}");
        send(first);
        awaitRow(first.id);
        // An unknown field the parser ignores, in non-ASCII: a different payload, stored as the characters sent.
        Events changed = Events.in(tenant.namespaceId()).id(first.id)
                .usage("{\"prompt_tokens\":100,\"completion_tokens\":50,\"note\":\"ключ-ü-€-😀\"}");
        send(changed);
        drain();
        try (var c = db.getConnection();
                var ps = c.prepareStatement("SELECT payload FROM usage_conflicts WHERE request_id = ?")) {
            ps.setString(1, first.id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "a conflict row");
                assertEquals(changed.json(), rs.getString(1));
            }
        }
    }

    @Test
    void aValueThatIsNotUtf8GoesToTheDeadLetterTopicByteForByte() throws Exception {
        Events e = Events.in(tenant.namespaceId());
        // An overlong '/' (C0 AF) in a field the parser skips: Jackson alone would read it as "application/json".
        String[] around = e.json().split("application/json");
        byte[] head = around[0].getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("json" + around[1]).getBytes(StandardCharsets.UTF_8);
        byte[] value = Arrays.copyOf(head, head.length + "application".length() + 2 + tail.length);
        int at = head.length;
        for (byte b : "application".getBytes(StandardCharsets.UTF_8)) {
            value[at++] = b;
        }
        value[at++] = (byte) 0xC0;
        value[at++] = (byte) 0xAF;
        System.arraycopy(tail, 0, value, at, tail.length);
        try (var bytes = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            bytes.send(new ProducerRecord<>(TOPIC, tenant.namespaceId(), value)).get();
        }
        drain();
        assertNull(row(e.id), "not recorded");

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-bytes-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC + ".dlq"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (Arrays.equals(value, r.value())) {
                        found.add(r);
                    }
                }
                return !found.isEmpty();
            });
        }
        ConsumerRecord<String, byte[]> r = found.get(0);
        assertEquals("malformed_json", new String(r.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8));
        assertTrue(new String(r.headers().lastHeader("dlq-detail").value(), StandardCharsets.UTF_8)
                .startsWith("payload is not valid UTF-8"));
        assertEquals(tenant.namespaceId(), r.key());
    }

    @Test
    void failedAndByokRequestsAreRecordedButNotCharged() throws Exception {
        Events failed = Events.in(tenant.namespaceId()).status("failed");
        Events byok = Events.in(tenant.namespaceId()).funding("byok");
        send(failed);
        send(byok);
        for (Events e : List.of(failed, byok)) {
            Map<String, Object> r = awaitRow(e.id);
            assertEquals("not_charged", r.get("pricing_state"));
            assertAmount("0", r.get("charge_micro_usd"));
        }
    }

    @Test
    void anUnpriceableEventIsParkedNotBilledAndNotDropped() throws Exception {
        Events unknown = Events.in(tenant.namespaceId()).model("nobody/unlisted-model").served("nobody/unlisted-model");
        send(unknown);
        Map<String, Object> r = awaitRow(unknown.id);
        assertEquals("unknown", r.get("pricing_state"));
        assertNull(r.get("charge_micro_usd"));
        assertEquals("missing_official_price", r.get("pricing_reason"));
        assertEquals(0, count("SELECT count(*) FROM usage_daily WHERE namespace_id = ? AND served_model_id = 'nobody/unlisted-model'",
                tenant.namespaceId()));
    }

    @Test
    void theDailyRollupEqualsTheLedgerExactly() throws Exception {
        List<Events> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(Events.in(tenant.namespaceId())
                    .model(i % 3 == 0 ? "moonshotai/kimi-k2.6:discount" : "moonshotai/kimi-k2.6")
                    .status(i % 7 == 0 ? "failed" : "succeeded")
                    .usage("{\"prompt_tokens\":" + (1000 + i * 37) + ",\"completion_tokens\":" + (17 * i)
                            + ",\"cache_read_tokens\":" + (i * 3) + ",\"reasoning_tokens\":" + i + "}")
                    .time(Instant.parse("2026-11-02T23:59:50Z").plusSeconds(i))); // spans two UTC days
        }
        for (Events e : events) {
            send(e);
        }
        drain();
        try (var c = db.getConnection(); var ps = c.prepareStatement("""
                SELECT (SELECT sum(charge_micro_usd) FROM usage_records WHERE namespace_id = ? AND charge_micro_usd IS NOT NULL),
                       (SELECT sum(charge_micro_usd) FROM usage_daily WHERE namespace_id = ?),
                       (SELECT count(*) FROM usage_records WHERE namespace_id = ? AND charge_micro_usd IS NOT NULL),
                       (SELECT sum(requests) FROM usage_daily WHERE namespace_id = ?),
                       (SELECT sum(prompt_tokens) FROM usage_records WHERE namespace_id = ? AND charge_micro_usd IS NOT NULL),
                       (SELECT sum(prompt_tokens) FROM usage_daily WHERE namespace_id = ?),
                       (SELECT count(DISTINCT day) FROM usage_daily WHERE namespace_id = ?)""")) {
            for (int i = 1; i <= 7; i++) {
                ps.setString(i, tenant.namespaceId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getBigDecimal(1).compareTo(rs.getBigDecimal(2)), "charges");
                assertEquals(rs.getLong(3), rs.getLong(4), "requests");
                assertEquals(rs.getLong(5), rs.getLong(6), "prompt tokens");
                assertTrue(rs.getLong(7) >= 2, "rows on both sides of midnight UTC");
            }
        }
    }

    @Test
    void badEventsGoToTheDeadLetterTopicWithTheirReasonAndDoNotBlockThePartition() throws Exception {
        Map<String, String> expected = new HashMap<>();
        String garbage = "{not json " + UUID.randomUUID();
        send(tenant.namespaceId(), garbage);
        expected.put(garbage, "malformed_json");
        Events unknownNamespace = Events.in("ns_does_not_exist_" + UUID.randomUUID().toString().substring(0, 8));
        send(tenant.namespaceId(), unknownNamespace.json());
        expected.put(unknownNamespace.json(), "unknown_namespace");
        Events future = Events.in(tenant.namespaceId()).time(Instant.now().plus(Duration.ofHours(3)));
        send(future);
        expected.put(future.json(), "time_in_future");
        Events overlapping = Events.in(tenant.namespaceId())
                .usage("{\"prompt_tokens\":10,\"completion_tokens\":5,\"cache_read_tokens\":8,\"cache_write_tokens\":8}");
        send(overlapping);
        expected.put(overlapping.json(), "invalid_input_buckets");
        Events negative = Events.in(tenant.namespaceId()).usage("{\"prompt_tokens\":-1}");
        send(negative);
        expected.put(negative.json(), "negative_tokens");
        drain();
        for (Events e : List.of(future, overlapping, negative)) {
            assertNull(row(e.id), "a rejected event is not in the ledger");
        }

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, ConsumerRecord<String, String>> found = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC + ".dlq"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (expected.containsKey(r.value())) {
                        found.put(r.value(), r);
                    }
                }
                return found.size() == expected.size();
            });
        }
        expected.forEach((payload, reason) -> {
            ConsumerRecord<String, String> r = found.get(payload);
            assertEquals(reason, new String(r.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8));
            assertEquals(TOPIC, new String(r.headers().lastHeader("dlq-original-topic").value(), StandardCharsets.UTF_8));
            assertFalse(new String(r.headers().lastHeader("dlq-detail").value(), StandardCharsets.UTF_8).isBlank());
            assertEquals(tenant.namespaceId(), r.key());
        });
    }
}
