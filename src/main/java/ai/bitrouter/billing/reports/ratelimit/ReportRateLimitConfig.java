package ai.bitrouter.billing.reports.ratelimit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The per-tenant limit on report endpoints (RELIABILITY E26). */
@ConfigMapping(prefix = "bitrouter.reports.rate-limit")
public interface ReportRateLimitConfig {
    /** Off only where latency is measured without it (the reports benchmark). */
    @WithDefault("true")
    boolean enabled();

    /** Sustained requests per second per tenant (account), per instance. */
    @WithDefault("20")
    int requestsPerSecond();

    /** Requests a tenant may make at once before the sustained rate applies. */
    @WithDefault("40")
    int burst();
}
