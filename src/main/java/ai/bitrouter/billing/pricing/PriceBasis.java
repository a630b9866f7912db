package ai.bitrouter.billing.pricing;

import java.util.Locale;

/** Which catalog price a charge was computed from. */
public enum PriceBasis {
    /** The model vendor's own listed price (open model served by the self-hosted provider). */
    OFFICIAL,
    /** No vendor price: derived from the self-hosted price, marked so in the catalog. */
    OFFICIAL_DERIVED,
    /** The listed price of the provider that served the request. */
    PROVIDER_LISTED;

    // Computed once: every ledger row asks for it (lower-casing per call showed up in the ingestion profile).
    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }
}
