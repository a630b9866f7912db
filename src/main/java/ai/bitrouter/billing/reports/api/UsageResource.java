package ai.bitrouter.billing.reports.api;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.money.Rounding;
import ai.bitrouter.billing.reports.CsvExports;
import ai.bitrouter.billing.reports.Dimension;
import ai.bitrouter.billing.reports.FocusCsv;
import ai.bitrouter.billing.reports.ReportWindow;
import ai.bitrouter.billing.reports.UsageReports;
import ai.bitrouter.billing.security.NamespaceAccess;
import ai.bitrouter.billing.reports.ratelimit.RateLimited;
import ai.bitrouter.billing.security.RequireScope;
import ai.bitrouter.billing.security.Scopes;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The CLI's usage endpoints (CONTRACT.md section 6). The caller's own namespaces only (404 otherwise); scope
 * {@code usage:read}. Money leaves as integer micro-USD, rounded half-up once from the exact total. Breakdowns and
 * CSV exports (issue #6, docs/reports.md) share the same window rules: 30 days by default, at most 366.
 */
@Path("/v1/namespaces/{nsid}")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@RequireScope(Scopes.USAGE_READ)
@RateLimited
public class UsageResource {
    static final int DEFAULT_LIMIT = 25;
    static final int MAX_LIMIT = 100;
    static final int MAX_OFFSET = 100_000;

    @Inject
    NamespaceAccess access;

    @Inject
    UsageReports reports;

    @Inject
    CsvExports exports;

    @Inject
    SecurityIdentity identity;

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
        String ns = access.requireOwnedId(nsid);
        ReportWindow w = ReportWindow.parse(fromParam, toParam);
        UsageReports.Totals t = reports.totals(ns, w.from(), w.to());
        return new Usage(w.from(), w.to(), Rounding.toWireMicroUsd(t.chargeMicroUsd()), t.promptTokens(), t.completionTokens(),
                t.requests());
    }

    /**
     * The request log: a JSON page (newest first), or with {@code Accept: text/csv} the same CSV export as
     * {@code requests.csv} (a window, oldest first). JSON wins unless CSV is asked for explicitly.
     */
    @GET
    @Path("/requests")
    @Produces({ MediaType.APPLICATION_JSON, BreakdownViews.CSV })
    public Response requestLog(@PathParam("nsid") String nsid, @QueryParam("limit") Integer limit,
            @QueryParam("offset") Integer offset, @QueryParam("from") String from, @QueryParam("to") String to,
            @jakarta.ws.rs.core.Context HttpHeaders headers) {
        boolean csv = headers.getAcceptableMediaTypes().stream()
                .anyMatch(m -> "text".equals(m.getType()) && "csv".equals(m.getSubtype()))
                && headers.getAcceptableMediaTypes().stream().noneMatch(m -> m.isCompatible(MediaType.APPLICATION_JSON_TYPE)
                        && !m.isWildcardType());
        if (csv) {
            return requestsCsv(nsid, from, to);
        }
        return Response.ok(requests(nsid, limit, offset), MediaType.APPLICATION_JSON_TYPE).build();
    }

    RequestPage requests(String nsid, Integer limit, Integer offset) {
        String ns = access.requireOwnedId(nsid);
        int l = limit == null ? DEFAULT_LIMIT : Math.max(1, Math.min(MAX_LIMIT, limit));
        int o = offset == null ? 0 : offset;
        if (o < 0 || o > MAX_OFFSET) {
            throw ApiException.badRequest("offset must be between 0 and " + MAX_OFFSET);
        }
        return new RequestPage(reports.requests(ns, l, o).stream().map(UsageResource::view).toList(), l, o);
    }

    static RequestView view(UsageReports.RequestRow r) {
        Long charge = r.chargeMicroUsd() == null ? null : Rounding.toWireMicroUsd(r.chargeMicroUsd());
        Instant created = r.startedAt() != null ? r.startedAt() : r.eventTime();
        Instant completed = r.completedAt() != null ? r.completedAt() : r.eventTime();
        return new RequestView(r.requestId(), r.requestId(), r.status(), r.modelRequested(), r.providerId(),
                r.promptTokens(), r.completionTokens(), charge, r.fundingSource(), r.streamed(), created, completed,
                r.servedModelId(), r.variant(), r.pricingState(), r.discountKind(), r.apiKeyId());
    }

    /**
     * Usage of the namespace grouped by {@code group_by} (day, model, provider, api_key, variant, discount_kind;
     * repeated or comma separated; default day), with totals equal to the sum of the rows.
     */
    @GET
    @Path("/usage/breakdown")
    public BreakdownViews.BreakdownView breakdown(@PathParam("nsid") String nsid, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("group_by") List<String> groupBy) {
        String ns = access.requireOwnedId(nsid);
        ReportWindow w = ReportWindow.parse(from, to);
        List<Dimension> dims = Dimension.parse(groupBy, Dimension.NAMESPACE_SCOPE);
        return BreakdownViews.view(reports.breakdown(UsageReports.Scope.namespace(ns), w, dims));
    }

    /** The breakdown as a FOCUS-style CSV, read from a cursor: no row limit, the same window cap. */
    @GET
    @Path("/usage/breakdown.csv")
    @Produces(BreakdownViews.CSV)
    public Response breakdownCsv(@PathParam("nsid") String nsid, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("group_by") List<String> groupBy) {
        String ns = access.requireOwnedId(nsid);
        ReportWindow w = ReportWindow.parse(from, to);
        List<Dimension> dims = Dimension.parse(groupBy, Dimension.NAMESPACE_SCOPE);
        return BreakdownViews.breakdownCsv(exports, identity, reports, UsageReports.Scope.namespace(ns), w, dims, ns,
                "usage-breakdown-" + ns);
    }

    /** Every request of the window as a FOCUS-style CSV row, oldest first, read from a cursor into the export file. */
    @GET
    @Path("/requests.csv")
    @Produces(BreakdownViews.CSV)
    public Response requestsCsv(@PathParam("nsid") String nsid, @QueryParam("from") String from,
            @QueryParam("to") String to) {
        String ns = access.requireOwnedId(nsid);
        ReportWindow w = ReportWindow.parse(from, to);
        return BreakdownViews.csv(exports, identity, "requests-" + ns + "-" + BreakdownViews.day(w.from()) + "-"
                + BreakdownViews.day(w.to()) + ".csv", FocusCsv.REQUEST_HEADER,
                csv -> reports.streamRequests(ns, w, r -> csv.row(FocusCsv.requestRow(r))));
    }
}
