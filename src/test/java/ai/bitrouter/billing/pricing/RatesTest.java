package ai.bitrouter.billing.pricing;

import static ai.bitrouter.billing.pricing.Fixtures.dec;
import static ai.bitrouter.billing.pricing.Fixtures.rates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.bitrouter.billing.money.Percentage;
import org.junit.jupiter.api.Test;

class RatesTest {

    @Test
    void reasoningFallsBackToTextOnlyWhenAbsent() {
        assertEquals(dec("10"), rates(null, null, null, "10", null).rateFor(Bucket.REASONING));
        assertEquals(dec("12"), rates(null, null, null, "10", "12").rateFor(Bucket.REASONING));
        assertEquals(dec("0"), rates(null, null, null, "10", "0").rateFor(Bucket.REASONING));
        assertNull(Rates.NONE.rateFor(Bucket.REASONING));
    }

    @Test
    void eachBucketReadsItsOwnRegistryField() {
        Rates rates = rates("1", "2", "3", "4", "5");
        assertEquals(dec("1"), rates.rateFor(Bucket.UNCACHED_INPUT));
        assertEquals(dec("2"), rates.rateFor(Bucket.CACHE_READ));
        assertEquals(dec("3"), rates.rateFor(Bucket.CACHE_WRITE));
        assertEquals(dec("4"), rates.rateFor(Bucket.OUTPUT));
        assertEquals(dec("5"), rates.rateFor(Bucket.REASONING));
    }

    @Test
    void inheritanceFillsOnlyMissingRatesAndKeepsAnExplicitZero() {
        Rates tier = rates("2", "0", null, null, null);
        Rates merged = tier.orElse(rates("1", "0.1", "1.25", "5", "6"));
        assertEquals(rates("2", "0", "1.25", "5", "6"), merged);
    }

    @Test
    void aTierReasoningRateGapIsFilledFromTheBaseBeforeFallingBackToText() {
        Rates merged = rates(null, null, null, "20", null).orElse(rates("1", null, null, "5", "8"));
        assertEquals(dec("8"), merged.rateFor(Bucket.REASONING));
    }

    @Test
    void discountingIsExactAndLeavesMissingRatesMissing() {
        Rates discounted = rates("0.95", null, "0", "4", null).discountedBy(Percentage.of(25));
        assertEquals(0, dec("0.7125").compareTo(discounted.noCache()));
        assertEquals(0, dec("3").compareTo(discounted.text()));
        assertEquals(0, discounted.cacheWrite().signum());
        assertNull(discounted.cacheRead());
    }

    @Test
    void negativeRatesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> rates("-0.01", null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> rates(null, null, null, null, "-1"));
    }

    @Test
    void aFullDiscountCannotBeUndone() {
        assertThrows(IllegalArgumentException.class, () -> rates("1", null, null, null, null)
                .undiscountedBy(Percentage.of(100)));
    }
}
