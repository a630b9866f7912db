package ai.bitrouter.billing.pricing;

/**
 * Tokens split so that each token is counted once and has exactly one rate. Built by
 * {@link TokenUsage#toBuckets()}, which guarantees every count is non-negative.
 */
public record Buckets(long uncachedInput, long cacheRead, long cacheWrite, long output, long reasoning) {

    public Buckets {
        if (uncachedInput < 0 || cacheRead < 0 || cacheWrite < 0 || output < 0 || reasoning < 0) {
            throw new IllegalArgumentException("bucket counts must be non-negative");
        }
    }

    public long tokens(Bucket bucket) {
        return switch (bucket) {
            case UNCACHED_INPUT -> uncachedInput;
            case CACHE_READ -> cacheRead;
            case CACHE_WRITE -> cacheWrite;
            case OUTPUT -> output;
            case REASONING -> reasoning;
        };
    }
}
