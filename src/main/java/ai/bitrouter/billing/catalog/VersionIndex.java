package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.PricingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The effective instants of every catalog and policy version, as read at one moment.
 *
 * <p>A version is published to take effect at least the publish lead after the database clock at its insert,
 * and commits within the commit-lag allowance of that insert. So an index read at database time {@code r} holds
 * every version that can apply up to {@code r + lead − lag} ({@code completeUntil}); only a question about a
 * later instant needs a re-read, and re-reads are throttled. With no version at all the index is never trusted,
 * because the first version (the seed) may be dated in the past.
 */
final class VersionIndex {

    private final NavigableMap<Instant, VersionHeader> versions;
    private final Map<String, VersionHeader> byId;
    private final NavigableMap<Instant, PricingPolicy> policies;
    private final Instant completeUntil;
    private final long loadedAtNanos;

    VersionIndex(List<VersionHeader> headers, List<PricingPolicy> policyVersions, Instant completeUntil,
                 long loadedAtNanos) {
        this.versions = new TreeMap<>(headers.stream()
                .collect(Collectors.toMap(VersionHeader::effectiveFrom, Function.identity())));
        this.byId = headers.stream().collect(Collectors.toUnmodifiableMap(VersionHeader::id, Function.identity()));
        this.policies = new TreeMap<>(policyVersions.stream()
                .collect(Collectors.toMap(PricingPolicy::effectiveFrom, Function.identity())));
        this.completeUntil = headers.isEmpty() ? Instant.MIN : completeUntil;
        this.loadedAtNanos = loadedAtNanos;
    }

    boolean needsReload(Instant instant, Duration minInterval) {
        return instant.isAfter(completeUntil) && System.nanoTime() - loadedAtNanos >= minInterval.toNanos();
    }

    Optional<VersionHeader> versionAt(Instant instant) {
        return Optional.ofNullable(versions.floorEntry(instant)).map(Map.Entry::getValue);
    }

    Optional<PricingPolicy> policyAt(Instant instant) {
        return Optional.ofNullable(policies.floorEntry(instant)).map(Map.Entry::getValue);
    }

    Optional<VersionHeader> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    List<VersionHeader> headers() {
        return List.copyOf(versions.values());
    }
}
