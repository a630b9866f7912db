package ai.bitrouter.billing.catalog;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * Publishes the seed as the very first catalog version. Safe when several instances start at once: the first
 * version is the one without a predecessor, and the unique index allows only one such version, so every
 * attempt but one (and every attempt on a non-empty catalog) inserts nothing.
 */
@ApplicationScoped
public class SeedLoader {

    @Inject
    CatalogStore store;

    @Inject
    CatalogService catalog;

    /** The seed version, or empty when the catalog already had a first version. */
    public Optional<VersionHeader> loadIfEmpty() {
        SeedCatalog seed = SeedCatalog.load();
        Candidate candidate = seed.candidate(VendorProviders.load(), catalog.policyAt(seed.effectiveFrom()));
        Optional<VersionHeader> inserted = store.insert(new CatalogStore.NewVersion(Optional.empty(),
                Optional.of(seed.effectiveFrom()), 0, VersionHeader.SOURCE_SEED, seed.note(), null,
                candidate.snapshot(), CatalogDigest.of(candidate.snapshot())));
        inserted.ifPresent(v -> catalog.refresh());
        return inserted;
    }
}
