package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Percentage;
import ai.bitrouter.billing.money.Rounding;
import java.math.BigDecimal;
import java.util.function.UnaryOperator;

/**
 * Rates in µUSD per token (= USD per 1M tokens), named after the registry's fields:
 * {@code input_tokens.{no_cache, cache_read, cache_write}} and {@code output_tokens.{text, reasoning}}.
 * A {@code null} rate is <em>missing</em>, which is not the same as {@code 0} (free): a request that needs a
 * missing rate cannot be priced.
 */
public record Rates(BigDecimal noCache, BigDecimal cacheRead, BigDecimal cacheWrite, BigDecimal text,
                    BigDecimal reasoning) {

    public static final Rates NONE = new Rates(null, null, null, null, null);

    public Rates {
        requireNonNegative(noCache, "no_cache");
        requireNonNegative(cacheRead, "cache_read");
        requireNonNegative(cacheWrite, "cache_write");
        requireNonNegative(text, "text");
        requireNonNegative(reasoning, "reasoning");
    }

    /** The common case: input and output rates only. */
    public static Rates of(BigDecimal noCache, BigDecimal text) {
        return new Rates(noCache, null, null, text, null);
    }

    public Rates withNoCache(BigDecimal rate) {
        return new Rates(rate, cacheRead, cacheWrite, text, reasoning);
    }

    public Rates withCacheRead(BigDecimal rate) {
        return new Rates(noCache, rate, cacheWrite, text, reasoning);
    }

    public Rates withCacheWrite(BigDecimal rate) {
        return new Rates(noCache, cacheRead, rate, text, reasoning);
    }

    public Rates withText(BigDecimal rate) {
        return new Rates(noCache, cacheRead, cacheWrite, rate, reasoning);
    }

    public Rates withReasoning(BigDecimal rate) {
        return new Rates(noCache, cacheRead, cacheWrite, text, rate);
    }

    /** Each rate this one leaves out is taken from {@code base}; how a context tier inherits. */
    public Rates orElse(Rates base) {
        return new Rates(first(noCache, base.noCache), first(cacheRead, base.cacheRead),
                first(cacheWrite, base.cacheWrite), first(text, base.text), first(reasoning, base.reasoning));
    }

    /**
     * The rate that applies to a bucket, or {@code null} when missing. Reasoning tokens are output tokens,
     * so a price without a reasoning rate charges them at the text rate.
     */
    public BigDecimal rateFor(Bucket bucket) {
        return switch (bucket) {
            case UNCACHED_INPUT -> noCache;
            case CACHE_READ -> cacheRead;
            case CACHE_WRITE -> cacheWrite;
            case OUTPUT -> text;
            case REASONING -> first(reasoning, text);
        };
    }

    /** The same rates with the reasoning fallback written out, so a stored record shows the rate applied. */
    public Rates withReasoningResolved() {
        return withReasoning(rateFor(Bucket.REASONING));
    }

    /** Every present rate less {@code discount}; exact, missing rates stay missing. */
    public Rates discountedBy(Percentage discount) {
        BigDecimal factor = discount.remainingFraction();
        return map(rate -> rate.multiply(factor));
    }

    /** Every present rate divided by the part a discount leaves, i.e. the price before that discount. */
    public Rates undiscountedBy(Percentage discount) {
        BigDecimal factor = discount.remainingFraction();
        if (factor.signum() == 0) {
            throw new IllegalArgumentException("a 100% discount cannot be undone");
        }
        return map(rate -> Rounding.derivedRate(rate, factor));
    }

    private Rates map(UnaryOperator<BigDecimal> f) {
        return new Rates(apply(noCache, f), apply(cacheRead, f), apply(cacheWrite, f), apply(text, f),
                apply(reasoning, f));
    }

    private static BigDecimal apply(BigDecimal rate, UnaryOperator<BigDecimal> f) {
        return rate == null ? null : f.apply(rate);
    }

    private static BigDecimal first(BigDecimal preferred, BigDecimal fallback) {
        return preferred != null ? preferred : fallback;
    }

    private static void requireNonNegative(BigDecimal rate, String name) {
        if (rate != null && rate.signum() < 0) {
            throw new IllegalArgumentException("rate " + name + " must not be negative, got " + rate);
        }
    }
}
