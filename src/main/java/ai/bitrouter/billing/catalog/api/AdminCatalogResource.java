package ai.bitrouter.billing.catalog.api;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.catalog.CatalogAudit;
import ai.bitrouter.billing.catalog.OfficialPriceAdmin;
import ai.bitrouter.billing.catalog.SyncReport;
import ai.bitrouter.billing.catalog.registry.FeedRejectedException;
import ai.bitrouter.billing.catalog.registry.ImportRuns;
import ai.bitrouter.billing.catalog.registry.PricingParser;
import ai.bitrouter.billing.catalog.registry.RegistryImporter;
import ai.bitrouter.billing.catalog.registry.RegistryJson;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.security.Roles;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Catalog administration, for billing admins only: registry imports and explicit official prices. Request
 * bodies are read as text and parsed here so every rate goes straight from its JSON text to a BigDecimal.
 */
@Path("/v1/admin/catalog")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
@Tag(name = "Catalog administration")
public class AdminCatalogResource {

    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    @Inject
    RegistryImporter importer;

    @Inject
    ImportRuns runs;

    @Inject
    OfficialPriceAdmin officialPrices;

    @Inject
    JsonWebToken token;

    @Inject
    AuditLog audit;

    @Inject
    CatalogAudit catalogAudit;

    @POST
    @Path("/imports")
    @Operation(summary = "Run a registry import", description = "Without a body: from the configured registry "
            + "location. With a body {\"models\": <models.json>, \"providers\": <providers.json>} (optionally "
            + "\"effective_from\", \"note\"): from the upload. A new catalog version is published only when the "
            + "content differs from the latest version.")
    @APIResponse(responseCode = "200", description = "The sync report")
    @APIResponse(responseCode = "400", description = "The feed was rejected; the catalog is unchanged")
    public SyncReport runImport(String body) {
        var auditHook = catalogAudit.importBy(audit.currentActor(), true);
        try {
            return body == null || body.isBlank()
                    ? importer.importConfigured(RegistryImporter.Trigger.ADMIN, token.getSubject(), auditHook)
                    : importer.importUpload(body, token.getSubject(), auditHook);
        } catch (FeedRejectedException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    public record RunList(List<ImportRuns.Run> data, int limit) {
    }

    @GET
    @Path("/imports")
    @Operation(summary = "Recent import runs, newest first, with their reports")
    public RunList recentImports(@QueryParam("limit") Integer limit) {
        int clamped = limit == null ? DEFAULT_LIMIT : Math.max(1, Math.min(MAX_LIMIT, limit));
        return new RunList(runs.recent(clamped), clamped);
    }

    @PUT
    @Path("/models/{id: .+}/official-price")
    @Operation(summary = "Set a model's official price", description = "Body {\"pricing\": <registry pricing "
            + "object>, \"note\": \"why\", \"effective_from\": optional RFC 3339}. Publishes a new catalog version in "
            + "which the official price has source \"admin\"; later registry imports keep it.")
    @APIResponse(responseCode = "200", description = "The report of the change")
    @APIResponse(responseCode = "404", description = "No such model in the latest catalog version")
    public SyncReport setOfficialPrice(@PathParam("id") String modelId, String body) {
        try {
            JsonNode request = RegistryJson.read("request body", body);
            if (!request.isObject() || !request.hasNonNull("pricing")) {
                throw ApiException.badRequest(
                        "expected {\"pricing\": {\"input_tokens\": {...}, \"output_tokens\": {...}}}");
            }
            Price price = PricingParser.parse(request.get("pricing"), "pricing");
            String note = request.hasNonNull("note") ? request.get("note").asText() : null;
            return officialPrices.set(modelId, price, note, token.getSubject(), effectiveFrom(request),
                    catalogAudit.officialPriceBy(audit.currentActor(), modelId));
        } catch (FeedRejectedException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static Optional<Instant> effectiveFrom(JsonNode request) {
        if (!request.hasNonNull("effective_from")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(request.get("effective_from").asText()));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("effective_from must be an RFC 3339 UTC time");
        }
    }
}
