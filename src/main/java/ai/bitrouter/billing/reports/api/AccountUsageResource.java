package ai.bitrouter.billing.reports.api;

import java.util.List;

import ai.bitrouter.billing.reports.CsvExports;
import ai.bitrouter.billing.reports.Dimension;
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
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Usage across all of the caller's namespaces (issue #6), scope {@code usage:read}. Which namespaces those are comes
 * from {@link NamespaceAccess#visible()} alone (all of a person's account, or an API key's one namespace); no query
 * parameter can add one, so another tenant's usage is never in the sum. A caller without an account gets a 404.
 */
@Path("/v1/account/usage")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@RequireScope(Scopes.USAGE_READ)
@RateLimited
public class AccountUsageResource {

    @Inject
    NamespaceAccess access;

    @Inject
    UsageReports reports;

    @Inject
    CsvExports exports;

    @Inject
    SecurityIdentity identity;

    /** The same shape as the namespace breakdown; {@code group_by} may also be {@code namespace}. */
    @GET
    @Path("/breakdown")
    public BreakdownViews.BreakdownView breakdown(@QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("group_by") List<String> groupBy) {
        UsageReports.Scope scope = scope();
        ReportWindow w = ReportWindow.parse(from, to);
        List<Dimension> dims = Dimension.parse(groupBy, Dimension.ACCOUNT_SCOPE);
        return BreakdownViews.view(reports.breakdown(scope, w, dims));
    }

    @GET
    @Path("/breakdown.csv")
    @Produces(BreakdownViews.CSV)
    public Response breakdownCsv(@QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("group_by") List<String> groupBy) {
        UsageReports.Scope scope = scope();
        ReportWindow w = ReportWindow.parse(from, to);
        List<Dimension> dims = Dimension.parse(groupBy, Dimension.ACCOUNT_SCOPE);
        String single = scope.namespaceIds().size() == 1 ? scope.namespaceIds().get(0) : null;
        return BreakdownViews.breakdownCsv(exports, identity, reports, scope, w, dims, single, "account-usage-breakdown");
    }

    private UsageReports.Scope scope() {
        List<String> ids = access.visibleIds();
        if (ids.isEmpty()) {
            access.requireAccount(); // 404 for a person without an account; an account without namespaces sees zeros
        }
        return new UsageReports.Scope(ids);
    }
}
