package ai.bitrouter.billing.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.catalog.CatalogService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * RELIABILITY C1: {@code kill -9} of the service while it consumes, three times, between the database commit of
 * batches and the commit of their offsets. The service is the packaged application in its own OS process; the
 * in-process application of this {@code @QuarkusTest} only brings up the servers (and is the price book).
 *
 * <p>Hitting the window: offsets are committed by the throttled strategy every 5 s, batches commit to PostgreSQL
 * every few hundred milliseconds, so right after the ledger starts to grow there are always rows in the database whose
 * offsets Kafka does not have yet. The test kills at that moment and then measures the window, from the database side:
 * rows whose (partition, offset) is at or after the group's committed offset. Those records are delivered again after
 * the restart; the ledger must hold each request once all the same.
 */
@QuarkusTest
class KillServiceIT {
    static final int EVENTS = 24_000;
    static final int KILLS = 3;

    @Inject
    DataSource db;

    @Inject
    CatalogService catalog;

    @Test
    void killMinusNineMidBatchLosesAndDoublesNothing() throws Exception {
        long t0 = System.nanoTime();
        Stack stack = Stack.current();
        Traffic traffic = Traffic.plan("k", EVENTS, 400, stack, db, catalog);
        List<String> kills = new ArrayList<>();
        try (ServiceProcess service = ServiceProcess.of("kill-service", stack, traffic.topic, traffic.group, Map.of())) {
            int wave = traffic.size() / KILLS;
            long before = 0;
            for (int k = 0; k < KILLS; k++) {
                // A new wave while the service is down, so that there is always something in flight to kill.
                traffic.publish(k * wave, k == KILLS - 1 ? traffic.size() : (k + 1) * wave);
                service.start().awaitReady(Duration.ofSeconds(120));
                long rising = awaitRising(traffic, before, Duration.ofSeconds(90));
                service.kill9();
                // Measured once the process is gone: nothing commits any more, so this is exactly what the next
                // consumer reads again.
                long window = traffic.committedInDbNotInKafka();
                long after = traffic.ledgerRows();
                kills.add(String.format("kill %d at %.1f s: ledger %,d rows (rising from %,d), %,d of them committed to "
                        + "PostgreSQL but not to Kafka", k + 1, (System.nanoTime() - t0) / 1e9, after, rising, window));
                assertTrue(window > 0, "kill " + (k + 1) + " missed the window between the database and the offset "
                        + "commit (no row past the committed offsets)");
                before = after;
            }
            service.start().awaitReady(Duration.ofSeconds(120));
            Traffic.Result result = traffic.awaitExact(Duration.ofSeconds(120));
            System.out.printf("%n[C1 kill -9] %,d records (%,d expected rows); %s%n  %s%n  exact: %s; %.1f s%n",
                    traffic.size(), traffic.expected().rows(), String.join("\n  ", kills),
                    "restarts: " + (KILLS + 1), result, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Waits until the ledger grows past {@code before} by a batch or more: the service is mid-stream. */
    static long awaitRising(Traffic traffic, long before, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long rows = traffic.ledgerRows();
            if (rows > before + 200 || rows >= traffic.expected().rows()) {
                return rows;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the ledger did not grow past " + before + " rows within " + timeout);
    }
}
