package ai.bitrouter.billing.reports.api;

import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.money.Rounding;
import ai.bitrouter.billing.reports.UsageReports;
import ai.bitrouter.billing.security.NamespaceAccess;
import ai.bitrouter.billing.reports.ratelimit.RateLimited;
import ai.bitrouter.billing.security.RequireScope;
import ai.bitrouter.billing.security.Scopes;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The per-request receipt a router reconciles its estimate with (CONTRACT.md section 7), usually called with
 * {@code x-api-key}. Scope {@code usage:read}; a request of another account is the same 404 as an absent one.
 */
@Path("/v1/requests/{requestId}/settlement")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@RequireScope(Scopes.USAGE_READ)
@RateLimited
public class SettlementResource {

    @Inject
    NamespaceAccess access;

    @Inject
    UsageReports reports;

    public record SettlementUsage(@JsonProperty("uncached_input_tokens") long uncachedInputTokens,
            @JsonProperty("cache_read_tokens") long cacheReadTokens,
            @JsonProperty("cache_write_tokens") long cacheWriteTokens, @JsonProperty("output_tokens") long outputTokens,
            @JsonProperty("reasoning_tokens") long reasoningTokens) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Settlement(@JsonProperty("request_id") String requestId, String state,
            @JsonProperty("model_id") @JsonInclude(JsonInclude.Include.ALWAYS) String modelId,
            @JsonProperty("provider_id") @JsonInclude(JsonInclude.Include.ALWAYS) String providerId,
            SettlementUsage usage, @JsonProperty("final_charge_micro_usd") Long finalChargeMicroUsd) {
    }

    @GET
    public Settlement get(@PathParam("requestId") String requestId) {
        Set<String> mine = Set.copyOf(access.visibleIds()); // an API key's: no query (routers call this a lot)
        UsageReports.RequestRow r = reports.request(requestId).filter(row -> mine.contains(row.namespaceId()))
                .orElseThrow(() -> ApiException.notFound("request not found"));
        boolean computed = "computed".equals(r.pricingState());
        return new Settlement(r.requestId(), r.pricingState(), r.servedModelId(), r.providerId(),
                new SettlementUsage(r.uncachedInputTokens(), r.cacheReadTokens(), r.cacheWriteTokens(), r.outputTokens(),
                        r.reasoningTokens()),
                computed ? Rounding.toWireMicroUsd(r.chargeMicroUsd()) : null);
    }
}
