package ai.bitrouter.billing.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.common.scheduling.ClusterLock;
import ai.bitrouter.billing.metering.Repricer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue #9: a scheduled job runs on one instance at a time ({@link ClusterLock}), and each instance's jobs can be
 * switched off by configuration.
 */
@QuarkusTest
class ClusterLockIT {
    static final String SKIPPED = "job " + Repricer.JOB + " skipped: another instance is running it";

    @Inject
    ClusterLock lock;

    @Inject
    DataSource db;

    /** Four callers, each on its own connection, start the same job at the same instant: it runs exactly once. */
    @Test
    void simultaneousStartsRunTheJobOnce() throws Exception {
        int callers = 4;
        CyclicBarrier go = new CyclicBarrier(callers);
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return lock.runExclusively("faults-once", () -> {
                        runs.incrementAndGet();
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        ServiceProcess.sleep(1_500); // longer than the spread of the callers' starts
                        inside.decrementAndGet();
                    });
                }));
            }
            int ran = 0;
            for (Future<Boolean> f : results) {
                ran += f.get() ? 1 : 0;
            }
            assertEquals(1, ran, "exactly one caller ran the job");
            assertEquals(1, runs.get(), "the job ran once");
            assertEquals(1, maxInside.get());
        } finally {
            pool.shutdownNow();
        }
        // Released in finally: the next run goes ahead; another job never waited on this one.
        assertTrue(lock.runExclusively("faults-once", () -> { }));
        AtomicInteger other = new AtomicInteger();
        assertTrue(lock.runExclusively("faults-once", () -> assertTrue(lock.runExclusively("faults-other",
                other::incrementAndGet))));
        assertEquals(1, other.get());
    }

    /** An instance that dies holding the lock (its session ends) does not block the job for the others. */
    @Test
    void aDeadHoldersLockIsReleased() throws Exception {
        try (Connection holder = rawConnection()) {
            int pid = holdLock(holder, "faults-dead-holder");
            assertFalse(lock.runExclusively("faults-dead-holder", () -> { }), "held elsewhere: not run");
            try (Connection admin = db.getConnection(); Statement s = admin.createStatement()) {
                s.execute("SELECT pg_terminate_backend(" + pid + ")");
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            boolean ran = false;
            while (!ran && System.nanoTime() < deadline) {
                ran = lock.runExclusively("faults-dead-holder", () -> { });
                Thread.sleep(100);
            }
            assertTrue(ran, "runs once the holder's session is gone");
        }
    }

    /**
     * Two service processes with the re-pricer every second: while another holder has the job's lock, the enabled
     * instance skips every tick (and says so); the instance with the job disabled by configuration never even asks.
     * Once the lock is free, the enabled instance runs the job again (no more skips).
     */
    @Test
    void serviceProcessesSkipAHeldJobAndHonourTheSwitch() throws Exception {
        Stack stack = Stack.current();
        long t0 = System.nanoTime();
        Map<String, String> jobs = Map.of("bitrouter.scheduling.enabled", "true", "bitrouter.metering.reprice-every", "1s",
                "bitrouter.catalog.registry.refresh-interval", "1h");
        try (Connection holder = rawConnection();
                ServiceProcess on = ServiceProcess.of("lock-on", stack, "faults.lock.usage", "faults-lock", jobs);
                ServiceProcess off = ServiceProcess.of("lock-off", stack, "faults.lock.usage", "faults-lock",
                        new java.util.HashMap<>(Map.of("bitrouter.scheduling.enabled", "true",
                                "bitrouter.scheduling.disabled-jobs", Repricer.JOB,
                                "bitrouter.metering.reprice-every", "1s")))) {
            holdLock(holder, Repricer.JOB);
            on.start();
            off.start();
            CompletableFuture.allOf(CompletableFuture.runAsync(() -> on.awaitReady(Duration.ofSeconds(120))),
                    CompletableFuture.runAsync(() -> off.awaitReady(Duration.ofSeconds(120)))).join();
            // The re-pricer's first tick is 10 s after start; then every second.
            long deadline = System.nanoTime() + 40_000_000_000L;
            while (on.countInLog(SKIPPED) < 3 && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
            long skippedOn = on.countInLog(SKIPPED);
            assertTrue(skippedOn >= 3, "the enabled instance skips while the lock is held elsewhere:\n" + on.tail(30));
            assertEquals(0, off.countInLog(SKIPPED), "the disabled instance never tries:\n" + off.tail(30));

            try (Statement s = holder.createStatement()) {
                s.execute("SELECT pg_advisory_unlock_all()");
            }
            Thread.sleep(1_500); // a tick in flight may still have seen the lock held
            long afterRelease = on.countInLog(SKIPPED);
            Thread.sleep(4_000);
            assertEquals(afterRelease, on.countInLog(SKIPPED), "no skips once the lock is free: the job runs there");
            System.out.printf("%n[#9 cluster lock] lock-on skipped %d ticks while the lock was held elsewhere, none after; "
                    + "lock-off (job disabled) 0; %.1f s%n", skippedOn, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Outside the pool: these sessions get terminated or hold locks, and must not go back to the pool. */
    private static Connection rawConnection() throws Exception {
        Stack stack = Stack.current();
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", stack.dbUser());
        p.setProperty("password", stack.dbPassword());
        return new org.postgresql.Driver().connect(stack.jdbcUrl(), p);
    }

    /** Takes the job's advisory lock on {@code c} (as another instance would); returns the session's pid. */
    private static int holdLock(Connection c, String job) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?), pg_backend_pid()")) {
            ps.setLong(1, ClusterLock.key(job));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(2);
            }
        }
    }
}
