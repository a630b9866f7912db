package ai.bitrouter.billing.catalog.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A model as the public "Supported models & pricing" page shows it. Every rate is a string holding an exact
 * decimal, in USD per 1M tokens (the same number is micro-USD per token); a rate that is absent is unknown,
 * which is not the same as "0" (free).
 */
@Schema(name = "Model")
public record ModelView(
        String id,
        String name,
        String family,
        @JsonProperty("open_weights") Boolean openWeights,
        @Schema(description = "A closed-source family (e.g. openai/gpt-*): never discounted")
        @JsonProperty("closed_family") boolean closedFamily,
        @Schema(description = "The model's official price, or null when none is known", nullable = true)
        @JsonProperty("official_price") Official officialPrice,
        @Schema(description = "What a customer pays on BitRouter's self-hosted supply; null for closed families "
                + "and models the self-hosted provider does not serve", nullable = true)
        @JsonProperty("self_hosted") SelfHosted selfHosted,
        List<Provider> providers) {

    public record Official(
            @Schema(enumeration = {"vendor", "derived", "admin"}) String source,
            @Schema(description = "true when the vendor lists no price and this one is derived from the "
                    + "self-hosted price") boolean derived,
            @Schema(description = "The provider whose listing it is (vendor) or was derived from", nullable = true)
            @JsonProperty("basis_provider") String basisProvider,
            @Schema(description = "Registry-shaped pricing with decimal-string rates") Map<String, Object> pricing) {
    }

    public record SelfHosted(
            String provider,
            @Schema(description = "Discount off the official price, in percent", example = "25")
            @JsonProperty("discount_percent") String discountPercent,
            Map<String, Object> pricing,
            @JsonProperty("discount_variant") DiscountVariant discountVariant) {
    }

    /** The ":discount" variant: the default discount, or an account's granted one up to the cap. */
    public record DiscountVariant(
            String suffix,
            @JsonProperty("min_discount_percent") String minDiscountPercent,
            @JsonProperty("max_discount_percent") String maxDiscountPercent,
            @JsonProperty("pricing_at_max_discount") Map<String, Object> pricingAtMaxDiscount) {
    }

    public record Provider(
            String id,
            String name,
            String kind,
            String status,
            Boolean byok,
            @JsonProperty("self_hosted") boolean selfHosted,
            @Schema(description = "The provider's listed price; null when it lists the model without a price",
                    nullable = true) Map<String, Object> pricing) {
    }

    @Schema(name = "ModelList")
    public record Page(
            List<ModelView> data,
            @Schema(nullable = true) @JsonProperty("catalog_version") String catalogVersion,
            @Schema(nullable = true) @JsonProperty("effective_from") String effectiveFrom,
            @Schema(nullable = true) @JsonProperty("policy_version") String policyVersion,
            String currency,
            @Schema(description = "Unit of every rate", example = "usd_per_1m_tokens") String unit) {
    }
}
