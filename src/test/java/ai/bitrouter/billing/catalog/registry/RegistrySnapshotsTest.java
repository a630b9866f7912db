package ai.bitrouter.billing.catalog.registry;

import static ai.bitrouter.billing.catalog.Texts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.catalog.Candidate;
import ai.bitrouter.billing.catalog.CatalogDiff;
import ai.bitrouter.billing.catalog.CatalogSnapshot;
import ai.bitrouter.billing.catalog.CatalogVersion;
import ai.bitrouter.billing.catalog.OfferKey;
import ai.bitrouter.billing.catalog.RegistryFixture;
import ai.bitrouter.billing.catalog.SyncReport;
import ai.bitrouter.billing.catalog.SyncWarning;
import ai.bitrouter.billing.catalog.VendorProviders;
import ai.bitrouter.billing.catalog.VersionHeader;
import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.pricing.FundingSource;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.PricingEngine;
import ai.bitrouter.billing.pricing.PricingPolicy;
import ai.bitrouter.billing.pricing.PricingRequest;
import ai.bitrouter.billing.pricing.RequestStatus;
import ai.bitrouter.billing.pricing.TokenUsage;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The two public registry layouts, whole, as published: the frozen bitrouter/provider-registry {@code dist/} of
 * 2026-07-02 and the bitrouter/bitrouter {@code dist/registry/} of 2026-08-22 (test resources
 * {@code catalog/snapshots/}), imported one after the other as a deployment that follows the registry would.
 */
class RegistrySnapshotsTest {

    private static final String OLD = "catalog/snapshots/provider-registry-2026-07-02/";
    private static final String NEW = "catalog/snapshots/bitrouter-registry-2026-08-22/";
    private static final PricingPolicy POLICY = PricingPolicy.defaults("pol-test", Instant.EPOCH);

    private final RegistryFeedParser parser = new RegistryFeedParser();
    private final RegistryCatalogBuilder builder = new RegistryCatalogBuilder(VendorProviders.load());
    private final PricingEngine engine = new PricingEngine();

    private RegistryFeed feed(String dir) {
        return parser.parse(resource(dir + "models.json"), resource(dir + "providers.json"));
    }

    @Test
    void theFrozenLayoutImportsWhole() {
        RegistryFeed feed = feed(OLD);
        Candidate c = builder.build(feed, POLICY, Map.of());

        assertEquals(List.of(), feed.skipped());
        assertEquals(51, c.snapshot().models().size());
        assertEquals(31, c.snapshot().providers().size());
    }

    @Test
    void theDistRegistryLayoutImportsWithItsRegionalProvidersAndContextTiers() {
        RegistryFeed feed = feed(NEW);
        Candidate c = builder.build(feed, POLICY, Map.of());
        CatalogSnapshot s = c.snapshot();

        assertEquals(List.of(), feed.skipped(), "nothing in the published feed needs skipping");
        assertEquals(50, s.models().size());
        assertEquals(47, s.providers().size());
        assertTrue(s.providers().containsKey("alibaba_cn"), "regional provider ids with '_'");
        // All-decimal prices, read exactly as written.
        assertEquals(new BigDecimal("0.0028"),
                s.listedPrice("deepseek/deepseek-v4-flash", "alibaba_cn").orElseThrow().base().cacheRead());
        List<Price> tiered = s.offers().values().stream().flatMap(Optional::stream)
                .filter(p -> !p.contextTiers().isEmpty()).toList();
        assertEquals(14, tiered.size(), "the 14 context-tiered offers");
        Price plus = s.listedPrice("qwen/qwen3.7-plus", "alibaba").orElseThrow();
        assertEquals(256_000, plus.contextTiers().get(0).aboveInputTokens());
        assertEquals(new BigDecimal("4.8"), plus.contextTiers().get(0).rates().text());
        assertTrue(c.warnings().stream().noneMatch(w -> w.code().startsWith("skipped_")));
    }

    @Test
    void importingTheOldThenTheNewListsWhatChangedAndEachVersionKeepsItsPrices() {
        CatalogSnapshot old = builder.build(feed(OLD), POLICY, Map.of()).snapshot();
        CatalogSnapshot now = builder.build(feed(NEW), POLICY, old, Map.of()).snapshot();

        SyncReport.Changes changes = CatalogDiff.between(old, now);

        assertEquals(19, changes.models().added().size());
        assertEquals(20, changes.models().removed().size());
        assertTrue(ids(changes.models().added()).contains("anthropic/claude-opus-5"));
        assertTrue(ids(changes.models().removed()).contains("openai/gpt-5.1"));
        // 10 -> 10.0 is the same price: only the 32 offers whose rates really moved are listed as changed.
        assertEquals(32, changes.prices().changed().size());
        Map<String, Object> flash = changes.prices().changed().stream()
                .filter(e -> e.get("model").equals("deepseek/deepseek-v4-flash") && e.get("provider").equals("openrouter"))
                .findFirst().orElseThrow();
        assertNotEquals(flash.get("old"), flash.get("new"));

        // A request of 1M input and 100k output tokens through that offer, priced at each version.
        Money underOld = charge(old, "deepseek/deepseek-v4-flash", "openrouter");
        Money underNew = charge(now, "deepseek/deepseek-v4-flash", "openrouter");
        assertEquals(Money.ofMicroUsd(108_000), underOld, "0.09 + 0.1 x 0.18");
        assertEquals(Money.ofMicroUsd(168_000), underNew, "0.14 + 0.1 x 0.28");
        assertEquals(underOld, charge(old, "deepseek/deepseek-v4-flash", "openrouter"),
                "building the new version leaves the old one as it was");
    }

    @Test
    void anUnreadableOfferInTheNewFeedKeepsThePreviousPriceAndIsReported() {
        CatalogSnapshot previous = builder.build(feed(NEW), POLICY, Map.of()).snapshot();
        ObjectNode models = newModels();
        ObjectNode pricing = offerPricing(models, "deepseek/deepseek-v4-flash", "openrouter");
        pricing.with("input_tokens").put("no_cache", "0,14");
        pricing.with("output_tokens").put("text", new BigDecimal("0.99"));
        RegistryFeed feed = parser.parse(RegistryFixture.write(models), resource(NEW + "providers.json"));

        Candidate next = builder.build(feed, POLICY, previous, Map.of());
        Candidate fresh = builder.build(feed, POLICY, Map.of());

        OfferKey key = new OfferKey("deepseek/deepseek-v4-flash", "openrouter");
        assertEquals(previous.offers().get(key), next.snapshot().offers().get(key),
                "neither the unreadable rate nor its offer's other new rate is taken");
        assertFalse(fresh.snapshot().offers().containsKey(key), "with no previous version the offer is left out");
        assertEquals(previous.models().keySet(), next.snapshot().models().keySet());
        SyncWarning warning = next.warnings().stream().filter(w -> w.code().equals(SyncWarning.SKIPPED_OFFER))
                .findFirst().orElseThrow();
        assertEquals("deepseek/deepseek-v4-flash", warning.model());
        assertEquals("openrouter", warning.provider());
        assertContains(warning.message(), "a rate must be a non-negative decimal number, got \"0,14\"",
                "the previous version's price is kept");
        assertContains(fresh.warnings().stream().filter(w -> w.code().equals(SyncWarning.SKIPPED_OFFER))
                .findFirst().orElseThrow().message(), "not in this version");
    }

    @Test
    void anUnreadableModelEntryKeepsThePreviousModelWithItsOffers() {
        CatalogSnapshot previous = builder.build(feed(NEW), POLICY, Map.of()).snapshot();
        ObjectNode models = newModels();
        for (var m : models.get("data")) {
            if (m.get("id").asText().equals("moonshotai/kimi-k3")) {
                ((ObjectNode) m).put("open_weights", "maybe");
            }
        }
        RegistryFeed feed = parser.parse(RegistryFixture.write(models), resource(NEW + "providers.json"));

        Candidate next = builder.build(feed, POLICY, previous, Map.of());

        assertEquals(previous.models().get("moonshotai/kimi-k3"), next.snapshot().models().get("moonshotai/kimi-k3"));
        assertEquals(previous.offersOf("moonshotai/kimi-k3"), next.snapshot().offersOf("moonshotai/kimi-k3"));
        assertTrue(next.warnings().stream().anyMatch(w -> w.code().equals(SyncWarning.SKIPPED_MODEL)
                && "moonshotai/kimi-k3".equals(w.model()) && w.message().contains("open_weights")));
    }

    private Money charge(CatalogSnapshot snapshot, String model, String provider) {
        CatalogVersion version = new CatalogVersion(new VersionHeader("cat-test", Instant.EPOCH, null,
                VersionHeader.SOURCE_REGISTRY, "0".repeat(64), null, null, Instant.EPOCH), snapshot);
        PricingRequest request = new PricingRequest("r1", model, model, provider, RequestStatus.SUCCEEDED,
                FundingSource.CLOUD_CREDIT, new TokenUsage(1_000_000, 100_000, 0, 0, 0), Instant.now(),
                Optional.empty());
        return engine.price(request, version, POLICY).charge().orElseThrow();
    }

    private static Set<Object> ids(List<Map<String, Object>> entries) {
        return entries.stream().map(e -> e.get("id")).collect(Collectors.toSet());
    }

    private static ObjectNode offerPricing(ObjectNode models, String model, String provider) {
        for (var m : models.get("data")) {
            if (m.get("id").asText().equals(model)) {
                for (var p : m.get("providers")) {
                    if (p.get("provider").asText().equals(provider)) {
                        return (ObjectNode) p.get("pricing");
                    }
                }
            }
        }
        throw new IllegalArgumentException("no offer " + model + " / " + provider);
    }

    private static ObjectNode newModels() {
        try {
            return (ObjectNode) RegistryJson.MAPPER.readTree(resource(NEW + "models.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = RegistrySnapshotsTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
