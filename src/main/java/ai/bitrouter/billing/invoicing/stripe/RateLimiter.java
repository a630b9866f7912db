package ai.bitrouter.billing.invoicing.stripe;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} calls in any one-second window (a sliding log of the last calls), so a burst is allowed
 * up to the limit and never above it. A small margin covers the jitter between our clock and when the request
 * reaches Stripe. Plain Java with an injectable clock and sleeper so it is tested without waiting.
 */
public final class RateLimiter {

    /** Added to the window so a request sent just inside it does not arrive just inside the previous one. */
    static final long MARGIN_NANOS = 25_000_000L;
    private static final long WINDOW_NANOS = 1_000_000_000L;

    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final int perSecond;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private final ArrayDeque<Long> recent = new ArrayDeque<>();

    public RateLimiter(int perSecond, LongSupplier nanoClock, Sleeper sleeper) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("the rate must be at least one request per second");
        }
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    public static RateLimiter perSecond(int perSecond) {
        return new RateLimiter(perSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000,
                (int) (nanos % 1_000_000)));
    }

    public int perSecond() {
        return perSecond;
    }

    /** Blocks until a call may start, then counts it. */
    public synchronized void acquire() throws InterruptedException {
        long now = nanoClock.getAsLong();
        if (recent.size() >= perSecond) {
            long oldest = recent.peekFirst();
            long wait = oldest + WINDOW_NANOS + MARGIN_NANOS - now;
            if (wait > 0) {
                sleeper.sleepNanos(wait);
                now = nanoClock.getAsLong();
            }
            recent.pollFirst();
        }
        recent.addLast(now);
    }
}
