package ai.bitrouter.billing.pricing;

import java.util.Optional;

/** The routing suffixes of a requested model id; only {@link #DISCOUNT} changes the price. */
public enum Variant {
    DISCOUNT("discount"),
    COST("cost"),
    LATENCY("latency"),
    THROUGHPUT("throughput"),
    BALANCED("balanced");

    private final String suffix;

    Variant(String suffix) {
        this.suffix = suffix;
    }

    /** The suffix as written after the colon, e.g. {@code discount}. */
    public String suffix() {
        return suffix;
    }

    static Optional<Variant> fromSuffix(String suffix) {
        for (Variant variant : values()) {
            if (variant.suffix.equals(suffix)) {
                return Optional.of(variant);
            }
        }
        return Optional.empty();
    }
}
