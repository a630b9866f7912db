package ai.bitrouter.billing.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.pricing.PricingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VersionIndexTest {

    private static final Instant T1 = Instant.parse("2026-07-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2026-07-02T00:00:00Z");

    private static VersionHeader header(String id, Instant from) {
        return new VersionHeader(id, from, null, "registry", "0".repeat(64), null, null, from);
    }

    private static VersionIndex index(List<VersionHeader> versions, Instant completeUntil, long loadedAt) {
        return new VersionIndex(versions, List.of(PricingPolicy.defaults("pol-1", Instant.EPOCH),
                PricingPolicy.defaults("pol-2", T2)), completeUntil, loadedAt);
    }

    @Test
    void theVersionInForceIsTheLatestThatStartedAtOrBeforeTheInstant() {
        VersionIndex index = index(List.of(header("cat-1", T1), header("cat-2", T2)), T2, System.nanoTime());

        assertEquals(Optional.empty(), index.versionAt(T1.minusNanos(1000)));
        assertEquals("cat-1", index.versionAt(T1).orElseThrow().id());
        assertEquals("cat-1", index.versionAt(T2.minusNanos(1000)).orElseThrow().id());
        assertEquals("cat-2", index.versionAt(T2).orElseThrow().id());
        assertEquals("pol-1", index.policyAt(T2.minusSeconds(1)).orElseThrow().versionId());
        assertEquals("pol-2", index.policyAt(T2).orElseThrow().versionId());
    }

    @Test
    void onlyInstantsBeyondTheCompleteHorizonAskForAReloadAndNotMoreOftenThanAllowed() {
        long loadedLongAgo = System.nanoTime() - Duration.ofSeconds(10).toNanos();
        VersionIndex old = index(List.of(header("cat-1", T1)), T2, loadedLongAgo);
        VersionIndex fresh = index(List.of(header("cat-1", T1)), T2, System.nanoTime());

        assertFalse(old.needsReload(T2, Duration.ofSeconds(1)));
        assertTrue(old.needsReload(T2.plusNanos(1000), Duration.ofSeconds(1)));
        assertFalse(fresh.needsReload(T2.plusNanos(1000), Duration.ofSeconds(1)));
    }

    @Test
    void anEmptyIndexIsNeverTrustedSinceTheFirstVersionMayBeBackDated() {
        VersionIndex empty = index(List.of(), T2, System.nanoTime() - Duration.ofSeconds(10).toNanos());

        assertTrue(empty.needsReload(Instant.EPOCH, Duration.ofSeconds(1)));
    }
}
