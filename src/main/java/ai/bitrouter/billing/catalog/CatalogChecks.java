package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.PricingPolicy;
import ai.bitrouter.billing.pricing.Rates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Warnings about a complete catalog, whatever its source. Each names a situation in which some request
 * would be unpriced (parked as unknown) or priced differently from what the listing suggests.
 */
public final class CatalogChecks {

    private CatalogChecks() {
    }

    public static List<SyncWarning> check(CatalogSnapshot catalog, PricingPolicy policy) {
        List<SyncWarning> warnings = new ArrayList<>();
        catalog.offers().forEach((key, price) -> price.ifPresent(p -> checkRates(key, p.base(), warnings)));
        catalog.official().forEach((modelId, official) -> checkSelfHosted(catalog, policy, modelId, official)
                .ifPresent(warnings::add));
        return warnings;
    }

    /**
     * Every request has input and output tokens, so a listing without {@code no_cache} or {@code text} can price
     * nothing. A missing reasoning rate is fine (reasoning falls back to text); a provider that charges cache
     * writes also serves cache reads, which are then unpriced. Tiers inherit from the base, so the base is checked.
     */
    private static void checkRates(OfferKey key, Rates base, List<SyncWarning> warnings) {
        if (base.noCache() == null) {
            warnings.add(new SyncWarning(SyncWarning.MISSING_INPUT_RATE, key.modelId(), key.providerId(),
                    "no input_tokens.no_cache rate: every request through this listing would be unpriced"));
        }
        if (base.text() == null) {
            warnings.add(new SyncWarning(SyncWarning.MISSING_OUTPUT_RATE, key.modelId(), key.providerId(),
                    "no output_tokens.text rate: every request with output through this listing would be unpriced"));
        }
        if (base.cacheWrite() != null && base.cacheRead() == null) {
            warnings.add(new SyncWarning(SyncWarning.MISSING_CACHE_READ_RATE, key.modelId(), key.providerId(),
                    "cache writes are priced but cache reads are not: requests reading the cache would be unpriced"));
        }
    }

    /**
     * Self-hosted open-model traffic is charged at the official price less the default discount, not at the
     * self-hosted listing; when the two disagree the listing misleads (or the official price lacks a rate the
     * self-hosted supply emits, which leaves such requests unpriced).
     */
    private static Optional<SyncWarning> checkSelfHosted(CatalogSnapshot catalog, PricingPolicy policy,
                                                         String modelId, OfficialEntry official) {
        if (official.source() == OfficialSource.DERIVED || policy.isClosedFamily(modelId)) {
            return Optional.empty();
        }
        String selfHosted = policy.selfHostedProviderId();
        Optional<Price> listed = catalog.listedPrice(modelId, selfHosted);
        if (listed.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> expected = PriceJson.of(SelfHostedPrice.of(official.price(), policy.defaultOpenDiscount()));
        Map<String, Object> actual = PriceJson.of(listed.get());
        if (expected.equals(actual)) {
            return Optional.empty();
        }
        return Optional.of(new SyncWarning(SyncWarning.SELF_HOSTED_PRICE_MISMATCH, modelId, selfHosted,
                "self-hosted listing " + actual + " is not the official price less " + policy.defaultOpenDiscount()
                        + " " + expected + "; customers are charged the latter"));
    }
}
