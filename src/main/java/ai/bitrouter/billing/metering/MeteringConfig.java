package ai.bitrouter.billing.metering;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "bitrouter.metering")
public interface MeteringConfig {

    /**
     * An event timed further ahead than this is dead-lettered ({@code time_in_future}): a router clock that wrong
     * would put usage into a month that has not started. Late events, however late, are accepted.
     */
    @WithDefault("PT1H")
    Duration maxFutureSkew();

    /**
     * How often the scheduled re-pricing runs (on one instance at a time); read by the {@code @Scheduled} expression,
     * declared here so that setting it passes the configuration's validation.
     */
    @WithDefault("30s")
    Duration repriceEvery();

    /** How many parked (unpriced) rows one re-pricing pass handles in a transaction. */
    @WithDefault("1000")
    int repriceBatchSize();
}
