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
 * <p>Hitting the window: offsets are committed by the throttled strategy at most every 5 s, batches commit to
 * PostgreSQL every few hundred milliseconds. The window is visible from the database side: rows whose (partition,
 * offset) is at or after the group's committed offset. The test polls it once the ledger grows and kills the moment it
 * is non-empty, then measures it again with the process gone: exactly the rows the next consumer reads again. The
 * ledger must hold each request once all the same.
 */
@QuarkusTest
class KillServiceIT {
    static final int EVENTS = 24_000;
    static final int KILLS = 3;
    static final List<Integer> ALL = List.of(0, 1, 2, 3);

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
        try (ServiceProcess service = ServiceProcess.of("kill-service", stack, traffic.topic, traffic.group,
                // Offsets committed every second rather than every 5 s: the same code path, more commits to kill
                // between in a short test.
                Map.of("mp.messaging.incoming.usage.auto.commit.interval.ms", "1000"))) {
            int wave = traffic.size() / KILLS;
            long before = 0;
            long redelivered = 0;
            for (int k = 0; k < KILLS; k++) {
                // A new wave while the service is down, so that there is always something in flight to kill.
                traffic.publish(k * wave, k == KILLS - 1 ? traffic.size() : (k + 1) * wave);
                long committedAtStart = traffic.committedTotal();
                service.start().awaitReady(Duration.ofSeconds(120));
                long rising = awaitRising(traffic, before, Duration.ofSeconds(90));
                // The first kill before this run's first offset commit, the others after one (and with newer rows
                // stored): a restart must resume from a committed offset, not only from the beginning.
                long open = k == 0 ? awaitWindow(traffic, ALL, Duration.ofSeconds(30))
                        : awaitWindowAfterCommit(traffic, committedAtStart, Duration.ofSeconds(30));
                service.kill9();
                long committedInRun = traffic.committedTotal() - committedAtStart;
                // Measured once the process is gone: nothing commits any more, so this is exactly what the next
                // consumer reads again.
                long window = traffic.committedInDbNotInKafka();
                long after = traffic.ledgerRows();
                kills.add(String.format("kill %d at %.1f s: ledger %,d rows (%,d before this start, growing past %,d), offsets committed by "
                        + "this run %,d; %,d rows stored but not committed to Kafka just before the kill, %,d once the "
                        + "process was gone", k + 1, (System.nanoTime() - t0) / 1e9, after, before, rising, committedInRun, open,
                        window));
                redelivered += window;
                before = after;
            }
            // A commit can slip in between the last look and the kill; over three kills, rows must be read again.
            assertTrue(redelivered > 0, "no kill hit the window between the database and the offset commit");
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

    /**
     * As {@link #awaitWindow}, after the group committed offsets past {@code committedBefore}; if no commit comes in
     * time (the wave drained first) it returns whatever window there is, since a kill then is still a valid fault.
     */
    static long awaitWindowAfterCommit(Traffic traffic, long committedBefore, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (traffic.committedTotal() > committedBefore) {
                long open = traffic.committedInDbNotInKafka();
                if (open > 0) {
                    return open;
                }
            }
            Thread.sleep(20);
        }
        return traffic.committedInDbNotInKafka();
    }

    /**
     * Waits until some of {@code partitions}' rows are in the ledger but past the group's committed offsets, i.e.
     * the moment to kill; returns that count. (The throttled strategy commits the first acknowledgement after a quiet
     * spell at once, so the window opens with the second batch, not the first.)
     */
    static long awaitWindow(Traffic traffic, List<Integer> partitions, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long open = traffic.committedInDbNotInKafka(partitions);
            if (open > 0) {
                return open;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no row between the database and the offset commit within " + timeout);
    }
}
