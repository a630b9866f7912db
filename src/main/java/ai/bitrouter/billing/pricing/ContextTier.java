package ai.bitrouter.billing.pricing;

import java.util.Objects;

/**
 * Rates for requests whose prompt is longer than {@code aboveInputTokens}; rates left out here are
 * inherited from the price's base rates.
 */
public record ContextTier(long aboveInputTokens, Rates rates) {

    public ContextTier {
        if (aboveInputTokens < 0) {
            throw new IllegalArgumentException("above_input_tokens must not be negative, got " + aboveInputTokens);
        }
        Objects.requireNonNull(rates, "rates");
    }
}
