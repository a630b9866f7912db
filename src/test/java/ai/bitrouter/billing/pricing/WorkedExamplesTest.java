package ai.bitrouter.billing.pricing;

import static ai.bitrouter.billing.pricing.Fixtures.POLICY;
import static ai.bitrouter.billing.pricing.Fixtures.SELF_HOSTED;
import static ai.bitrouter.billing.pricing.Fixtures.dec;
import static ai.bitrouter.billing.pricing.Fixtures.inOut;
import static ai.bitrouter.billing.pricing.Fixtures.micro;
import static ai.bitrouter.billing.pricing.Fixtures.rates;
import static ai.bitrouter.billing.pricing.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.money.Percentage;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The worked examples of the pricing rules, one test each, with the exact amounts the rules promise. */
class WorkedExamplesTest {

    private final PricingEngine engine = new PricingEngine();

    private static final String MODEL = "vendor/model-x";
    private static final String THIRD_PARTY = "acme";
    private static final String KIMI = "moonshotai/kimi-k2.6";
    private static final String SONNET = "anthropic/claude-sonnet-4.6";

    /** Examples 1 to 4 are about buckets and tiers, so they use a third-party provider: no discount. */
    private PricingResult priceAtListed(Price price, TokenUsage usage) {
        CatalogView catalog = InMemoryCatalog.builder("cat-1").listed(MODEL, THIRD_PARTY, price).build();
        return engine.price(request(MODEL, MODEL, THIRD_PARTY).usage(usage).build(), catalog, POLICY);
    }

    private static void assertCharged(String expectedMicroUsd, PricingResult result) {
        assertEquals(PricingState.COMPUTED, result.state(), () -> "reason: " + result.reason());
        assertEquals(micro(expectedMicroUsd), result.charge().orElseThrow());
    }

    @Test
    void example1_inputAndOutput() {
        PricingResult result = priceAtListed(Price.flat(inOut("2", "10")), Fixtures.usage(100, 50));
        assertCharged("700", result);
        assertEquals(700, result.charge().orElseThrow().toWireMicroUsd());
        assertEquals(DiscountKind.NONE, result.discount().kind());
    }

    @Test
    void example2_cacheAndReasoningBuckets() {
        Price price = Price.flat(rates("2", "0.2", "2.5", "10", null));
        PricingResult result = priceAtListed(price, new TokenUsage(100, 30, 40, 20, 10));
        assertCharged("438", result);
        assertEquals(new Buckets(40, 40, 20, 20, 10), result.buckets().orElseThrow());
        // Reasoning had no rate of its own: the text rate is recorded as the one applied.
        assertEquals(0, dec("10").compareTo(result.effectiveRates().orElseThrow().reasoning()));
    }

    private static final Price TIERED = new Price(inOut("1.3", "7.8"),
            List.of(new ContextTier(128_000, inOut("2.0", "12.0"))));

    @Test
    void example3_aContextTierPricesTheWholeRequest() {
        PricingResult result = priceAtListed(TIERED, Fixtures.usage(200_000, 1_000));
        assertCharged("412000", result);
        assertEquals(128_000, result.contextTierAbove().orElseThrow());
    }

    @Test
    void example3_promptExactlyAtTheThresholdStaysOnBaseRates() {
        PricingResult result = priceAtListed(TIERED, Fixtures.usage(128_000, 1_000));
        // 128,000 × 1.3 + 1,000 × 7.8
        assertCharged("174200", result);
        assertTrue(result.contextTierAbove().isEmpty());
    }

    @Test
    void example4_aTierWithoutAnOutputRateInheritsTheBaseOne() {
        Price price = new Price(inOut("1.3", "7.8"),
                List.of(new ContextTier(128_000, Rates.NONE.withNoCache(dec("2.0")))));
        PricingResult result = priceAtListed(price, Fixtures.usage(200_000, 1_000));
        assertCharged("407800", result);
        assertEquals(0, dec("7.8").compareTo(result.effectiveRates().orElseThrow().text()));
    }

    /** Kimi as in the registry: the vendor's official price, the self-hosted and one third-party listing. */
    private static final CatalogView KIMI_CATALOG = InMemoryCatalog.builder("cat-2026-07-02")
            .official(KIMI, Price.flat(rates("0.95", "0.16", null, "4.00", null)))
            .listed(KIMI, "moonshotai", Price.flat(rates("0.95", "0.16", null, "4.00", null)))
            .listed(KIMI, SELF_HOSTED, Price.flat(rates("0.7125", "0.12", null, "3", null)))
            .listed(KIMI, "akashml", Price.flat(inOut("0.95", "4.00")))
            .build();

    private PricingResult kimi(String requested, String provider, String customDiscount) {
        var builder = request(requested, KIMI, provider).usage(1_000_000, 100_000);
        if (customDiscount != null) {
            builder.customDiscount(customDiscount);
        }
        return engine.price(builder.build(), KIMI_CATALOG, POLICY);
    }

    @Test
    void example5_selfHostedOpenModelIsOfficialLessTheDefaultDiscount() {
        PricingResult result = kimi(KIMI, SELF_HOSTED, null);
        assertCharged("1012500", result);
        assertEquals(0, dec("1.0125").compareTo(result.charge().orElseThrow().toUsd()));
        assertEquals(micro("1350000"), result.listAmount().orElseThrow());
        assertEquals(micro("337500"), result.discountAmount().orElseThrow());
        assertEquals(DiscountKind.SELF_HOSTED_DEFAULT, result.discount().kind());
        assertEquals(Percentage.of(25), result.discount().percentage());
        assertEquals(PriceBasis.OFFICIAL, result.priceBasis().orElseThrow());
        assertEquals(0, dec("0.7125").compareTo(result.effectiveRates().orElseThrow().noCache()));
        assertEquals("cat-2026-07-02", result.catalogVersionId());
        assertEquals("policy-2026-07", result.policyVersionId());
    }

    @Test
    void example6_discountVariantWithADeeperCustomDiscount() {
        PricingResult result = kimi(KIMI + ":discount", SELF_HOSTED, "40");
        assertCharged("810000", result);
        assertEquals(DiscountKind.CUSTOM, result.discount().kind());
        assertEquals(Percentage.of(40), result.discount().percentage());
        assertEquals(PricingReasons.DISCOUNT_CUSTOM, result.discount().why());
        assertEquals(micro("540000"), result.discountAmount().orElseThrow());
    }

    @Test
    void example6_aShallowerCustomDiscountLeavesTheDefault() {
        PricingResult result = kimi(KIMI + ":discount", SELF_HOSTED, "10");
        assertCharged("1012500", result);
        assertEquals(DiscountKind.SELF_HOSTED_DEFAULT, result.discount().kind());
        assertEquals(PricingReasons.DISCOUNT_CUSTOM_NOT_DEEPER, result.discount().why());
    }

    @Test
    void example6_withoutTheDiscountVariantTheCustomDiscountDoesNotApply() {
        PricingResult result = kimi(KIMI, SELF_HOSTED, "40");
        assertCharged("1012500", result);
        assertEquals(DiscountKind.SELF_HOSTED_DEFAULT, result.discount().kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {KIMI, KIMI + ":discount", KIMI + ":cost"})
    void example7_anotherProviderChargesItsListedRate(String requested) {
        PricingResult result = kimi(requested, "akashml", "40");
        assertCharged("1350000", result);
        assertEquals(DiscountKind.NONE, result.discount().kind());
        assertEquals(PricingReasons.DISCOUNT_NOT_SELF_HOSTED, result.discount().why());
        assertEquals(PriceBasis.PROVIDER_LISTED, result.priceBasis().orElseThrow());
    }

    @Nested
    class Example8ClosedFamily {

        private final CatalogView catalog = InMemoryCatalog.builder("cat-1")
                .listed(SONNET, "anthropic", Price.flat(inOut("3", "15")))
                .listed(SONNET, SELF_HOSTED, Price.flat(inOut("3", "15")))
                .official(SONNET, Price.flat(inOut("3", "15")))
                .build();

        private PricingResult sonnet(String requested, String provider, String customDiscount) {
            var builder = request(requested, SONNET, provider).usage(1_000_000, 100_000);
            if (customDiscount != null) {
                builder.customDiscount(customDiscount);
            }
            return engine.price(builder.build(), catalog, POLICY);
        }

        @ParameterizedTest
        @ValueSource(strings = {"", ":cost", ":latency", ":throughput", ":balanced"})
        void neverDiscountedWhateverTheSuffixOrProvider(String suffix) {
            for (String provider : List.of("anthropic", SELF_HOSTED)) {
                PricingResult result = sonnet(SONNET + suffix, provider, "50");
                assertCharged("4500000", result);
                assertEquals(DiscountKind.NONE, result.discount().kind());
                assertEquals(PricingReasons.DISCOUNT_CLOSED_FAMILY, result.discount().why());
                assertFalse(result.anomaly());
            }
        }

        @Test
        void discountVariantOnAClosedFamilyIsChargedInFullAndFlaggedAsAnAnomaly() {
            for (String provider : List.of("anthropic", SELF_HOSTED)) {
                PricingResult result = sonnet(SONNET + ":discount", provider, "40");
                assertCharged("4500000", result);
                assertEquals(Money.ofMicroUsd(4_500_000), result.listAmount().orElseThrow());
                assertEquals(DiscountKind.NONE, result.discount().kind());
                assertTrue(result.anomaly());
                assertEquals(450, result.charge().orElseThrow().toCents());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KIMI, KIMI + ":discount"})
    void example9_aFailedRequestIsNotCharged(String requested) {
        for (String provider : List.of(SELF_HOSTED, "akashml", "unlisted-provider")) {
            PricingRequest failed = request(requested, KIMI, provider).usage(1_000_000, 100_000)
                    .status(RequestStatus.FAILED).customDiscount("40").build();
            PricingResult result = engine.price(failed, KIMI_CATALOG, POLICY);
            assertEquals(PricingState.NOT_CHARGED, result.state());
            assertEquals(Money.ZERO, result.charge().orElseThrow());
            assertEquals(0, result.charge().orElseThrow().toWireMicroUsd());
            assertEquals(PricingReasons.NOT_SUCCEEDED, result.reason().orElseThrow());
        }
    }
}
