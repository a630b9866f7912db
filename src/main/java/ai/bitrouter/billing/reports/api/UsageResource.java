package ai.bitrouter.billing.reports.api;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.money.Rounding;
import ai.bitrouter.billing.reports.UsageReports;
import ai.bitrouter.billing.security.NamespaceAccess;
import ai.bitrouter.billing.security.RequireScope;
import ai.bitrouter.billing.security.Scopes;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * The CLI's usage endpoints (CONTRACT.md section 6). The caller's own namespaces only (404 otherwise); scope
 * {@code usage:read}. Money leaves as integer micro-USD, rounded half-up once from the exact total.
 */
@Path("/v1/namespaces/{nsid}")
@Produces(MediaType.APPLICATION_JSON)
@RequireScope(Scopes.USAGE_READ)
public class UsageResource {
    static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
    /** Longest window one request may ask for; longer reports are exports. */
    static final Duration MAX_WINDOW = Duration.ofDays(366);
    static final int DEFAULT_LIMIT = 25;
    static final int MAX_LIMIT = 100;
    static final int MAX_OFFSET = 100_000;

    @Inject
    NamespaceAccess access;

    @Inject
    UsageReports reports;

    public record Usage(Instant from, Instant to, @JsonProperty("spend_micro_usd") long spendMicroUsd,
            @JsonProperty("prompt_tokens") long promptTokens, @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("request_count") long requestCount) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record RequestView(String id, @JsonProperty("request_id") String requestId, String status,
            @JsonProperty("model_id") String modelId, @JsonProperty("provider_id") String providerId,
            @JsonProperty("prompt_tokens") long promptTokens, @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("final_charge_micro_usd") Long finalChargeMicroUsd,
            @JsonProperty("funding_source") String fundingSource, Boolean streamed,
            @JsonProperty("created_at") Instant createdAt, @JsonProperty("completed_at") Instant completedAt,
            @JsonProperty("served_model_id") String servedModelId, String variant,
            @JsonProperty("pricing_state") String pricingState, @JsonProperty("discount_kind") String discountKind,
            @JsonProperty("api_key_id") String apiKeyId) {
    }

    public record RequestPage(List<RequestView> data, int limit, int offset) {
    }

    @GET
    @Path("/usage")
    public Usage usage(@PathParam("nsid") String nsid, @QueryParam("from") String fromParam,
            @QueryParam("to") String toParam) {
        Namespace ns = access.requireOwned(nsid);
        Instant to = toParam == null ? Instant.now().truncatedTo(ChronoUnit.SECONDS) : time("to", toParam);
        Instant from = fromParam == null ? to.minus(DEFAULT_WINDOW) : time("from", fromParam);
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("from must be before to");
        }
        if (Duration.between(from, to).compareTo(MAX_WINDOW) > 0) {
            throw ApiException.badRequest("the window may span at most " + MAX_WINDOW.toDays() + " days");
        }
        UsageReports.Totals t = reports.totals(ns.id, from, to);
        return new Usage(from, to, Rounding.toWireMicroUsd(t.chargeMicroUsd()), t.promptTokens(), t.completionTokens(),
                t.requests());
    }

    @GET
    @Path("/requests")
    public RequestPage requests(@PathParam("nsid") String nsid, @QueryParam("limit") Integer limit,
            @QueryParam("offset") Integer offset) {
        Namespace ns = access.requireOwned(nsid);
        int l = limit == null ? DEFAULT_LIMIT : Math.max(1, Math.min(MAX_LIMIT, limit));
        int o = offset == null ? 0 : offset;
        if (o < 0 || o > MAX_OFFSET) {
            throw ApiException.badRequest("offset must be between 0 and " + MAX_OFFSET);
        }
        return new RequestPage(reports.requests(ns.id, l, o).stream().map(UsageResource::view).toList(), l, o);
    }

    static RequestView view(UsageReports.RequestRow r) {
        Long charge = r.chargeMicroUsd() == null ? null : Rounding.toWireMicroUsd(r.chargeMicroUsd());
        Instant created = r.startedAt() != null ? r.startedAt() : r.eventTime();
        Instant completed = r.completedAt() != null ? r.completedAt() : r.eventTime();
        return new RequestView(r.requestId(), r.requestId(), r.status(), r.modelRequested(), r.providerId(),
                r.promptTokens(), r.completionTokens(), charge, r.fundingSource(), r.streamed(), created, completed,
                r.servedModelId(), r.variant(), r.pricingState(), r.discountKind(), r.apiKeyId());
    }

    private static Instant time(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an RFC 3339 UTC time, e.g. 2026-11-01T00:00:00Z");
        }
    }
}
