package ai.bitrouter.billing.pricing;

import java.util.Locale;

/** Which discount a charge carries; invoices group lines by model and this kind. */
public enum DiscountKind {
    NONE,
    SELF_HOSTED_DEFAULT,
    CUSTOM;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
