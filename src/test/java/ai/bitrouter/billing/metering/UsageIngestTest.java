package ai.bitrouter.billing.metering;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Records produced to the real broker are consumed by the service and land in PostgreSQL once. */
@QuarkusTest
class UsageIngestTest {
    static final String TOPIC = "bitrouter.usage.v1";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    DataSource db;

    KafkaProducer<String, String> producer;

    @BeforeEach
    void producer() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void close() {
        producer.close();
    }

    private void send(String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
    }

    private long rows(String requestId) throws Exception {
        try (var c = db.getConnection();
                var ps = c.prepareStatement("SELECT count(*) FROM usage_records WHERE request_id = ?")) {
            ps.setString(1, requestId);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void anEventIsRecordedOnceHoweverOftenItIsDelivered() throws Exception {
        String ns = "ns_ingest_" + UUID.randomUUID().toString().substring(0, 8);
        String id = "req_" + UUID.randomUUID();
        String payload = UsageEventParserTest.event(id, ns, "{\"prompt_tokens\":100,\"completion_tokens\":50}");
        send(ns, payload);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(id) == 1);

        // The same event again, and a marker after it on the same partition (same key): once the marker is in,
        // the duplicate before it has been consumed too.
        send(ns, payload);
        String marker = "req_" + UUID.randomUUID();
        send(ns, UsageEventParserTest.event(marker, ns, "{\"prompt_tokens\":1}"));
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(marker) == 1);
        assertEquals(1, rows(id));

        try (var c = db.getConnection();
                var ps = c.prepareStatement(
                        "SELECT prompt_tokens, completion_tokens, model_requested, status FROM usage_records WHERE request_id = ?")) {
            ps.setString(1, id);
            try (var rs = ps.executeQuery()) {
                rs.next();
                assertEquals(100, rs.getLong(1));
                assertEquals(50, rs.getLong(2));
                assertEquals("moonshotai/kimi-k2.6:discount", rs.getString(3));
                assertEquals("succeeded", rs.getString(4));
            }
        }
    }

    @Test
    void aPoisonPillGoesToTheDeadLetterTopicWithItsReasonAndDoesNotBlockThePartition() throws Exception {
        String ns = "ns_dlq_" + UUID.randomUUID().toString().substring(0, 8);
        String garbage = "{not json " + UUID.randomUUID();
        send(ns, garbage);
        String after = "req_" + UUID.randomUUID();
        send(ns, UsageEventParserTest.event(after, ns, "{\"prompt_tokens\":1}"));
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(after) == 1);

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC + ".dlq"));
            ConsumerRecord<String, String> found = await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (garbage.equals(r.value())) {
                        return r;
                    }
                }
                return null;
            }, r -> r != null);
            assertEquals(ns, found.key());
            assertEquals("malformed_json", new String(found.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8));
            assertEquals(TOPIC, new String(found.headers().lastHeader("dlq-original-topic").value(), StandardCharsets.UTF_8));
        }
    }
}
