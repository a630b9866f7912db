package ai.bitrouter.billing.invoicing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.invoicing.stripe.StripeGateway;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * Applies a verified Stripe event once. The event id is inserted first ({@code stripe_events} primary key): a
 * replayed delivery finds it and changes nothing. The invoice's state is then re-read from Stripe's API rather than
 * taken from the event, so deliveries out of order ({@code invoice.paid} before {@code invoice.finalized}) still
 * leave the right state; and our status only moves forward. If Stripe cannot be asked, the transaction rolls back
 * (the event id with it) and the 5xx makes Stripe deliver again later.
 */
@ApplicationScoped
public class StripeWebhooks {

    private static final Logger LOG = Logger.getLogger(StripeWebhooks.class);

    static final Set<String> HANDLED = Set.of("invoice.finalized", "invoice.paid", "invoice.payment_failed",
            "invoice.voided");

    @Inject
    DataSource dataSource;

    @Inject
    InvoiceStore store;

    @Inject
    StripeGateway stripe;

    @Inject
    InvoicePusher pusher;

    public enum Result {
        APPLIED, DUPLICATE, IGNORED
    }

    /** A malformed but correctly signed body is still malformed: 400, nothing stored. */
    public static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Transactional
    public Result handle(String body) {
        String id;
        String type;
        String stripeInvoiceId;
        try {
            JsonNode event = JSON.readTree(body);
            id = event.get("id").textValue();
            type = event.get("type").textValue();
            JsonNode object = event.path("data").path("object");
            if (id == null || id.isBlank() || type == null) {
                throw new IllegalArgumentException("id and type are required");
            }
            stripeInvoiceId = type.startsWith("invoice.") && object.path("id").isTextual()
                    ? object.path("id").textValue() : null;
        } catch (java.io.IOException | RuntimeException e) {
            throw new Malformed("the body is not a Stripe event: " + e.getMessage());
        }
        Optional<InvoiceStore.Invoice> local = stripeInvoiceId == null ? Optional.empty()
                : store.findByStripeId(stripeInvoiceId);
        boolean handled = HANDLED.contains(type) && local.isPresent();
        String outcome = !HANDLED.contains(type) ? "ignored_type" : local.isEmpty() ? "unknown_invoice" : "applied";
        if (!record(id, type, local.map(InvoiceStore.Invoice::id).orElse(null), outcome)) {
            return Result.DUPLICATE;
        }
        if (!handled) {
            return Result.IGNORED;
        }
        com.stripe.model.Invoice current = stripe.retrieveInvoice(stripeInvoiceId);
        UUID invoiceId = local.get().id();
        if (current.getStatus() != null && !"draft".equals(current.getStatus())) {
            store.finalized(invoiceId, current.getNumber(), current.getHostedInvoiceUrl(), current.getInvoicePdf());
        }
        // payment_failed is not a Stripe status (the invoice stays "open"): only the event says it.
        pusher.applyStripeStatus(invoiceId, current.getStatus(), type.equals("invoice.payment_failed"));
        LOG.debugf("stripe event %s (%s) applied to invoice %s: Stripe says %s", id, type, invoiceId,
                current.getStatus());
        return Result.APPLIED;
    }

    private boolean record(String eventId, String type, UUID invoiceId, String outcome) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO stripe_events (event_id, type, invoice_id, outcome) VALUES (?, ?, ?, ?)
                        ON CONFLICT (event_id) DO NOTHING""")) {
            ps.setString(1, eventId);
            ps.setString(2, type);
            ps.setObject(3, invoiceId);
            ps.setString(4, outcome);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("recording the Stripe event failed", e);
        }
    }
}
