package ai.bitrouter.billing.metering;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The metrics issue #4 asks for, on the Prometheus endpoint the alerts of docs/operations.md read: events by outcome
 * (recorded, duplicate, dead-lettered with reason), batch latency, and the consumer's lag.
 */
@QuarkusTest
class MeteringMetricsTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    DataSource db;

    static double value(String metrics, String name, String labelsContain) {
        double total = 0;
        boolean found = false;
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$", Pattern.MULTILINE)
                .matcher(metrics);
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(labelsContain)) {
                total += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        return found ? total : -1;
    }

    /** The management port (application.properties): metrics are not served on the API port. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    String scrape() {
        return given().get(URI.create(management.toString()).resolve("/q/metrics")).then().statusCode(200)
                .extract().asString();
    }

    @Test
    void metricsAreNotOnTheApiPort() {
        given().get("/q/metrics").then().statusCode(404);
    }

    @Test
    void eventsByOutcomeBatchLatencyAndLagAreExported() throws Exception {
        TestAccounts.Tenant t = TestAccounts.create(db);
        String before = scrape();
        double recorded = Math.max(0, value(before, "billing_usage_events_total", "outcome=\"recorded\""));
        double duplicates = Math.max(0, value(before, "billing_usage_events_total", "outcome=\"duplicate\""));
        double dead = Math.max(0, value(before, "billing_usage_events_total", "reason=\"malformed_json\""));

        Events good = Events.in(t.namespaceId()).usage("{\"prompt_tokens\":10,\"completion_tokens\":1}");
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap, ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>("bitrouter.usage.v1", t.namespaceId(), good.json())).get();
            p.send(new ProducerRecord<>("bitrouter.usage.v1", t.namespaceId(), good.json())).get();
            p.send(new ProducerRecord<>("bitrouter.usage.v1", t.namespaceId(), "{not json")).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            String now = scrape();
            return value(now, "billing_usage_events_total", "outcome=\"recorded\"") >= recorded + 1
                    && value(now, "billing_usage_events_total", "outcome=\"duplicate\"") >= duplicates + 1
                    && value(now, "billing_usage_events_total", "reason=\"malformed_json\"") >= dead + 1;
        });
        String after = scrape();
        assertTrue(value(after, "billing_usage_batch_seconds_count", "") >= 1, "batch latency timer");
        assertTrue(value(after, "billing_usage_batch_seconds_max", "") >= 0, "batch latency max");
        assertTrue(value(after, "kafka_consumer_fetch_manager_records_lag_max", "") >= 0,
                "consumer lag from the Kafka client: " + after.lines().filter(l -> l.contains("lag")).toList());
    }
}
