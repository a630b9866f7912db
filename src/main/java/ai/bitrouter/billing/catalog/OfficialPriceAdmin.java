package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.pricing.Price;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An admin setting a model's official price: a new catalog version identical to the latest one except for that
 * price, marked {@code source = admin}. Registry imports keep it from then on.
 */
@ApplicationScoped
public class OfficialPriceAdmin {

    @Inject
    CatalogPublisher publisher;

    @Inject
    CatalogService catalog;

    @Inject
    CatalogConfig config;

    /** {@code audit} runs in the transaction that publishes the new version ({@link CatalogPublisher#publish}). */
    public SyncReport set(String modelId, Price price, String note, String admin, Optional<Instant> effectiveFrom,
            Consumer<SyncReport> audit) {
        Instant effective = effectiveFrom.orElseGet(() -> Instant.now().plus(config.publishLead()));
        String why = "official price of " + modelId + " set by an admin" + (note == null ? "" : ": " + note);
        return publisher.publish(new CatalogPublisher.Request(VersionHeader.SOURCE_ADMIN, why, admin, effectiveFrom),
                head -> {
                    CatalogSnapshot latest = head.map(CatalogVersion::snapshot).orElse(CatalogSnapshot.EMPTY);
                    if (!latest.models().containsKey(modelId)) {
                        throw ApiException.notFound("model " + modelId + " is not in the catalog");
                    }
                    CatalogSnapshot changed = latest.toBuilder().official(modelId, OfficialEntry.admin(price)).build();
                    return new Candidate(changed, CatalogChecks.check(changed, catalog.policyAt(effective)));
                }, audit).report();
    }
}
