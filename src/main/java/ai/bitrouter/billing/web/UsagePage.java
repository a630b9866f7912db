package ai.bitrouter.billing.web;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.discounts.DiscountGrantAdmin;
import ai.bitrouter.billing.money.Rounding;
import ai.bitrouter.billing.reports.UsageReports;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The customer's usage page. Who may call it: any signed-in person (web tenant, {@code /ui/*} requires
 * authentication), and it shows only that person's own account: namespaces come from {@code NamespaceAccess}, a
 * namespace of another account is the API's 404. Totals are read through the same {@link UsageReports#totals} the
 * API uses and rounded once through {@link Rounding}, so the page shows the API's numbers to the micro-dollar.
 */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
@Authenticated
public class UsagePage {
    static final int PAGE_SIZE = 25;
    static final int MAX_PAGE = 4000;
    static final int TOP_MODELS = 10;
    static final List<String> STATUSES = List.of("succeeded", "failed");

    @Inject
    WebSession session;

    @Inject
    UsageReports reports;

    @Inject
    UsageQueries queries;

    @Inject
    DiscountGrantAdmin grants;

    @Location("web/usage.html")
    Template usage;

    @Location("web/signed-out.html")
    Template signedOut;

    @GET
    public Response home() {
        return Response.seeOther(URI.create("/ui/usage")).build();
    }

    @GET
    @Path("/signed-out")
    @PermitAll
    public TemplateInstance signedOut() {
        return signedOut.instance();
    }

    @GET
    @Path("/usage")
    public TemplateInstance usage(@QueryParam("ns") String ns, @QueryParam("month") String monthParam,
            @QueryParam("model") String model, @QueryParam("status") String status, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("page") Integer page) {
        Account account = session.account();
        List<Namespace> owned = session.namespaces();
        String selected = blank(ns) ? null : session.requireOwned(ns.strip()).id;
        List<String> scope = selected != null ? List.of(selected) : owned.stream().map(n -> n.id).toList();

        // The window: the month so far (its first instant to now, to the second, as the API's default "to").
        YearMonth month = parseMonth(monthParam);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant windowFrom = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant monthEnd = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant windowTo = monthEnd.isBefore(now) ? monthEnd : now;
        if (!windowFrom.isBefore(windowTo)) {
            throw ApiException.badRequest("that month has not started yet");
        }
        BigDecimal exactTotal = BigDecimal.ZERO;
        long requestCount = 0;
        for (String id : scope) {
            UsageReports.Totals t = reports.totals(id, windowFrom, windowTo);
            exactTotal = exactTotal.add(t.chargeMicroUsd());
            requestCount += t.requests();
        }

        LocalDate firstDay = month.atDay(1);
        LocalDate lastDay = LocalDate.ofInstant(windowTo.minusSeconds(1), ZoneOffset.UTC);
        Map<LocalDate, BigDecimal> daily = queries.dailySpend(scope, firstDay, lastDay.plusDays(1));

        List<UsageView.DiscountLine> discounts = new ArrayList<>();
        BigDecimal exactSaved = BigDecimal.ZERO;
        for (UsageQueries.DiscountTotal d : queries.discounts(scope, firstDay, lastDay.plusDays(1))) {
            discounts.add(new UsageView.DiscountLine(d.kind().replace('_', ' '),
                    UsageView.Amount.of(Rounding.toWireMicroUsd(d.savedMicroUsd()))));
            exactSaved = exactSaved.add(d.savedMicroUsd());
        }
        List<UsageView.GrantLine> grantLines = grants.list(account.id).stream()
                .filter(g -> g.state() == DiscountGrantAdmin.State.ACTIVE
                        || g.state() == DiscountGrantAdmin.State.SCHEDULED)
                .map(g -> new UsageView.GrantLine(g.percent(), g.startsAt(), g.endsAt(), g.state().wire()))
                .toList();

        List<UsageView.ModelLine> models = queries.topModels(scope, firstDay, lastDay.plusDays(1), TOP_MODELS).stream()
                .map(m -> new UsageView.ModelLine(m.model(), m.requests(), m.promptTokens(), m.completionTokens(),
                        UsageView.Amount.of(Rounding.toWireMicroUsd(m.chargeMicroUsd()))))
                .toList();

        // The request log: its own filters, independent of the month above.
        String modelFilter = blank(model) ? null : model.strip();
        String statusFilter = blank(status) ? null : status.strip();
        LocalDate fromDay = day("from", from);
        LocalDate toDay = day("to", to);
        if (fromDay != null && toDay != null && toDay.isBefore(fromDay)) {
            throw ApiException.badRequest("the end date is before the start date");
        }
        int p = page == null ? 1 : page;
        if (p < 1 || p > MAX_PAGE) {
            throw ApiException.badRequest("page must be between 1 and " + MAX_PAGE);
        }
        UsageQueries.RequestFilter filter = new UsageQueries.RequestFilter(modelFilter, statusFilter,
                fromDay == null ? null : fromDay.atStartOfDay().toInstant(ZoneOffset.UTC),
                toDay == null ? null : toDay.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
        List<UsageQueries.RequestRow> rows = queries.requests(scope, filter, PAGE_SIZE + 1, (p - 1) * PAGE_SIZE);
        boolean more = rows.size() > PAGE_SIZE;
        List<UsageView.RequestLine> lines = rows.stream().limit(PAGE_SIZE)
                .map(r -> new UsageView.RequestLine(r.requestId(), r.namespaceId(), r.eventTime(), r.status(),
                        r.modelRequested(), r.servedModelId(), r.promptTokens(), r.completionTokens(),
                        r.pricingState(), r.chargeMicroUsd() == null ? null
                                : UsageView.Amount.of(Rounding.toWireMicroUsd(r.chargeMicroUsd()))))
                .toList();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("ns", selected);
        query.put("month", blank(monthParam) ? null : month.toString());
        query.put("model", modelFilter);
        query.put("status", statusFilter);
        query.put("from", fromDay == null ? null : fromDay.toString());
        query.put("to", toDay == null ? null : toDay.toString());
        UsageView.Pager pager = new UsageView.Pager(p, p > 1 ? link(query, p - 1) : null, more ? link(query, p + 1) : null);

        List<UsageView.Option> nsOptions = new ArrayList<>();
        nsOptions.add(new UsageView.Option("", "All namespaces", selected == null));
        for (Namespace n : owned) {
            nsOptions.add(new UsageView.Option(n.id, n.name + " (" + n.id + ")", n.id.equals(selected)));
        }
        List<UsageView.Option> statuses = new ArrayList<>();
        statuses.add(new UsageView.Option("", "Any status", statusFilter == null));
        for (String s : STATUSES) {
            statuses.add(new UsageView.Option(s, s, s.equals(statusFilter)));
        }
        UsageView view = new UsageView(header(), nsOptions, month.toString(), windowTo.equals(now), windowFrom, windowTo,
                UsageView.Amount.of(Rounding.toWireMicroUsd(exactTotal)), requestCount, discounts,
                UsageView.Amount.of(Rounding.toWireMicroUsd(exactSaved)), grantLines,
                UsageChart.of(firstDay, lastDay, daily), models,
                new UsageView.Filters(selected == null ? "" : selected, modelFilter == null ? "" : modelFilter,
                        statusFilter == null ? "" : statusFilter, fromDay == null ? "" : fromDay.toString(),
                        toDay == null ? "" : toDay.toString(), statuses),
                lines, pager);
        return usage.data("v", view);
    }

    UsageView.Header header() {
        return new UsageView.Header(session.username(), session.isAdmin(), session.csrfToken());
    }

    /** Errors of this page are pages too (the API's envelope would be JSON). */
    @ServerExceptionMapper
    public Response apiError(ApiException e) {
        return ErrorPage.response(e.status(), e.getMessage());
    }

    static String link(Map<String, String> query, int page) {
        StringBuilder sb = new StringBuilder("/ui/usage?");
        query.forEach((k, v) -> {
            if (v != null) {
                sb.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&');
            }
        });
        return sb.append("page=").append(page).toString();
    }

    private static YearMonth parseMonth(String value) {
        if (blank(value)) {
            return YearMonth.now(ZoneOffset.UTC);
        }
        try {
            return YearMonth.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("month must look like 2026-11");
        }
    }

    private static LocalDate day(String name, String value) {
        if (blank(value)) {
            return null;
        }
        try {
            return LocalDate.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be a date such as 2026-11-01");
        }
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
