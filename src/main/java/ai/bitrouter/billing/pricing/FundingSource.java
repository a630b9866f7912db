package ai.bitrouter.billing.pricing;

import java.util.Locale;

/** Who pays the provider: BitRouter from the account's credit, or the customer directly (BYOK). */
public enum FundingSource {
    CLOUD_CREDIT,
    BYOK;

    // Computed once: every ledger row asks for it (lower-casing per call showed up in the ingestion profile).
    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    /**
     * Strict on purpose: guessing a funding source would either bill BYOK traffic or give credit traffic
     * away, so an unknown value is an error for the caller to route to the dead-letter path.
     */
    public static FundingSource fromWire(String value) {
        for (FundingSource source : values()) {
            if (source.wireName().equals(value)) {
                return source;
            }
        }
        throw new IllegalArgumentException("unknown funding_source: " + value);
    }
}
