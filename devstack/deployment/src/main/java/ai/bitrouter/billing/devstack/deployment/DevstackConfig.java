package ai.bitrouter.billing.devstack.deployment;

import java.util.Optional;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Build-time settings of the embedded stack. Each server is started only when the application has no address
 * for it already (so pointing {@code QUARKUS_DATASOURCE_JDBC_URL}, {@code KAFKA_BOOTSTRAP_SERVERS} or
 * {@code QUARKUS_OIDC_AUTH_SERVER_URL} at a real server replaces that embedded one; likewise
 * {@code BITROUTER_STRIPE_API_BASE} replaces the local Stripe stand-in).
 */
@ConfigMapping(prefix = "bitrouter.devstack")
@ConfigRoot(phase = ConfigPhase.BUILD_TIME)
public interface DevstackConfig {

    /** Start the embedded servers at all (dev and test launch modes only; never in production). */
    @WithDefault("true")
    boolean enabled();

    /** Where run data (database files, broker logs, Keycloak home) goes; default {@code target/devstack/<mode>}. */
    Optional<String> dataDir();

    /** The realm file to import; default: {@code deploy/keycloak/bitrouter-realm.json} found above the working directory. */
    Optional<String> realmFile();

    /** Realm name, used to decide when Keycloak is ready. */
    @WithDefault("bitrouter")
    String realm();

    /** Partitions of topics the broker creates on first use. */
    @WithDefault("4")
    int kafkaPartitions();

    /** Seconds to wait for Keycloak to serve the realm. */
    @WithDefault("300")
    int keycloakStartTimeout();

    /** The local Stripe stand-in, started unless {@code bitrouter.stripe.api-base} is configured. */
    Stripe stripe();

    interface Stripe {
        /** Start the stand-in at all. */
        @WithDefault("true")
        boolean enabled();

        /** The service's webhook path; in dev mode the stand-in posts events to localhost:<http port><path>. */
        @WithDefault("/stripe/webhook")
        String webhookPath();
    }
}
