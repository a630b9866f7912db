package ai.bitrouter.billing.reports.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The limiter's arithmetic on a clock the test moves: no sleeping, exact figures. */
class TenantRateLimiterTest {
    static final long SECOND = 1_000_000_000L;

    final AtomicLong now = new AtomicLong(5 * SECOND);

    @Test
    void aBurstGoesThroughThenTheRateAppliesAndTheWaitIsExact() {
        TenantRateLimiter limiter = new TenantRateLimiter(2, 3, now::get);
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), limiter.tryAcquire("a"), "request " + i + " of the burst");
        }
        assertEquals(Optional.of(Duration.ofMillis(500)), limiter.tryAcquire("a"));
        now.addAndGet(499_000_000L);
        assertEquals(Optional.of(Duration.ofMillis(1)), limiter.tryAcquire("a"), "a refused request costs nothing");
        now.addAndGet(1_000_000L);
        assertEquals(Optional.empty(), limiter.tryAcquire("a"));
        assertEquals(Optional.of(Duration.ofMillis(500)), limiter.tryAcquire("a"));
    }

    @Test
    void overTenSecondsATenantGetsTheBurstPlusTheRateAndNoMore() {
        TenantRateLimiter limiter = new TenantRateLimiter(2, 3, now::get);
        int allowed = 0;
        for (int tick = 0; tick < 100; tick++) { // a request every 100 ms for 10 s
            if (limiter.tryAcquire("a").isEmpty()) {
                allowed++;
            }
            now.addAndGet(SECOND / 10);
        }
        assertEquals(3 + 19, allowed, "3 at once, then one per 500 ms over the remaining 9.9 s");
    }

    @Test
    void oneTenantBeingLimitedDoesNotTouchAnother() {
        TenantRateLimiter limiter = new TenantRateLimiter(1, 2, now::get);
        limiter.tryAcquire("a");
        limiter.tryAcquire("a");
        assertTrue(limiter.tryAcquire("a").isPresent());
        assertEquals(Optional.empty(), limiter.tryAcquire("b"));
        assertEquals(Optional.empty(), limiter.tryAcquire("b"));
    }

    @Test
    void idleTenantsAreForgottenOnceThereAreManyAndComeBackWithAFullBurst() {
        TenantRateLimiter limiter = new TenantRateLimiter(10, 2, now::get);
        for (int i = 0; i <= TenantRateLimiter.PRUNE_ABOVE; i++) {
            limiter.tryAcquire("t" + i);
        }
        assertEquals(TenantRateLimiter.PRUNE_ABOVE + 1, limiter.tracked());
        now.addAndGet(SECOND);
        limiter.tryAcquire("new");
        assertEquals(1, limiter.tracked(), "all idle tenants dropped, the new one kept");
        assertEquals(Optional.empty(), limiter.tryAcquire("t0"));
        assertEquals(Optional.empty(), limiter.tryAcquire("t0"));
    }

    @Test
    void nonsenseLimitsAreRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TenantRateLimiter(0, 5, now::get));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TenantRateLimiter(5, 0, now::get));
    }
}
