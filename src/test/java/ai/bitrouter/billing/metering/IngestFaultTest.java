package ai.bitrouter.billing.metering;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * PostgreSQL faults in the middle of consumption (RELIABILITY.md C2): every connection of the service dropped
 * mid-batch, again and again, and the database refusing connections for a while. The consumer must retry, never
 * skip, and the ledger must end equal to what was produced: nothing lost, nothing doubled, rollup equal to ledger.
 */
@QuarkusTest
class IngestFaultTest {
    static final int EVENTS = 3000;
    // kimi-k2.6 self-hosted: 1,000 x 0.7125 + 100 x 3.00 = 1,012.5 micro-USD each
    static final BigDecimal EACH = new BigDecimal("1012.5");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @Inject
    DataSource db;

    /** ALTER DATABASE cannot target the database one is connected to: do it from template1. */
    private void allowConnections(boolean allow) throws Exception {
        String url = jdbcUrl.substring(0, jdbcUrl.lastIndexOf('/') + 1) + "template1";
        try (Connection c = java.sql.DriverManager.getConnection(url, "postgres", "postgres");
                Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE postgres ALLOW_CONNECTIONS " + allow);
        }
    }

    @Test
    void droppedConnectionsAndARefusingDatabaseLoseAndDoubleNothing() throws Exception {
        List<TestAccounts.Tenant> tenants = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tenants.add(TestAccounts.create(db));
        }
        List<Events> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(Events.in(tenants.get(i % tenants.size()).namespaceId())
                    .usage("{\"prompt_tokens\":1000,\"completion_tokens\":100}")
                    .time(Instant.parse("2026-11-03T00:00:00Z").plusSeconds(i)));
        }
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(),
                new StringSerializer());
                Connection admin = db.getConnection()) {
            for (int i = 0; i < EVENTS; i++) {
                Events e = events.get(i);
                producer.send(new ProducerRecord<>("bitrouter.usage.v1", e.namespace, e.json()));
                if (i % 10 == 0) { // a router retry: the same event again
                    producer.send(new ProducerRecord<>("bitrouter.usage.v1", e.namespace, e.json()));
                }
                if (i % 500 == 250) {
                    producer.flush();
                    dropServiceConnections(admin);
                }
            }
            producer.flush();
            // Refuse new connections for a while, and drop the ones in use.
            allowConnections(false);
            try {
                dropServiceConnections(admin);
                await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
            } finally {
                allowConnections(true);
            }
        }

        String nsList = tenants.stream().map(t -> "'" + t.namespaceId() + "'").reduce((x, y) -> x + "," + y).orElseThrow();
        await().ignoreExceptions().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> scalar("SELECT count(*) FROM usage_records WHERE namespace_id IN (" + nsList + ")")
                        .longValue() >= EVENTS);
        assertEquals(EVENTS, scalar("SELECT count(*) FROM usage_records WHERE namespace_id IN (" + nsList + ")").longValue());
        assertEquals(0, EACH.multiply(BigDecimal.valueOf(EVENTS)).compareTo(
                scalar("SELECT sum(charge_micro_usd) FROM usage_records WHERE namespace_id IN (" + nsList + ")")));
        await().ignoreExceptions().atMost(Duration.ofSeconds(30)).until(() -> EACH.multiply(BigDecimal.valueOf(EVENTS)).compareTo(
                scalar("SELECT coalesce(sum(charge_micro_usd), 0) FROM usage_daily WHERE namespace_id IN (" + nsList + ")")) == 0);
        assertEquals(EVENTS,
                scalar("SELECT sum(requests) FROM usage_daily WHERE namespace_id IN (" + nsList + ")").longValue());
    }

    private static void dropServiceConnections(Connection admin) throws Exception {
        try (Statement s = admin.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
        }
    }

    private BigDecimal scalar(String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBigDecimal(1);
        }
    }
}
