package ai.bitrouter.billing.pricing;

import static ai.bitrouter.billing.pricing.Fixtures.dec;
import static ai.bitrouter.billing.pricing.Fixtures.inOut;
import static ai.bitrouter.billing.pricing.Fixtures.rates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.money.Percentage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PriceTest {

    // Tiers given out of order on purpose: selection must not depend on the registry's ordering.
    private static final Price TWO_TIERS = new Price(inOut("1", "2"), List.of(
            new ContextTier(200_000, inOut("3", null)),
            new ContextTier(128_000, inOut("2", "4"))));

    @ParameterizedTest
    @CsvSource({"0, -1", "1, -1", "128000, -1", "128001, 128000", "200000, 128000", "200001, 200000",
            "9000000, 200000"})
    void theGreatestThresholdStrictlyBelowThePromptApplies(long prompt, long expectedTier) {
        long selected = TWO_TIERS.tierFor(prompt).map(ContextTier::aboveInputTokens).orElse(-1L);
        assertEquals(expectedTier, selected);
    }

    @Test
    void aTierInheritsWhatItLeavesOutFromTheBaseNotFromALowerTier() {
        Rates rates = TWO_TIERS.ratesFor(300_000);
        assertEquals(0, dec("3").compareTo(rates.noCache()));
        assertEquals(0, dec("2").compareTo(rates.text()));
    }

    @Test
    void aTierAtZeroAppliesToAnyNonEmptyPrompt() {
        Price price = new Price(inOut("1", "2"), List.of(new ContextTier(0, inOut("5", null))));
        assertTrue(price.tierFor(0).isEmpty());
        assertEquals(0, dec("5").compareTo(price.ratesFor(1).noCache()));
    }

    @Test
    void duplicateThresholdsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Price(Rates.NONE,
                List.of(new ContextTier(10, Rates.NONE), new ContextTier(10, Rates.NONE))));
        assertThrows(IllegalArgumentException.class, () -> new ContextTier(-1, Rates.NONE));
    }

    @Test
    void undiscountingDividesEveryRateAndKeepsMissingOnesMissing() {
        Price selfHosted = new Price(rates("0.7125", "0.12", null, "3", null),
                List.of(new ContextTier(128_000, inOut("0.75", null))));
        Price official = selfHosted.undiscountedBy(Percentage.of(25));
        assertEquals(0, dec("0.95").compareTo(official.base().noCache()));
        assertEquals(0, dec("0.16").compareTo(official.base().cacheRead()));
        assertEquals(0, dec("4").compareTo(official.base().text()));
        assertNull(official.base().cacheWrite());
        assertEquals(0, dec("1").compareTo(official.contextTiers().get(0).rates().noCache()));
        assertNull(official.contextTiers().get(0).rates().text());
    }
}
