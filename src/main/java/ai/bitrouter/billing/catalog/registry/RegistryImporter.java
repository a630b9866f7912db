package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.catalog.CatalogConfig;
import ai.bitrouter.billing.catalog.CatalogPublisher;
import ai.bitrouter.billing.catalog.CatalogService;
import ai.bitrouter.billing.catalog.CatalogSnapshot;
import ai.bitrouter.billing.catalog.CatalogVersion;
import ai.bitrouter.billing.catalog.OfficialEntry;
import ai.bitrouter.billing.catalog.OfficialSource;
import ai.bitrouter.billing.catalog.SyncReport;
import ai.bitrouter.billing.catalog.VendorProviders;
import ai.bitrouter.billing.catalog.VersionHeader;
import ai.bitrouter.billing.common.api.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One registry import: read the feed, validate all of it, build the candidate catalog, publish it if it differs
 * from the latest version, and record the run with its report. Entries the parser had to skip are in the report's
 * warnings and keep their previous version; a structurally broken feed is rejected whole and the catalog in force
 * stays as it was.
 */
@ApplicationScoped
public class RegistryImporter {

    public enum Trigger { STARTUP, SCHEDULED, ADMIN }

    @Inject
    RegistrySource source;

    @Inject
    CatalogPublisher publisher;

    @Inject
    CatalogService catalog;

    @Inject
    CatalogConfig config;

    @Inject
    ImportRuns runs;

    private final RegistryFeedParser parser = new RegistryFeedParser();
    private final RegistryCatalogBuilder builder = new RegistryCatalogBuilder(VendorProviders.load());

    /** A feed ready to import, when it should take effect, and why. */
    private record Order(RegistryFeed feed, Optional<Instant> effectiveFrom, String note) {
    }

    /** Imports from {@code bitrouter.catalog.registry.location}. */
    public SyncReport importConfigured(Trigger trigger, String requestedBy) {
        return importConfigured(trigger, requestedBy, report -> {
        });
    }

    /** As {@link #importConfigured(Trigger, String)}; {@code audit} runs in the publishing transaction. */
    public SyncReport importConfigured(Trigger trigger, String requestedBy, Consumer<SyncReport> audit) {
        String location = source.location().orElseThrow(() -> ApiException.badRequest("no registry location is "
                + "configured (bitrouter.catalog.registry.location); upload {\"models\": ..., \"providers\": ...}"));
        return run(trigger, location, requestedBy, audit, () -> {
            RegistrySource.RawFeed raw = source.fetch(location);
            return new Order(parser.parse(raw.modelsJson(), raw.providersJson()), Optional.empty(),
                    "registry import from " + raw.origin());
        });
    }

    /**
     * Imports an uploaded feed: {@code {"models": <models.json>, "providers": <providers.json>}}, optionally with
     * {@code "effective_from"} (RFC 3339) and {@code "note"}.
     */
    public SyncReport importUpload(String body, String requestedBy) {
        return importUpload(body, requestedBy, report -> {
        });
    }

    /** As {@link #importUpload(String, String)}; {@code audit} runs in the publishing transaction. */
    public SyncReport importUpload(String body, String requestedBy, Consumer<SyncReport> audit) {
        return run(Trigger.ADMIN, "upload", requestedBy, audit, () -> {
            JsonNode request = RegistryJson.read("request body", body);
            if (!request.isObject() || !request.path("models").isObject() || !request.path("providers").isObject()) {
                throw new FeedRejectedException(List.of("request body: expected {\"models\": <models.json>, "
                        + "\"providers\": <providers.json>}"));
            }
            RegistryFeed feed = parser.parse(request.get("models"), request.get("providers"));
            String note = request.hasNonNull("note") ? request.get("note").asText() : "registry feed uploaded";
            return new Order(feed, effectiveFrom(request.get("effective_from")), note);
        });
    }

    private SyncReport run(Trigger trigger, String origin, String requestedBy, Consumer<SyncReport> audit,
            Supplier<Order> order) {
        Instant started = Instant.now();
        String triggerName = trigger.name().toLowerCase(Locale.ROOT);
        try {
            Order o = order.get();
            Instant effective = o.effectiveFrom().orElseGet(() -> Instant.now().plus(config.publishLead()));
            CatalogPublisher.Publication publication = publisher.publish(
                    new CatalogPublisher.Request(VersionHeader.SOURCE_REGISTRY, o.note(), requestedBy,
                            o.effectiveFrom()),
                    head -> builder.build(o.feed(), catalog.policyAt(effective),
                            head.map(CatalogVersion::snapshot).orElse(CatalogSnapshot.EMPTY), adminPrices(head)), audit);
            SyncReport report = publication.report();
            runs.record(new ImportRuns.Run(null, started, Instant.now(), triggerName, origin, requestedBy,
                    report.outcome(), report.versionId(), null, RegistryJson.MAPPER.valueToTree(report)));
            return report;
        } catch (FeedRejectedException e) {
            ObjectNode problems = JsonNodeFactory.instance.objectNode();
            e.problems().forEach(problems.putArray("problems")::add);
            runs.record(new ImportRuns.Run(null, started, Instant.now(), triggerName, origin, requestedBy,
                    ImportRuns.REJECTED, null, e.getMessage(), problems));
            throw e;
        } catch (RuntimeException e) {
            String outcome = e instanceof ApiException api && api.status() < 500
                    ? ImportRuns.REJECTED : ImportRuns.FAILED;
            runs.record(new ImportRuns.Run(null, started, Instant.now(), triggerName, origin, requestedBy, outcome,
                    null, String.valueOf(e.getMessage()), null));
            throw e;
        }
    }

    private static Map<String, OfficialEntry> adminPrices(Optional<CatalogVersion> head) {
        return head.map(v -> v.snapshot().official().entrySet().stream()
                        .filter(e -> e.getValue().source() == OfficialSource.ADMIN)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)))
                .orElse(Map.of());
    }

    private static Optional<Instant> effectiveFrom(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(node.asText()));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("effective_from must be an RFC 3339 UTC time, got " + node);
        }
    }
}
