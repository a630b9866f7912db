package ai.bitrouter.billing.pricing;

/**
 * Stable reason codes recorded on results; they are stored and used as metric labels, so they never change
 * meaning once released.
 */
public final class PricingReasons {

    public static final String INVALID_INPUT_BUCKETS = "invalid_input_buckets";
    public static final String INVALID_OUTPUT_BUCKETS = "invalid_output_buckets";
    public static final String NOT_SUCCEEDED = "request_not_succeeded";
    public static final String BYOK = "byok";
    public static final String MISSING_OFFICIAL_PRICE = "missing_official_price";
    public static final String MISSING_LISTED_PRICE = "missing_listed_price";
    /** Followed by the bucket codes lacking a rate, comma-separated in bucket order. */
    public static final String MISSING_RATE_PREFIX = "missing_rate:";

    /** Why a discount was or was not applied. */
    public static final String DISCOUNT_NOT_PRICED = "not_priced";
    public static final String DISCOUNT_CLOSED_FAMILY = "closed_family";
    public static final String DISCOUNT_NOT_SELF_HOSTED = "not_self_hosted";
    public static final String DISCOUNT_DEFAULT_OPEN = "default_open_discount";
    public static final String DISCOUNT_NO_CUSTOM_GRANT = "no_custom_discount";
    public static final String DISCOUNT_CUSTOM_NOT_DEEPER = "custom_not_deeper_than_default";
    public static final String DISCOUNT_CUSTOM = "custom_discount";
    public static final String DISCOUNT_CUSTOM_CAPPED = "custom_discount_capped";

    private PricingReasons() {
    }
}
