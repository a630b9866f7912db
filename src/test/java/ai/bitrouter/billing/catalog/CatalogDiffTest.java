package ai.bitrouter.billing.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.Rates;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CatalogDiffTest {

    private static Optional<Price> price(String in, String out) {
        return Optional.of(Price.flat(Rates.of(new BigDecimal(in), new BigDecimal(out))));
    }

    private static CatalogSnapshot.Builder base() {
        return new CatalogSnapshot.Builder()
                .provider(new ProviderInfo("p1", "P1", null, "active", true))
                .provider(new ProviderInfo("p2", "P2", null, "active", true))
                .model(new ModelInfo("a/one", "One", "f", true))
                .model(new ModelInfo("a/two", "Two", "f", true))
                .offer("a/one", "p1", price("1", "2"))
                .offer("a/two", "p1", price("3", "4"))
                .offer("a/two", "p2", Optional.empty());
    }

    @Test
    void identicalCatalogsHaveNoChanges() {
        assertTrue(CatalogDiff.between(base().build(), base().build()).isEmpty());
    }

    @Test
    void equalValuesWrittenDifferentlyAreNoChange() {
        CatalogSnapshot after = base().offer("a/one", "p1", price("1.000", "2.0")).build();

        assertTrue(CatalogDiff.between(base().build(), after).isEmpty());
    }

    @Test
    void addedRemovedAndChangedAreReportedWithOldAndNew() {
        CatalogSnapshot after = new CatalogSnapshot.Builder()
                .provider(new ProviderInfo("p1", "P1", null, "active", true))
                .provider(new ProviderInfo("p2", "P2", null, "active", true))
                .model(new ModelInfo("a/one", "One", "f", true))
                .model(new ModelInfo("a/two", "Two (renamed)", "f", true))
                .model(new ModelInfo("a/three", "Three", null, null))
                .offer("a/one", "p1", price("1", "2.5"))
                .offer("a/two", "p1", price("3", "4"))
                .offer("a/three", "p2", price("5", "6"))
                .official("a/one", OfficialEntry.admin(Price.flat(Rates.of(BigDecimal.ONE, BigDecimal.TEN))))
                .build();

        SyncReport.Changes changes = CatalogDiff.between(base().build(), after);

        assertEquals(List.of("a/three"), changes.models().added().stream().map(e -> e.get("id")).toList());
        assertEquals(List.of("a/two"), changes.models().changed().stream().map(e -> e.get("id")).toList());
        assertEquals("Two", ((Map<?, ?>) changes.models().changed().get(0).get("old")).get("name"));
        assertEquals("Two (renamed)", ((Map<?, ?>) changes.models().changed().get(0).get("new")).get("name"));
        Map<String, Object> changedPrice = changes.prices().changed().get(0);
        assertEquals(List.of("a/one", "p1"), List.of(changedPrice.get("model"), changedPrice.get("provider")));
        assertEquals(Map.of("text", "2"), ((Map<?, ?>) changedPrice.get("old")).get("output_tokens"));
        assertEquals(Map.of("text", "2.5"), ((Map<?, ?>) changedPrice.get("new")).get("output_tokens"));
        assertEquals(List.of("a/three"), changes.prices().added().stream().map(e -> e.get("model")).toList());
        assertEquals(List.of("a/two p2"), changes.prices().removed().stream()
                .map(e -> e.get("model") + " " + e.get("provider")).toList());
        assertEquals("admin", ((Map<?, ?>) changes.officialPrices().added().get(0).get("new")).get("source"));
        assertTrue(changes.providers().isEmpty());
    }
}
