package ai.bitrouter.billing.invoicing;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.stripe.model.Customer;

import ai.bitrouter.billing.invoicing.InvoiceStore.Invoice;
import ai.bitrouter.billing.invoicing.InvoiceStore.Status;
import ai.bitrouter.billing.invoicing.InvoiceStore.StoredLine;
import ai.bitrouter.billing.invoicing.stripe.StripeConfig;
import ai.bitrouter.billing.invoicing.stripe.StripeFailure;
import ai.bitrouter.billing.invoicing.stripe.StripeGateway;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Pushes one local invoice to Stripe: customer, invoice, lines, finalize. Resumable at every step, and safe to run
 * again at any point, by three means together:
 * <ol>
 * <li>what Stripe returned is written down right after each call (customer id, invoice id, lines pushed);</li>
 * <li>every creating call carries an idempotency key derived from our ids and the attempt number, so a retry
 * within Stripe's 24 h key window is replayed, not repeated;</li>
 * <li>before a create whose earlier attempt may have reached Stripe (the "requested" marks are set but no id was
 * written), Stripe is asked first (customer search, invoice list, line list), which still works after the keys
 * expired.</li>
 * </ol>
 * Before finalizing, Stripe's total must equal ours to the cent; otherwise nothing is finalized and a person looks.
 */
@ApplicationScoped
public class InvoicePusher {

    private static final Logger LOG = Logger.getLogger(InvoicePusher.class);

    @Inject
    InvoiceStore store;

    @Inject
    StripeGateway stripe;

    @Inject
    StripeConfig config;

    @Inject
    PushStep.Observer observer;

    public enum Outcome {
        FINALIZED, ALREADY_DONE, RETRY_LATER, NEEDS_ATTENTION
    }

    public Outcome push(UUID invoiceId) {
        Invoice inv = store.find(invoiceId).orElseThrow(() -> new IllegalArgumentException("no invoice " + invoiceId));
        if (inv.status() != Status.DRAFT && inv.status() != Status.PUSHING) {
            return Outcome.ALREADY_DONE;
        }
        try {
            String customer = ensureCustomer(inv);
            if (!store.startPush(invoiceId, customer)) {
                return Outcome.ALREADY_DONE;
            }
            inv = store.find(invoiceId).orElseThrow();
            String stripeInvoice = ensureInvoice(inv, customer);
            Long stripeTotal = ensureLines(inv, stripeInvoice);
            if (stripeTotal == null) {
                stripeTotal = stripe.retrieveInvoice(stripeInvoice).getTotal();
            }
            if (stripeTotal == null || stripeTotal != inv.totalCents()) {
                String error = "Stripe invoice " + stripeInvoice + " totals " + stripeTotal + " cents, ours "
                        + inv.totalCents() + ": not finalized";
                store.pushError(invoiceId, error, true);
                LOG.error(error);
                return Outcome.NEEDS_ATTENTION;
            }
            finalizeInvoice(inv, stripeInvoice);
            return Outcome.FINALIZED;
        } catch (StripeFailure f) {
            store.pushError(invoiceId, f.getMessage(), !f.retryable());
            LOG.warnf("invoice %s not pushed (%s): %s", invoiceId, f.retryable() ? "will retry" : "needs a person",
                    f.getMessage());
            return f.retryable() ? Outcome.RETRY_LATER : Outcome.NEEDS_ATTENTION;
        }
    }

    private String key(Invoice inv, String step) {
        return "bitrouter-invoice-" + inv.id() + "-a" + inv.attempt() + "-" + step;
    }

    private String ensureCustomer(Invoice inv) {
        String account = inv.accountId().toString();
        var row = store.customerRow(inv.accountId());
        if (row.isPresent() && row.get().stripeCustomerId() != null) {
            return row.get().stripeCustomerId();
        }
        if (row.isPresent()) {
            // An earlier create may have reached Stripe without us learning the id.
            var found = stripe.findCustomer(account);
            if (found.isPresent()) {
                store.customerCreated(inv.accountId(), found.get().getId());
                return found.get().getId();
            }
        } else {
            store.customerRequested(inv.accountId());
        }
        Customer created = stripe.createCustomer(account, store.accountName(inv.accountId(), false).orElse(null),
                store.accountName(inv.accountId(), true).orElse(null),
                "bitrouter-customer-" + account + "-a" + inv.attempt());
        observer.afterStripeCall(PushStep.CUSTOMER_CREATED, inv.id());
        store.customerCreated(inv.accountId(), created.getId());
        // Another run may have stored a different id first (it cannot: runs hold the month-close lock); re-read.
        return store.customerRow(inv.accountId()).map(InvoiceStore.CustomerRow::stripeCustomerId)
                .orElse(created.getId());
    }

    private String ensureInvoice(Invoice inv, String customer) {
        if (inv.stripeInvoiceId() != null) {
            return inv.stripeInvoiceId();
        }
        if (inv.createRequestedAt() != null) {
            var found = stripe.findInvoice(customer, inv.id().toString());
            if (found.isPresent()) {
                store.stripeInvoiceCreated(inv.id(), found.get().getId());
                return found.get().getId();
            }
        }
        store.createRequested(inv.id());
        var created = stripe.createInvoice(customer, inv.accountId().toString(), inv.id().toString(),
                inv.period().toString(), "BitRouter Cloud usage, " + inv.period(), key(inv, "create"));
        observer.afterStripeCall(PushStep.INVOICE_CREATED, inv.id());
        store.stripeInvoiceCreated(inv.id(), created.getId());
        return created.getId();
    }

    /** Adds the lines not yet on Stripe, in bulk. Returns Stripe's total after the last call, or null if none. */
    private Long ensureLines(Invoice inv, String stripeInvoice) {
        List<StoredLine> pending = new ArrayList<>(store.lines(inv.id()).stream().filter(l -> !l.pushed()).toList());
        if (pending.isEmpty()) {
            return null;
        }
        if (inv.linesRequestedAt() != null) {
            Set<Integer> present = new HashSet<>(stripe.linesPresent(stripeInvoice));
            store.linesPushed(inv.id(), present);
            pending.removeIf(l -> present.contains(l.lineNo()));
            if (pending.isEmpty()) {
                return null;
            }
        }
        store.linesRequested(inv.id());
        Long total = null;
        int per = Math.max(1, config.linesPerCall());
        for (int from = 0; from < pending.size(); from += per) {
            List<StoredLine> chunk = pending.subList(from, Math.min(pending.size(), from + per));
            List<StripeGateway.NewLine> lines = chunk.stream().map(l -> new StripeGateway.NewLine(l.lineNo(),
                    l.description(), l.amountCents(),
                    l.usagePeriod().start().getEpochSecond(),
                    // Stripe's period end is inclusive: the last second of the month.
                    l.usagePeriod().end().atZone(ZoneOffset.UTC).toEpochSecond() - 1)).toList();
            String k = key(inv, "lines-" + chunk.get(0).lineNo() + "-" + chunk.get(chunk.size() - 1).lineNo());
            var updated = stripe.addLines(stripeInvoice, lines, k);
            observer.afterStripeCall(PushStep.LINES_ADDED, inv.id());
            store.linesPushed(inv.id(), chunk.stream().map(StoredLine::lineNo).toList());
            total = updated.getTotal();
        }
        return total;
    }

    private void finalizeInvoice(Invoice inv, String stripeInvoice) {
        com.stripe.model.Invoice done;
        try {
            done = stripe.finalizeInvoice(stripeInvoice, key(inv, "finalize"));
        } catch (StripeFailure f) {
            // After the key expired, a finalize that did happen answers "already finalized": adopt Stripe's state.
            if (f.retryable()) {
                throw f;
            }
            done = stripe.retrieveInvoice(stripeInvoice);
            if ("draft".equals(done.getStatus())) {
                throw f;
            }
        }
        observer.afterStripeCall(PushStep.FINALIZED, inv.id());
        store.finalized(inv.id(), done.getNumber(), done.getHostedInvoiceUrl(), done.getInvoicePdf());
        applyStripeStatus(inv.id(), done.getStatus(), false);
    }

    /** Maps Stripe's invoice status onto ours, forward only. */
    void applyStripeStatus(UUID invoiceId, String stripeStatus, boolean paymentFailed) {
        if (stripeStatus == null) {
            return;
        }
        switch (stripeStatus) {
            case "paid" -> store.advance(invoiceId, Status.PAID);
            case "void" -> store.advance(invoiceId, Status.VOID);
            case "open", "uncollectible" -> store.advance(invoiceId,
                    paymentFailed ? Status.PAYMENT_FAILED : Status.FINALIZED);
            default -> {
            }
        }
    }
}
