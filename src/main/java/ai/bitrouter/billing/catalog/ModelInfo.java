package ai.bitrouter.billing.catalog;

import java.util.Objects;

/** A model as the catalog describes it; {@code family} and {@code openWeights} may be unknown (null). */
public record ModelInfo(String id, String name, String family, Boolean openWeights) {

    public ModelInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
    }
}
