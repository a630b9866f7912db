package ai.bitrouter.billing.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenUsageTest {

    @Test
    void splitsIntoFiveNonOverlappingBuckets() {
        Buckets buckets = new TokenUsage(100, 30, 40, 20, 10).toBuckets();
        assertEquals(new Buckets(40, 40, 20, 20, 10), buckets);
        assertEquals(100, buckets.uncachedInput() + buckets.cacheRead() + buckets.cacheWrite());
        assertEquals(30, buckets.output() + buckets.reasoning());
    }

    @Test
    void fullyCachedPromptAndAllReasoningAreValid() {
        assertEquals(new Buckets(0, 60, 40, 0, 7), new TokenUsage(100, 7, 60, 40, 7).toBuckets());
    }

    @Test
    void cacheLargerThanThePromptIsInvalidInput() {
        assertEquals(Optional.of(PricingReasons.INVALID_INPUT_BUCKETS), new TokenUsage(100, 0, 60, 41, 0).invalidReason());
        assertEquals(Optional.of(PricingReasons.INVALID_INPUT_BUCKETS), new TokenUsage(100, 0, 101, 0, 0).invalidReason());
    }

    @Test
    void hugeCountsCannotOverflowIntoAValidEvent() {
        TokenUsage usage = new TokenUsage(10, 0, Long.MAX_VALUE, Long.MAX_VALUE, 0);
        assertEquals(Optional.of(PricingReasons.INVALID_INPUT_BUCKETS), usage.invalidReason());
    }

    @Test
    void negativeCountsAreInvalidOnTheirSide() {
        assertEquals(Optional.of(PricingReasons.INVALID_INPUT_BUCKETS), new TokenUsage(10, 5, 0, -1, 0).invalidReason());
        assertEquals(Optional.of(PricingReasons.INVALID_OUTPUT_BUCKETS), new TokenUsage(10, 5, 0, 0, -1).invalidReason());
        assertEquals(Optional.of(PricingReasons.INVALID_OUTPUT_BUCKETS), new TokenUsage(10, -5, 0, 0, 0).invalidReason());
    }

    @Test
    void moreReasoningThanCompletionIsInvalidOutput() {
        assertEquals(Optional.of(PricingReasons.INVALID_OUTPUT_BUCKETS), new TokenUsage(10, 5, 0, 0, 6).invalidReason());
    }

    @Test
    void inputIsCheckedBeforeOutput() {
        assertEquals(Optional.of(PricingReasons.INVALID_INPUT_BUCKETS), new TokenUsage(10, 5, 11, 0, 6).invalidReason());
    }

    @Test
    void anInvalidUsageHasNoBuckets() {
        TokenUsage usage = new TokenUsage(10, 5, 0, 0, 6);
        IllegalStateException error = assertThrows(IllegalStateException.class, usage::toBuckets);
        assertTrue(error.getMessage().startsWith(PricingReasons.INVALID_OUTPUT_BUCKETS));
    }

    @Test
    void scalingRefusesToOverflow() {
        assertEquals(new TokenUsage(300, 60, 120, 60, 30), new TokenUsage(100, 20, 40, 20, 10).times(3));
        assertThrows(ArithmeticException.class, () -> new TokenUsage(Long.MAX_VALUE, 0, 0, 0, 0).times(2));
    }
}
