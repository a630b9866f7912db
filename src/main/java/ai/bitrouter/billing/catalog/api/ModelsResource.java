package ai.bitrouter.billing.catalog.api;

import ai.bitrouter.billing.catalog.CatalogService;
import ai.bitrouter.billing.catalog.CatalogVersion;
import ai.bitrouter.billing.catalog.ModelInfo;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.pricing.PricingPolicy;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The public price list: every model, who serves it at what price, its official price and what a customer pays
 * on the self-hosted supply. Anyone may read it, signed in or not.
 */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
@Tag(name = "Models & pricing")
public class ModelsResource {

    static final String CURRENCY = "USD";
    static final String UNIT = "usd_per_1m_tokens";

    @Inject
    CatalogService catalog;

    @GET
    @Operation(summary = "Supported models & pricing",
            description = "Every model of the catalog in force (or in force at `at`), with each provider's listed "
                    + "price, the official price (and whether it is derived), and the self-hosted price: the official "
                    + "price less 25%, or with `:discount` from 25% up to 50% with a granted discount. Rates are "
                    + "exact decimal strings in USD per 1M tokens.")
    @APIResponse(responseCode = "200", description = "The model list")
    public ModelView.Page list(@Parameter(description = "RFC 3339 instant; default now") @QueryParam("at") String at) {
        Instant instant = instant(at);
        Optional<CatalogVersion> version = catalog.versionAt(instant);
        if (version.isEmpty()) {
            return new ModelView.Page(List.of(), null, null, null, CURRENCY, UNIT);
        }
        CatalogVersion v = version.get();
        PricingPolicy policy = catalog.policyAt(instant);
        List<ModelView> models = v.snapshot().models().values().stream()
                .map(m -> ModelViews.of(v.snapshot(), m, policy)).toList();
        return new ModelView.Page(models, v.versionId(), v.header().effectiveFrom().toString(), policy.versionId(),
                CURRENCY, UNIT);
    }

    @GET
    @Path("/{id: .+}")
    @Operation(summary = "One model and its prices", description = "Model ids contain a slash, e.g. "
            + "`moonshotai/kimi-k2.6`; it is part of the path as is.")
    @APIResponse(responseCode = "200", description = "The model")
    @APIResponse(responseCode = "404", description = "No such model in the catalog in force")
    public ModelView get(@PathParam("id") String id, @QueryParam("at") String at) {
        Instant instant = instant(at);
        CatalogVersion version = catalog.versionAt(instant)
                .orElseThrow(() -> ApiException.notFound("model " + id + " is not in the catalog"));
        ModelInfo model = version.snapshot().models().get(id);
        if (model == null) {
            throw ApiException.notFound("model " + id + " is not in the catalog");
        }
        return ModelViews.of(version.snapshot(), model, catalog.policyAt(instant));
    }

    static Instant instant(String at) {
        if (at == null || at.isBlank()) {
            return Instant.now();
        }
        try {
            return Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("at must be an RFC 3339 UTC time, got " + at);
        }
    }
}
