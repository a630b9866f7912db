package ai.bitrouter.billing.catalog;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of the model catalog ({@code bitrouter.catalog.*}); see docs/catalog.md. */
@ConfigMapping(prefix = "bitrouter.catalog")
public interface CatalogConfig {

    Registry registry();

    Seed seed();

    /**
     * How far after "now" a version published without an explicit instant takes effect. Every replica's cache
     * learns of a version before it applies as long as this exceeds {@link #commitLagAllowance()} plus
     * {@link #indexRefreshMinInterval()}, so no event is priced against a superseded version.
     */
    @WithDefault("5s")
    Duration publishLead();

    /** Upper bound on the time between a version row's insert and its commit. */
    @WithDefault("2s")
    Duration commitLagAllowance();

    /** The version index is re-read at most this often, however many events ask for recent instants. */
    @WithDefault("1s")
    Duration indexRefreshMinInterval();

    interface Registry {
        /**
         * Where {@code models.json} and {@code providers.json} are: a directory, or an http(s) base URL such as
         * the registry's {@code dist/} folder. Unset: no registry, and an empty catalog gets the seed.
         */
        Optional<String> location();

        /** Re-import interval when the location is a URL (read by the scheduler; "off" disables). */
        @WithDefault("1h")
        String refreshInterval();

        @WithDefault("30s")
        Duration httpTimeout();
    }

    interface Seed {
        @WithDefault("true")
        boolean enabled();
    }
}
