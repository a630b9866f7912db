package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.common.api.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Publishes a new catalog version built on the latest one, or nothing when the content is unchanged. The
 * candidate is built against the latest version (so admin-set prices carry over); when another publisher
 * commits first, the unique successor constraint refuses this one and it is rebuilt on the new latest version.
 */
@ApplicationScoped
public class CatalogPublisher {

    private static final int ATTEMPTS = 3;

    @Inject
    CatalogStore store;

    @Inject
    CatalogService catalog;

    @Inject
    CatalogConfig config;

    /** Provenance of the version to publish; {@code effectiveFrom} empty means "now plus the publish lead". */
    public record Request(String source, String note, String createdBy, Optional<Instant> effectiveFrom) {
    }

    /** The report, and the version created (or, when unchanged, the latest version, which has that content). */
    public record Publication(SyncReport report, CatalogVersion version) {
    }

    /**
     * Publishes, running {@code inTransaction} with the report in the transaction that inserts the version (or, when
     * nothing changed, in a transaction of its own): the audit row of the change, which must commit with it. If it
     * throws, the version is not published. The in-memory catalog is refreshed only after the commit.
     */
    public Publication publish(Request request, Function<Optional<CatalogVersion>, Candidate> build,
            Consumer<SyncReport> inTransaction) {
        Optional<Instant> effectiveFrom = request.effectiveFrom().map(i -> i.truncatedTo(ChronoUnit.MICROS));
        effectiveFrom.ifPresent(this::requireNotTooSoon);
        for (int attempt = 1; ; attempt++) {
            Optional<CatalogVersion> head = store.latest().map(h -> catalog.version(h.id()).orElseThrow());
            Candidate candidate = build.apply(head);
            String digest = CatalogDigest.of(candidate.snapshot());
            if (head.isPresent() && head.get().header().contentSha256().equals(digest)) {
                SyncReport unchanged = report(SyncReport.UNCHANGED, head.get(), head, candidate);
                QuarkusTransaction.requiringNew().run(() -> inTransaction.accept(unchanged));
                return new Publication(unchanged, head.get());
            }
            Optional<String> predecessor = head.map(CatalogVersion::versionId);
            Optional<SyncReport> published = QuarkusTransaction.requiringNew().call(() -> {
                Optional<VersionHeader> inserted = store.insert(new CatalogStore.NewVersion(predecessor,
                        effectiveFrom, config.publishLead().toNanos() / 1000, request.source(), request.note(),
                        request.createdBy(), candidate.snapshot(), digest));
                if (inserted.isEmpty()) {
                    return Optional.<SyncReport> empty();
                }
                // The report needs only the header (id, effective time, digest); the cache is read after commit.
                SyncReport report = report(SyncReport.CREATED,
                        new CatalogVersion(inserted.get(), candidate.snapshot()), head, candidate);
                inTransaction.accept(report);
                return Optional.of(report);
            });
            if (published.isPresent()) {
                catalog.refresh();
                CatalogVersion created = catalog.version(published.get().versionId()).orElseThrow();
                return new Publication(published.get(), created);
            }
            Optional<VersionHeader> latest = store.latest();
            if (latest.map(VersionHeader::id).equals(predecessor)) {
                // Nobody else published: the new version would not take effect after the latest one.
                throw ApiException.conflict("catalog version " + predecessor.orElse("?") + " takes effect at "
                        + latest.get().effectiveFrom() + "; a new version must take effect after it");
            }
            if (attempt == ATTEMPTS) {
                throw ApiException.conflict("the catalog changed " + ATTEMPTS + " times during publication; retry");
            }
        }
    }

    /** A version dated sooner than the lead could apply before every replica has seen it. */
    private void requireNotTooSoon(Instant effectiveFrom) {
        Instant earliest = Instant.now().plus(config.publishLead());
        if (effectiveFrom.isBefore(earliest)) {
            throw ApiException.badRequest("effective_from " + effectiveFrom + " is too soon: a catalog version cannot"
                    + " take effect in the past or sooner than " + config.publishLead() + " from now");
        }
    }

    private static SyncReport report(String outcome, CatalogVersion version, Optional<CatalogVersion> previous,
                                     Candidate candidate) {
        CatalogSnapshot before = previous.map(CatalogVersion::snapshot).orElse(CatalogSnapshot.EMPTY);
        boolean created = SyncReport.CREATED.equals(outcome);
        return new SyncReport(outcome, version.versionId(),
                created ? previous.map(CatalogVersion::versionId).orElse(null) : null,
                version.header().effectiveFrom().toString(), version.header().contentSha256(),
                SyncReport.Totals.of(candidate.snapshot()), CatalogDiff.between(before, candidate.snapshot()),
                candidate.warnings());
    }
}
