package ai.bitrouter.billing.reports.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A rate limit per tenant: {@code burst} requests at once, then {@code perSecond}. Implemented as the generic cell
 * rate algorithm (one "theoretical arrival time" per tenant, integer nanoseconds: no floating point, no timer), with
 * an injectable clock so it is tested without sleeping. One instance's view only: with N replicas a tenant can make
 * up to N times the rate. That is what this limit is for (one tenant's scripts must not starve the others on an
 * instance), not a billing quota.
 */
public final class TenantRateLimiter {
    /** Tenants tracked before idle ones are dropped; an idle tenant is the same as an unknown one. */
    static final int PRUNE_ABOVE = 10_000;

    private final long interval;
    private final long tolerance;
    private final LongSupplier nanoClock;
    private final Map<String, long[]> arrivals = new ConcurrentHashMap<>();

    public TenantRateLimiter(int perSecond, int burst, LongSupplier nanoClock) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be at least 1");
        }
        this.interval = 1_000_000_000L / perSecond;
        this.tolerance = interval * (burst - 1);
        this.nanoClock = nanoClock;
    }

    /** Empty when the request may go ahead (and counts); otherwise how long until it would be allowed. */
    public Optional<Duration> tryAcquire(String tenant) {
        long now = nanoClock.getAsLong();
        if (arrivals.size() > PRUNE_ABOVE) {
            arrivals.values().removeIf(tat -> tat[0] <= now);
        }
        long[] tat = arrivals.computeIfAbsent(tenant, t -> new long[] { now });
        synchronized (tat) {
            long next = Math.max(tat[0], now);
            long early = next - now - tolerance;
            if (early > 0) {
                return Optional.of(Duration.ofNanos(early));
            }
            tat[0] = next + interval;
            return Optional.empty();
        }
    }

    int tracked() {
        return arrivals.size();
    }
}
