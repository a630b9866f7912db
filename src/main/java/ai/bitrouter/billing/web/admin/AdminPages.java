package ai.bitrouter.billing.web.admin;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.bitrouter.billing.accounts.api.AdminAccountsResource;
import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.audit.api.AuditResource;
import ai.bitrouter.billing.catalog.api.AdminCatalogResource;
import ai.bitrouter.billing.catalog.registry.ImportRuns;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.discounts.DiscountGrantAdmin;
import ai.bitrouter.billing.metering.api.ParkedUsageResource;
import ai.bitrouter.billing.web.Dollars;
import ai.bitrouter.billing.web.ErrorPage;
import ai.bitrouter.billing.web.UsageView;
import ai.bitrouter.billing.web.WebSession;
import ai.bitrouter.billing.security.Roles;
import io.quarkus.qute.Location;
import io.quarkus.security.ForbiddenException;
import jakarta.annotation.security.RolesAllowed;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The admin pages. Who may call them: billing admins only, with the scope {@code billing:admin} in their session
 * ({@link AdminGate} answers everyone else with the 403 page; the class's {@code @RolesAllowed} states it for
 * {@code deny-unannotated-endpoints} and brings the admin-scope rule of {@code ScopeEnforcement}). Every read and every action goes through the same Java code as the JSON admin API (the resources' own
 * methods or the services they call), so the page shows what the API shows, and each action writes its audit row
 * exactly once, through {@code AuditLog}, in the service's transaction. Forms carry the session's CSRF token and
 * answer with a redirect (post/redirect/get), so a reload never repeats an action.
 */
@Path("/ui/admin")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Roles.BILLING_ADMIN)
public class AdminPages {
    static final int AUDIT_PAGE = 50;
    static final int PARKED_PAGE = 50;
    private static final ObjectMapper PRETTY = new ObjectMapper().findAndRegisterModules()
            .enable(SerializationFeature.INDENT_OUTPUT).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** Fixed texts for the notice after an action: the query string only picks one, it never supplies text. */
    static final Map<String, String> NOTICES = Map.of(
            "granted", "Discount granted.",
            "revoked", "Discount grant revoked.",
            "imported", "Registry import finished: its report is the newest run below.",
            "priced", "Official price set: a new catalog version was published.",
            "repriced", "Re-pricing finished.");

    @Inject
    WebSession session;

    @Inject
    AdminAccountsResource accounts;

    @Inject
    ai.bitrouter.billing.invoicing.InvoiceStore invoices;

    /** An invoice as the account page lists it. */
    @io.quarkus.qute.TemplateData
    public record InvoiceRow(String id, String period, String status, String total, String hostedUrl,
            String lastError) {
    }

    @Inject
    DiscountGrantAdmin grants;

    @Inject
    AuditResource auditApi;

    @Inject
    AdminCatalogResource catalogApi;

    @Inject
    ParkedUsageResource parkedApi;

    @Inject
    ParkedEvents parkedEvents;

    @Inject
    ObjectMapper json;

    @Location("web/admin/accounts.html")
    Template accountsPage;

    @Location("web/admin/account.html")
    Template accountPage;

    @Location("web/admin/audit.html")
    Template auditPage;

    @Location("web/admin/catalog.html")
    Template catalogPage;

    // ------------------------------------------------------------------ accounts

    @GET
    public TemplateInstance accounts(@QueryParam("q") String q) {
        AdminAccountsResource.SearchResult found = accounts.search(q, 50);
        return page(accountsPage, null).data("q", q == null ? "" : q).data("accounts", found.data());
    }

    @GET
    @Path("/accounts/{id}")
    public TemplateInstance account(@PathParam("id") String id, @QueryParam("notice") String notice) {
        AdminAccountsResource.AccountDetail detail = accounts.get(id);
        long mtd = detail.monthToDate().spendMicroUsd();
        List<InvoiceRow> invoiceRows = invoices.forAccount(java.util.UUID.fromString(detail.account().id()), 24, 0)
                .stream().map(i -> new InvoiceRow(i.id().toString(), i.period().toString(), i.status().wire(),
                        ai.bitrouter.billing.money.Money.ofCents(i.totalCents()).toUsd().setScale(2).toPlainString(),
                        i.hostedInvoiceUrl(), i.lastError()))
                .toList();
        return page(accountPage, notice).data("d", detail).data("invoices", invoiceRows)
                .data("mtd", UsageView.Amount.of(mtd))
                .data("revocable", detail.grants().stream()
                        .filter(g -> g.state() == DiscountGrantAdmin.State.ACTIVE
                                || g.state() == DiscountGrantAdmin.State.SCHEDULED)
                        .map(DiscountGrantAdmin.GrantView::id).toList());
    }

    @POST
    @Path("/accounts/{id}/grants")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response grant(@PathParam("id") String id, @RestForm String csrf, @RestForm String percent,
            @RestForm String reason, @RestForm("project_url") String projectUrl,
            @RestForm("starts_at") String startsAt, @RestForm("ends_at") String endsAt) {
        requireCsrf(csrf);
        UUID account = uuid(id);
        BigDecimal pct;
        try {
            pct = percent == null || percent.isBlank() ? null : new BigDecimal(percent.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("percent must be a decimal number, e.g. 40");
        }
        DiscountGrantAdmin.NewGrant g = DiscountGrantAdmin.validate(pct, reason, projectUrl,
                time("starts_at", startsAt), time("ends_at", endsAt));
        grants.grant(account, g);
        return seeOther("/ui/admin/accounts/" + account + "?notice=granted");
    }

    @POST
    @Path("/accounts/{id}/grants/{grantId}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response revoke(@PathParam("id") String id, @PathParam("grantId") String grantId,
            @RestForm String csrf) {
        requireCsrf(csrf);
        UUID account = uuid(id);
        grants.revoke(account, uuid(grantId));
        return seeOther("/ui/admin/accounts/" + account + "?notice=revoked");
    }

    // ------------------------------------------------------------------ audit log

    @GET
    @Path("/audit")
    public TemplateInstance audit(@QueryParam("action") String action, @QueryParam("target_id") String targetId,
            @QueryParam("actor") String actor, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("page") Integer page) {
        int p = page == null ? 1 : Math.max(1, page);
        LocalDate fromDay = day("from", from);
        LocalDate toDay = day("to", to);
        AuditResource.Page result = auditApi.search(action, targetId, actor,
                fromDay == null ? null : fromDay.atStartOfDay().toInstant(ZoneOffset.UTC).toString(),
                toDay == null ? null : toDay.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString(),
                AUDIT_PAGE + 1, (p - 1) * AUDIT_PAGE);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (AuditLog.Entry e : result.data().stream().limit(AUDIT_PAGE).toList()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("e", e);
            row.put("before", pretty(e.before()));
            row.put("after", pretty(e.after()));
            rows.add(row);
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("action", blankToNull(action));
        query.put("target_id", blankToNull(targetId));
        query.put("actor", blankToNull(actor));
        query.put("from", fromDay == null ? null : fromDay.toString());
        query.put("to", toDay == null ? null : toDay.toString());
        return page(auditPage, null).data("rows", rows)
                .data("f", Map.of("action", nz(action), "target_id", nz(targetId), "actor", nz(actor),
                        "from", fromDay == null ? "" : fromDay.toString(), "to", toDay == null ? "" : toDay.toString()))
                .data("actions", AuditLog.ACTIONS)
                .data("pageNo", p)
                .data("prev", p > 1 ? link("/ui/admin/audit", query, p - 1) : null)
                .data("next", result.data().size() > AUDIT_PAGE ? link("/ui/admin/audit", query, p + 1) : null);
    }

    // ------------------------------------------------------------------ catalog and parked usage

    @GET
    @Path("/catalog")
    public TemplateInstance catalog(@QueryParam("notice") String notice, @QueryParam("reason") String reason) {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (ImportRuns.Run r : catalogApi.recentImports(10).data()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("r", r);
            row.put("report", pretty(r.report()));
            row.put("skipped", skipped(r.report()));
            runs.add(row);
        }
        ParkedUsageResource.Parked parked = parkedApi.parked();
        String selectedReason = blankToNull(reason);
        return page(catalogPage, notice).data("runs", runs)
                .data("parked", parked)
                .data("reason", selectedReason == null ? "" : selectedReason)
                .data("events", parkedEvents.list(selectedReason, PARKED_PAGE, 0));
    }

    @POST
    @Path("/catalog/import")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response runImport(@RestForm String csrf, @RestForm String feed) {
        requireCsrf(csrf);
        // Empty: from the configured registry location; otherwise the uploaded {"models": ..., "providers": ...}.
        catalogApi.runImport(feed == null || feed.isBlank() ? null : feed);
        return seeOther("/ui/admin/catalog?notice=imported");
    }

    @POST
    @Path("/catalog/official-price")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response setOfficialPrice(@RestForm String csrf, @RestForm("model_id") String modelId,
            @RestForm String pricing, @RestForm String note, @RestForm("effective_from") String effectiveFrom) {
        requireCsrf(csrf);
        if (modelId == null || modelId.isBlank()) {
            throw ApiException.badRequest("model id is required");
        }
        ObjectNode body = json.createObjectNode();
        try {
            body.set("pricing", json.readTree(pricing == null ? "" : pricing));
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("pricing must be a JSON object in the registry's pricing shape");
        }
        if (note != null && !note.isBlank()) {
            body.put("note", note.strip());
        }
        time("effective_from", effectiveFrom).ifPresent(t -> body.put("effective_from", t.toString()));
        // The JSON API's own method: same parsing, same service, same single audit row.
        catalogApi.setOfficialPrice(modelId.strip(), body.toString());
        return seeOther("/ui/admin/catalog?notice=priced");
    }

    @POST
    @Path("/usage/reprice")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response reprice(@RestForm String csrf) {
        requireCsrf(csrf);
        ParkedUsageResource.Repriced r = parkedApi.reprice();
        return seeOther("/ui/admin/catalog?notice=repriced&repriced=" + r.repriced() + "&still=" + r.stillParked());
    }

    // ------------------------------------------------------------------ helpers

    @ServerExceptionMapper
    public Response apiError(ApiException e) {
        return ErrorPage.response(e.status(), e.getMessage());
    }

    /** The role check's refusal, should it answer before {@link AdminGate}: a page, like the gate's. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return ErrorPage.response(403, "The admin pages are for billing admins (Keycloak realm role "
                + Roles.BILLING_ADMIN + ").");
    }

    private TemplateInstance page(Template template, String notice) {
        return template.data("header", new UsageView.Header(session.username(), true, session.csrfToken()))
                .data("notice", notice == null ? null : NOTICES.get(notice));
    }

    private void requireCsrf(String token) {
        if (!session.csrfMatches(token)) {
            throw ApiException.forbidden("The form has expired or did not come from this site; reload the page and "
                    + "try again.");
        }
    }

    private static Response seeOther(String location) {
        return Response.seeOther(URI.create(location)).build();
    }

    /** A form's date and time: RFC 3339, or the browser's datetime-local value read as UTC. */
    static Optional<Instant> time(String field, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.strip();
        try {
            return Optional.of(Instant.parse(v));
        } catch (DateTimeParseException e) {
            try {
                return Optional.of(LocalDateTime.parse(v).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e2) {
                throw ApiException.badRequest(field + " must be a UTC date and time such as 2026-11-01T00:00");
            }
        }
    }

    private static LocalDate day(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return LocalDate.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be a date such as 2026-11-01");
        }
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("not found");
        }
    }

    /** The report's skipped_* warnings: what an import left out, shown apart so that nobody has to read the JSON. */
    private static List<Map<String, String>> skipped(JsonNode report) {
        List<Map<String, String>> skipped = new ArrayList<>();
        if (report != null) {
            for (JsonNode w : report.path("warnings")) {
                if (w.path("code").asText().startsWith("skipped_")) {
                    Map<String, String> entry = new LinkedHashMap<>();
                    entry.put("code", w.path("code").asText());
                    entry.put("model", w.hasNonNull("model") ? w.get("model").asText() : null);
                    entry.put("provider", w.hasNonNull("provider") ? w.get("provider").asText() : null);
                    entry.put("message", w.path("message").asText());
                    skipped.add(entry);
                }
            }
        }
        return skipped;
    }

    private static String pretty(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return PRETTY.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return node.toString();
        }
    }

    private static String link(String path, Map<String, String> query, int page) {
        StringBuilder sb = new StringBuilder(path).append('?');
        query.forEach((k, v) -> {
            if (v != null) {
                sb.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&');
            }
        });
        return sb.append("page=").append(page).toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    static String dollars(long micro) {
        return Dollars.of(micro);
    }
}
