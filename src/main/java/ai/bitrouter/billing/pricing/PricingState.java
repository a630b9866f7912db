package ai.bitrouter.billing.pricing;

import java.util.Locale;

/** Outcome of pricing one request. */
public enum PricingState {
    /** Priced; the charge is owed (and may be zero at a free rate). */
    COMPUTED,
    /** Recorded but never billed: the request did not succeed, or the customer paid the provider (BYOK). */
    NOT_CHARGED,
    /** A price or rate it needs is missing; parked and priced again once the catalog has it, never billed $0. */
    UNKNOWN,
    /** The token counts contradict each other; goes to the dead-letter path, never priced. */
    INVALID;

    // Computed once: every ledger row asks for it (lower-casing per call showed up in the ingestion profile).
    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }
}
