package ai.bitrouter.billing.stripestandin;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The stand-in's Stripe objects and the operations on them. Every method runs under the stand-in's one lock (the
 * caller holds it), which is what makes a request atomic here just as it is at Stripe.
 */
final class StandInState {
    static final String API_VERSION = "2026-07-29.dahlia";
    /** Stripe refuses invoices with more lines than this. */
    static final int MAX_INVOICE_LINES = 250;
    private static final int EMBEDDED_LINES = 10;

    /** Who asked: tags the events a request causes ({@code event.request}). */
    record Caller(String requestId, String idempotencyKey) {
        static final Caller NONE = new Caller(null, null);
    }

    private static final class Customer {
        final ObjectNode json;
        int invoiceSequence;

        Customer(ObjectNode json) {
            this.json = json;
        }
    }

    private static final class Invoice {
        final ObjectNode json;
        final List<ObjectNode> lines = new ArrayList<>();

        Invoice(ObjectNode json) {
            this.json = json;
        }
    }

    private final Supplier<Long> nowSeconds;
    private final String baseUrl;
    private final WebhookSender webhooks;
    private final LinkedHashMap<String, Customer> customers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Invoice> invoices = new LinkedHashMap<>();
    private final LinkedHashMap<String, ObjectNode> events = new LinkedHashMap<>();
    private final LinkedHashMap<String, ObjectNode> endpoints = new LinkedHashMap<>();

    StandInState(Supplier<Long> nowSeconds, String baseUrl, WebhookSender webhooks) {
        this.nowSeconds = nowSeconds;
        this.baseUrl = baseUrl;
        this.webhooks = webhooks;
    }

    void reset() {
        customers.clear();
        invoices.clear();
        events.clear();
        endpoints.clear();
    }

    // ---------------------------------------------------------------- customers

    ObjectNode createCustomer(FormParams p) {
        Map<String, String> metadata = FormParams.metadata(p.tree().get("metadata"), "metadata");
        ObjectNode c = Json.object();
        c.put("id", Ids.next("cus"));
        c.put("object", "customer");
        c.putNull("address");
        c.put("balance", 0);
        c.put("created", nowSeconds.get());
        c.putNull("currency");
        c.putNull("default_source");
        c.put("delinquent", false);
        putNullable(c, "description", p.string("description"));
        putNullable(c, "email", p.string("email"));
        c.put("invoice_prefix", Ids.invoicePrefix());
        ObjectNode settings = c.putObject("invoice_settings");
        settings.putNull("custom_fields");
        settings.putNull("default_payment_method");
        settings.putNull("footer");
        settings.putNull("rendering_options");
        c.put("livemode", false);
        c.set("metadata", Json.MAPPER.valueToTree(metadata));
        putNullable(c, "name", p.string("name"));
        c.put("next_invoice_sequence", 1);
        putNullable(c, "phone", p.string("phone"));
        c.putArray("preferred_locales");
        c.putNull("shipping");
        c.put("tax_exempt", "none");
        c.putNull("test_clock");
        customers.put(c.get("id").asText(), new Customer(c));
        return c.deepCopy();
    }

    ObjectNode updateCustomer(String id, FormParams p) {
        Customer c = customer(id, 404, null);
        for (String f : new String[] { "name", "email", "description", "phone" }) {
            if (p.has(f)) {
                putNullable(c.json, f, p.string(f));
            }
        }
        mergeMetadata(c.json, p);
        return c.json.deepCopy();
    }

    ObjectNode retrieveCustomer(String id) {
        return customer(id, 404, null).json.deepCopy();
    }

    ObjectNode listCustomers(FormParams q, String url) {
        String email = q.string("email");
        List<ObjectNode> all = new ArrayList<>();
        customers.values().forEach(c -> all.add(c.json));
        List<ObjectNode> newestFirst = reversed(all);
        if (email != null) {
            newestFirst.removeIf(c -> !email.equalsIgnoreCase(c.path("email").asText(null)));
        }
        return page(newestFirst, q, url);
    }

    ObjectNode searchCustomers(FormParams q, String url) {
        List<ObjectNode> all = new ArrayList<>();
        customers.values().forEach(c -> all.add(c.json));
        return search(reversed(all), q, url, List.of("email", "name", "phone", "description"));
    }

    private Customer customer(String id, int status, String param) {
        Customer c = customers.get(id);
        if (c == null) {
            throw ApiError.missing("customer", id, param, status);
        }
        return c;
    }

    // ---------------------------------------------------------------- invoices

    ObjectNode createInvoice(FormParams p, Caller caller) {
        String customerId = p.required("customer");
        String collection = p.string("collection_method") == null ? "charge_automatically" : p.string("collection_method");
        if (!collection.equals("charge_automatically") && !collection.equals("send_invoice")) {
            throw ApiError.invalid("Invalid collection_method: must be one of charge_automatically or send_invoice",
                    "collection_method").validation();
        }
        Long daysUntilDue = p.integer("days_until_due");
        Long dueDate = p.integer("due_date");
        if (collection.equals("send_invoice") && daysUntilDue == null && dueDate == null) {
            throw ApiError.invalid("Invoices with `collection_method=send_invoice` must have either `days_until_due` "
                    + "or `due_date` set.", "days_until_due").validation();
        }
        if (collection.equals("charge_automatically") && (daysUntilDue != null || dueDate != null)) {
            throw ApiError.invalid("You can only set `days_until_due` or `due_date` when `collection_method` is "
                    + "`send_invoice`.", daysUntilDue != null ? "days_until_due" : "due_date").validation();
        }
        String behavior = p.string("pending_invoice_items_behavior");
        if (behavior != null && !behavior.equals("exclude") && !behavior.equals("include")) {
            throw ApiError.invalid("Invalid pending_invoice_items_behavior: must be one of exclude or include",
                    "pending_invoice_items_behavior").validation();
        }
        Map<String, String> metadata = FormParams.metadata(p.tree().get("metadata"), "metadata");
        String currency = p.string("currency") == null ? "usd" : p.string("currency").toLowerCase(Locale.ROOT);
        Boolean autoAdvance = p.bool("auto_advance");
        Customer customer = customer(customerId, 400, "customer");

        long now = nowSeconds.get();
        String id = Ids.next("in");
        ObjectNode in = Json.object();
        in.put("id", id);
        in.put("object", "invoice");
        in.put("account_country", "US");
        in.put("account_name", "BitRouter (stand-in)");
        in.put("amount_due", 0);
        in.put("amount_overpaid", 0);
        in.put("amount_paid", 0);
        in.put("amount_remaining", 0);
        in.put("amount_shipping", 0);
        in.put("attempt_count", 0);
        in.put("attempted", false);
        in.put("auto_advance", autoAdvance != null && autoAdvance);
        in.put("billing_reason", "manual");
        in.put("collection_method", collection);
        in.put("created", now);
        in.put("currency", currency);
        in.put("customer", customerId);
        putNullable(in, "customer_email", customer.json.path("email").asText(null));
        putNullable(in, "customer_name", customer.json.path("name").asText(null));
        putNullable(in, "description", p.string("description"));
        in.putArray("discounts");
        if (dueDate != null) {
            in.put("due_date", dueDate);
        } else if (daysUntilDue != null) {
            in.put("due_date", now + daysUntilDue * 86_400);
        } else {
            in.putNull("due_date");
        }
        in.putNull("effective_at");
        in.put("ending_balance", (Integer) null);
        in.putNull("hosted_invoice_url");
        in.putNull("invoice_pdf");
        in.put("livemode", false);
        in.set("metadata", Json.MAPPER.valueToTree(metadata));
        in.putNull("next_payment_attempt");
        in.putNull("number");
        in.put("period_end", now);
        in.put("period_start", now);
        in.put("starting_balance", 0);
        in.put("status", "draft");
        ObjectNode transitions = in.putObject("status_transitions");
        transitions.putNull("finalized_at");
        transitions.putNull("marked_uncollectible_at");
        transitions.putNull("paid_at");
        transitions.putNull("voided_at");
        in.put("subtotal", 0);
        in.put("subtotal_excluding_tax", 0);
        in.put("total", 0);
        in.put("total_excluding_tax", 0);
        in.putArray("total_discount_amounts");
        in.putArray("total_taxes");
        in.putNull("webhooks_delivered_at");
        Invoice invoice = new Invoice(in);
        invoices.put(id, invoice);
        emit("invoice.created", invoice, caller);
        return render(invoice);
    }

    ObjectNode updateInvoice(String id, FormParams p) {
        Invoice in = invoice(id);
        if (p.has("description")) {
            requireDraft(in, "update the description of");
            putNullable(in.json, "description", p.string("description"));
        }
        if (p.has("auto_advance")) {
            in.json.put("auto_advance", Boolean.TRUE.equals(p.bool("auto_advance")));
        }
        mergeMetadata(in.json, p);
        return render(in);
    }

    ObjectNode retrieveInvoice(String id) {
        return render(invoice(id));
    }

    ObjectNode listInvoices(FormParams q, String url) {
        String customer = q.string("customer");
        String status = q.string("status");
        List<ObjectNode> all = new ArrayList<>();
        invoices.values().forEach(i -> all.add(render(i)));
        List<ObjectNode> newestFirst = reversed(all);
        newestFirst.removeIf(i -> (customer != null && !customer.equals(i.path("customer").asText()))
                || (status != null && !status.equals(i.path("status").asText())));
        return page(newestFirst, q, url);
    }

    ObjectNode searchInvoices(FormParams q, String url) {
        List<ObjectNode> all = new ArrayList<>();
        invoices.values().forEach(i -> all.add(render(i)));
        return search(reversed(all), q, url, List.of("customer", "status", "number", "currency", "description"));
    }

    ObjectNode listLines(String id, FormParams q) {
        Invoice in = invoice(id);
        return page(copies(in.lines), q, "/v1/invoices/" + id + "/lines");
    }

    ObjectNode addLines(String id, FormParams p) {
        Invoice in = invoice(id);
        Object raw = p.tree().get("lines");
        if (raw == null || raw instanceof String) {
            throw ApiError.invalid("Missing required param: lines.", "lines").validation();
        }
        if (!(raw instanceof List<?> list)) {
            throw ApiError.invalid("Invalid array", "lines").validation();
        }
        String currency = in.json.get("currency").asText();
        List<ObjectNode> added = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            added.add(line(in, list.get(i), "lines[" + i + "]", currency));
        }
        requireDraft(in, "add lines to");
        if (in.lines.size() + added.size() > MAX_INVOICE_LINES) {
            throw ApiError.invalid("An invoice may have at most " + MAX_INVOICE_LINES + " line items; " + id + " has "
                    + in.lines.size() + " and this request adds " + added.size() + ".", "lines");
        }
        in.lines.addAll(added);
        recomputeTotals(in);
        return render(in);
    }

    @SuppressWarnings("unchecked")
    private ObjectNode line(Invoice in, Object raw, String param, String invoiceCurrency) {
        if (!(raw instanceof Map)) {
            throw ApiError.invalid("Invalid object", param).validation();
        }
        Map<String, Object> m = (Map<String, Object>) raw;
        if (m.containsKey("price_data") || m.containsKey("pricing") || m.containsKey("invoice_item")) {
            throw ApiError.invalid("The Stripe stand-in supports only lines with an `amount`.", param).validation();
        }
        Long amount = FormParams.toLong(m.get("amount"), param + "[amount]");
        if (amount == null) {
            throw ApiError.invalid("Missing required param: " + param + "[amount].", param + "[amount]").validation();
        }
        Object currencyRaw = m.get("currency");
        String currency = currencyRaw instanceof String s && !s.isEmpty() ? s.toLowerCase(Locale.ROOT) : invoiceCurrency;
        if (!currency.equals(invoiceCurrency)) {
            throw ApiError.invalid("The currency of a line item (" + currency + ") must match the invoice's currency ("
                    + invoiceCurrency + ").", param + "[currency]").validation();
        }
        long now = nowSeconds.get();
        Long start = now;
        Long end = now;
        if (m.get("period") instanceof Map<?, ?> period) {
            start = FormParams.toLong(period.get("start"), param + "[period][start]");
            end = FormParams.toLong(period.get("end"), param + "[period][end]");
            if (start == null || end == null) {
                throw ApiError.invalid("A period needs both start and end.", param + "[period]").validation();
            }
            if (end < start) {
                throw ApiError.invalid("The period end must be on or after its start.", param + "[period][end]")
                        .validation();
            }
        }
        ObjectNode line = Json.object();
        line.put("id", Ids.next("il"));
        line.put("object", "line_item");
        line.put("amount", amount);
        line.put("currency", currency);
        putNullable(line, "description", m.get("description") instanceof String d && !d.isEmpty() ? d : null);
        line.put("discountable", !Boolean.FALSE.equals(FormParams.toBool(m.get("discountable"), param + "[discountable]")));
        line.putArray("discount_amounts");
        line.putArray("discounts");
        line.put("invoice", in.json.get("id").asText());
        line.put("livemode", false);
        line.set("metadata", Json.MAPPER.valueToTree(FormParams.metadata(m.get("metadata"), param + "[metadata]")));
        line.putNull("parent");
        ObjectNode period = line.putObject("period");
        period.put("end", end);
        period.put("start", start);
        line.putArray("pretax_credit_amounts");
        line.putNull("pricing");
        line.put("quantity", 1);
        line.putNull("subscription");
        line.put("subtotal", amount);
        line.putArray("taxes");
        return line;
    }

    ObjectNode finalizeInvoice(String id, FormParams p, Caller caller) {
        Invoice in = invoice(id);
        Boolean autoAdvance = p.bool("auto_advance");
        if (!"draft".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_editable",
                    "This invoice is already finalized, you can't re-finalize a non-draft invoice.", null);
        }
        long now = nowSeconds.get();
        Customer customer = customers.get(in.json.get("customer").asText());
        customer.invoiceSequence++;
        customer.json.put("next_invoice_sequence", customer.invoiceSequence + 1);
        in.json.put("number", String.format("%s-%04d", customer.json.get("invoice_prefix").asText(),
                customer.invoiceSequence));
        in.json.put("hosted_invoice_url", baseUrl + "/hosted/" + id);
        in.json.put("invoice_pdf", baseUrl + "/pdf/" + id);
        in.json.put("effective_at", now);
        in.json.put("ending_balance", 0);
        if (autoAdvance != null) {
            in.json.put("auto_advance", autoAdvance);
        }
        ((ObjectNode) in.json.get("status_transitions")).put("finalized_at", now);
        in.json.put("status", "open");
        emit("invoice.finalized", in, caller);
        if (in.json.get("amount_due").asLong() <= 0) {
            // Stripe marks an invoice with nothing to collect paid the moment it is finalized.
            markPaid(in, now, caller);
        }
        return render(in);
    }

    ObjectNode voidInvoice(String id, Caller caller) {
        Invoice in = invoice(id);
        if (!"open".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_editable", "You can only void an open invoice; "
                    + id + " is " + in.json.get("status").asText() + ".", null);
        }
        in.json.put("status", "void");
        in.json.put("amount_remaining", 0);
        ((ObjectNode) in.json.get("status_transitions")).put("voided_at", nowSeconds.get());
        emit("invoice.voided", in, caller);
        return render(in);
    }

    /** Stripe finalizes a draft before sending it; there is no e-mail here, only the event. */
    ObjectNode sendInvoice(String id, Caller caller) {
        Invoice in = invoice(id);
        if ("draft".equals(in.json.get("status").asText())) {
            finalizeInvoice(id, FormParams.parse(""), caller);
        }
        if (!"open".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_open", "You can only send an open invoice; "
                    + id + " is " + in.json.get("status").asText() + ".", null);
        }
        emit("invoice.sent", in, caller);
        return render(in);
    }

    ObjectNode markUncollectible(String id, Caller caller) {
        Invoice in = invoice(id);
        if (!"open".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_open",
                    "You can only mark an open invoice uncollectible; " + id + " is "
                            + in.json.get("status").asText() + ".", null);
        }
        in.json.put("status", "uncollectible");
        ((ObjectNode) in.json.get("status_transitions")).put("marked_uncollectible_at", nowSeconds.get());
        emit("invoice.marked_uncollectible", in, caller);
        return render(in);
    }

    /** {@code POST /v1/invoices/{id}/pay}: only {@code paid_out_of_band=true} (no payment methods here). */
    ObjectNode payInvoice(String id, FormParams p, Caller caller) {
        if (!Boolean.TRUE.equals(p.bool("paid_out_of_band"))) {
            throw ApiError.invalid("The Stripe stand-in has no payment methods: pay with paid_out_of_band=true, or "
                    + "simulate collection with POST /_standin/invoices/{id}/pay.", "paid_out_of_band").validation();
        }
        Invoice in = invoice(id);
        if (!"open".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_open", "You can only pay an open invoice; "
                    + id + " is " + in.json.get("status").asText() + ".", null);
        }
        markPaid(in, nowSeconds.get(), caller);
        return render(in);
    }

    ObjectNode deleteInvoice(String id) {
        Invoice in = invoice(id);
        if (!"draft".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_editable",
                    "You can only delete draft invoices.", null);
        }
        invoices.remove(id);
        ObjectNode deleted = Json.object();
        deleted.put("id", id);
        deleted.put("object", "invoice");
        deleted.put("deleted", true);
        emit("invoice.deleted", in, Caller.NONE);
        return deleted;
    }

    /** Control API: the customer's payment went through. */
    ObjectNode pay(String id) {
        Invoice in = invoice(id);
        if (!"open".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_open",
                    "Only an open invoice can be paid; " + id + " is " + in.json.get("status").asText() + ".", null);
        }
        in.json.put("attempt_count", in.json.get("attempt_count").asLong() + 1);
        in.json.put("attempted", true);
        markPaid(in, nowSeconds.get(), Caller.NONE);
        return render(in);
    }

    /** Control API: a collection attempt failed; the invoice stays open. */
    ObjectNode paymentFailed(String id) {
        Invoice in = invoice(id);
        if (!"open".equals(in.json.get("status").asText())) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_open",
                    "Only an open invoice can fail payment; " + id + " is " + in.json.get("status").asText() + ".",
                    null);
        }
        in.json.put("attempt_count", in.json.get("attempt_count").asLong() + 1);
        in.json.put("attempted", true);
        in.json.put("next_payment_attempt", nowSeconds.get() + 3 * 86_400);
        emit("invoice.payment_failed", in, Caller.NONE);
        return render(in);
    }

    private void markPaid(Invoice in, long now, Caller caller) {
        long due = in.json.get("amount_due").asLong();
        in.json.put("status", "paid");
        in.json.put("amount_paid", Math.max(due, 0));
        in.json.put("amount_remaining", 0);
        in.json.putNull("next_payment_attempt");
        ((ObjectNode) in.json.get("status_transitions")).put("paid_at", now);
        emit("invoice.paid", in, caller);
    }

    private void requireDraft(Invoice in, String action) {
        String status = in.json.get("status").asText();
        if (!"draft".equals(status)) {
            throw new ApiError(400, "invalid_request_error", "invoice_not_editable", "You can only " + action
                    + " draft invoices; " + in.json.get("id").asText() + " is " + status + ".", null);
        }
    }

    private void recomputeTotals(Invoice in) {
        long sum = 0;
        for (ObjectNode l : in.lines) {
            sum = Math.addExact(sum, l.get("amount").asLong());
        }
        in.json.put("subtotal", sum);
        in.json.put("subtotal_excluding_tax", sum);
        in.json.put("total", sum);
        in.json.put("total_excluding_tax", sum);
        // A negative total becomes customer credit at Stripe; nothing is due then.
        in.json.put("amount_due", Math.max(sum, 0));
        in.json.put("amount_remaining", Math.max(sum, 0));
    }

    private Invoice invoice(String id) {
        Invoice in = invoices.get(id);
        if (in == null) {
            throw ApiError.missing("invoice", id, "invoice", 404);
        }
        return in;
    }

    /** The invoice as Stripe shows it: its first lines embedded. */
    private ObjectNode render(Invoice in) {
        ObjectNode out = in.json.deepCopy();
        ObjectNode lines = out.putObject("lines");
        lines.put("object", "list");
        ArrayNode data = lines.putArray("data");
        for (int i = 0; i < Math.min(EMBEDDED_LINES, in.lines.size()); i++) {
            data.add(in.lines.get(i).deepCopy());
        }
        lines.put("has_more", in.lines.size() > EMBEDDED_LINES);
        lines.put("total_count", in.lines.size());
        lines.put("url", "/v1/invoices/" + in.json.get("id").asText() + "/lines");
        return out;
    }

    /** For the control API's state dump: every line, not just the first ten. */
    private ObjectNode renderAllLines(Invoice in) {
        ObjectNode out = render(in);
        ArrayNode data = Json.array();
        in.lines.forEach(l -> data.add(l.deepCopy()));
        ((ObjectNode) out.get("lines")).set("data", data);
        ((ObjectNode) out.get("lines")).put("has_more", false);
        return out;
    }

    // ---------------------------------------------------------------- webhook endpoints and events

    ObjectNode createWebhookEndpoint(FormParams p, String secret) {
        String url = p.required("url");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw ApiError.invalid("Invalid URL: " + url, "url").validation();
        }
        Object raw = p.tree().get("enabled_events");
        List<String> enabled = new ArrayList<>();
        if (raw instanceof List<?> l) {
            l.forEach(e -> enabled.add(String.valueOf(e)));
        } else if (raw instanceof String s && !s.isEmpty()) {
            enabled.add(s);
        }
        if (enabled.isEmpty()) {
            throw ApiError.invalid("Missing required param: enabled_events.", "enabled_events").validation();
        }
        ObjectNode we = Json.object();
        we.put("id", Ids.next("we"));
        we.put("object", "webhook_endpoint");
        we.put("api_version", p.string("api_version") == null ? API_VERSION : p.string("api_version"));
        we.putNull("application");
        we.put("created", nowSeconds.get());
        putNullable(we, "description", p.string("description"));
        we.set("enabled_events", Json.MAPPER.valueToTree(enabled));
        we.put("livemode", false);
        we.set("metadata", Json.MAPPER.valueToTree(FormParams.metadata(p.tree().get("metadata"), "metadata")));
        we.put("secret", secret);
        we.put("status", "enabled");
        we.put("url", url);
        endpoints.put(we.get("id").asText(), we);
        return we.deepCopy();
    }

    ObjectNode listWebhookEndpoints(FormParams q) {
        List<ObjectNode> all = new ArrayList<>();
        endpoints.values().forEach(e -> {
            ObjectNode copy = e.deepCopy();
            copy.remove("secret"); // Stripe shows the secret only when the endpoint is created
            all.add(copy);
        });
        return page(reversed(all), q, "/v1/webhook_endpoints");
    }

    ObjectNode deleteWebhookEndpoint(String id) {
        if (endpoints.remove(id) == null) {
            throw ApiError.missing("webhook_endpoint", id, "id", 404);
        }
        ObjectNode deleted = Json.object();
        deleted.put("id", id);
        deleted.put("object", "webhook_endpoint");
        deleted.put("deleted", true);
        return deleted;
    }

    ObjectNode retrieveEvent(String id) {
        ObjectNode e = events.get(id);
        if (e == null) {
            throw ApiError.missing("event", id, "id", 404);
        }
        return e.deepCopy();
    }

    ObjectNode listEvents(FormParams q) {
        String type = q.string("type");
        List<ObjectNode> newestFirst = reversed(new ArrayList<>(events.values()));
        if (type != null) {
            Pattern t = Pattern.compile(Pattern.quote(type).replace("*", "\\E.*\\Q"));
            newestFirst.removeIf(e -> !t.matcher(e.get("type").asText()).matches());
        }
        return page(newestFirst, q, "/v1/events");
    }

    /** Re-sends an event to where it goes now, under its original id (a duplicate delivery, as Stripe may make). */
    void resend(String id) {
        ObjectNode e = events.get(id);
        if (e == null) {
            throw ApiError.missing("event", id, "id", 404);
        }
        webhooks.enqueue(e.deepCopy(), targets(e.get("type").asText()));
    }

    private void emit(String type, Invoice in, Caller caller) {
        ObjectNode e = Json.object();
        e.put("id", Ids.next("evt"));
        e.put("object", "event");
        e.put("api_version", API_VERSION);
        e.put("created", nowSeconds.get());
        ObjectNode data = e.putObject("data");
        data.set("object", render(in));
        e.put("livemode", false);
        List<String> targets = targets(type);
        e.put("pending_webhooks", targets.size());
        ObjectNode request = e.putObject("request");
        putNullable(request, "id", caller.requestId());
        putNullable(request, "idempotency_key", caller.idempotencyKey());
        e.put("type", type);
        events.put(e.get("id").asText(), e);
        webhooks.enqueue(e.deepCopy(), targets);
    }

    private List<String> targets(String type) {
        List<String> out = new ArrayList<>();
        String control = webhooks.controlUrl();
        if (control != null) {
            out.add(control);
        }
        for (ObjectNode we : endpoints.values()) {
            for (JsonNode t : we.get("enabled_events")) {
                if (t.asText().equals("*") || t.asText().equals(type)) {
                    out.add(we.get("url").asText());
                    break;
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- state dump (control API)

    ObjectNode dump() {
        ObjectNode out = Json.object();
        ArrayNode cs = out.putArray("customers");
        customers.values().forEach(c -> cs.add(c.json.deepCopy()));
        ArrayNode is = out.putArray("invoices");
        invoices.values().forEach(i -> is.add(renderAllLines(i)));
        ArrayNode es = out.putArray("events");
        events.values().forEach(e -> es.add(e.deepCopy()));
        ArrayNode ws = out.putArray("webhook_endpoints");
        endpoints.values().forEach(w -> ws.add(w.deepCopy()));
        return out;
    }

    // ---------------------------------------------------------------- lists, pages, search

    /** Stripe's cursor pagination over a list already in display order. */
    static ObjectNode page(List<ObjectNode> items, FormParams q, String url) {
        int limit = limit(q);
        String after = q.string("starting_after");
        String before = q.string("ending_before");
        if (after != null && before != null) {
            throw ApiError.invalid("You may only specify one of these parameters: ending_before, starting_after.",
                    "starting_after").validation();
        }
        int from;
        int to;
        boolean hasMore;
        if (before != null) {
            int idx = indexOf(items, before, "ending_before");
            to = idx;
            from = Math.max(0, idx - limit);
            hasMore = from > 0;
        } else {
            from = after == null ? 0 : indexOf(items, after, "starting_after") + 1;
            to = Math.min(items.size(), from + limit);
            hasMore = to < items.size();
        }
        ObjectNode list = Json.object();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (int i = from; i < to; i++) {
            data.add(items.get(i).deepCopy());
        }
        list.put("has_more", hasMore);
        list.put("url", url);
        return list;
    }

    private static int limit(FormParams q) {
        Long limit = q.integer("limit");
        if (limit == null) {
            return 10;
        }
        if (limit < 1 || limit > 100) {
            throw ApiError.invalid("Invalid limit: must be between 1 and 100", "limit").validation();
        }
        return limit.intValue();
    }

    private static int indexOf(List<ObjectNode> items, String id, String param) {
        for (int i = 0; i < items.size(); i++) {
            if (id.equals(items.get(i).path("id").asText())) {
                return i;
            }
        }
        throw new ApiError(400, "invalid_request_error", "resource_missing", "No such object: '" + id + "'", param)
                .validation();
    }

    private static final Pattern CLAUSE = Pattern.compile(
            "\\s*(metadata\\[(['\"])(.+?)\\2\\]|[a-z_]+)\\s*:\\s*(['\"])(.*?)\\4\\s*");

    /**
     * Stripe's search query language, the part used here: {@code field:'value'} and
     * {@code metadata['key']:'value'} clauses (exact match), joined with {@code AND}.
     */
    private static ObjectNode search(List<ObjectNode> items, FormParams q, String url, List<String> fields) {
        String query = q.required("query");
        List<Predicate<ObjectNode>> clauses = new ArrayList<>();
        for (String part : query.split("(?i)\\s+AND\\s+")) {
            Matcher m = CLAUSE.matcher(part);
            if (!m.matches()) {
                throw ApiError.invalid("The stand-in cannot parse this search query: " + query
                        + " (supported: field:'value' and metadata['key']:'value' joined with AND)", "query")
                        .validation();
            }
            String value = m.group(5);
            if (m.group(3) != null) {
                String key = m.group(3);
                clauses.add(o -> value.equals(o.path("metadata").path(key).asText(null)));
            } else {
                String field = m.group(1);
                if (!fields.contains(field)) {
                    throw ApiError.invalid("Field '" + field + "' is not supported by the stand-in's search; use one of "
                            + fields + " or metadata['key'].", "query").validation();
                }
                clauses.add(o -> value.equalsIgnoreCase(o.path(field).asText(null)));
            }
        }
        List<ObjectNode> hits = new ArrayList<>();
        for (ObjectNode o : items) {
            if (clauses.stream().allMatch(c -> c.test(o))) {
                hits.add(o);
            }
        }
        int limit = limit(q);
        ObjectNode result = Json.object();
        result.put("object", "search_result");
        ArrayNode data = result.putArray("data");
        hits.stream().limit(limit).forEach(h -> data.add(h.deepCopy()));
        result.put("has_more", hits.size() > limit);
        result.putNull("next_page");
        result.put("total_count", hits.size());
        result.put("url", url);
        return result;
    }

    // ---------------------------------------------------------------- helpers

    private static List<ObjectNode> reversed(List<ObjectNode> in) {
        List<ObjectNode> out = new ArrayList<>(in);
        java.util.Collections.reverse(out);
        return out;
    }

    private static List<ObjectNode> copies(List<ObjectNode> in) {
        return new ArrayList<>(in);
    }

    private static void putNullable(ObjectNode o, String field, String value) {
        if (value == null) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }

    /** Stripe merges metadata on update; an empty value removes the key. */
    private static void mergeMetadata(ObjectNode o, FormParams p) {
        if (!p.has("metadata")) {
            return;
        }
        Object raw = p.tree().get("metadata");
        ObjectNode md = (ObjectNode) o.get("metadata");
        if (raw instanceof String s && s.isEmpty()) {
            md.removeAll();
            return;
        }
        Map<String, String> update = FormParams.metadata(raw, "metadata");
        for (Iterator<Map.Entry<String, String>> it = update.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, String> e = it.next();
            if (e.getValue().isEmpty()) {
                md.remove(e.getKey());
            } else {
                md.put(e.getKey(), e.getValue());
            }
        }
        if (md.size() > 50) {
            throw ApiError.invalid("You can specify up to 50 keys in metadata.", "metadata").validation();
        }
    }
}
