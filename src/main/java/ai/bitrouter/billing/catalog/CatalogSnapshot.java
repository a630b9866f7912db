package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.Price;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The content of one catalog version: models, providers, which provider serves which model at what listed
 * price, and each model's official price. Immutable and sorted, so that two equal catalogs serialize, digest
 * and diff identically. An offer with an empty price is a provider listing the model without a price.
 */
public record CatalogSnapshot(SortedMap<String, ModelInfo> models, SortedMap<String, ProviderInfo> providers,
                              SortedMap<OfferKey, Optional<Price>> offers,
                              SortedMap<String, OfficialEntry> official) {

    public CatalogSnapshot {
        models = frozen(models);
        providers = frozen(providers);
        offers = frozen(offers);
        official = frozen(official);
        for (OfferKey key : offers.keySet()) {
            if (!models.containsKey(key.modelId()) || !providers.containsKey(key.providerId())) {
                throw new IllegalArgumentException("offer " + key + " names an unknown model or provider");
            }
        }
        for (String modelId : official.keySet()) {
            if (!models.containsKey(modelId)) {
                throw new IllegalArgumentException("official price for unknown model " + modelId);
            }
        }
    }

    public static final CatalogSnapshot EMPTY = new Builder().build();

    /** The listed price, empty both when the provider does not serve the model and when it lists no price. */
    public Optional<Price> listedPrice(String modelId, String providerId) {
        return offers.getOrDefault(new OfferKey(modelId, providerId), Optional.empty());
    }

    /** The offers of one model, by provider id. */
    public SortedMap<OfferKey, Optional<Price>> offersOf(String modelId) {
        return offers.subMap(new OfferKey(modelId, ""), new OfferKey(modelId + "\0", ""));
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.models.putAll(models);
        b.providers.putAll(providers);
        b.offers.putAll(offers);
        b.official.putAll(official);
        return b;
    }

    private static <K, V> SortedMap<K, V> frozen(Map<K, V> map) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(map));
    }

    public static final class Builder {
        private final SortedMap<String, ModelInfo> models = new TreeMap<>();
        private final SortedMap<String, ProviderInfo> providers = new TreeMap<>();
        private final SortedMap<OfferKey, Optional<Price>> offers = new TreeMap<>();
        private final SortedMap<String, OfficialEntry> official = new TreeMap<>();

        public Builder model(ModelInfo model) {
            models.put(model.id(), model);
            return this;
        }

        public Builder provider(ProviderInfo provider) {
            providers.put(provider.id(), provider);
            return this;
        }

        public Builder offer(String modelId, String providerId, Optional<Price> price) {
            offers.put(new OfferKey(modelId, providerId), price);
            return this;
        }

        public Builder official(String modelId, OfficialEntry entry) {
            official.put(modelId, entry);
            return this;
        }

        public Builder clearOfficial() {
            official.clear();
            return this;
        }

        public Map<OfferKey, Optional<Price>> offers() {
            return Collections.unmodifiableMap(offers);
        }

        public Map<String, ModelInfo> models() {
            return Collections.unmodifiableMap(models);
        }

        public Map<String, ProviderInfo> providers() {
            return Collections.unmodifiableMap(providers);
        }

        public CatalogSnapshot build() {
            return new CatalogSnapshot(models, providers, offers, official);
        }
    }
}
