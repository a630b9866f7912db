package ai.bitrouter.billing.invoicing.api;

import java.util.List;
import java.util.UUID;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.invoicing.InvoiceStore;
import ai.bitrouter.billing.security.NamespaceAccess;
import ai.bitrouter.billing.security.RequireScope;
import ai.bitrouter.billing.security.Scopes;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * A customer's own invoices; scope {@code billing:read}. Another account's invoice is a 404, never a 403, so an
 * invoice id reveals nothing about who owns it.
 */
@Path("/v1/billing/invoices")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@RequireScope(Scopes.BILLING_READ)
public class InvoiceResource {

    static final int MAX_LIMIT = 100;

    @Inject
    NamespaceAccess access;

    @Inject
    InvoiceStore store;

    public record InvoiceList(List<InvoiceView> data, int limit, int offset) {
    }

    @GET
    public InvoiceList list(@QueryParam("limit") @DefaultValue("25") int limit,
            @QueryParam("offset") @DefaultValue("0") int offset) {
        if (limit < 1 || offset < 0) {
            throw ApiException.badRequest("limit must be at least 1 and offset not negative");
        }
        int l = Math.min(limit, MAX_LIMIT);
        Account account = access.requireAccount();
        return new InvoiceList(store.forAccount(account.id, l, offset).stream()
                .map(i -> InvoiceView.of(i, null, false)).toList(), l, offset);
    }

    @GET
    @Path("/{id}")
    public InvoiceView get(@PathParam("id") String id) {
        Account account = access.requireAccount();
        UUID invoiceId = parse(id);
        InvoiceStore.Invoice invoice = store.find(invoiceId)
                .filter(i -> i.accountId().equals(account.id))
                .orElseThrow(() -> ApiException.notFound("invoice not found"));
        return InvoiceView.of(invoice, store.lines(invoiceId), false);
    }

    static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("invoice not found");
        }
    }
}
