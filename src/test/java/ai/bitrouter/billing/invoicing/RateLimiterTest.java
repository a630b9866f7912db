package ai.bitrouter.billing.invoicing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.invoicing.stripe.Backoff;
import ai.bitrouter.billing.invoicing.stripe.RateLimiter;

class RateLimiterTest {

    /** A fake clock that sleeping advances: the limiter is tested without waiting. */
    static final class FakeTime {
        long now;
        final List<Long> sleeps = new ArrayList<>();
    }

    @Test
    void neverMoreThanTheLimitInAnyOneSecondWindow() throws Exception {
        FakeTime t = new FakeTime();
        RateLimiter limiter = new RateLimiter(5, () -> t.now, n -> {
            t.sleeps.add(n);
            t.now += n;
        });
        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            limiter.acquire();
            starts.add(t.now);
            t.now += 3_000_000; // each call takes 3 ms
        }
        for (int i = 0; i + 5 < starts.size(); i++) {
            assertTrue(starts.get(i + 5) - starts.get(i) >= 1_000_000_000L,
                    "calls " + i + " and " + (i + 5) + " are in one second");
        }
        // The first five go at once (a burst up to the limit is allowed), then the sixth waits.
        assertEquals(0, starts.get(4) - starts.get(0) - 4 * 3_000_000);
        assertTrue(!t.sleeps.isEmpty());
        // 23 calls at 5/s take at least 4 seconds.
        assertTrue(starts.get(22) - starts.get(0) >= 4_000_000_000L);
    }

    @Test
    void backoffGrowsExponentiallyWithJitterAndIsCapped() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        Random r = new Random(7);
        for (int attempt = 1; attempt <= 8; attempt++) {
            long full = Math.min(100L << (attempt - 1), 2000);
            long d = b.delay(attempt, r).toMillis();
            assertTrue(d >= full / 2 && d <= full, "attempt " + attempt + ": " + d + " ms not in [" + full / 2 + ", "
                    + full + "]");
        }
        assertTrue(b.delay(64, r).toMillis() <= 2000);
    }
}
