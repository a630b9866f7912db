package ai.bitrouter.billing.metering;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The admin replay of dead letters ({@link DeadLetterReplay}, docs/operations.md "Dead letters: inspect and replay"). */
@ConfigMapping(prefix = "bitrouter.metering.dead-letters")
public interface DeadLetterConfig {

    /**
     * How many times one event may be re-published from the dead-letter topic. A replayed copy that is dead-lettered
     * again carries its count ({@code replay-count} header), so an event whose cause was not fixed stops being
     * replayed instead of adding a copy to the topic on every replay.
     */
    @WithDefault("3")
    int maxReplays();

    /**
     * The longest a scan of the dead-letter topic may read (inspect or replay); the request runs on an HTTP worker,
     * so it must end. A scan cut short says so ({@code complete: false}).
     */
    @WithDefault("PT30S")
    Duration scanTimeout();

    /** Events re-published by one replay request when it names no limit. */
    @WithDefault("1000")
    int defaultLimit();

    /** The largest limit a replay request may ask for: the events to re-publish are held in memory until sent. */
    @WithDefault("10000")
    int maxLimit();
}
