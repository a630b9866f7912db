package ai.bitrouter.billing.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * Something in a catalog that is accepted but deserves a look; it never blocks an import. Codes are listed in
 * docs/catalog.md.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SyncWarning(String code, String model, String provider, String message) {

    public static final String SELF_HOSTED_PRICE_MISMATCH = "self_hosted_price_mismatch";
    public static final String MISSING_INPUT_RATE = "missing_input_rate";
    public static final String MISSING_OUTPUT_RATE = "missing_output_rate";
    public static final String MISSING_CACHE_READ_RATE = "missing_cache_read_rate";
    public static final String NO_VENDOR_PROVIDER = "no_vendor_provider";
    public static final String UNKNOWN_MODEL = "unknown_model";
    public static final String UNKNOWN_PROVIDER = "unknown_provider";
    public static final String LISTING_DISAGREES = "listing_disagrees";
    public static final String LISTING_NOT_IN_MODELS = "listing_not_in_models";
    /** A models.json model entry that could not be read; the previous version's model and offers are kept. */
    public static final String SKIPPED_MODEL = "skipped_model";
    /** A models.json offer that could not be read (e.g. an unparseable rate); the previous version's price is kept. */
    public static final String SKIPPED_OFFER = "skipped_offer";
    /** A providers.json entry or listing that could not be read; providers.json only describes, so nothing is kept. */
    public static final String SKIPPED_ENTRY = "skipped_entry";

    public SyncWarning {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
