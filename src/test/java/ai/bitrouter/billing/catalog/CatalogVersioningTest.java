package ai.bitrouter.billing.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.catalog.registry.RegistryCatalogBuilder;
import ai.bitrouter.billing.catalog.registry.RegistryFeedParser;
import ai.bitrouter.billing.catalog.registry.RegistryImporter;
import ai.bitrouter.billing.catalog.registry.RegistryJson;
import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.money.Percentage;
import ai.bitrouter.billing.pricing.CatalogView;
import ai.bitrouter.billing.pricing.FundingSource;
import ai.bitrouter.billing.pricing.PricingEngine;
import ai.bitrouter.billing.pricing.PricingPolicy;
import ai.bitrouter.billing.pricing.PricingRequest;
import ai.bitrouter.billing.pricing.RequestStatus;
import ai.bitrouter.billing.pricing.TokenUsage;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Versions in PostgreSQL: effective times, immutability, exact round trips and concurrent publishers. */
@QuarkusTest
class CatalogVersioningTest {

    private static final Instant IN_2000 = Instant.parse("2000-01-01T00:00:00Z");

    @Inject
    CatalogService catalog;

    @Inject
    RegistryImporter importer;

    @Inject
    CatalogStore store;

    @Inject
    SeedLoader seed;

    @Inject
    PolicyStore policies;

    @Inject
    CatalogConfig config;

    @Inject
    DataSource dataSource;

    private final PricingEngine engine = new PricingEngine();

    private Money charge(String model, String provider, Instant eventTime) {
        PricingRequest request = new PricingRequest("req-" + eventTime, model, model, provider,
                RequestStatus.SUCCEEDED, FundingSource.CLOUD_CREDIT, new TokenUsage(1_000_000, 100_000, 0, 0, 0),
                eventTime, Optional.empty());
        CatalogView inForce = catalog.at(request.eventTime());
        return engine.price(request, inForce, catalog.policyAt(request.eventTime())).charge().orElseThrow();
    }

    @Test
    void aChangedPriceIsOneNewVersionAndEarlierEventsKeepTheOldPrice() {
        Probe probe = new Probe();
        SyncReport first = importer.importUpload(probe.upload("2"), "test");
        Instant beforeChange = Instant.now();
        int versions = catalog.versions().size();

        SyncReport second = importer.importUpload(probe.upload("2.5"), "test");

        assertEquals(SyncReport.CREATED, second.outcome());
        assertEquals(versions + 1, catalog.versions().size());
        assertEquals(first.versionId(), second.previousVersionId());
        assertEquals(1, second.changes().prices().changed().size());
        assertTrue(second.changes().models().isEmpty() && second.changes().officialPrices().isEmpty());
        assertEquals(first.versionId(), catalog.at(beforeChange).versionId());
        assertEquals(second.versionId(), catalog.at(Instant.now()).versionId());
        // 1,000,000 input tokens at 2 (then 2.5) µUSD plus 100,000 output tokens at 4 µUSD, on openrouter's listing.
        assertEquals(Money.ofMicroUsd(2_400_000), charge(probe.id, "openrouter", beforeChange));
        assertEquals(Money.ofMicroUsd(2_900_000), charge(probe.id, "openrouter", Instant.now()));
        // Self-hosted open traffic: official (derived 1 / 4) less 25%, unchanged by the openrouter price.
        assertEquals(Money.ofMicroUsd(1_050_000), charge(probe.id, "bitrouter", Instant.now()));
    }

    @Test
    void aVersionIsRebuiltFromItsRowsExactly() throws Exception {
        Probe probe = new Probe();
        String body = probe.upload("0.123456789012345678901234567890");
        SyncReport report = importer.importUpload(body, "test");
        JsonNode upload = RegistryJson.MAPPER.readTree(body);
        PricingPolicy policy = catalog.policyAt(Instant.now());
        CatalogSnapshot expected = new RegistryCatalogBuilder(VendorProviders.load()).build(
                new RegistryFeedParser().parse(upload.get("models"), upload.get("providers")), policy, Map.of())
                .snapshot();

        VersionHeader header = catalog.versions().stream().filter(h -> h.id().equals(report.versionId()))
                .findFirst().orElseThrow();
        CatalogVersion rebuilt = store.load(header);

        assertEquals(CatalogDigest.canonicalText(expected), CatalogDigest.canonicalText(rebuilt.snapshot()));
        assertEquals(header.contentSha256(), CatalogDigest.of(rebuilt.snapshot()));
        assertEquals("0.123456789012345678901234567890",
                rebuilt.listedPrice(probe.id, "openrouter").orElseThrow().base().noCache().toPlainString());
    }

    @Test
    void concurrentImportsOfTheSameFeedPublishOneVersion() throws Exception {
        String body = new Probe().upload("3");
        int versions = catalog.versions().size();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<SyncReport>> imports = List.of(() -> importer.importUpload(body, "a"),
                    () -> importer.importUpload(body, "b"), () -> importer.importUpload(body, "c"),
                    () -> importer.importUpload(body, "d"));
            List<SyncReport> reports = pool.invokeAll(imports).stream().map(CatalogVersioningTest::get).toList();

            assertEquals(1, reports.stream().filter(r -> r.outcome().equals(SyncReport.CREATED)).count());
            assertEquals(1, reports.stream().map(SyncReport::versionId).distinct().count());
            assertEquals(versions + 1, catalog.versions().size());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void theSeedIsTheFirstVersionAndLoadingItAgainDoesNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Callable<Optional<VersionHeader>>> loads = List.of(seed::loadIfEmpty, seed::loadIfEmpty,
                    seed::loadIfEmpty);
            for (Future<Optional<VersionHeader>> load : pool.invokeAll(loads)) {
                assertEquals(Optional.empty(), load.get());
            }
        } finally {
            pool.shutdown();
        }

        List<VersionHeader> seeds = catalog.versions().stream().filter(h -> h.source().equals("seed")).toList();
        assertEquals(1, seeds.size());
        assertEquals(Instant.EPOCH, seeds.get(0).effectiveFrom());
        assertEquals(seeds.get(0).id(), catalog.at(IN_2000).versionId());
        // Worked example 5, priced against the seed: (1,000,000 · 0.95 + 100,000 · 4) × 0.75.
        assertEquals(Money.ofMicroUsd(1_012_500), charge("moonshotai/kimi-k2.6", "bitrouter", IN_2000));
    }

    @Test
    void theLaunchPolicyIsInForceFromTheBeginning() {
        PricingPolicy policy = catalog.policyAt(IN_2000);

        assertEquals("bitrouter", policy.selfHostedProviderId());
        assertEquals(Percentage.of(25), policy.defaultOpenDiscount());
        assertEquals(Percentage.of(50), policy.customDiscountCap());
        assertTrue(policy.isClosedFamily("x-ai/grok-4.3"));
        assertTrue(policy.isClosedFamily("google/gemini-3-pro-preview"));
        assertTrue(!policy.isClosedFamily("moonshotai/kimi-k2.6"));
    }

    @Test
    void beforeTheFirstVersionNothingIsPriced() {
        CatalogView none = catalog.at(Instant.EPOCH.minusSeconds(1));

        assertEquals("none", none.versionId());
        assertNotEquals(Optional.empty(), catalog.at(Instant.EPOCH).officialPrice("moonshotai/kimi-k2.6"));
        assertEquals(Optional.empty(), none.officialPrice("moonshotai/kimi-k2.6"));
    }

    @Test
    void afterWarmUpTheVersionInForceIsFoundWithoutTheDatabase() {
        // A service of its own, so that lookups made by other tests' consumers do not move its counter.
        CatalogService service = new CatalogService();
        service.store = store;
        service.policies = policies;
        service.config = config;
        service.meters = new SimpleMeterRegistry();
        service.registerMetrics();
        Instant recent = Instant.now().minusSeconds(30);
        String expected = service.at(recent).versionId();
        long loads = loads(service);
        long calls = 0;

        // Longer than the minimum refresh interval, so an index wrongly distrusted would be re-read meanwhile.
        for (long until = System.nanoTime() + 1_500_000_000L; System.nanoTime() < until; calls++) {
            assertEquals(expected, service.at(recent.plusNanos(calls % 1_000_000 * 1000)).versionId());
            service.policyAt(recent);
        }

        assertEquals(loads, loads(service));
        assertTrue(calls > 10_000, "calls: " + calls);
        service.at(Instant.now().plusSeconds(60));
        assertEquals(loads + 1, loads(service), "an instant the index cannot vouch for re-reads it");
    }

    private static long loads(CatalogService service) {
        return Math.round(service.meters.counter("bitrouter.catalog.index.loads").count());
    }

    @Test
    void publishedVersionsCannotBeChangedInTheDatabase() throws Exception {
        String version = catalog.at(IN_2000).versionId();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate(
                    "UPDATE catalog_offers SET no_cache = 0 WHERE version_id = '" + version + "'"));
            assertTrue(e.getMessage().contains("catalog versions are immutable"), e.getMessage());
            assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM pricing_policy_versions"));
        }
    }

    private static <T> T get(Future<T> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
