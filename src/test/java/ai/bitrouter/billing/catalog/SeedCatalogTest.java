package ai.bitrouter.billing.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.pricing.PricingPolicy;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeedCatalogTest {

    private static final PricingPolicy POLICY = PricingPolicy.defaults("pol-test", Instant.EPOCH);

    private final SeedCatalog seed = SeedCatalog.load();
    private final Candidate candidate = seed.candidate(VendorProviders.load(), POLICY);
    private final CatalogSnapshot catalog = candidate.snapshot();

    @Test
    void theSeedIsInForceFromTheBeginning() {
        assertEquals(Instant.EPOCH, seed.effectiveFrom());
    }

    @Test
    void kimiHasItsVendorPriceAndASelfHostedListingAtThreeQuarters() {
        OfficialEntry kimi = catalog.official().get("moonshotai/kimi-k2.6");

        assertEquals(OfficialSource.VENDOR, kimi.source());
        assertEquals(Map.of("no_cache", "0.95", "cache_read", "0.16"), PriceJson.of(kimi.price()).get("input_tokens"));
        assertEquals(Map.of("text", "4"), PriceJson.of(kimi.price()).get("output_tokens"));
        assertEquals(PriceJson.of(SelfHostedPrice.of(kimi.price(), POLICY.defaultOpenDiscount())),
                PriceJson.of(catalog.listedPrice("moonshotai/kimi-k2.6", "bitrouter").orElseThrow()));
    }

    @Test
    void theSeedCoversAClosedFamilyOfEachKindATieredPriceAndADerivedOfficialPrice() {
        assertEquals(Map.of("no_cache", "3", "cache_read", "0.3", "cache_write", "3.75"),
                PriceJson.of(catalog.official().get("anthropic/claude-sonnet-4.6").price()).get("input_tokens"));
        assertTrue(POLICY.isClosedFamily("anthropic/claude-sonnet-4.6"));
        assertTrue(POLICY.isClosedFamily("openai/gpt-5.4"));
        assertEquals(OfficialSource.VENDOR, catalog.official().get("openai/gpt-5.4").source());
        assertFalse(catalog.listedPrice("minimax/minimax-m3", "tencent").orElseThrow().contextTiers().isEmpty());
        OfficialEntry deepseek = catalog.official().get("deepseek/deepseek-v3.2");
        assertEquals(OfficialSource.DERIVED, deepseek.source());
        assertEquals(Map.of("no_cache", "0.28", "cache_read", "0.14"),
                PriceJson.of(deepseek.price()).get("input_tokens"));
    }

    @Test
    void theSeedIsConsistentWithItsOwnRules() {
        assertEquals(6, catalog.models().size());
        assertTrue(candidate.warnings().isEmpty(), () -> "seed warnings: " + candidate.warnings());
    }
}
