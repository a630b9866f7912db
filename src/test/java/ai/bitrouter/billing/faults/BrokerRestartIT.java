package ai.bitrouter.billing.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.catalog.CatalogService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * RELIABILITY C3: the Kafka broker stops in the middle of consumption and comes back on the same port with the same
 * data. The broker is the devstack's, in this JVM; the devstack exposes stop and start over JMX
 * ({@code ai.bitrouter.devstack:type=Kafka}). Its stop is a broker shutdown (connections cut, the group coordinator
 * gone), not a SIGKILL of a broker process: a broker in a child JVM could be SIGKILLed, but would cost every test run
 * a slower start for this one test. The service, in its own process, must ride it out: no restart of the service,
 * and the ledger exact afterwards.
 */
@QuarkusTest
class BrokerRestartIT {
    static final int EVENTS = 16_000;
    static final long DOWN_MILLIS = 8_000;

    @Inject
    DataSource db;

    @Inject
    CatalogService catalog;

    @Test
    void consumerRidesOutABrokerRestart() throws Exception {
        long t0 = System.nanoTime();
        Stack stack = Stack.current();
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName broker = new ObjectName("ai.bitrouter.devstack:type=Kafka");
        assertTrue(jmx.isRegistered(broker), "the devstack's broker control (JMX) is missing");
        Traffic traffic = Traffic.plan("b", EVENTS, 400, stack, db, catalog);
        try (ServiceProcess service = ServiceProcess.of("broker-restart", stack, traffic.topic, traffic.group, Map.of())) {
            service.start().awaitReady(Duration.ofSeconds(120));
            int half = traffic.size() / 2;
            traffic.publish(0, half);
            long atStop = KillServiceIT.awaitRising(traffic, 0, Duration.ofSeconds(90));
            double stoppedAt = (System.nanoTime() - t0) / 1e9;
            long stopMillis = (Long) jmx.invoke(broker, "stop", null, null);
            // While the broker is away: what the service reports, and that it keeps its process.
            Map<Integer, Integer> readiness = new TreeMap<>();
            long downUntil = System.nanoTime() + DOWN_MILLIS * 1_000_000;
            while (System.nanoTime() < downUntil) {
                readiness.merge(service.health("ready"), 1, Integer::sum);
                Thread.sleep(250);
            }
            long rowsWhileDown = traffic.ledgerRows();
            long startMillis = (Long) jmx.invoke(broker, "start", null, null);
            double restartedAt = (System.nanoTime() - t0) / 1e9;
            traffic.publish(half, traffic.size());
            Traffic.Result result = traffic.awaitExact(Duration.ofSeconds(120));
            assertTrue(service.alive(), "the service process survived the broker restart");
            long readyDeadline = System.nanoTime() + 30_000_000_000L;
            while (service.health("ready") != 200 && System.nanoTime() < readyDeadline) {
                Thread.sleep(250);
            }
            assertEquals(200, service.health("ready"), "ready again after the broker came back");
            System.out.printf("%n[C3 broker restart] %,d records; broker stopped at %.1f s (ledger %,d rows, stop took %d ms), "
                    + "down %d ms (readiness status -> samples %s, ledger %,d rows while down), started again in %d ms at %.1f s%n"
                    + "  exact: %s; %.1f s%n", traffic.size(), stoppedAt, atStop, stopMillis, DOWN_MILLIS, readiness,
                    rowsWhileDown, startMillis, restartedAt, result, (System.nanoTime() - t0) / 1e9);
        } finally {
            if (!(Boolean) jmx.getAttribute(broker, "Running")) {
                jmx.invoke(broker, "start", null, null); // the other tests need it
            }
        }
    }
}
