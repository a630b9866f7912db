package ai.bitrouter.billing.pricing;

import java.util.Objects;
import java.util.Optional;

/**
 * A requested model id split into the model and its routing variant. Only the five known suffixes are
 * variants; anything else after a colon belongs to the id itself (so {@code vendor/model:free} is a model
 * id, unknown unless the catalog has it), and suffixes are matched exactly as the router documents them.
 */
public record ModelRef(String modelId, Optional<Variant> variant) {

    public ModelRef {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(variant, "variant");
        if (modelId.isBlank()) {
            throw new IllegalArgumentException("a model id must not be blank");
        }
    }

    public static ModelRef parse(String requested) {
        Objects.requireNonNull(requested, "requested");
        int colon = requested.lastIndexOf(':');
        if (colon > 0) {
            Optional<Variant> variant = Variant.fromSuffix(requested.substring(colon + 1));
            if (variant.isPresent()) {
                return new ModelRef(requested.substring(0, colon), variant);
            }
        }
        return new ModelRef(requested, Optional.empty());
    }

    public boolean isDiscountVariant() {
        return variant.filter(v -> v == Variant.DISCOUNT).isPresent();
    }

    @Override
    public String toString() {
        return variant.map(v -> modelId + ":" + v.suffix()).orElse(modelId);
    }
}
