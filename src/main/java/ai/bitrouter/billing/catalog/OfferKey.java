package ai.bitrouter.billing.catalog;

import java.util.Comparator;
import java.util.Objects;

/** A (model, provider) pair: one provider serving one model. */
public record OfferKey(String modelId, String providerId) implements Comparable<OfferKey> {

    private static final Comparator<OfferKey> ORDER =
            Comparator.comparing(OfferKey::modelId).thenComparing(OfferKey::providerId);

    public OfferKey {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(providerId, "providerId");
    }

    @Override
    public int compareTo(OfferKey other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return modelId + " @ " + providerId;
    }
}
