package ai.bitrouter.billing.invoicing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.invoicing.stripe.StripeGateway;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Applies a verified Stripe event once, without holding a database transaction or connection while Stripe is asked
 * (issue #18: a slow Stripe must not hold connections the rest of the service needs). Three steps:
 * <ol>
 * <li>the event id is recorded ({@code stripe_events} primary key) in its own short statement, with the outcome
 * {@code received} for an event still to apply: a replayed delivery of an applied, ignored or unknown event finds
 * it and changes nothing;</li>
 * <li>the invoice's state is re-read from Stripe's API, outside any transaction, rather than taken from the event, so
 * deliveries out of order ({@code invoice.paid} before {@code invoice.finalized}) still leave the right state;</li>
 * <li>a second short transaction moves our invoice forward (never back) and marks the event {@code applied}.</li>
 * </ol>
 * If Stripe cannot be asked, the event stays {@code received} and the 5xx makes Stripe deliver again later; that
 * delivery, or a concurrent one, applies it then. Applying twice is harmless: the state comes from Stripe and only
 * moves forward.
 */
@ApplicationScoped
public class StripeWebhooks {

    private static final Logger LOG = Logger.getLogger(StripeWebhooks.class);

    static final Set<String> HANDLED = Set.of("invoice.finalized", "invoice.paid", "invoice.payment_failed",
            "invoice.voided");

    /** The outcome of an event recorded but not applied yet (or whose application failed). */
    static final String RECEIVED = "received";

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

    /** Not transactional on purpose (see the class comment): each step commits on its own. */
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
        String outcome = !HANDLED.contains(type) ? "ignored_type" : local.isEmpty() ? "unknown_invoice" : RECEIVED;
        if (!record(id, type, local.map(InvoiceStore.Invoice::id).orElse(null), outcome)) {
            return Result.DUPLICATE;
        }
        if (!handled) {
            return Result.IGNORED;
        }
        // No transaction is open here and no connection is held: the call may take the gateway's retries.
        com.stripe.model.Invoice current = stripe.retrieveInvoice(stripeInvoiceId);
        UUID invoiceId = local.get().id();
        QuarkusTransaction.requiringNew().run(() -> {
            if (current.getStatus() != null && !"draft".equals(current.getStatus())) {
                store.finalized(invoiceId, current.getNumber(), current.getHostedInvoiceUrl(), current.getInvoicePdf());
            }
            // payment_failed is not a Stripe status (the invoice stays "open"): only the event says it.
            pusher.applyStripeStatus(invoiceId, current.getStatus(), type.equals("invoice.payment_failed"));
            markApplied(id);
        });
        LOG.debugf("stripe event %s (%s) applied to invoice %s: Stripe says %s", id, type, invoiceId,
                current.getStatus());
        return Result.APPLIED;
    }

    /**
     * Records the event; false when it was recorded before and is not waiting to be applied (a replay). An event
     * recorded as {@link #RECEIVED} by a delivery that could not finish is applied by this one.
     */
    private boolean record(String eventId, String type, UUID invoiceId, String outcome) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO stripe_events (event_id, type, invoice_id, outcome) VALUES (?, ?, ?, ?)
                    ON CONFLICT (event_id) DO NOTHING""")) {
                ps.setString(1, eventId);
                ps.setString(2, type);
                ps.setObject(3, invoiceId);
                ps.setString(4, outcome);
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT outcome FROM stripe_events WHERE event_id = ?")) {
                ps.setString(1, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && RECEIVED.equals(rs.getString(1)) && RECEIVED.equals(outcome);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("recording the Stripe event failed", e);
        }
    }

    private void markApplied(String eventId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE stripe_events SET outcome = 'applied' WHERE event_id = ? AND outcome = ?")) {
            ps.setString(1, eventId);
            ps.setString(2, RECEIVED);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("marking the Stripe event applied failed", e);
        }
    }
}
