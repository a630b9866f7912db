package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Percentage;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A (model, provider) price as the registry states it: base rates plus optional context tiers. */
public record Price(Rates base, List<ContextTier> contextTiers) {

    public Price {
        Objects.requireNonNull(base, "base");
        contextTiers = contextTiers.stream().sorted(Comparator.comparingLong(ContextTier::aboveInputTokens)).toList();
        for (int i = 1; i < contextTiers.size(); i++) {
            if (contextTiers.get(i).aboveInputTokens() == contextTiers.get(i - 1).aboveInputTokens()) {
                throw new IllegalArgumentException(
                        "two context tiers above " + contextTiers.get(i).aboveInputTokens() + " input tokens");
            }
        }
    }

    public static Price flat(Rates base) {
        return new Price(base, List.of());
    }

    /**
     * The tier for a request: the greatest threshold strictly below the prompt size. It prices the whole
     * request (a step, not marginal pricing), so a prompt exactly at a threshold stays below it.
     */
    public Optional<ContextTier> tierFor(long promptTokens) {
        ContextTier selected = null;
        for (ContextTier tier : contextTiers) {
            if (tier.aboveInputTokens() < promptTokens) {
                selected = tier;
            }
        }
        return Optional.ofNullable(selected);
    }

    /** The rates that apply to a request with this many prompt tokens, tier inheritance resolved. */
    public Rates ratesFor(long promptTokens) {
        return tierFor(promptTokens).map(tier -> tier.rates().orElse(base)).orElse(base);
    }

    /**
     * The official price implied by a self-hosted listed price that already carries {@code discount}: every
     * rate, base and tier, divided by {@code 1 − discount}. Used where the vendor lists no price.
     */
    public Price undiscountedBy(Percentage discount) {
        return new Price(base.undiscountedBy(discount), contextTiers.stream()
                .map(tier -> new ContextTier(tier.aboveInputTokens(), tier.rates().undiscountedBy(discount)))
                .toList());
    }
}
