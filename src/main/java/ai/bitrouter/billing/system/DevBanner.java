package ai.bitrouter.billing.system;

import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Dev mode only: where to look once the embedded stack and the service are up. */
@ApplicationScoped
@IfBuildProfile("dev")
public class DevBanner {
    private static final Logger LOG = Logger.getLogger(DevBanner.class);

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
    int port;

    /** Health, metrics and the API docs are on the management port (application.properties). */
    @ConfigProperty(name = "quarkus.management.port", defaultValue = "9000")
    int managementPort;

    @ConfigProperty(name = "bitrouter.devstack.keycloak-url")
    Optional<String> keycloak;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    Optional<String> jdbc;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    Optional<String> kafka;

    void started(@Observes StartupEvent ev) {
        String base = "http://localhost:" + port;
        String management = "http://localhost:" + managementPort;
        LOG.infof("""

                ==== BitRouter Cloud Billing (dev) =====================================
                  API docs       %s/q/swagger-ui
                  Health         %s/q/health/ready
                  Metrics        %s/q/metrics
                  Models         %s/v1/models
                  Keycloak admin %s/admin   (admin / admin)
                  Demo sign-in   demo / demo  (billing-admin: admin / admin)
                  CLI login      bitrouter cloud login --oauth-as %s
                  PostgreSQL     %s   (postgres / postgres)
                  Kafka          %s
                ========================================================================
                """, management, management, management, base, keycloak.orElse("(external)"), base, jdbc.orElse("?"), kafka.orElse("?"));
    }
}
