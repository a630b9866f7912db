package ai.bitrouter.billing.pricing;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** An immutable catalog held in memory: for tests, seeds and pricing a what-if without a database. */
public final class InMemoryCatalog implements CatalogView {

    private record Offer(String modelId, String providerId) {
    }

    private final String versionId;
    private final Map<Offer, Price> listed;
    private final Map<String, OfficialPrice> official;

    private InMemoryCatalog(String versionId, Map<Offer, Price> listed, Map<String, OfficialPrice> official) {
        this.versionId = versionId;
        this.listed = Map.copyOf(listed);
        this.official = Map.copyOf(official);
    }

    public static Builder builder(String versionId) {
        return new Builder(versionId);
    }

    @Override
    public String versionId() {
        return versionId;
    }

    @Override
    public Optional<Price> listedPrice(String modelId, String providerId) {
        return Optional.ofNullable(listed.get(new Offer(modelId, providerId)));
    }

    @Override
    public Optional<OfficialPrice> officialPrice(String modelId) {
        return Optional.ofNullable(official.get(modelId));
    }

    public static final class Builder {
        private final String versionId;
        private final Map<Offer, Price> listed = new HashMap<>();
        private final Map<String, OfficialPrice> official = new HashMap<>();

        private Builder(String versionId) {
            this.versionId = Objects.requireNonNull(versionId, "versionId");
        }

        public Builder listed(String modelId, String providerId, Price price) {
            listed.put(new Offer(modelId, providerId), Objects.requireNonNull(price, "price"));
            return this;
        }

        public Builder official(String modelId, Price price) {
            official.put(modelId, new OfficialPrice(price, false));
            return this;
        }

        public Builder derivedOfficial(String modelId, Price price) {
            official.put(modelId, new OfficialPrice(price, true));
            return this;
        }

        public InMemoryCatalog build() {
            return new InMemoryCatalog(versionId, listed, official);
        }
    }
}
