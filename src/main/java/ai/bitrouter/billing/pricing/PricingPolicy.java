package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Percentage;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The numbers of the discount programme, versioned and dated so that changing the programme is a data
 * change and an old event is still priced under the policy that was in effect when it happened.
 *
 * @param versionId              recorded on every charge priced under this policy
 * @param effectiveFrom          first instant at which the policy applies (resolved by the caller)
 * @param selfHostedProviderId   the registry provider whose supply is BitRouter's own
 * @param closedFamilies         models that are never discounted, whoever serves them
 * @param defaultOpenDiscount    discount on open models served by the self-hosted provider
 * @param customDiscountCap      the deepest an account's custom discount can go, whatever was granted
 */
public record PricingPolicy(String versionId, Instant effectiveFrom, String selfHostedProviderId,
                            List<ModelPattern> closedFamilies, Percentage defaultOpenDiscount,
                            Percentage customDiscountCap) {

    public static final String DEFAULT_SELF_HOSTED_PROVIDER_ID = "bitrouter";
    public static final List<String> DEFAULT_CLOSED_FAMILIES =
            List.of("openai/gpt-*", "anthropic/claude-*", "google/gemini-*", "x-ai/grok-*");

    public PricingPolicy {
        Objects.requireNonNull(versionId, "versionId");
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        Objects.requireNonNull(selfHostedProviderId, "selfHostedProviderId");
        closedFamilies = List.copyOf(closedFamilies);
        Objects.requireNonNull(defaultOpenDiscount, "defaultOpenDiscount");
        Objects.requireNonNull(customDiscountCap, "customDiscountCap");
    }

    /** The programme as launched: self-hosted provider {@code bitrouter}, 25% off open models, custom up to 50%. */
    public static PricingPolicy defaults(String versionId, Instant effectiveFrom) {
        return new PricingPolicy(versionId, effectiveFrom, DEFAULT_SELF_HOSTED_PROVIDER_ID,
                DEFAULT_CLOSED_FAMILIES.stream().map(ModelPattern::new).toList(),
                Percentage.of(25), Percentage.of(50));
    }

    public boolean isClosedFamily(String modelId) {
        return closedFamilies.stream().anyMatch(pattern -> pattern.matches(modelId));
    }

    public boolean isSelfHosted(String providerId) {
        return selfHostedProviderId.equals(providerId);
    }
}
