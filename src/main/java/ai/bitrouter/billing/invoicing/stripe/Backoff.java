package ai.bitrouter.billing.invoicing.stripe;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with "equal jitter": half the exponential delay fixed, half random, capped. Retries of many
 * invoices after a Stripe outage then do not arrive in lock-step.
 */
public record Backoff(Duration initial, Duration max) {

    public Duration delay(int failedAttempts, RandomGenerator random) {
        long base = initial.toMillis();
        long exp = failedAttempts >= 31 ? Long.MAX_VALUE : base * (1L << Math.max(0, failedAttempts - 1));
        long capped = Math.min(exp < 0 ? Long.MAX_VALUE : exp, max.toMillis());
        long half = capped / 2;
        return Duration.ofMillis(half + (half == 0 ? 0 : random.nextLong(half + 1)));
    }
}
