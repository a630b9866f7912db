package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.catalog.CatalogAudit;
import ai.bitrouter.billing.common.scheduling.ClusterLock;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Re-imports the registry periodically when its location is a URL. A failed or rejected run is recorded and
 * logged; the catalog in force is untouched, and the next run tries again. Only one instance imports at a time
 * ({@link ClusterLock}); the others skip the tick, since they would import the same feed.
 */
@ApplicationScoped
public class RegistryRefreshJob {

    private static final Logger LOG = Logger.getLogger(RegistryRefreshJob.class);

    /** The cluster-lock name shared with the startup import. */
    public static final String JOB = "catalog-registry-import";

    @Inject
    RegistryImporter importer;

    @Inject
    ClusterLock lock;

    @Inject
    CatalogAudit audit;

    @Scheduled(identity = "catalog-registry-refresh", every = "${bitrouter.catalog.registry.refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NoRemoteRegistry.class)
    void refresh() {
        lock.runScheduled(JOB, this::importNow);
    }

    private void importNow() {
        try {
            var report = importer.importConfigured(RegistryImporter.Trigger.SCHEDULED, null,
                    audit.importBy(AuditLog.Actor.system(JOB), false));
            LOG.infof("registry import: %s (version %s, %d warnings)", report.outcome(), report.versionId(),
                    report.warnings().size());
        } catch (RuntimeException e) {
            LOG.warnf("registry import failed, the catalog in force is unchanged: %s", e.getMessage());
        }
    }

    /** Periodic refresh only makes sense for a URL; a local directory is imported once at startup. */
    @Singleton
    public static class NoRemoteRegistry implements Scheduled.SkipPredicate {

        @Inject
        RegistrySource source;

        @Override
        public boolean test(ScheduledExecution execution) {
            return !source.isRemote();
        }
    }
}
