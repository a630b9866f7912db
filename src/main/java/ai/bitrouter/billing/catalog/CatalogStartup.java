package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.catalog.registry.RegistryImporter;
import ai.bitrouter.billing.catalog.registry.RegistryRefreshJob;
import ai.bitrouter.billing.common.scheduling.ClusterLock;
import ai.bitrouter.billing.catalog.registry.RegistrySource;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Gives the service a catalog at startup. With a local registry directory configured it is imported (a URL is
 * imported by the scheduled refresh, which also runs at startup). With no registry at all, the seed becomes the
 * first version when the catalog is empty, so a dev run works offline. Then the cache is warmed.
 */
@ApplicationScoped
public class CatalogStartup {

    private static final Logger LOG = Logger.getLogger(CatalogStartup.class);

    @Inject
    CatalogConfig config;

    @Inject
    RegistrySource registry;

    @Inject
    RegistryImporter importer;

    @Inject
    SeedLoader seed;

    @Inject
    CatalogService catalog;

    @Inject
    ClusterLock lock;

    @Inject
    CatalogAudit audit;

    void onStart(@Observes StartupEvent event) {
        Optional<String> location = registry.location();
        if (location.isPresent() && !registry.isRemote()) {
            try {
                // Instances starting together would import the same directory: one does, the others skip.
                lock.runExclusively(RegistryRefreshJob.JOB,
                        () -> importer.importConfigured(RegistryImporter.Trigger.STARTUP, null,
                                audit.importBy(AuditLog.Actor.system("catalog-startup-import"), false)));
            } catch (RuntimeException e) {
                LOG.errorf("registry import from %s failed at startup: %s", location.get(), e.getMessage());
            }
        } else if (location.isEmpty() && config.seed().enabled()) {
            seed.loadIfEmpty();
        }
        catalog.current().ifPresentOrElse(
                v -> LOG.infof("catalog version %s in force (%d models)", v.versionId(), v.snapshot().models().size()),
                () -> LOG.warn("no catalog version in force: requests will stay unpriced until one is published"));
    }
}
