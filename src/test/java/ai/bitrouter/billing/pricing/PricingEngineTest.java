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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.money.Percentage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PricingEngineTest {

    private static final String OPEN = "qwen/qwen3-coder";
    private static final String PROVIDER = "acme";

    private final PricingEngine engine = new PricingEngine();

    private PricingResult price(PricingRequest request, CatalogView catalog) {
        return engine.price(request, catalog, POLICY);
    }

    private static CatalogView listedOnly(Price price) {
        return InMemoryCatalog.builder("cat-1").listed(OPEN, PROVIDER, price).build();
    }

    @Test
    void aBucketWithTokensButNoRateLeavesTheRequestUnknownNeverFree() {
        CatalogView catalog = listedOnly(Price.flat(inOut("2", "10")));
        PricingRequest request = request(OPEN, OPEN, PROVIDER).usage(new TokenUsage(100, 50, 0, 30, 0)).build();
        PricingResult result = price(request, catalog);
        assertEquals(PricingState.UNKNOWN, result.state());
        assertEquals("missing_rate:cache_write", result.reason().orElseThrow());
        assertTrue(result.charge().isEmpty());
        assertTrue(result.listAmount().isEmpty());
        assertEquals(new Buckets(70, 0, 30, 50, 0), result.buckets().orElseThrow());
        assertEquals("cat-1", result.catalogVersionId());
    }

    @Test
    void everyMissingRateIsNamedInBucketOrder() {
        CatalogView catalog = listedOnly(Price.flat(Rates.NONE.withNoCache(dec("2"))));
        PricingRequest request = request(OPEN, OPEN, PROVIDER).usage(new TokenUsage(100, 50, 10, 30, 5)).build();
        assertEquals("missing_rate:cache_read,cache_write,output,reasoning", price(request, catalog).reason().orElseThrow());
    }

    @Test
    void aMissingReasoningRateFallsBackToTextButAMissingTextRateIsReported() {
        CatalogView catalog = listedOnly(Price.flat(Rates.NONE.withNoCache(dec("1")).withReasoning(dec("3"))));
        PricingRequest onlyReasoning = request(OPEN, OPEN, PROVIDER).usage(new TokenUsage(10, 5, 0, 0, 5)).build();
        PricingResult priced = price(onlyReasoning, catalog);
        assertEquals(micro("25"), priced.charge().orElseThrow());
        PricingRequest someText = request(OPEN, OPEN, PROVIDER).usage(new TokenUsage(10, 6, 0, 0, 5)).build();
        assertEquals("missing_rate:output", price(someText, catalog).reason().orElseThrow());
    }

    @Test
    void emptyBucketsNeedNoRate() {
        CatalogView catalog = listedOnly(Price.flat(Rates.NONE.withNoCache(dec("2"))));
        PricingResult result = price(request(OPEN, OPEN, PROVIDER).usage(100, 0).build(), catalog);
        assertEquals(micro("200"), result.charge().orElseThrow());
    }

    @Test
    void anExplicitZeroRateIsFree() {
        CatalogView catalog = listedOnly(Price.flat(rates("2", "0", "0", "10", null)));
        PricingRequest request = request(OPEN, OPEN, PROVIDER).usage(new TokenUsage(100, 10, 50, 25, 0)).build();
        PricingResult result = price(request, catalog);
        assertEquals(PricingState.COMPUTED, result.state());
        assertEquals(micro("150"), result.charge().orElseThrow());
    }

    @Test
    void noTokensCostNothingButArePriced() {
        PricingResult result = price(request(OPEN, OPEN, PROVIDER).build(), listedOnly(Price.flat(inOut("2", "10"))));
        assertEquals(PricingState.COMPUTED, result.state());
        assertEquals(Money.ZERO, result.charge().orElseThrow());
    }

    @Test
    void invalidInputBuckets() {
        CatalogView catalog = listedOnly(Price.flat(inOut("2", "10")));
        for (TokenUsage bad : List.of(new TokenUsage(100, 0, 60, 41, 0), new TokenUsage(-1, 0, 0, 0, 0),
                new TokenUsage(100, 0, -1, 0, 0))) {
            PricingResult result = price(request(OPEN, OPEN, PROVIDER).usage(bad).build(), catalog);
            assertEquals(PricingState.INVALID, result.state(), bad::toString);
            assertEquals(PricingReasons.INVALID_INPUT_BUCKETS, result.reason().orElseThrow());
            assertTrue(result.charge().isEmpty());
            assertTrue(result.buckets().isEmpty());
        }
    }

    @Test
    void invalidOutputBuckets() {
        CatalogView catalog = listedOnly(Price.flat(inOut("2", "10")));
        for (TokenUsage bad : List.of(new TokenUsage(100, 10, 0, 0, 11), new TokenUsage(100, -5, 0, 0, 0))) {
            PricingResult result = price(request(OPEN, OPEN, PROVIDER).usage(bad).build(), catalog);
            assertEquals(PricingState.INVALID, result.state(), bad::toString);
            assertEquals(PricingReasons.INVALID_OUTPUT_BUCKETS, result.reason().orElseThrow());
        }
    }

    @Test
    void invalidWinsOverFailedAndByokBecauseSuchEventsAreNeverPriced() {
        CatalogView catalog = listedOnly(Price.flat(inOut("2", "10")));
        PricingRequest failed = request(OPEN, OPEN, PROVIDER).usage(new TokenUsage(10, 0, 20, 0, 0))
                .status(RequestStatus.FAILED).funding(FundingSource.BYOK).build();
        assertEquals(PricingState.INVALID, price(failed, catalog).state());
    }

    @Test
    void byokIsNotCharged() {
        CatalogView catalog = listedOnly(Price.flat(inOut("2", "10")));
        PricingResult result = price(request(OPEN, OPEN, PROVIDER).usage(100, 50).funding(FundingSource.BYOK).build(),
                catalog);
        assertEquals(PricingState.NOT_CHARGED, result.state());
        assertEquals(PricingReasons.BYOK, result.reason().orElseThrow());
        assertEquals(Money.ZERO, result.charge().orElseThrow());
        assertEquals(new Buckets(100, 0, 0, 50, 0), result.buckets().orElseThrow());
    }

    @Test
    void byokIsNotChargedEvenWithoutAnyPriceInTheCatalog() {
        CatalogView empty = InMemoryCatalog.builder("cat-empty").build();
        PricingResult result = price(request(OPEN, OPEN, PROVIDER).usage(100, 50).funding(FundingSource.BYOK).build(),
                empty);
        assertEquals(PricingState.NOT_CHARGED, result.state());
    }

    @Test
    void selfHostedOpenModelWithoutOfficialPriceIsUnknownEvenIfTheSelfHostedProviderListsOne() {
        CatalogView catalog = InMemoryCatalog.builder("cat-1").listed(OPEN, SELF_HOSTED, Price.flat(inOut("1", "2")))
                .build();
        PricingResult result = price(request(OPEN, OPEN, SELF_HOSTED).usage(100, 50).build(), catalog);
        assertEquals(PricingState.UNKNOWN, result.state());
        assertEquals(PricingReasons.MISSING_OFFICIAL_PRICE, result.reason().orElseThrow());
    }

    @Test
    void anUnlistedProviderIsUnknown() {
        PricingResult result = price(request(OPEN, OPEN, "nobody").usage(100, 50).build(),
                listedOnly(Price.flat(inOut("2", "10"))));
        assertEquals(PricingState.UNKNOWN, result.state());
        assertEquals(PricingReasons.MISSING_LISTED_PRICE, result.reason().orElseThrow());
    }

    @Test
    void aDerivedOfficialPriceIsUsedAndMarked() {
        Price selfHostedListed = Price.flat(inOut("0.7125", "3"));
        CatalogView catalog = InMemoryCatalog.builder("cat-1")
                .derivedOfficial(OPEN, selfHostedListed.undiscountedBy(POLICY.defaultOpenDiscount()))
                .build();
        PricingResult result = price(request(OPEN, OPEN, SELF_HOSTED).usage(1_000_000, 100_000).build(), catalog);
        assertEquals(PriceBasis.OFFICIAL_DERIVED, result.priceBasis().orElseThrow());
        assertEquals(micro("1012500"), result.charge().orElseThrow());
        assertEquals(micro("1350000"), result.listAmount().orElseThrow());
    }

    @Test
    void aCustomDiscountAboveTheCapIsCappedAtFiftyPercent() {
        CatalogView catalog = InMemoryCatalog.builder("cat-1").official(OPEN, Price.flat(inOut("1", "2"))).build();
        PricingRequest request = request(OPEN + ":discount", OPEN, SELF_HOSTED).usage(1_000, 500)
                .customDiscount("80").build();
        PricingResult result = price(request, catalog);
        assertEquals(micro("1000"), result.charge().orElseThrow());
        assertEquals(Percentage.of(50), result.discount().percentage());
        assertEquals(DiscountKind.CUSTOM, result.discount().kind());
        assertEquals(PricingReasons.DISCOUNT_CUSTOM_CAPPED, result.discount().why());
    }

    @Test
    void aCustomDiscountEqualToTheDefaultIsReportedAsTheDefault() {
        CatalogView catalog = InMemoryCatalog.builder("cat-1").official(OPEN, Price.flat(inOut("1", "2"))).build();
        PricingRequest request = request(OPEN + ":discount", OPEN, SELF_HOSTED).usage(1_000, 500)
                .customDiscount("25").build();
        PricingResult result = price(request, catalog);
        assertEquals(DiscountKind.SELF_HOSTED_DEFAULT, result.discount().kind());
        assertEquals(micro("1500"), result.charge().orElseThrow());
    }

    @Test
    void discountVariantWithoutAGrantGetsTheDefault() {
        CatalogView catalog = InMemoryCatalog.builder("cat-1").official(OPEN, Price.flat(inOut("1", "2"))).build();
        PricingResult result = price(request(OPEN + ":discount", OPEN, SELF_HOSTED).usage(1_000, 500).build(), catalog);
        assertEquals(DiscountKind.SELF_HOSTED_DEFAULT, result.discount().kind());
        assertEquals(PricingReasons.DISCOUNT_NO_CUSTOM_GRANT, result.discount().why());
        assertEquals(micro("1500"), result.charge().orElseThrow());
    }

    @Test
    void theProgrammeIsData() {
        PricingPolicy deeper = new PricingPolicy("policy-2027", Instant.parse("2027-01-01T00:00:00Z"), "own-gpus",
                List.of(new ModelPattern("vendor/secret-*")), Percentage.of(30), Percentage.of(60));
        CatalogView catalog = InMemoryCatalog.builder("cat-1")
                .official(OPEN, Price.flat(inOut("1", "2")))
                .listed("vendor/secret-1", "own-gpus", Price.flat(inOut("1", "2")))
                .build();
        PricingResult open = engine.price(request(OPEN + ":discount", OPEN, "own-gpus").usage(1_000, 500)
                .customDiscount("80").build(), catalog, deeper);
        assertEquals(micro("800"), open.charge().orElseThrow());
        assertEquals("policy-2027", open.policyVersionId());
        PricingResult closed = engine.price(request("vendor/secret-1", "vendor/secret-1", "own-gpus").usage(1_000, 500)
                .build(), catalog, deeper);
        assertEquals(micro("2000"), closed.charge().orElseThrow());
        PricingResult notSelfHostedAnyMore = engine.price(request(OPEN, OPEN, SELF_HOSTED).usage(1_000, 500).build(),
                catalog, deeper);
        assertEquals(PricingReasons.MISSING_LISTED_PRICE, notSelfHostedAnyMore.reason().orElseThrow());
    }

    @Test
    void anUnknownSuffixIsPartOfTheModelIdAndDoesNotDiscount() {
        CatalogView catalog = InMemoryCatalog.builder("cat-1").official(OPEN, Price.flat(inOut("1", "2"))).build();
        PricingResult result = price(request(OPEN + ":free", OPEN, SELF_HOSTED).usage(1_000, 500)
                .customDiscount("40").build(), catalog);
        assertEquals(OPEN + ":free", result.requestedModel().modelId());
        assertTrue(result.requestedModel().variant().isEmpty());
        assertEquals(DiscountKind.SELF_HOSTED_DEFAULT, result.discount().kind());
        assertFalse(result.anomaly());
    }

    @Test
    void theServedModelIsWhatIsPriced() {
        CatalogView catalog = InMemoryCatalog.builder("cat-1")
                .listed("vendor/other", PROVIDER, Price.flat(inOut("5", "5")))
                .build();
        PricingResult result = price(request("router/auto", "vendor/other", PROVIDER).usage(10, 10).build(), catalog);
        assertEquals(micro("100"), result.charge().orElseThrow());
    }

    @Test
    void theResultRecordsTheRatesItUsed() {
        CatalogView catalog = InMemoryCatalog.builder("cat-1")
                .official(OPEN, new Price(inOut("1", "4"), List.of(new ContextTier(1_000, inOut("2", null)))))
                .build();
        PricingResult result = price(request(OPEN, OPEN, SELF_HOSTED).usage(2_000, 100).build(), catalog);
        Rates list = result.listRates().orElseThrow();
        Rates charged = result.effectiveRates().orElseThrow();
        assertEquals(0, dec("2").compareTo(list.noCache()));
        assertEquals(0, dec("4").compareTo(list.text()));
        assertEquals(0, dec("4").compareTo(list.reasoning()));
        assertEquals(0, dec("1.5").compareTo(charged.noCache()));
        assertEquals(0, dec("3").compareTo(charged.text()));
        assertEquals(null, charged.cacheRead());
        assertEquals(1_000, result.contextTierAbove().orElseThrow());
        assertEquals(micro("3300"), result.charge().orElseThrow());
    }

    @Test
    void resultsRefuseAChargeOnAnUnpricedState() {
        PricingResult unknown = price(request(OPEN, OPEN, "nobody").usage(1, 1).build(), listedOnly(Price.flat(inOut("1", "1"))));
        assertThrows(IllegalArgumentException.class, () -> new PricingResult(unknown.requestId(), unknown.state(),
                unknown.reason(), Optional.of(Money.ZERO), unknown.listAmount(), unknown.discount(),
                unknown.priceBasis(), unknown.listRates(), unknown.effectiveRates(), unknown.contextTierAbove(),
                unknown.buckets(), unknown.requestedModel(), unknown.catalogVersionId(), unknown.policyVersionId(),
                unknown.anomaly()));
    }
}
