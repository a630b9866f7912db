package ai.bitrouter.billing.catalog;

import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

import ai.bitrouter.billing.audit.AuditLog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The audit rows of catalog changes, as hooks that {@link CatalogPublisher#publish} runs inside the transaction that
 * inserts the new version: the version and its audit row commit together or not at all.
 */
@ApplicationScoped
public class CatalogAudit {

    @Inject
    AuditLog audit;

    /**
     * A registry import by {@code actor}. An admin's import is recorded also when it changed nothing (they asked for
     * it); a scheduled or startup one only when it published a version, or the trail would be a clock.
     */
    public Consumer<SyncReport> importBy(AuditLog.Actor actor, boolean recordUnchanged) {
        return report -> {
            if (!recordUnchanged && !SyncReport.CREATED.equals(report.outcome())) {
                return;
            }
            audit.record(actor, AuditLog.CATALOG_IMPORT, "catalog_version", report.versionId(),
                    report.previousVersionId() == null ? null : Map.of("version_id", report.previousVersionId()),
                    report, report.outcome());
        };
    }

    /** An official-price override: before and after are the old and new official entries of the model. */
    public Consumer<SyncReport> officialPriceBy(AuditLog.Actor actor, String modelId) {
        return report -> {
            JsonNode changes = audit.tree(report).path("changes").path("official_prices");
            JsonNode before = null;
            JsonNode after = null;
            for (JsonNode changed : changes.path("changed")) {
                before = changed.get("old");
                after = changed.get("new");
            }
            for (JsonNode added : changes.path("added")) {
                after = added;
            }
            audit.record(actor, AuditLog.OFFICIAL_PRICE_SET, "model", modelId, before, after,
                    report.outcome() + (report.versionId() == null ? "" : " in catalog version " + report.versionId()));
        };
    }
}
