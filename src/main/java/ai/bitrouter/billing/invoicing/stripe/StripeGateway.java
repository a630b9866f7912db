package ai.bitrouter.billing.invoicing.stripe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.model.Invoice;
import com.stripe.model.InvoiceLineItem;
import com.stripe.model.StripeCollection;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerSearchParams;
import com.stripe.param.InvoiceAddLinesParams;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceFinalizeInvoiceParams;
import com.stripe.param.InvoiceLineItemListParams;
import com.stripe.param.InvoiceListParams;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Every call this service makes to Stripe, through the official client. Each call: waits for the rate limiter,
 * carries the idempotency key the caller derived from our own ids, and is retried on 429, 5xx and network errors
 * with backoff and the SAME key (so a retry of a call that did reach Stripe is replayed, not repeated). A reused key
 * with different parameters, or any other 4xx, is not retried: it surfaces as a non-retryable {@link StripeFailure}.
 * The client's own retries are off so that this class alone decides, and every attempt passes the limiter.
 */
@ApplicationScoped
public class StripeGateway {

    private static final Logger LOG = Logger.getLogger(StripeGateway.class);

    /** Metadata keys on Stripe objects: how a later run recognises what an earlier one created. */
    public static final String META_ACCOUNT = "bitrouter_account_id";
    public static final String META_INVOICE = "bitrouter_invoice_id";
    public static final String META_PERIOD = "bitrouter_period";
    public static final String META_LINE = "bitrouter_line_no";

    @Inject
    StripeConfig config;

    @Inject
    MeterRegistry meters;

    private volatile StripeClient client;
    private volatile RateLimiter limiter;

    @FunctionalInterface
    interface Call<T> {
        T run(StripeClient client, RequestOptions options) throws StripeException;
    }

    private StripeClient client() {
        StripeClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    String key = config.apiKey().filter(k -> !k.isBlank()).orElseThrow(() -> new StripeFailure(
                            "no Stripe API key is configured (bitrouter.stripe.api-key)", false, null, null));
                    client = StripeClient.builder()
                            .setApiKey(key)
                            .setApiBase(config.apiBase())
                            .setMaxNetworkRetries(0)
                            .setConnectTimeout((int) config.connectTimeout().toMillis())
                            .setReadTimeout((int) config.readTimeout().toMillis())
                            .build();
                    limiter = RateLimiter.perSecond(config.requestsPerSecond());
                }
                c = client;
            }
        }
        return c;
    }

    <T> T call(String what, String idempotencyKey, Call<T> call) {
        StripeClient c = client();
        RequestOptions options = idempotencyKey == null ? RequestOptions.getDefault()
                : RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
        Backoff backoff = new Backoff(config.initialBackoff(), config.maxBackoff());
        for (int attempt = 1;; attempt++) {
            try {
                limiter.acquire();
                T result = call.run(c, options);
                meters.counter("billing.stripe.calls", "call", what, "outcome", "ok").increment();
                return result;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StripeFailure("interrupted while calling Stripe (" + what + ")", true, null, e);
            } catch (StripeException e) {
                boolean retryable = retryable(e);
                meters.counter("billing.stripe.calls", "call", what, "outcome",
                        retryable ? "retryable_error" : "error").increment();
                if (!retryable || attempt >= config.maxAttempts()) {
                    throw new StripeFailure("Stripe " + what + " failed after " + attempt + " attempt(s): "
                            + describe(e), retryable, e.getStatusCode(), e);
                }
                Duration delay = backoff.delay(attempt, ThreadLocalRandom.current());
                LOG.warnf("Stripe %s failed (%s), retrying in %d ms with the same idempotency key", what,
                        describe(e), delay.toMillis());
                sleep(delay);
            }
        }
    }

    /**
     * 429, 5xx and network errors may succeed later, and so may a 409 "another request with this key is in flight"
     * (our own timed-out attempt still running at Stripe). Other 4xx will not: above all a 400 idempotency error,
     * the same key sent with different parameters, which means our ids or our lines changed under one key.
     */
    static boolean retryable(StripeException e) {
        if (e instanceof IdempotencyException) {
            return Integer.valueOf(409).equals(e.getStatusCode());
        }
        if (e instanceof RateLimitException || e instanceof ApiConnectionException) {
            return true;
        }
        Integer status = e.getStatusCode();
        return status == null || status == 409 || status == 429 || status >= 500;
    }

    private static String describe(StripeException e) {
        return (e.getStatusCode() == null ? "" : "HTTP " + e.getStatusCode() + " ")
                + e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StripeFailure("interrupted while waiting to retry a Stripe call", true, null, e);
        }
    }

    // --- customers ---------------------------------------------------------------------------------------------

    /** The customer an earlier run created for this account, found by our metadata (used when a create may have
     * reached Stripe but its id was never stored). */
    public Optional<Customer> findCustomer(String accountId) {
        CustomerSearchParams params = CustomerSearchParams.builder()
                .setQuery("metadata['" + META_ACCOUNT + "']:'" + accountId + "'")
                .build();
        List<Customer> found = call("customers.search", null, (c, o) -> c.v1().customers().search(params, o))
                .getData();
        return found.stream().findFirst();
    }

    public Customer createCustomer(String accountId, String name, String email, String idempotencyKey) {
        CustomerCreateParams.Builder p = CustomerCreateParams.builder().putMetadata(META_ACCOUNT, accountId);
        if (name != null && !name.isBlank()) {
            p.setName(name);
        }
        if (email != null && !email.isBlank()) {
            p.setEmail(email);
        }
        CustomerCreateParams params = p.build();
        return call("customers.create", idempotencyKey, (c, o) -> c.v1().customers().create(params, o));
    }

    // --- invoices ----------------------------------------------------------------------------------------------

    /** Lists the customer's invoices page by page and returns the one carrying our invoice id, if any. */
    public Optional<Invoice> findInvoice(String customerId, String invoiceId) {
        String after = null;
        while (true) {
            InvoiceListParams.Builder p = InvoiceListParams.builder().setCustomer(customerId).setLimit(100L);
            if (after != null) {
                p.setStartingAfter(after);
            }
            InvoiceListParams params = p.build();
            StripeCollection<Invoice> page = call("invoices.list", null, (c, o) -> c.v1().invoices().list(params, o));
            for (Invoice inv : page.getData()) {
                Map<String, String> meta = inv.getMetadata();
                if (meta != null && invoiceId.equals(meta.get(META_INVOICE))) {
                    return Optional.of(inv);
                }
            }
            if (!Boolean.TRUE.equals(page.getHasMore()) || page.getData().isEmpty()) {
                return Optional.empty();
            }
            after = page.getData().get(page.getData().size() - 1).getId();
        }
    }

    public Invoice createInvoice(String customerId, String accountId, String invoiceId, String period,
            String description, String idempotencyKey) {
        InvoiceCreateParams params = InvoiceCreateParams.builder()
                .setCustomer(customerId)
                .setCurrency("usd")
                // We finalize explicitly once every line is there; Stripe must not finalize a half-built draft.
                .setAutoAdvance(false)
                .setCollectionMethod(InvoiceCreateParams.CollectionMethod.CHARGE_AUTOMATICALLY)
                .setPendingInvoiceItemsBehavior(InvoiceCreateParams.PendingInvoiceItemsBehavior.EXCLUDE)
                .setDescription(description)
                .putMetadata(META_ACCOUNT, accountId)
                .putMetadata(META_INVOICE, invoiceId)
                .putMetadata(META_PERIOD, period)
                .build();
        return call("invoices.create", idempotencyKey, (c, o) -> c.v1().invoices().create(params, o));
    }

    public Invoice retrieveInvoice(String stripeInvoiceId) {
        return call("invoices.retrieve", null, (c, o) -> c.v1().invoices().retrieve(stripeInvoiceId, o));
    }

    /** Our line numbers already on the Stripe invoice (read from each line's metadata). */
    public List<Integer> linesPresent(String stripeInvoiceId) {
        List<Integer> present = new ArrayList<>();
        String after = null;
        while (true) {
            InvoiceLineItemListParams.Builder p = InvoiceLineItemListParams.builder().setLimit(100L);
            if (after != null) {
                p.setStartingAfter(after);
            }
            InvoiceLineItemListParams params = p.build();
            StripeCollection<InvoiceLineItem> page = call("invoices.lines.list", null,
                    (c, o) -> c.v1().invoices().lineItems().list(stripeInvoiceId, params, o));
            for (InvoiceLineItem line : page.getData()) {
                String no = line.getMetadata() == null ? null : line.getMetadata().get(META_LINE);
                if (no != null) {
                    present.add(Integer.parseInt(no));
                }
            }
            if (!Boolean.TRUE.equals(page.getHasMore()) || page.getData().isEmpty()) {
                return present;
            }
            after = page.getData().get(page.getData().size() - 1).getId();
        }
    }

    /** One line to add: our number (kept in metadata), what the customer reads, cents, and the usage month. */
    public record NewLine(int lineNo, String description, long amountCents, long periodStart, long periodEnd) {
    }

    public Invoice addLines(String stripeInvoiceId, List<NewLine> lines, String idempotencyKey) {
        InvoiceAddLinesParams.Builder p = InvoiceAddLinesParams.builder();
        for (NewLine l : lines) {
            p.addLine(InvoiceAddLinesParams.Line.builder()
                    .setAmount(l.amountCents())
                    .setDescription(l.description())
                    .putMetadata(META_LINE, Integer.toString(l.lineNo()))
                    .setPeriod(InvoiceAddLinesParams.Line.Period.builder()
                            .setStart(l.periodStart()).setEnd(l.periodEnd()).build())
                    .build());
        }
        InvoiceAddLinesParams params = p.build();
        return call("invoices.add_lines", idempotencyKey,
                (c, o) -> c.v1().invoices().addLines(stripeInvoiceId, params, o));
    }

    /** Finalizes and turns on automatic collection (Stripe then charges the customer's default payment method). */
    public Invoice finalizeInvoice(String stripeInvoiceId, String idempotencyKey) {
        InvoiceFinalizeInvoiceParams params = InvoiceFinalizeInvoiceParams.builder().setAutoAdvance(true).build();
        return call("invoices.finalize", idempotencyKey,
                (c, o) -> c.v1().invoices().finalizeInvoice(stripeInvoiceId, params, o));
    }
}
