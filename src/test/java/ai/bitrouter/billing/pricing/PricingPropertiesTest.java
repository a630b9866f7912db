package ai.bitrouter.billing.pricing;

import static ai.bitrouter.billing.pricing.Fixtures.POLICY;
import static ai.bitrouter.billing.pricing.Fixtures.SELF_HOSTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.money.Percentage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

class PricingPropertiesTest {

    private static final String OPEN = "moonshotai/kimi-k2.6";
    private static final String CLOSED = "openai/gpt-5.4";
    private static final String THIRD_PARTY = "acme";
    private static final List<String> SUFFIXES = List.of("", ":discount", ":cost", ":latency", ":throughput",
            ":balanced", ":free");

    private final PricingEngine engine = new PricingEngine();

    // --- generators -------------------------------------------------------------------------------------

    @Provide
    Arbitrary<TokenUsage> usages() {
        Arbitrary<Long> count = Arbitraries.longs().between(0, 5_000_000);
        Arbitrary<Long> share = Arbitraries.longs().between(0, Long.MAX_VALUE);
        return Combinators.combine(count, count, share, share, share).as((prompt, completion, a, b, c) -> {
            long cacheRead = a % (prompt + 1);
            long cacheWrite = b % (prompt - cacheRead + 1);
            long reasoning = c % (completion + 1);
            return new TokenUsage(prompt, completion, cacheRead, cacheWrite, reasoning);
        });
    }

    private static Arbitrary<BigDecimal> rate() {
        return Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("200")).ofScale(6);
    }

    /** Every rate present (possibly zero), so every generated request is priceable. */
    private static Arbitrary<Rates> fullRates() {
        Arbitrary<BigDecimal> maybeReasoning = rate().injectNull(0.5);
        return Combinators.combine(rate(), rate(), rate(), rate(), maybeReasoning).as(Rates::new);
    }

    @Provide
    Arbitrary<Price> prices() {
        Arbitrary<List<ContextTier>> tiers = Combinators.combine(Arbitraries.longs().between(0, 4_000_000),
                        fullRates().map(r -> r.withCacheWrite(null)))
                .as(ContextTier::new)
                .list().ofMaxSize(3).uniqueElements(ContextTier::aboveInputTokens);
        return Combinators.combine(fullRates(), tiers).as(Price::new);
    }

    @Provide
    Arbitrary<Optional<Percentage>> grants() {
        return Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.valueOf(100)).ofScale(2)
                .map(Percentage::of).optional();
    }

    @Provide
    Arbitrary<String> suffixes() {
        return Arbitraries.of(SUFFIXES);
    }

    @Provide
    Arbitrary<String> providers() {
        return Arbitraries.of(SELF_HOSTED, THIRD_PARTY);
    }

    @Provide
    Arbitrary<String> models() {
        return Arbitraries.of(OPEN, CLOSED);
    }

    // --- helpers ----------------------------------------------------------------------------------------

    /** One price used for every role, so that any difference in charge comes from the rules alone. */
    private static CatalogView catalogWith(Price price) {
        return InMemoryCatalog.builder("cat-prop")
                .official(OPEN, price).official(CLOSED, price)
                .listed(OPEN, SELF_HOSTED, price).listed(OPEN, THIRD_PARTY, price)
                .listed(CLOSED, SELF_HOSTED, price).listed(CLOSED, THIRD_PARTY, price)
                .build();
    }

    private PricingResult price(String requested, String model, String provider, TokenUsage usage,
                                Optional<Percentage> grant, RequestStatus status, Price price) {
        PricingRequest request = new PricingRequest("req", requested, model, provider, status,
                FundingSource.CLOUD_CREDIT, usage, Fixtures.EVENT_TIME, grant);
        return engine.price(request, catalogWith(price), POLICY);
    }

    private PricingResult succeeded(String requested, String model, String provider, TokenUsage usage,
                                    Optional<Percentage> grant, Price price) {
        PricingResult result = price(requested, model, provider, usage, grant, RequestStatus.SUCCEEDED, price);
        assertEquals(PricingState.COMPUTED, result.state(), () -> "reason: " + result.reason());
        return result;
    }

    // --- properties -------------------------------------------------------------------------------------

    @Property
    void aChargeIsNeverNegativeAndIsTheListAmountLessTheDiscount(
            @ForAll("models") String model, @ForAll("suffixes") String suffix, @ForAll("providers") String provider,
            @ForAll("usages") TokenUsage usage, @ForAll("grants") Optional<Percentage> grant,
            @ForAll("prices") Price price) {
        PricingResult result = succeeded(model + suffix, model, provider, usage, grant, price);
        Money charge = result.charge().orElseThrow();
        assertTrue(charge.signum() >= 0, charge::toString);
        assertEquals(result.listAmount().orElseThrow().discountedBy(result.discount().percentage()), charge);
    }

    @Property
    void theDiscountVariantNeverCostsMoreThanTheBareId(
            @ForAll("models") String model, @ForAll("providers") String provider, @ForAll("usages") TokenUsage usage,
            @ForAll("grants") Optional<Percentage> grant, @ForAll("prices") Price price) {
        Money discounted = succeeded(model + ":discount", model, provider, usage, grant, price).charge().orElseThrow();
        Money bare = succeeded(model, model, provider, usage, grant, price).charge().orElseThrow();
        assertTrue(discounted.compareTo(bare) <= 0, () -> discounted + " > " + bare);
    }

    @Property
    void aClosedFamilyIsNeverDiscounted(
            @ForAll("suffixes") String suffix, @ForAll("providers") String provider, @ForAll("usages") TokenUsage usage,
            @ForAll("grants") Optional<Percentage> grant, @ForAll("prices") Price price) {
        PricingResult result = succeeded(CLOSED + suffix, CLOSED, provider, usage, grant, price);
        assertEquals(DiscountKind.NONE, result.discount().kind());
        assertEquals(result.listAmount().orElseThrow(), result.charge().orElseThrow());
        assertEquals(":discount".equals(suffix), result.anomaly());
    }

    @Property
    void aCustomDiscountNeverGoesBelowHalfTheOfficialPrice(
            @ForAll("usages") TokenUsage usage, @ForAll("prices") Price price,
            @ForAll("grants") Optional<Percentage> grant) {
        PricingResult result = succeeded(OPEN + ":discount", OPEN, SELF_HOSTED, usage, grant, price);
        Money official = result.listAmount().orElseThrow();
        Money charge = result.charge().orElseThrow();
        assertTrue(charge.compareTo(official.discountedBy(Percentage.of(50))) >= 0);
        Percentage expected = grant.map(g -> g.min(Percentage.of(50))).orElse(Percentage.ZERO).max(Percentage.of(25));
        assertEquals(official.discountedBy(expected), charge);
    }

    @Property
    void anAccountGrantOfEightyPercentIsCappedAtFifty(@ForAll("usages") TokenUsage usage,
                                                      @ForAll("prices") Price price) {
        PricingResult result = succeeded(OPEN + ":discount", OPEN, SELF_HOSTED, usage,
                Optional.of(Percentage.of(80)), price);
        assertEquals(result.listAmount().orElseThrow().discountedBy(Percentage.of(50)), result.charge().orElseThrow());
    }

    @Property
    void aRequestThatDidNotSucceedCostsNothing(
            @ForAll("models") String model, @ForAll("suffixes") String suffix, @ForAll("providers") String provider,
            @ForAll("usages") TokenUsage usage, @ForAll("grants") Optional<Percentage> grant,
            @ForAll("prices") Price price) {
        PricingResult result = price(model + suffix, model, provider, usage, grant, RequestStatus.FAILED, price);
        assertEquals(PricingState.NOT_CHARGED, result.state());
        assertEquals(Money.ZERO, result.charge().orElseThrow());
    }

    @Property
    void withinOneTierTheChargeIsLinearInTokens(
            @ForAll("models") String model, @ForAll("suffixes") String suffix, @ForAll("providers") String provider,
            @ForAll("usages") TokenUsage usage, @ForAll @LongRange(min = 1, max = 20) long k,
            @ForAll("grants") Optional<Percentage> grant, @ForAll("prices") Price price) {
        TokenUsage scaled = usage.times(k);
        Assume.that(price.tierFor(usage.promptTokens()).equals(price.tierFor(scaled.promptTokens())));
        Money once = succeeded(model + suffix, model, provider, usage, grant, price).charge().orElseThrow();
        Money scaledCharge = succeeded(model + suffix, model, provider, scaled, grant, price).charge().orElseThrow();
        assertEquals(once.times(k), scaledCharge);
    }
}
