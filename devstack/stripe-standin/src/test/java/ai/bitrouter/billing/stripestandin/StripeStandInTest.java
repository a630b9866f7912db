package ai.bitrouter.billing.stripestandin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.stripe.StripeClient;
import com.stripe.exception.ApiException;
import com.stripe.exception.AuthenticationException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.model.Event;
import com.stripe.model.Invoice;
import com.stripe.model.InvoiceLineItem;
import com.stripe.model.StripeCollection;
import com.stripe.model.StripeObject;
import com.stripe.model.StripeSearchResult;
import com.stripe.model.WebhookEndpoint;
import com.stripe.net.RequestOptions;
import com.stripe.net.Webhook;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerListParams;
import com.stripe.param.CustomerSearchParams;
import com.stripe.param.EventListParams;
import com.stripe.param.InvoiceAddLinesParams;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceFinalizeInvoiceParams;
import com.stripe.param.InvoiceLineItemListParams;
import com.stripe.param.InvoiceListParams;
import com.stripe.param.WebhookEndpointCreateParams;
import com.sun.net.httpserver.HttpServer;

/** The stand-in driven by the real stripe-java client, as the service drives it. */
class StripeStandInTest {
    static final String KEY = "sk_test_standin";
    static final String SECRET = "whsec_test_secret";

    static StripeStandIn standIn;
    static StripeClient stripe;
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        standIn = StripeStandIn.start(new StripeStandIn.Options(0, SECRET, KEY, null));
        stripe = client(0);
    }

    @AfterAll
    static void stop() {
        standIn.close();
    }

    @BeforeEach
    void reset() throws Exception {
        control("POST", "/_standin/reset", "{}");
        control("POST", "/_standin/webhook", "{\"url\":null}");
    }

    static StripeClient client(int retries) {
        return StripeClient.builder().setApiKey(KEY).setApiBase(standIn.baseUrl()).setMaxNetworkRetries(retries)
                .setReadTimeout(5_000).build();
    }

    static JsonNode control(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(standIn.baseUrl() + path));
        b = switch (method) {
            case "POST" -> b.POST(HttpRequest.BodyPublishers.ofString(json));
            case "DELETE" -> b.DELETE();
            default -> b.GET();
        };
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body());
    }

    static JsonNode state() throws Exception {
        return control("GET", "/_standin/state", null);
    }

    static RequestOptions key(String k) {
        return RequestOptions.builder().setIdempotencyKey(k).build();
    }

    static Customer customer(String accountId) throws StripeException {
        return stripe.customers().create(CustomerCreateParams.builder().setName("Acme " + accountId)
                .setEmail(accountId + "@example.com").putMetadata("bitrouter_account_id", accountId).build());
    }

    static Invoice draft(String customerId) throws StripeException {
        return stripe.invoices().create(InvoiceCreateParams.builder().setCustomer(customerId).setCurrency("usd")
                .setCollectionMethod(InvoiceCreateParams.CollectionMethod.SEND_INVOICE).setDaysUntilDue(14L)
                .setAutoAdvance(false)
                .setPendingInvoiceItemsBehavior(InvoiceCreateParams.PendingInvoiceItemsBehavior.EXCLUDE)
                .putMetadata("bitrouter_invoice_id", "inv-1").build());
    }

    static InvoiceAddLinesParams lines(int from, int count, long amountEach) {
        InvoiceAddLinesParams.Builder b = InvoiceAddLinesParams.builder();
        for (int i = from; i < from + count; i++) {
            b.addLine(InvoiceAddLinesParams.Line.builder().setAmount(amountEach).setDescription("line " + i)
                    .putMetadata("n", Integer.toString(i))
                    .setPeriod(InvoiceAddLinesParams.Line.Period.builder().setStart(1_785_000_000L)
                            .setEnd(1_787_600_000L).build())
                    .build());
        }
        return b.build();
    }

    // ------------------------------------------------------------------------------------------------ customers

    @Test
    void customersAreCreatedFoundByMetadataAndEmailAndListed() throws Exception {
        Customer a = customer("acct-a");
        Customer b = customer("acct-b");
        assertTrue(a.getId().startsWith("cus_"));
        assertEquals("acct-a", a.getMetadata().get("bitrouter_account_id"));
        assertFalse(a.getLivemode());
        assertTrue(Math.abs(a.getCreated() - System.currentTimeMillis() / 1000) < 60);

        StripeSearchResult<Customer> found = stripe.customers().search(
                CustomerSearchParams.builder().setQuery("metadata['bitrouter_account_id']:'acct-b'").build());
        assertEquals(List.of(b.getId()), found.getData().stream().map(Customer::getId).toList());
        assertFalse(found.getHasMore());

        StripeSearchResult<Customer> byEmail = stripe.customers().search(
                CustomerSearchParams.builder().setQuery("email:'acct-a@example.com'").build());
        assertEquals(List.of(a.getId()), byEmail.getData().stream().map(Customer::getId).toList());
        assertTrue(stripe.customers().search(CustomerSearchParams.builder()
                .setQuery("metadata['bitrouter_account_id']:'nobody'").build()).getData().isEmpty());

        // Newest first, as Stripe lists.
        StripeCollection<Customer> all = stripe.customers().list(CustomerListParams.builder().build());
        assertEquals(List.of(b.getId(), a.getId()), all.getData().stream().map(Customer::getId).toList());
        StripeCollection<Customer> filtered = stripe.customers().list(
                CustomerListParams.builder().setEmail("acct-a@example.com").build());
        assertEquals(List.of(a.getId()), filtered.getData().stream().map(Customer::getId).toList());
        StripeCollection<Customer> page = stripe.customers().list(CustomerListParams.builder().setLimit(1L).build());
        assertTrue(page.getHasMore());
        StripeCollection<Customer> next = stripe.customers().list(
                CustomerListParams.builder().setLimit(1L).setStartingAfter(b.getId()).build());
        assertEquals(a.getId(), next.getData().get(0).getId());
        assertFalse(next.getHasMore());
        StripeCollection<Customer> previous = stripe.customers().list(
                CustomerListParams.builder().setLimit(1L).setEndingBefore(a.getId()).build());
        assertEquals(List.of(b.getId()), previous.getData().stream().map(Customer::getId).toList());
        assertFalse(previous.getHasMore());

        assertEquals("Acme acct-a", stripe.customers().retrieve(a.getId()).getName());
        InvalidRequestException missing = assertThrows(InvalidRequestException.class,
                () -> stripe.customers().retrieve("cus_doesnotexist"));
        assertEquals(404, missing.getStatusCode());
        assertEquals("resource_missing", missing.getCode());
    }

    @Test
    void aWrongApiKeyIs401() {
        StripeClient wrong = StripeClient.builder().setApiKey("sk_test_wrong_key_1234").setApiBase(standIn.baseUrl())
                .setMaxNetworkRetries(0).build();
        AuthenticationException e = assertThrows(AuthenticationException.class,
                () -> wrong.customers().create(CustomerCreateParams.builder().setName("x").build()));
        assertEquals(401, e.getStatusCode());
        assertTrue(e.getMessage().contains("Invalid API Key provided"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------------ invoices

    @Test
    void anInvoiceGetsLinesInTwoCallsPagesThemAndFinalizesWithTheirSum() throws Exception {
        Customer c = customer("acct-inv");
        Invoice draft = draft(c.getId());
        assertTrue(draft.getId().startsWith("in_"));
        assertEquals("draft", draft.getStatus());
        assertEquals(0L, draft.getTotal());
        assertNull(draft.getNumber());
        assertEquals(c.getId(), draft.getCustomer());
        assertEquals("inv-1", draft.getMetadata().get("bitrouter_invoice_id"));
        assertEquals(0, draft.getLines().getData().size());

        stripe.invoices().addLines(draft.getId(), lines(0, 7, 125));
        Invoice withLines = stripe.invoices().addLines(draft.getId(), InvoiceAddLinesParams.builder()
                .addLine(InvoiceAddLinesParams.Line.builder().setAmount(-300L).setDescription("discount").build())
                .addLine(InvoiceAddLinesParams.Line.builder().setAmount(0L).setDescription("free tier").build())
                .addAllLine(lines(7, 5, 1_000).getLines())
                .build());
        long expected = 7 * 125 - 300 + 0 + 5 * 1_000;
        assertEquals(expected, withLines.getTotal());
        assertEquals(expected, withLines.getSubtotal());
        assertEquals(expected, withLines.getAmountDue());
        // Embedded: the first ten lines, in the order they were added, and has_more.
        assertEquals(10, withLines.getLines().getData().size());
        assertTrue(withLines.getLines().getHasMore());
        assertEquals("line 0", withLines.getLines().getData().get(0).getDescription());
        InvoiceLineItem first = withLines.getLines().getData().get(0);
        assertTrue(first.getId().startsWith("il_"));
        assertEquals(125L, first.getAmount());
        assertEquals("usd", first.getCurrency());
        assertEquals("0", first.getMetadata().get("n"));
        assertEquals(1_785_000_000L, first.getPeriod().getStart());
        assertEquals(1_787_600_000L, first.getPeriod().getEnd());
        assertEquals(draft.getId(), first.getInvoice());

        // Cursor pagination over all 14 lines, four at a time.
        List<InvoiceLineItem> paged = new ArrayList<>();
        String after = null;
        int pages = 0;
        while (true) {
            InvoiceLineItemListParams.Builder p = InvoiceLineItemListParams.builder().setLimit(4L);
            if (after != null) {
                p.setStartingAfter(after);
            }
            StripeCollection<InvoiceLineItem> page = stripe.invoices().lineItems().list(draft.getId(), p.build());
            paged.addAll(page.getData());
            pages++;
            if (!page.getHasMore()) {
                break;
            }
            after = page.getData().get(page.getData().size() - 1).getId();
        }
        assertEquals(4, pages);
        assertEquals(14, paged.size());
        assertEquals(14, new HashSet<>(paged.stream().map(InvoiceLineItem::getId).toList()).size());
        assertEquals(expected, paged.stream().mapToLong(InvoiceLineItem::getAmount).sum());
        // The client's own auto-pagination follows the same cursors.
        List<InvoiceLineItem> auto = new ArrayList<>();
        stripe.invoices().lineItems().list(draft.getId(), InvoiceLineItemListParams.builder().setLimit(5L).build())
                .autoPagingIterable().forEach(auto::add);
        assertEquals(paged.stream().map(InvoiceLineItem::getId).toList(),
                auto.stream().map(InvoiceLineItem::getId).toList());

        Invoice open = stripe.invoices().finalizeInvoice(draft.getId(),
                InvoiceFinalizeInvoiceParams.builder().setAutoAdvance(false).build());
        assertEquals("open", open.getStatus());
        assertEquals(expected, open.getTotal());
        assertNotNull(open.getNumber());
        assertTrue(open.getNumber().matches("[A-Z0-9]{8}-0001"), open.getNumber());
        assertEquals(standIn.baseUrl() + "/hosted/" + open.getId(), open.getHostedInvoiceUrl());
        assertEquals(standIn.baseUrl() + "/pdf/" + open.getId(), open.getInvoicePdf());
        assertNotNull(open.getStatusTransitions().getFinalizedAt());
        assertNotNull(open.getDueDate());

        InvalidRequestException again = assertThrows(InvalidRequestException.class,
                () -> stripe.invoices().finalizeInvoice(draft.getId()));
        assertEquals(400, again.getStatusCode());
        InvalidRequestException notDraft = assertThrows(InvalidRequestException.class,
                () -> stripe.invoices().addLines(draft.getId(), lines(0, 1, 1)));
        assertEquals(400, notDraft.getStatusCode());

        StripeCollection<Invoice> listed = stripe.invoices().list(
                InvoiceListParams.builder().setCustomer(c.getId()).setStatus(InvoiceListParams.Status.OPEN).build());
        assertEquals(List.of(open.getId()), listed.getData().stream().map(Invoice::getId).toList());
        assertTrue(stripe.invoices().list(InvoiceListParams.builder().setStatus(InvoiceListParams.Status.DRAFT).build())
                .getData().isEmpty());
        StripeSearchResult<Invoice> byMetadata = stripe.invoices().search(com.stripe.param.InvoiceSearchParams.builder()
                .setQuery("metadata['bitrouter_invoice_id']:'inv-1' AND customer:'" + c.getId() + "'").build());
        assertEquals(List.of(open.getId()), byMetadata.getData().stream().map(Invoice::getId).toList());

        Invoice voided = stripe.invoices().voidInvoice(open.getId());
        assertEquals("void", voided.getStatus());
        assertNotNull(voided.getStatusTransitions().getVoidedAt());
        assertThrows(InvalidRequestException.class, () -> stripe.invoices().voidInvoice(open.getId()));

        // The control API's state shows every line, not only the first ten.
        JsonNode inv = state().get("invoices").get(0);
        assertEquals(14, inv.get("lines").get("data").size());
    }

    @Test
    void anInvoiceWithNothingDueIsPaidWhenFinalized() throws Exception {
        Invoice draft = draft(customer("acct-zero").getId());
        stripe.invoices().addLines(draft.getId(), InvoiceAddLinesParams.builder()
                .addLine(InvoiceAddLinesParams.Line.builder().setAmount(0L).setDescription("nothing").build()).build());
        Invoice paid = stripe.invoices().finalizeInvoice(draft.getId());
        assertEquals("paid", paid.getStatus());
        assertEquals(0L, paid.getAmountPaid());
        assertNotNull(paid.getStatusTransitions().getPaidAt());
    }

    @Test
    void sendingFinalizesAndPayingOutOfBandOrGivingUpCloseTheInvoice() throws Exception {
        Invoice a = draft(customer("acct-send").getId());
        stripe.invoices().addLines(a.getId(), lines(0, 1, 500));
        Invoice sent = stripe.invoices().sendInvoice(a.getId());
        assertEquals("open", sent.getStatus());
        assertNotNull(sent.getNumber());
        Invoice paid = stripe.invoices().pay(a.getId(),
                com.stripe.param.InvoicePayParams.builder().setPaidOutOfBand(true).build());
        assertEquals("paid", paid.getStatus());
        assertEquals(500L, paid.getAmountPaid());
        assertThrows(InvalidRequestException.class, () -> stripe.invoices().markUncollectible(a.getId()));

        Invoice b = draft(customer("acct-bad").getId());
        stripe.invoices().addLines(b.getId(), lines(0, 1, 900));
        stripe.invoices().finalizeInvoice(b.getId());
        assertThrows(InvalidRequestException.class, () -> stripe.invoices().pay(b.getId()));
        assertEquals("uncollectible", stripe.invoices().markUncollectible(b.getId()).getStatus());
        List<String> types = new ArrayList<>();
        state().get("events").forEach(e -> types.add(e.get("type").asText()));
        assertEquals(List.of("invoice.created", "invoice.finalized", "invoice.sent", "invoice.paid", "invoice.created",
                "invoice.finalized", "invoice.marked_uncollectible"), types);
    }

    @Test
    void theLine251IsRejectedAndNothingOfThatCallIsAdded() throws Exception {
        Invoice draft = draft(customer("acct-big").getId());
        stripe.invoices().addLines(draft.getId(), lines(0, 200, 1));
        stripe.invoices().addLines(draft.getId(), lines(200, 50, 1));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> stripe.invoices().addLines(draft.getId(), lines(250, 1, 1)));
        assertEquals(400, e.getStatusCode());
        assertEquals("lines", e.getStripeError().getParam());
        assertThrows(InvalidRequestException.class, () -> stripe.invoices().addLines(
                draft(customer("acct-big2").getId()).getId(), lines(0, 251, 1)));
        Invoice after = stripe.invoices().retrieve(draft.getId());
        assertEquals(250L, after.getTotal());
        assertEquals(250, state().get("invoices").get(0).get("lines").get("data").size());
    }

    @Test
    void invoiceCreationNeedsAKnownCustomer() {
        InvalidRequestException missing = assertThrows(InvalidRequestException.class,
                () -> stripe.invoices().create(InvoiceCreateParams.builder().setCustomer("cus_nope").build()));
        assertEquals("customer", missing.getStripeError().getParam());
        assertEquals("resource_missing", missing.getCode());
    }

    // ------------------------------------------------------------------------------------------------ idempotency

    @Test
    void aRetryWithTheSameKeyReplaysTheFirstResultAndCreatesNothing() throws Exception {
        CustomerCreateParams params = CustomerCreateParams.builder().setName("Replay").putMetadata("a", "1").build();
        Customer first = stripe.customers().create(params, key("cust-key-1"));
        Customer second = stripe.customers().create(params, key("cust-key-1"));
        assertEquals(first.getId(), second.getId());
        assertEquals("true", second.getLastResponse().headers().firstValue("Idempotent-Replayed").orElse(null));
        assertTrue(first.getLastResponse().headers().firstValue("Idempotent-Replayed").isEmpty());
        JsonNode s = state();
        assertEquals(1, s.get("customers").size());
        List<Boolean> replayed = new ArrayList<>();
        s.get("requests").forEach(r -> replayed.add(r.get("replayed").asBoolean()));
        assertEquals(List.of(false, true), replayed);
        assertEquals("cust-key-1", s.get("requests").get(1).get("idempotency_key").asText());

        // Same key, other parameters: Stripe refuses.
        IdempotencyException e = assertThrows(IdempotencyException.class, () -> stripe.customers().create(
                CustomerCreateParams.builder().setName("Other").build(), key("cust-key-1")));
        assertEquals(400, e.getStatusCode());
        assertTrue(e.getMessage().contains("same parameters"), e.getMessage());
        assertEquals(1, state().get("customers").size());
    }

    @Test
    void aLostResponseAfterApplyIsRecoveredByRetryingWithTheSameKey() throws Exception {
        String customer = customer("acct-lost").getId();
        StripeClient noRetry = client(0);
        control("POST", "/_standin/faults",
                "{\"method\":\"POST\",\"path\":\"^/v1/invoices$\",\"status\":500,\"times\":1,\"mode\":\"after_apply\"}");
        InvoiceCreateParams p = InvoiceCreateParams.builder().setCustomer(customer).build();
        ApiException lost = assertThrows(ApiException.class, () -> noRetry.invoices().create(p, key("inv-key-1")));
        assertEquals(500, lost.getStatusCode());
        assertEquals(1, state().get("invoices").size(), "the request was applied although its answer was lost");

        Invoice retried = noRetry.invoices().create(p, key("inv-key-1"));
        JsonNode s = state();
        assertEquals(1, s.get("invoices").size());
        assertEquals(s.get("invoices").get(0).get("id").asText(), retried.getId());
        assertEquals("true", retried.getLastResponse().headers().firstValue("Idempotent-Replayed").orElse(null));
        assertEquals(1, s.get("events").size(), "one invoice.created, not two");
    }

    @Test
    void aFailureBeforeExecutionSavesNothingUnderTheKey() throws Exception {
        String customer = customer("acct-before").getId();
        StripeClient noRetry = client(0);
        control("POST", "/_standin/faults",
                "{\"method\":\"POST\",\"path\":\"^/v1/invoices$\",\"status\":500,\"times\":1,\"mode\":\"before\"}");
        InvoiceCreateParams p = InvoiceCreateParams.builder().setCustomer(customer).build();
        assertThrows(ApiException.class, () -> noRetry.invoices().create(p, key("inv-key-2")));
        assertEquals(0, state().get("invoices").size());

        Invoice retried = noRetry.invoices().create(p, key("inv-key-2"));
        assertTrue(retried.getLastResponse().headers().firstValue("Idempotent-Replayed").isEmpty(),
                "executed fresh, not replayed");
        assertEquals(1, state().get("invoices").size());
    }

    @Test
    void stripeJavasOwnRetriesRideOverA500WithTheKeyItGenerates() throws Exception {
        String customer = customer("acct-auto").getId();
        control("POST", "/_standin/faults",
                "{\"method\":\"POST\",\"path\":\"^/v1/invoices$\",\"status\":500,\"times\":1,\"mode\":\"after_apply\"}");
        Invoice in = client(2).invoices().create(InvoiceCreateParams.builder().setCustomer(customer).build());
        JsonNode s = state();
        assertEquals(1, s.get("invoices").size());
        assertEquals(in.getId(), s.get("invoices").get(0).get("id").asText());
        JsonNode last = s.get("requests").get(s.get("requests").size() - 1);
        assertTrue(last.get("replayed").asBoolean(), "the client retried under its generated key: " + s.get("requests"));
    }

    @Test
    void rateLimitsAre429() throws Exception {
        control("POST", "/_standin/faults", "{\"method\":\"GET\",\"path\":\"^/v1/customers\",\"status\":429,\"times\":1}");
        RateLimitException e = assertThrows(RateLimitException.class,
                () -> client(0).customers().list(CustomerListParams.builder().build()));
        assertEquals(429, e.getStatusCode());
        assertEquals("rate_limit", e.getCode());
        client(0).customers().list(CustomerListParams.builder().build()); // the fault was used up

        control("POST", "/_standin/rate-limit", "{\"per_second\":3}");
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            try {
                client(0).customers().list(CustomerListParams.builder().build());
            } catch (RateLimitException ex) {
                limited++;
            }
        }
        assertTrue(limited >= 5, "at most 3 of 10 quick requests pass a 3/s limit, got " + (10 - limited));
        control("POST", "/_standin/rate-limit", "{\"per_second\":0}");
    }

    @Test
    void afterTheKeysExpireTheSameKeyCreatesASecondObject() throws Exception {
        CustomerCreateParams p = CustomerCreateParams.builder().setName("Twice").build();
        Customer first = stripe.customers().create(p, key("exp-key"));
        control("POST", "/_standin/idempotency/expire", "{}");
        Customer second = stripe.customers().create(p, key("exp-key"));
        assertNotEquals(first.getId(), second.getId());
        assertEquals(2, state().get("customers").size(),
                "a retry after 24 h duplicates: the service must reconcile by listing before creating");

        // The same through the clock: 24 hours later the key is pruned.
        Customer third = stripe.customers().create(p, key("clock-key"));
        assertEquals(third.getId(), stripe.customers().create(p, key("clock-key")).getId());
        control("POST", "/_standin/clock", "{\"advance_seconds\":86401}");
        assertNotEquals(third.getId(), stripe.customers().create(p, key("clock-key")).getId());
    }

    @Test
    void aSecondRequestWithAKeyStillInFlightIs409() throws Exception {
        control("POST", "/_standin/faults",
                "{\"method\":\"POST\",\"path\":\"^/v1/customers$\",\"status\":0,\"delay_ms\":1500,\"times\":1}");
        CustomerCreateParams p = CustomerCreateParams.builder().setName("Slow").build();
        CompletableFuture<Customer> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return client(0).customers().create(p, key("slow-key"));
            } catch (StripeException e) {
                throw new IllegalStateException(e);
            }
        });
        // Wait until the slow request holds the key.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (state().get("idempotency_keys_in_flight").asInt() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        ApiException conflict = assertThrows(ApiException.class, () -> client(0).customers().create(p, key("slow-key")));
        assertEquals(409, conflict.getStatusCode());
        assertEquals("idempotency_error", conflict.getStripeError().getType());
        Customer done = slow.get(5, TimeUnit.SECONDS);
        assertEquals(done.getId(), client(0).customers().create(p, key("slow-key")).getId());
        assertEquals(1, state().get("customers").size());
        assertEquals(0, state().get("idempotency_keys_in_flight").asInt());
    }

    // ------------------------------------------------------------------------------------------------ webhooks

    @Test
    void eventsAreDeliveredSignedInOrderAndParseAsInvoices() throws Exception {
        BlockingQueue<String[]> received = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/stripe/webhook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new String[] { body, ex.getRequestHeaders().getFirst("Stripe-Signature") });
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        try {
            control("POST", "/_standin/webhook", "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/stripe/webhook\"}");
            Invoice draft = draft(customer("acct-hook").getId());
            stripe.invoices().addLines(draft.getId(), lines(0, 2, 700));
            Invoice open = stripe.invoices().finalizeInvoice(draft.getId(), RequestOptions.builder()
                    .setIdempotencyKey("fin-key").build());
            control("POST", "/_standin/invoices/" + open.getId() + "/payment_failed", "{}");
            control("POST", "/_standin/invoices/" + open.getId() + "/pay", "{}");

            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String[] got = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(got, "event " + i + " not delivered");
                events.add(Webhook.constructEvent(got[0], got[1], SECRET));
                if (i == 0) {
                    String[] forged = got;
                    assertThrows(SignatureVerificationException.class,
                            () -> Webhook.constructEvent(forged[0], forged[1], "whsec_other"));
                    assertThrows(SignatureVerificationException.class,
                            () -> Webhook.constructEvent(forged[0].replace("invoice.created", "invoice.paid"), forged[1], SECRET));
                }
            }
            assertEquals(List.of("invoice.created", "invoice.finalized", "invoice.payment_failed", "invoice.paid"),
                    events.stream().map(Event::getType).toList());
            for (Event e : events) {
                assertEquals("2026-07-29.dahlia", e.getApiVersion());
                assertTrue(e.getId().startsWith("evt_"));
                StripeObject obj = e.getDataObjectDeserializer().getObject().orElseThrow();
                Invoice inv = assertInstanceOf(Invoice.class, obj);
                assertEquals(draft.getId(), inv.getId());
            }
            Invoice finalized = (Invoice) events.get(1).getDataObjectDeserializer().getObject().orElseThrow();
            assertEquals("open", finalized.getStatus());
            assertEquals(1400L, finalized.getTotal());
            assertEquals("fin-key", events.get(1).getRequest().getIdempotencyKey());
            assertEquals(open.getLastResponse().requestId(), events.get(1).getRequest().getId());
            Invoice failed = (Invoice) events.get(2).getDataObjectDeserializer().getObject().orElseThrow();
            assertEquals(1L, failed.getAttemptCount());
            assertEquals("open", failed.getStatus());
            Invoice paid = (Invoice) events.get(3).getDataObjectDeserializer().getObject().orElseThrow();
            assertEquals("paid", paid.getStatus());
            assertEquals(1400L, paid.getAmountPaid());
            assertNotNull(paid.getStatusTransitions().getPaidAt());

            // A duplicate delivery carries the same event id.
            String paidId = events.get(3).getId();
            control("POST", "/_standin/events/" + paidId + "/resend", "{}");
            String[] again = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(again);
            assertEquals(paidId, Webhook.constructEvent(again[0], again[1], SECRET).getId());

            // The events API shows the same events, newest first.
            assertEquals(events.stream().map(Event::getId).toList().reversed(),
                    stripe.events().list(EventListParams.builder().build()).getData().stream().map(Event::getId)
                            .toList());
            assertEquals("invoice.paid", stripe.events().retrieve(paidId).getType());
            JsonNode deliveries = state().get("deliveries");
            assertEquals(5, deliveries.size());
            deliveries.forEach(d -> assertEquals(200, d.get("status").asInt()));
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aFailingReceiverIsRetriedAndRegisteredEndpointsGetTheirEvents() throws Exception {
        List<Integer> answers = new ArrayList<>(List.of(500, 503, 200));
        BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int status;
            synchronized (answers) {
                status = answers.isEmpty() ? 200 : answers.remove(0);
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        receiver.start();
        try {
            WebhookEndpoint we = stripe.webhookEndpoints().create(WebhookEndpointCreateParams.builder()
                    .setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
                    .addEnabledEvent(WebhookEndpointCreateParams.EnabledEvent.INVOICE__FINALIZED).build());
            assertTrue(we.getId().startsWith("we_"));
            assertEquals(SECRET, we.getSecret());

            Invoice draft = draft(customer("acct-retry").getId());
            stripe.invoices().finalizeInvoice(draft.getId());
            Set<String> types = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                String body = bodies.poll(10, TimeUnit.SECONDS);
                assertNotNull(body, "attempt " + i);
                types.add(Json.MAPPER.readTree(body).get("type").asText());
            }
            // Only the subscribed type (the zero invoice is also paid at once: not subscribed, not sent).
            assertEquals(Set.of("invoice.finalized"), types);
            Thread.sleep(300);
            assertNull(bodies.poll());
            List<Integer> statuses = new ArrayList<>();
            state().get("deliveries").forEach(d -> statuses.add(d.get("status").asInt()));
            assertEquals(List.of(500, 503, 200), statuses);
        } finally {
            receiver.stop(0);
        }
    }
}
