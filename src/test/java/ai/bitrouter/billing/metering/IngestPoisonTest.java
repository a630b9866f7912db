package ai.bitrouter.billing.metering;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
import java.util.function.Function;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import ai.bitrouter.billing.testsupport.TestAccounts;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue #18: no record stops ingestion. Each poison record goes to the real broker in the middle of good events for
 * several namespaces (so several partitions), sent together so that they share consumer batches. For each: the good
 * events are in the ledger with the exact total, the poison one is on the dead-letter topic with its reason, liveness
 * stays UP, and events sent afterwards for another namespace are recorded. The first case is the reported one: an
 * uninitialised router clock (0001-01-01) made its batch retry forever and stopped the channel for every tenant.
 */
@QuarkusTest
class IngestPoisonTest {
    static final String TOPIC = "bitrouter.usage.v1";
    // kimi-k2.6 self-hosted: 1,000 x 0.7125 + 100 x 3.00 = 1,012.5 micro-USD each
    static final BigDecimal EACH = new BigDecimal("1012.5");
    static final String USAGE = "{\"prompt_tokens\":1000,\"completion_tokens\":100}";
    static final int NAMESPACES = 5;
    static final int GOOD_PER_NAMESPACE = 8;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    MeterRegistry metrics;

    @Inject
    InjectedBugMeteringService bug;

    /** Every dead letter seen so far, by the original record's "partition:offset". */
    static final Map<String, ConsumerRecord<String, byte[]>> DEAD = new HashMap<>();
    static KafkaConsumer<String, byte[]> dlqReader;

    @AfterAll
    static void closeReader() {
        if (dlqReader != null) {
            dlqReader.close();
        }
    }

    /** A poison record: its value for a namespace, and the reason it must be dead-lettered with. */
    record Poison(String name, Function<String, byte[]> value, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Events good(String ns) {
        return Events.in(ns).usage(USAGE);
    }

    /** A valid event padded with an unknown field to exactly {@code size} bytes. */
    static byte[] padded(String ns, int size) {
        String base = good(ns).json().strip();
        String head = base.substring(0, base.length() - 1) + ",\"pad\":\"";
        String tail = "\"}";
        return utf8(head + "x".repeat(size - utf8(head).length - tail.length()) + tail);
    }

    static Stream<Arguments> poisons() {
        return Stream.of(
                new Poison("time 0001-01-01", ns -> utf8(good(ns).time(Instant.parse("0001-01-01T00:00:00Z")).json()),
                        "time_out_of_range"),
                new Poison("time 9999-12-31", ns -> utf8(good(ns).time(Instant.parse("9999-12-31T23:59:59Z")).json()),
                        "time_in_future"),
                new Poison("3 kB request id", ns -> utf8(good(ns).id("req_" + "x".repeat(3000)).json()), "schema_violation"),
                new Poison("NUL in namespace_id", ns -> utf8(good(ns).json().replace("\"" + ns + "\"", "\"" + ns + "\\u0000\"")),
                        "schema_violation"),
                new Poison("value over 1 MiB", ns -> padded(ns, UsageEventParser.MAX_VALUE_BYTES + 1), "payload_too_large"),
                new Poison("9e18 tokens", ns -> utf8(good(ns).usage("{\"prompt_tokens\":9000000000000000000}").json()),
                        "schema_violation"),
                new Poison("trailing garbage", ns -> utf8(good(ns).json().strip() + "garbage"), "malformed_json"),
                new Poison("duplicate keys", ns -> utf8(good(ns).json().replace("\"status\":\"succeeded\"",
                        "\"status\":\"failed\",\"status\":\"succeeded\"")), "malformed_json"),
                new Poison("invalid UTF-8", ns -> {
                    byte[] v = utf8(good(ns).json().replace("node-1", "node-\u00ff"));
                    for (int i = 0; i < v.length; i++) { // U+00FF is C3 BF: keep the lead byte, break the sequence
                        if ((v[i] & 0xFF) == 0xC3) {
                            v[i + 1] = '(';
                        }
                    }
                    return v;
                }, "malformed_json"),
                new Poison("unknown type", ns -> utf8(good(ns).json().replace("ai.bitrouter.usage.v1", "ai.bitrouter.usage.v9")),
                        "schema_violation"),
                new Poison("namespace that does not exist",
                        ns -> utf8(good("ns_missing_" + UUID.randomUUID().toString().substring(0, 8)).json()),
                        "unknown_namespace"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("poisons")
    void aPoisonRecordIsDeadLetteredAndTheRestOfItsBatchIsRecorded(Poison poison) throws Exception {
        List<TestAccounts.Tenant> tenants = tenants(NAMESPACES);
        byte[] value = poison.value().apply(tenants.get(0).namespaceId());
        RecordMetadata bad = sendAmongGoodEvents(tenants, tenants.get(0).namespaceId(), value);

        assertLedger(tenants, NAMESPACES * GOOD_PER_NAMESPACE);
        ConsumerRecord<String, byte[]> dead = deadLetterOf(bad);
        assertEquals(poison.reason(), header(dead, "dlq-reason"), poison.name());
        assertTrue(!header(dead, "dlq-detail").isBlank());
        assertArrayEquals(value, dead.value(), "the value as it was sent");
        assertNull(dead.headers().lastHeader("dlq-truncated"), "sent whole");
        assertEquals(tenants.get(0).namespaceId(), dead.key());
        assertLiveAndIngesting();
    }

    @Test
    void aValueTooLargeToDeadLetterWithItsHeadersIsSentTruncatedAndFlagged() throws Exception {
        List<TestAccounts.Tenant> tenants = tenants(2);
        // Within the usage topic's 2 MiB, beyond what fits on the dead-letter topic once the headers are added.
        int size = 2_090_000;
        byte[] value = padded(tenants.get(0).namespaceId(), size);
        RecordMetadata bad = sendAmongGoodEvents(tenants, tenants.get(0).namespaceId(), value);

        assertLedger(tenants, 2 * GOOD_PER_NAMESPACE);
        ConsumerRecord<String, byte[]> dead = deadLetterOf(bad);
        assertEquals("payload_too_large", header(dead, "dlq-reason"));
        assertEquals("true", header(dead, "dlq-truncated"));
        assertEquals(Integer.toString(size), header(dead, "dlq-original-size"));
        assertTrue(dead.value().length < size && dead.value().length > size - 20_000, "cut to fit: " + dead.value().length);
        assertArrayEquals(Arrays.copyOf(value, dead.value().length), dead.value(), "the start of the value, unchanged");
        assertEquals(Integer.toString(bad.partition()), header(dead, "dlq-original-partition"));
        assertEquals(Long.toString(bad.offset()), header(dead, "dlq-original-offset"));
        assertLiveAndIngesting();
    }

    @Test
    void aBugOnOneRecordDeadLettersThatRecordAsUnprocessableInsteadOfStoppingTheChannel() throws Exception {
        double unprocessableBefore = metrics.counter("billing.usage.unprocessable").count();
        double retriedBefore = metrics.counter("billing.usage.events", "outcome", "retried", "reason", "unexpected").count();
        List<TestAccounts.Tenant> tenants = tenants(NAMESPACES);
        Events poisoned = good(tenants.get(2).namespaceId());
        bug.arm(poisoned.id);
        try {
            RecordMetadata bad = sendAmongGoodEvents(tenants, tenants.get(2).namespaceId(), utf8(poisoned.json()));
            assertLedger(tenants, NAMESPACES * GOOD_PER_NAMESPACE);
            ConsumerRecord<String, byte[]> dead = deadLetterOf(bad);
            assertEquals("unprocessable", header(dead, "dlq-reason"));
            assertEquals("java.lang.IllegalStateException: injected bug for " + poisoned.id, header(dead, "dlq-detail"));
            assertEquals(0, count("SELECT count(*) FROM usage_records WHERE request_id = ?", poisoned.id));
        } finally {
            bug.disarm();
        }
        assertEquals(1.0, metrics.counter("billing.usage.unprocessable").count() - unprocessableBefore);
        // Tried three times in all before it was isolated: two retries of the whole batch.
        assertTrue(metrics.counter("billing.usage.events", "outcome", "retried", "reason", "unexpected").count()
                - retriedBefore >= 2);
        assertLiveAndIngesting();
    }

    @Test
    void anEventThatCannotBePricedAtItsTimeIsThatEventsDeadLetterNotTheBatchs() {
        // What the reported record did before the parser bounded the time: pricing threw for it (there is no
        // policy in force in year 1). The exception is now the event's, not its batch's.
        TestAccounts.Tenant t = TestAccounts.create(db);
        UsageEvent e = event("req_" + UUID.randomUUID(), t.namespaceId(), Instant.parse("0001-01-01T00:00:00Z"));
        UsageEvent fine = event("req_" + UUID.randomUUID(), t.namespaceId(), Instant.parse("2026-11-02T10:00:00Z"));
        MeteringService.Prepared p = metering.prepare(List.of(new MeteringService.Incoming(e, new byte[0], 0, 1L),
                new MeteringService.Incoming(fine, new byte[0], 0, 2L)));
        assertEquals(1, p.accepted().size());
        assertEquals(fine.requestId(), p.accepted().get(0).event().requestId());
        assertEquals(1, p.rejected().size());
        assertEquals("unprocessable", p.rejected().get(0).reason());
        assertEquals("java.lang.IllegalStateException: no pricing policy in force at 0001-01-01T00:00:00Z",
                p.rejected().get(0).detail());
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static UsageEvent event(String id, String ns, Instant time) {
        return new UsageEvent(id, "router://test", time, id, ns, null, "moonshotai/kimi-k2.6", "moonshotai/kimi-k2.6",
                "bitrouter", "succeeded", null, "cloud_credit", 1000, 100, 0, 0, 0, false, null, null, new byte[32]);
    }

    private List<TestAccounts.Tenant> tenants(int n) {
        List<TestAccounts.Tenant> tenants = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tenants.add(TestAccounts.create(db));
        }
        return tenants;
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20), new StringSerializer(), new ByteArraySerializer());
    }

    /** Good events for every tenant, the poison one in the middle of them, all flushed together. */
    private RecordMetadata sendAmongGoodEvents(List<TestAccounts.Tenant> tenants, String key, byte[] poison)
            throws Exception {
        try (var producer = producer()) {
            java.util.concurrent.Future<RecordMetadata> bad = null;
            for (int i = 0; i < GOOD_PER_NAMESPACE; i++) {
                for (TestAccounts.Tenant t : tenants) {
                    producer.send(new ProducerRecord<>(TOPIC, t.namespaceId(), utf8(good(t.namespaceId()).json())));
                }
                if (i == GOOD_PER_NAMESPACE / 2) {
                    bad = producer.send(new ProducerRecord<>(TOPIC, key, poison));
                }
            }
            producer.flush();
            return bad.get();
        }
    }

    private void assertLedger(List<TestAccounts.Tenant> tenants, int expected) throws Exception {
        String[] ns = tenants.stream().map(TestAccounts.Tenant::namespaceId).toArray(String[]::new);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> countIn("SELECT count(*) FROM usage_records WHERE namespace_id = ANY (?)", ns) >= expected);
        assertEquals(expected, countIn("SELECT count(*) FROM usage_records WHERE namespace_id = ANY (?)", ns));
        BigDecimal sum;
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT sum(charge_micro_usd) FROM usage_records WHERE namespace_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", ns));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                sum = rs.getBigDecimal(1);
            }
        }
        assertEquals(0, EACH.multiply(BigDecimal.valueOf(expected)).compareTo(sum), "exact total: " + sum);
    }

    /** Health is on the management port (application.properties), not the API port. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    /** Liveness stays UP, and events for another namespace sent now are recorded: the channel still runs. */
    private void assertLiveAndIngesting() throws Exception {
        given().when().get(URI.create(management.toString()).resolve("/q/health/live")).then().statusCode(200).body("status", is("UP"));
        TestAccounts.Tenant other = TestAccounts.create(db);
        try (var producer = producer()) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(TOPIC, other.namespaceId(), utf8(good(other.namespaceId()).json())));
            }
            producer.flush();
        }
        assertLedger(List.of(other), 20);
        given().when().get(URI.create(management.toString()).resolve("/q/health/live")).then().statusCode(200).body("status", is("UP"));
    }

    private ConsumerRecord<String, byte[]> deadLetterOf(RecordMetadata original) {
        String at = original.partition() + ":" + original.offset();
        synchronized (DEAD) {
            if (dlqReader == null) {
                Properties p = new Properties();
                p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-poison-" + UUID.randomUUID());
                p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
                dlqReader = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
                dlqReader.subscribe(List.of(TOPIC + ".dlq"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (var r : dlqReader.poll(Duration.ofMillis(500))) {
                    if (TOPIC.equals(header(r, "dlq-original-topic"))) {
                        DEAD.put(header(r, "dlq-original-partition") + ":" + header(r, "dlq-original-offset"), r);
                    }
                }
                return DEAD.containsKey(at);
            });
            return DEAD.get(at);
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private long count(String sql, String arg) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private long countIn(String sql, String[] values) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", values));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
