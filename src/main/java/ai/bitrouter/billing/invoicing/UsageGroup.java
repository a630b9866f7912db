package ai.bitrouter.billing.invoicing;

import ai.bitrouter.billing.money.Money;

/**
 * The charged requests of one account for one usage period, served model and discount kind: what the ledger sums
 * to, and the finest grain of an invoice line. Amounts are exact micro-USD.
 */
public record UsageGroup(BillingPeriod period, String model, String discountKind, long requests,
        TokenTotals tokens, Money list, Money charge) {

    public UsageGroup {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative");
        }
    }

    /** The five non-overlapping buckets, summed. */
    public record TokenTotals(long uncachedInput, long cacheRead, long cacheWrite, long output, long reasoning) {
        public static final TokenTotals ZERO = new TokenTotals(0, 0, 0, 0, 0);

        public TokenTotals plus(TokenTotals o) {
            return new TokenTotals(Math.addExact(uncachedInput, o.uncachedInput),
                    Math.addExact(cacheRead, o.cacheRead), Math.addExact(cacheWrite, o.cacheWrite),
                    Math.addExact(output, o.output), Math.addExact(reasoning, o.reasoning));
        }
    }
}
