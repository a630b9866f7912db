package ai.bitrouter.billing.catalog.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.catalog.Candidate;
import ai.bitrouter.billing.catalog.CatalogSnapshot;
import ai.bitrouter.billing.catalog.CatalogVersion;
import ai.bitrouter.billing.catalog.OfficialEntry;
import ai.bitrouter.billing.catalog.OfficialSource;
import ai.bitrouter.billing.catalog.PriceJson;
import ai.bitrouter.billing.catalog.RegistryFixture;
import ai.bitrouter.billing.catalog.SyncWarning;
import ai.bitrouter.billing.catalog.VendorProviders;
import ai.bitrouter.billing.catalog.VersionHeader;
import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.pricing.FundingSource;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.PricingEngine;
import ai.bitrouter.billing.pricing.PricingPolicy;
import ai.bitrouter.billing.pricing.PricingRequest;
import ai.bitrouter.billing.pricing.Rates;
import ai.bitrouter.billing.pricing.RequestStatus;
import ai.bitrouter.billing.pricing.TokenUsage;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegistryCatalogBuilderTest {

    private static final PricingPolicy POLICY = PricingPolicy.defaults("pol-test", Instant.EPOCH);

    private final RegistryFeedParser parser = new RegistryFeedParser();
    private final RegistryCatalogBuilder builder = new RegistryCatalogBuilder(VendorProviders.load());

    private Candidate build(ObjectNode models, ObjectNode providers, Map<String, OfficialEntry> admin) {
        return builder.build(parser.parse(RegistryFixture.write(models), RegistryFixture.write(providers)), POLICY,
                admin);
    }

    private Candidate fixture() {
        return build(RegistryFixture.models(), RegistryFixture.providers(), Map.of());
    }

    private static Map<String, Object> rates(String noCache, String cacheRead, String text) {
        return PriceJson.of(Price.flat(new Rates(new BigDecimal(noCache), cacheRead == null ? null
                : new BigDecimal(cacheRead), null, new BigDecimal(text), null)));
    }

    private static List<SyncWarning> warnings(Candidate c, String code) {
        return c.warnings().stream().filter(w -> w.code().equals(code)).toList();
    }

    @Test
    void theVendorsOwnListingIsTheOfficialPrice() {
        OfficialEntry kimi = fixture().snapshot().official().get("moonshotai/kimi-k2.6");

        assertEquals(OfficialSource.VENDOR, kimi.source());
        assertEquals("moonshotai", kimi.basisProviderId());
        assertFalse(kimi.toOfficialPrice().derived());
        assertEquals(rates("0.95", "0.16", "4"), PriceJson.of(kimi.price()));
    }

    @Test
    void organisationsPublishingUnderAnotherProviderIdAreMapped() {
        CatalogSnapshot catalog = fixture().snapshot();

        assertEquals("alibaba", catalog.official().get("qwen/qwen3.6-plus").basisProviderId());
        assertEquals("zai", catalog.official().get("z-ai/glm-5.1").basisProviderId());
        assertEquals(rates("0.5", "0.05", "3"), PriceJson.of(catalog.official().get("qwen/qwen3.6-plus").price()));
    }

    @Test
    void withoutAVendorListingTheOfficialPriceIsDerivedFromTheSelfHostedOne() {
        OfficialEntry deepseek = fixture().snapshot().official().get("deepseek/deepseek-v3.2");

        assertEquals(OfficialSource.DERIVED, deepseek.source());
        assertTrue(deepseek.toOfficialPrice().derived());
        assertEquals("bitrouter", deepseek.basisProviderId());
        // bitrouter lists 0.21 / 0.105 / 0.315; each divided by 0.75.
        assertEquals(rates("0.28", "0.14", "0.42"), PriceJson.of(deepseek.price()));
    }

    @Test
    void aModelWithNeitherVendorNorSelfHostedPriceHasNoOfficialPrice() {
        ObjectNode models = RegistryFixture.models();
        ObjectNode gpt = RegistryFixture.model(models, "openai/gpt-5.4");
        gpt.withArray("providers").remove(0);

        Candidate c = build(models, RegistryFixture.providers(), Map.of());

        assertNull(c.snapshot().official().get("openai/gpt-5.4"));
        assertTrue(c.snapshot().listedPrice("openai/gpt-5.4", "openrouter").isPresent());
    }

    @Test
    void anAdminSetOfficialPriceIsCarriedOver() {
        OfficialEntry admin = OfficialEntry.admin(Price.flat(Rates.of(new BigDecimal("1"), new BigDecimal("5"))));

        Candidate c = build(RegistryFixture.models(), RegistryFixture.providers(),
                Map.of("moonshotai/kimi-k2.6", admin));

        assertEquals(admin, c.snapshot().official().get("moonshotai/kimi-k2.6"));
        assertEquals(OfficialSource.VENDOR, c.snapshot().official().get("openai/gpt-5.4").source());
    }

    @Test
    void listingsWithoutPricingAreKeptButPriceNothing() {
        CatalogSnapshot catalog = fixture().snapshot();

        assertTrue(catalog.offers().containsKey(new ai.bitrouter.billing.catalog.OfferKey("moonshotai/kimi-k2.6",
                "tencent")));
        assertEquals(Optional.empty(), catalog.listedPrice("moonshotai/kimi-k2.6", "tencent"));
        assertEquals(5, catalog.offersOf("moonshotai/kimi-k2.6").size());
    }

    @Test
    void aSelfHostedPriceThatIsNotTheOfficialLess25PercentIsWarnedAbout() {
        List<SyncWarning> mismatches = warnings(fixture(), SyncWarning.SELF_HOSTED_PRICE_MISMATCH);

        // The snapshot's deepseek-v4-flash lists cache_read 0.0021 on bitrouter where 0.028 × 0.75 = 0.021.
        assertEquals(List.of("deepseek/deepseek-v4-flash"), mismatches.stream().map(SyncWarning::model).toList());
        assertTrue(mismatches.get(0).message().contains("cache_read=0.0021"), mismatches.get(0).message());
        assertTrue(mismatches.get(0).message().contains("cache_read=0.021"), mismatches.get(0).message());
    }

    @Test
    void listingsMissingARateTheyNeedAreWarnedAbout() {
        Candidate c = fixture();

        // redpill lists claude-sonnet-4.6 and deepseek-v3.2 with input rates only.
        assertEquals(List.of("anthropic/claude-sonnet-4.6 @ redpill", "deepseek/deepseek-v3.2 @ redpill"),
                warnings(c, SyncWarning.MISSING_OUTPUT_RATE).stream().map(w -> w.model() + " @ " + w.provider())
                        .toList());
        // openrouter prices qwen3.6-plus cache writes but not cache reads.
        assertEquals(List.of("qwen/qwen3.6-plus @ openrouter"),
                warnings(c, SyncWarning.MISSING_CACHE_READ_RATE).stream().map(w -> w.model() + " @ " + w.provider())
                        .toList());
        assertTrue(warnings(c, SyncWarning.MISSING_INPUT_RATE).isEmpty());
    }

    @Test
    void providersListingUnknownModelsOrDisagreeingAreWarnedAbout() {
        ObjectNode providers = RegistryFixture.providers();
        ObjectNode bitrouter = (ObjectNode) providers.get("data").get(2);
        assertEquals("bitrouter", bitrouter.get("id").asText());
        bitrouter.withArray("models").addObject().put("id", "acme/ghost-1").put("provider_model_id", "ghost");
        ((ObjectNode) bitrouter.get("models").get(0).get("pricing").get("input_tokens")).put("no_cache", 9);
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.model(models, "openai/gpt-5.4").withArray("providers").addObject().put("provider", "nowhere");

        Candidate c = build(models, providers, Map.of());

        assertEquals(List.of("acme/ghost-1"), warnings(c, SyncWarning.UNKNOWN_MODEL).stream().map(SyncWarning::model)
                .toList());
        assertEquals(1, warnings(c, SyncWarning.LISTING_DISAGREES).size());
        assertEquals(List.of("nowhere"), warnings(c, SyncWarning.UNKNOWN_PROVIDER).stream()
                .map(SyncWarning::provider).toList());
        assertTrue(c.snapshot().providers().containsKey("nowhere"));
    }

    @Test
    void aModelOfAnUnknownOrganisationIsWarnedAboutAndDerived() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.model(models, "stepfun/step-3.5-flash").put("id", "acme/step-clone");

        Candidate c = build(models, RegistryFixture.providers(), Map.of());

        assertEquals(List.of("acme/step-clone"), warnings(c, SyncWarning.NO_VENDOR_PROVIDER).stream()
                .map(SyncWarning::model).toList());
        assertEquals(OfficialSource.DERIVED, c.snapshot().official().get("acme/step-clone").source());
    }

    @Test
    void theBuiltCatalogPricesWorkedExampleFive() {
        CatalogVersion version = new CatalogVersion(new VersionHeader("cat-test", Instant.EPOCH, null, "registry",
                "0".repeat(64), null, null, Instant.EPOCH), fixture().snapshot());
        PricingRequest request = new PricingRequest("r1", "moonshotai/kimi-k2.6", "moonshotai/kimi-k2.6",
                "bitrouter", RequestStatus.SUCCEEDED, FundingSource.CLOUD_CREDIT,
                new TokenUsage(1_000_000, 100_000, 0, 0, 0), Instant.now(), Optional.empty());

        Money charge = new PricingEngine().price(request, version, POLICY).charge().orElseThrow();

        assertEquals(Money.ofMicroUsd(1_012_500), charge);
    }
}
