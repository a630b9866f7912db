package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.catalog.Candidate;
import ai.bitrouter.billing.catalog.CatalogChecks;
import ai.bitrouter.billing.catalog.CatalogSnapshot;
import ai.bitrouter.billing.catalog.ModelInfo;
import ai.bitrouter.billing.catalog.OfferKey;
import ai.bitrouter.billing.catalog.OfficialEntry;
import ai.bitrouter.billing.catalog.OfficialPrices;
import ai.bitrouter.billing.catalog.PriceJson;
import ai.bitrouter.billing.catalog.ProviderInfo;
import ai.bitrouter.billing.catalog.SyncWarning;
import ai.bitrouter.billing.catalog.VendorProviders;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.PricingPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a validated feed into a candidate catalog. Prices come from {@code models.json}; {@code providers.json}
 * describes the providers and is cross-checked against the models' listings (disagreements are warnings, and
 * {@code models.json} wins). Official prices follow {@link OfficialPrices}; admin-set ones are carried over.
 */
public final class RegistryCatalogBuilder {

    private final VendorProviders vendors;

    public RegistryCatalogBuilder(VendorProviders vendors) {
        this.vendors = Objects.requireNonNull(vendors, "vendors");
    }

    public Candidate build(RegistryFeed feed, PricingPolicy policy, Map<String, OfficialEntry> adminPrices) {
        return build(feed, policy, CatalogSnapshot.EMPTY, adminPrices);
    }

    /**
     * {@code previous}: the version this one is built on; an entry the feed had to skip keeps what it had there, so
     * one unreadable offer in a new feed neither withdraws a model nor changes a price.
     */
    public Candidate build(RegistryFeed feed, PricingPolicy policy, CatalogSnapshot previous,
                           Map<String, OfficialEntry> adminPrices) {
        List<SyncWarning> warnings = new ArrayList<>();
        CatalogSnapshot.Builder catalog = new CatalogSnapshot.Builder();
        feed.providers().forEach(p -> catalog.provider(new ProviderInfo(p.id(), p.name(), p.kind(), p.status(),
                p.byok())));
        Map<String, RegistryFeed.Provider> providers = new HashMap<>();
        feed.providers().forEach(p -> providers.put(p.id(), p));
        for (RegistryFeed.Model model : feed.models()) {
            catalog.model(new ModelInfo(model.id(), model.name(), model.family(), model.openWeights()));
            for (RegistryFeed.Listing listing : model.providers()) {
                if (!providers.containsKey(listing.id())) {
                    warnings.add(new SyncWarning(SyncWarning.UNKNOWN_PROVIDER, model.id(), listing.id(),
                            "the model lists a provider that providers.json does not describe"));
                    catalog.provider(ProviderInfo.undescribed(listing.id()));
                }
                catalog.offer(model.id(), listing.id(), listing.price());
            }
        }
        keepSkipped(feed.skipped(), previous, catalog, warnings);
        crossCheck(feed, catalog, warnings);
        warnings.addAll(OfficialPrices.apply(catalog, vendors, policy, adminPrices));
        CatalogSnapshot snapshot = catalog.build();
        warnings.addAll(CatalogChecks.check(snapshot, policy));
        return new Candidate(snapshot, warnings);
    }

    private static void keepSkipped(List<RegistryFeed.Skipped> skipped, CatalogSnapshot previous,
                                    CatalogSnapshot.Builder catalog, List<SyncWarning> warnings) {
        for (RegistryFeed.Skipped s : skipped) {
            if (!RegistryFeedParser.MODELS_FILE.equals(s.file())) {
                warnings.add(new SyncWarning(SyncWarning.SKIPPED_ENTRY, s.model(), s.provider(),
                        "providers.json entry skipped: " + s.reason()));
            } else if (s.provider() == null) {
                ModelInfo kept = s.model() == null || catalog.models().containsKey(s.model()) ? null
                        : previous.models().get(s.model());
                if (kept != null) {
                    catalog.model(kept);
                    previous.offersOf(kept.id()).forEach((key, price) -> keepOffer(key, price, previous, catalog));
                }
                warnings.add(new SyncWarning(SyncWarning.SKIPPED_MODEL, s.model(), null, "model entry skipped: "
                        + s.reason() + (kept == null ? "; not in this version"
                        : "; the previous version's model and offers are kept")));
            } else {
                OfferKey key = new OfferKey(s.model(), s.provider());
                Optional<Price> kept = catalog.models().containsKey(s.model()) && !catalog.offers().containsKey(key)
                        ? previous.offers().get(key) : null;
                if (kept != null) {
                    keepOffer(key, kept, previous, catalog);
                }
                warnings.add(new SyncWarning(SyncWarning.SKIPPED_OFFER, s.model(), s.provider(), "offer skipped: "
                        + s.reason() + (kept == null ? "; not in this version"
                        : "; the previous version's price is kept")));
            }
        }
    }

    private static void keepOffer(OfferKey key, Optional<Price> price, CatalogSnapshot previous,
                                  CatalogSnapshot.Builder catalog) {
        if (!catalog.providers().containsKey(key.providerId())) {
            ProviderInfo described = previous.providers().get(key.providerId());
            catalog.provider(described != null ? described : ProviderInfo.undescribed(key.providerId()));
        }
        catalog.offer(key.modelId(), key.providerId(), price);
    }

    private static void crossCheck(RegistryFeed feed, CatalogSnapshot.Builder catalog, List<SyncWarning> warnings) {
        for (RegistryFeed.Provider provider : feed.providers()) {
            for (RegistryFeed.Listing listing : provider.models()) {
                String modelId = listing.id();
                Optional<Price> fromModels = catalog.offers().get(new OfferKey(modelId, provider.id()));
                if (!catalog.models().containsKey(modelId)) {
                    warnings.add(new SyncWarning(SyncWarning.UNKNOWN_MODEL, modelId, provider.id(),
                            "providers.json lists a model that models.json does not have; ignored"));
                } else if (fromModels == null) {
                    warnings.add(new SyncWarning(SyncWarning.LISTING_NOT_IN_MODELS, modelId, provider.id(),
                            "providers.json lists this offer but models.json does not; ignored"));
                } else if (!render(fromModels).equals(render(listing.price()))) {
                    warnings.add(new SyncWarning(SyncWarning.LISTING_DISAGREES, modelId, provider.id(),
                            "providers.json prices this offer " + render(listing.price()) + " but models.json "
                                    + render(fromModels) + "; models.json is used"));
                }
            }
        }
    }

    private static Object render(Optional<Price> price) {
        return price.<Object>map(PriceJson::of).orElse("no pricing");
    }
}
