package ai.bitrouter.billing.invoicing.api;

import java.util.List;
import java.util.UUID;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.invoicing.BillingPeriod;
import ai.bitrouter.billing.invoicing.InvoicePusher;
import ai.bitrouter.billing.invoicing.InvoiceStore;
import ai.bitrouter.billing.invoicing.MonthClose;
import ai.bitrouter.billing.security.Roles;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * Billing admins only: invoices of every account by status, period or account; re-pushing an invoice whose push
 * needs a person (a new attempt, with fresh idempotency keys); running a month close by hand. Both actions are
 * audited.
 */
@Path("/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class AdminInvoicesResource {

    @Inject
    InvoiceStore store;

    @Inject
    InvoicePusher pusher;

    @Inject
    MonthClose monthClose;

    @Inject
    AuditLog audit;

    public record InvoiceList(List<InvoiceView> data, int limit, int offset) {
    }

    @GET
    @Path("/invoices")
    public InvoiceList list(@QueryParam("status") String status, @QueryParam("period") String period,
            @QueryParam("account_id") String accountId, @QueryParam("limit") @DefaultValue("50") int limit,
            @QueryParam("offset") @DefaultValue("0") int offset) {
        if (limit < 1 || offset < 0) {
            throw ApiException.badRequest("limit must be at least 1 and offset not negative");
        }
        InvoiceStore.Status s = null;
        if (status != null && !status.isBlank()) {
            try {
                s = InvoiceStore.Status.of(status.strip());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("status must be one of draft, pushing, push_failed, finalized, paid, "
                        + "payment_failed, void");
            }
        }
        BillingPeriod p = period == null || period.isBlank() ? null : period(period);
        UUID account = null;
        if (accountId != null && !accountId.isBlank()) {
            try {
                account = UUID.fromString(accountId.strip());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("account_id must be a UUID");
            }
        }
        int l = Math.min(limit, 200);
        return new InvoiceList(store.search(s, p, account, l, offset).stream()
                .map(i -> InvoiceView.of(i, null, true)).toList(), l, offset);
    }

    @GET
    @Path("/invoices/{id}")
    public InvoiceView get(@PathParam("id") String id) {
        UUID invoiceId = InvoiceResource.parse(id);
        InvoiceStore.Invoice i = store.find(invoiceId).orElseThrow(() -> ApiException.notFound("invoice not found"));
        return InvoiceView.of(i, store.lines(invoiceId), true);
    }

    /**
     * Pushes again an invoice whose push failed (status {@code push_failed}) or is unfinished ({@code pushing}).
     * A failed one gets a new attempt number first. Anything else is a 409: a finalized invoice is never changed.
     */
    @POST
    @Path("/invoices/{id}/repush")
    public InvoiceView repush(@PathParam("id") String id) {
        UUID invoiceId = InvoiceResource.parse(id);
        AuditLog.Actor actor = audit.currentActor();
        // The admin's decision (a new attempt) and its audit row commit together; the push itself calls Stripe, so
        // it runs after the commit, outside any transaction, and leaves its outcome on the invoice.
        QuarkusTransaction.requiringNew().run(() -> {
            InvoiceStore.Invoice before = store.find(invoiceId)
                    .orElseThrow(() -> ApiException.notFound("invoice not found"));
            if (before.status() == InvoiceStore.Status.PUSH_FAILED) {
                store.retryFailed(invoiceId);
            } else if (before.status() != InvoiceStore.Status.PUSHING
                    && before.status() != InvoiceStore.Status.DRAFT) {
                throw ApiException.conflict("invoice is " + before.status().wire() + "; only a draft, pushing or "
                        + "push_failed invoice can be pushed");
            }
            InvoiceStore.Invoice queued = store.find(invoiceId).orElseThrow();
            audit.record(actor, AuditLog.INVOICE_REPUSH, "invoice", invoiceId.toString(),
                    InvoiceView.of(before, null, true), InvoiceView.of(queued, null, true),
                    "push requested by an admin");
        });
        pusher.push(invoiceId);
        InvoiceStore.Invoice after = store.find(invoiceId).orElseThrow();
        return InvoiceView.of(after, store.lines(invoiceId), true);
    }

    /**
     * Runs the month close for {@code period} (YYYY-MM, a month that has ended) now. Each invoice it drafts is
     * audited in its own drafting transaction ({@link MonthClose#close(BillingPeriod, AuditLog.Actor)}); a close that
     * drafted nothing leaves one row saying so, since the admin asked for it.
     */
    @POST
    @Path("/invoicing/close")
    public MonthClose.Report close(@QueryParam("period") String period) {
        if (period == null || period.isBlank()) {
            throw ApiException.badRequest("period is required, e.g. ?period=2026-10");
        }
        BillingPeriod p = period(period);
        AuditLog.Actor actor = audit.currentActor();
        MonthClose.Report report;
        try {
            report = monthClose.closeExclusively(p, actor).orElseThrow(() -> ApiException.conflict(
                    "a month close is running now (on this or another instance); try again when it ends"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (report.drafted() == 0) {
            QuarkusTransaction.requiringNew().run(() -> audit.record(actor, AuditLog.INVOICE_CLOSE, "billing_period",
                    p.toString(), null, report, "nothing to draft"));
        }
        return report;
    }

    private static BillingPeriod period(String text) {
        try {
            return BillingPeriod.parse(text.strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
