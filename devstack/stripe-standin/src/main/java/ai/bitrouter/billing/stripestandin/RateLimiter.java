package ai.bitrouter.billing.stripestandin;

import java.util.ArrayDeque;

/** Optional server-side limit: at most N Stripe API requests in any one-second window, the rest get a 429. */
final class RateLimiter {
    private final ArrayDeque<Long> window = new ArrayDeque<>();
    private int perSecond; // 0 = off

    synchronized void set(int perSecond) {
        this.perSecond = Math.max(0, perSecond);
        window.clear();
    }

    synchronized int perSecond() {
        return perSecond;
    }

    synchronized boolean admit(long nanos) {
        if (perSecond <= 0) {
            return true;
        }
        while (!window.isEmpty() && window.peekFirst() <= nanos - 1_000_000_000L) {
            window.pollFirst();
        }
        if (window.size() >= perSecond) {
            return false;
        }
        window.addLast(nanos);
        return true;
    }
}
