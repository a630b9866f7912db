package ai.bitrouter.billing.invoicing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.invoicing.stripe.WebhookSignature;
import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue #18: the Stripe webhook holds no database transaction (and so no connection the rest of the service needs)
 * while it asks Stripe for the invoice, and a delivery that could not ask Stripe is applied by the next one.
 */
@QuarkusTest
class StripeWebhookTransactionTest {

    static final BillingPeriod FEB = BillingPeriod.parse("2026-02");
    // Below the tests' Stripe read timeout (2 s): one slow call, no retry; longer than the 1 s a transaction held
    // across it would have to be open for the check below to see it.
    static final long SLOW_MS = 1_800;

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    ObjectMapper json;

    @Inject
    InvoiceStore store;

    @Inject
    InvoicePusher pusher;

    @ConfigProperty(name = "bitrouter.stripe.webhook-secret")
    String secret;

    @TestHTTPResource("/stripe/webhook")
    URL webhook;

    @AfterEach
    void clear() {
        StandIn.clearFaults();
    }

    private InvoiceStore.Invoice finalizedInvoice() {
        TestAccounts.Tenant t = TestAccounts.create(db);
        String[] kimi = MonthCloseTest.MODELS[0];
        LedgerSeed.record(metering, json, List.of(new LedgerSeed.Event(t.namespaceId(), kimi[0], kimi[1], kimi[2],
                "succeeded", "{\"prompt_tokens\":1000000,\"completion_tokens\":100000}", FEB.start().plusSeconds(1))));
        UUID id = store.draft(t.accountId(), FEB).orElseThrow();
        assertEquals(InvoicePusher.Outcome.FINALIZED, pusher.push(id));
        return store.find(id).orElseThrow();
    }

    /** The stand-in's invoice.paid event of the invoice, as Stripe would deliver it. */
    private String paidEvent(InvoiceStore.Invoice inv) throws Exception {
        StandIn.post("/_standin/invoices/" + inv.stripeInvoiceId() + "/pay", null);
        for (JsonNode e : StandIn.state().path("events")) {
            if ("invoice.paid".equals(e.path("type").asText())
                    && inv.stripeInvoiceId().equals(e.path("data").path("object").path("id").asText())) {
                return json.writeValueAsString(e);
            }
        }
        throw new AssertionError("the stand-in has no invoice.paid event for " + inv.stripeInvoiceId());
    }

    private HttpResponse<String> deliver(String body) {
        String signature = WebhookSignature.sign(secret, Instant.now().getEpochSecond(),
                body.getBytes(StandardCharsets.UTF_8));
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(webhook.toString()))
                    .header("Stripe-Signature", signature).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String outcome(String eventId) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT outcome FROM stripe_events WHERE event_id = ?")) {
            ps.setString(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sessions of this database that sit inside a transaction open for more than a second whose last statement was
     * about Stripe events or invoices: what a webhook holding its transaction across the slow Stripe call looks like
     * from PostgreSQL. (The short transaction that applies the state after the call is idle for moments between its
     * statements; it is never a second old.)
     */
    private long webhookSessionsIdleInTransaction() {
        return LedgerSeed.count(db, """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND state LIKE 'idle in transaction%'
                  AND clock_timestamp() - xact_start > interval '1 second'
                  AND (query ILIKE '%stripe_events%' OR query ILIKE '%invoices%')""");
    }

    @Test
    void aSlowStripeCallHoldsNoTransactionAndTheEventIsRecordedBeforeIt() throws Exception {
        InvoiceStore.Invoice inv = finalizedInvoice();
        String body = paidEvent(inv);
        String eventId = json.readTree(body).path("id").asText();
        StandIn.fault("GET", "^/v1/invoices/" + inv.stripeInvoiceId() + "$", 0, 1, "before", SLOW_MS);

        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> delivery = CompletableFuture.supplyAsync(() -> deliver(body));
        long samples = 0;
        long idleInTransaction = 0;
        boolean recordedWhileStripeWasAsked = false;
        while (!delivery.isDone()) {
            idleInTransaction = Math.max(idleInTransaction, webhookSessionsIdleInTransaction());
            // Visible from another connection while the call is still running: step 1 committed before the call.
            recordedWhileStripeWasAsked |= "received".equals(outcome(eventId)) && !delivery.isDone();
            samples++;
        }
        HttpResponse<String> r = delivery.get();
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("applied", json.readTree(r.body()).path("result").asText());
        assertTrue(tookMs >= SLOW_MS, "the Stripe call was slowed down (took " + tookMs + " ms)");
        assertTrue(samples >= 10, "sampled pg_stat_activity during the call, " + samples + " times");
        assertEquals(0, idleInTransaction, "a session sat idle in a transaction during the Stripe call");
        assertTrue(recordedWhileStripeWasAsked, "the event id was committed before Stripe was asked");
        assertEquals(InvoiceStore.Status.PAID, store.find(inv.id()).orElseThrow().status());
        assertEquals("applied", outcome(eventId));
    }

    @Test
    void aDeliveryThatCouldNotAskStripeIsAppliedByTheNextDeliveryNotTakenForADuplicate() throws Exception {
        InvoiceStore.Invoice inv = finalizedInvoice();
        String body = paidEvent(inv);
        String eventId = json.readTree(body).path("id").asText();
        // More failures than the gateway's attempts per call: this delivery cannot learn the invoice's state.
        StandIn.fault("GET", "^/v1/invoices/" + inv.stripeInvoiceId() + "$", 500, 20, "before", 0);

        HttpResponse<String> first = deliver(body);
        assertEquals(503, first.statusCode(), first.body());
        assertEquals("received", outcome(eventId));
        assertEquals(InvoiceStore.Status.FINALIZED, store.find(inv.id()).orElseThrow().status());

        StandIn.clearFaults();
        HttpResponse<String> again = deliver(body);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("applied", json.readTree(again.body()).path("result").asText());
        assertEquals(InvoiceStore.Status.PAID, store.find(inv.id()).orElseThrow().status());
        assertEquals("applied", outcome(eventId));

        HttpResponse<String> replay = deliver(body);
        assertEquals("duplicate", json.readTree(replay.body()).path("result").asText());
        assertEquals(1, LedgerSeed.count(db, "SELECT count(*) FROM stripe_events WHERE event_id = ?", eventId));
    }
}
