package ai.bitrouter.billing.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelRefTest {

    @ParameterizedTest
    @CsvSource({"discount, DISCOUNT", "cost, COST", "latency, LATENCY", "throughput, THROUGHPUT",
            "balanced, BALANCED"})
    void theFiveVariantsAreSplitOff(String suffix, Variant variant) {
        ModelRef ref = ModelRef.parse("moonshotai/kimi-k2.6:" + suffix);
        assertEquals("moonshotai/kimi-k2.6", ref.modelId());
        assertEquals(Optional.of(variant), ref.variant());
        assertEquals("moonshotai/kimi-k2.6:" + suffix, ref.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vendor/model:free", "vendor/model:Discount", "vendor/model:discounts", "vendor/model:",
            "vendor/model", ":discount"})
    void anythingElseIsPartOfTheId(String requested) {
        ModelRef ref = ModelRef.parse(requested);
        assertEquals(requested, ref.modelId());
        assertTrue(ref.variant().isEmpty());
        assertFalse(ref.isDiscountVariant());
    }

    @Test
    void onlyTheLastSuffixIsAVariant() {
        ModelRef ref = ModelRef.parse("vendor/model:free:discount");
        assertEquals("vendor/model:free", ref.modelId());
        assertTrue(ref.isDiscountVariant());
        ModelRef notVariant = ModelRef.parse("vendor/model:discount:free");
        assertEquals("vendor/model:discount:free", notVariant.modelId());
    }

    @Test
    void aBlankIdIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ModelRef.parse(" "));
    }
}
