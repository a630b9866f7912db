package ai.bitrouter.billing.common.scheduling;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Which of this instance's scheduled jobs may run. Every instance may run every job by default (the cluster lock keeps
 * it to one at a time); an operator can still take an instance out of the rotation, e.g. a replica that only serves
 * the API, or one job everywhere while it is being investigated.
 */
@ConfigMapping(prefix = "bitrouter.scheduling")
public interface SchedulingConfig {

    /** Off: none of this instance's scheduled jobs runs (admin-triggered runs are not affected). */
    @WithDefault("true")
    boolean enabled();

    /** Job names that must not run on this instance, e.g. {@code metering-reprice,catalog-registry-refresh}. */
    Optional<List<String>> disabledJobs();

    default boolean enabled(String job) {
        return enabled() && disabledJobs().map(d -> !d.contains(job)).orElse(true);
    }
}
