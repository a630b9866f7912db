package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.CatalogView;
import ai.bitrouter.billing.pricing.OfficialPrice;
import ai.bitrouter.billing.pricing.Price;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One published catalog version, immutable, as the pricing engine reads it. Lookups are hash-map reads
 * prepared once, because the metering consumer asks for every event.
 */
public final class CatalogVersion implements CatalogView {

    private final VersionHeader header;
    private final CatalogSnapshot snapshot;
    private final Map<OfferKey, Price> listed = new HashMap<>();
    private final Map<String, OfficialPrice> official = new HashMap<>();

    public CatalogVersion(VersionHeader header, CatalogSnapshot snapshot) {
        this.header = Objects.requireNonNull(header, "header");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        snapshot.offers().forEach((key, price) -> price.ifPresent(p -> listed.put(key, p)));
        snapshot.official().forEach((model, entry) -> official.put(model, entry.toOfficialPrice()));
    }

    public VersionHeader header() {
        return header;
    }

    public CatalogSnapshot snapshot() {
        return snapshot;
    }

    @Override
    public String versionId() {
        return header.id();
    }

    @Override
    public Optional<Price> listedPrice(String modelId, String providerId) {
        return Optional.ofNullable(listed.get(new OfferKey(modelId, providerId)));
    }

    @Override
    public Optional<OfficialPrice> officialPrice(String modelId) {
        return Optional.ofNullable(official.get(modelId));
    }

    @Override
    public String toString() {
        return "CatalogVersion[" + header.id() + " from " + header.effectiveFrom() + "]";
    }
}
