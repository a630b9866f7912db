package ai.bitrouter.billing.pricing;

import java.util.Locale;

/** Which discount a charge carries; invoices group lines by model and this kind. */
public enum DiscountKind {
    NONE,
    SELF_HOSTED_DEFAULT,
    CUSTOM;

    // Computed once: every ledger row asks for it (lower-casing per call showed up in the ingestion profile).
    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }
}
