package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.CatalogView;
import ai.bitrouter.billing.pricing.OfficialPrice;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.PricingPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which catalog and which pricing policy were in force at an instant. Called for every usage event, so after
 * warm-up an answer is two in-memory lookups: versions never change once published, so each is loaded once and
 * kept; only the small index of versions is re-read, and only when an event is more recent than the instant up
 * to which the index is known to be complete (see {@link VersionIndex}).
 */
@ApplicationScoped
public class CatalogService {

    /** Priced against when no catalog version is in force yet: every price is missing, so requests park. */
    public static final CatalogView NO_CATALOG = new CatalogView() {
        @Override
        public String versionId() {
            return "none";
        }

        @Override
        public Optional<Price> listedPrice(String modelId, String providerId) {
            return Optional.empty();
        }

        @Override
        public Optional<OfficialPrice> officialPrice(String modelId) {
            return Optional.empty();
        }
    };

    @Inject
    CatalogStore store;

    @Inject
    PolicyStore policies;

    @Inject
    CatalogConfig config;

    @Inject
    MeterRegistry meters;

    /** Index reads from the database: steady at one per (publish lead − commit lag), whatever the event rate. */
    private Counter indexLoads;

    private volatile VersionIndex index;
    private final Map<String, CatalogVersion> versions = new ConcurrentHashMap<>();

    /** The catalog in force at {@code eventTime}: the version with the greatest effective_from ≤ eventTime. */
    public CatalogView at(Instant eventTime) {
        return versionAt(eventTime).<CatalogView>map(v -> v).orElse(NO_CATALOG);
    }

    public Optional<CatalogVersion> versionAt(Instant instant) {
        return indexFor(instant).versionAt(instant).map(this::content);
    }

    /** The pricing policy in force at {@code instant}; one exists from 1970 on (migration V3). */
    public PricingPolicy policyAt(Instant instant) {
        return indexFor(instant).policyAt(instant)
                .orElseThrow(() -> new IllegalStateException("no pricing policy in force at " + instant));
    }

    /** The version in force now. */
    public Optional<CatalogVersion> current() {
        return versionAt(Instant.now());
    }

    /** A version by id, e.g. the one a charge recorded; the index is re-read only for an id it does not know. */
    public Optional<CatalogVersion> version(String versionId) {
        VersionIndex known = index;
        Optional<VersionHeader> header = known == null ? Optional.empty() : known.byId(versionId);
        return header.or(() -> fresh().byId(versionId)).map(this::content);
    }

    /** Every version's header, oldest first. */
    public List<VersionHeader> versions() {
        return fresh().headers();
    }

    /**
     * Re-reads the index now; publishers call it once their version is committed. Loads are serialized so that
     * an older read can never replace a newer one.
     */
    public synchronized void refresh() {
        index = load();
    }

    private synchronized VersionIndex fresh() {
        index = load();
        return index;
    }

    private VersionIndex indexFor(Instant instant) {
        VersionIndex current = index;
        if (current == null || current.needsReload(instant, config.indexRefreshMinInterval())) {
            synchronized (this) {
                if (index == current) {
                    index = load();
                }
                current = index;
            }
        }
        return current;
    }

    @PostConstruct
    void registerMetrics() {
        indexLoads = meters.counter("bitrouter.catalog.index.loads");
    }

    private VersionIndex load() {
        indexLoads.increment();
        Instant databaseNow = store.databaseNow();
        return new VersionIndex(store.headers(), policies.all(),
                databaseNow.plus(config.publishLead()).minus(config.commitLagAllowance()), System.nanoTime());
    }

    private CatalogVersion content(VersionHeader header) {
        CatalogVersion loaded = versions.get(header.id());
        return loaded != null ? loaded : versions.computeIfAbsent(header.id(), id -> store.load(header));
    }
}
