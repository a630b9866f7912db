package ai.bitrouter.billing.pricing;

import java.util.Optional;

/**
 * Token counts as a usage event reports them: {@code promptTokens} is all input (cached included) and
 * {@code completionTokens} all output (reasoning included); the other three are subsets of those.
 * Counts are not validated on construction because an invalid event must still be representable, so that
 * it can be routed to the dead-letter path with its reason.
 */
public record TokenUsage(long promptTokens, long completionTokens, long cacheReadTokens, long cacheWriteTokens,
                         long reasoningTokens) {

    /** The reason this usage cannot be split into buckets, or empty when it can. */
    public Optional<String> invalidReason() {
        if (promptTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0
                // Written as a subtraction so that two huge counts cannot overflow into a false pass.
                || cacheReadTokens > promptTokens - cacheWriteTokens) {
            return Optional.of(PricingReasons.INVALID_INPUT_BUCKETS);
        }
        if (completionTokens < 0 || reasoningTokens < 0 || reasoningTokens > completionTokens) {
            return Optional.of(PricingReasons.INVALID_OUTPUT_BUCKETS);
        }
        return Optional.empty();
    }

    /**
     * The five non-overlapping buckets.
     *
     * @throws IllegalStateException if {@link #invalidReason()} is present
     */
    public Buckets toBuckets() {
        invalidReason().ifPresent(reason -> {
            throw new IllegalStateException(reason + ": " + this);
        });
        return new Buckets(promptTokens - cacheReadTokens - cacheWriteTokens, cacheReadTokens, cacheWriteTokens,
                completionTokens - reasoningTokens, reasoningTokens);
    }

    /** Every count multiplied by {@code factor}; used to reason about linearity of a price. */
    public TokenUsage times(long factor) {
        return new TokenUsage(Math.multiplyExact(promptTokens, factor), Math.multiplyExact(completionTokens, factor),
                Math.multiplyExact(cacheReadTokens, factor), Math.multiplyExact(cacheWriteTokens, factor),
                Math.multiplyExact(reasoningTokens, factor));
    }
}
