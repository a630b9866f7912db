package ai.bitrouter.billing.invoicing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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

/** RELIABILITY D 21 and issue #7's webhook cases, end to end with the stand-in's signed deliveries. */
@QuarkusTest
class StripeWebhookTest {

    static final BillingPeriod FEB = BillingPeriod.parse("2026-02");

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
    void stopDeliveries() {
        StandIn.webhookTo(null);
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

    private InvoiceStore.Status status(UUID id) {
        return store.find(id).orElseThrow().status();
    }

    /** The stand-in's events about one Stripe invoice, oldest first. */
    private List<JsonNode> eventsOf(String stripeInvoiceId, String type) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode e : StandIn.state().path("events")) {
            if (type.equals(e.path("type").asText())
                    && stripeInvoiceId.equals(e.path("data").path("object").path("id").asText())) {
                found.add(e);
            }
        }
        return found;
    }

    private io.restassured.response.ValidatableResponse deliver(String body, String signature) {
        return given().header("Stripe-Signature", signature).contentType("application/json")
                .body(body.getBytes(StandardCharsets.UTF_8)).post("/stripe/webhook").then();
    }

    private String sign(String body, long t) {
        return WebhookSignature.sign(secret, t, body.getBytes(StandardCharsets.UTF_8));
    }

    private long eventsStored(String eventId) {
        return LedgerSeed.count(db, "SELECT count(*) FROM stripe_events WHERE event_id = ?", eventId);
    }

    @Test
    void aPaymentDeliveredThreeTimesIsAppliedOnce() {
        InvoiceStore.Invoice inv = finalizedInvoice();
        StandIn.webhookTo(webhook.toString());
        StandIn.post("/_standin/invoices/" + inv.stripeInvoiceId() + "/pay", null);
        await().atMost(Duration.ofSeconds(20)).until(() -> status(inv.id()) == InvoiceStore.Status.PAID);
        String eventId = eventsOf(inv.stripeInvoiceId(), "invoice.paid").get(0).path("id").asText();
        StandIn.post("/_standin/events/" + eventId + "/resend", null);
        StandIn.post("/_standin/events/" + eventId + "/resend", null);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            long delivered = 0;
            for (JsonNode d : StandIn.state().path("deliveries")) {
                if (eventId.equals(d.path("event").asText()) && d.path("status").asInt() == 200) {
                    delivered++;
                }
            }
            return delivered >= 3;
        });
        assertEquals(1, eventsStored(eventId));
        InvoiceStore.Invoice paid = store.find(inv.id()).orElseThrow();
        assertEquals(InvoiceStore.Status.PAID, paid.status());
    }

    @Test
    void paidBeforeFinalizedEndsPaidAndAFailedPaymentThenAPaymentEndsPaid() throws Exception {
        InvoiceStore.Invoice inv = finalizedInvoice();
        // No automatic deliveries here: the test delivers the stand-in's own events itself, out of order.
        StandIn.post("/_standin/invoices/" + inv.stripeInvoiceId() + "/payment_failed", null);
        JsonNode failedEvent = eventsOf(inv.stripeInvoiceId(), "invoice.payment_failed").get(0);
        String failed = json.writeValueAsString(failedEvent);
        deliver(failed, sign(failed, Instant.now().getEpochSecond())).statusCode(200);
        assertEquals(InvoiceStore.Status.PAYMENT_FAILED, status(inv.id()));

        StandIn.post("/_standin/invoices/" + inv.stripeInvoiceId() + "/pay", null);
        String paid = json.writeValueAsString(eventsOf(inv.stripeInvoiceId(), "invoice.paid").get(0));
        String finalized = json.writeValueAsString(eventsOf(inv.stripeInvoiceId(), "invoice.finalized").get(0));
        deliver(paid, sign(paid, Instant.now().getEpochSecond())).statusCode(200).body("result", equalTo("applied"));
        deliver(finalized, sign(finalized, Instant.now().getEpochSecond())).statusCode(200);
        // A late "finalized" never moves a paid invoice back.
        assertEquals(InvoiceStore.Status.PAID, status(inv.id()));
    }

    @Test
    void badSignaturesStaleOrFutureTimestampsAndMalformedBodiesAreRefusedAndChangeNothing() throws Exception {
        InvoiceStore.Invoice inv = finalizedInvoice();
        StandIn.post("/_standin/invoices/" + inv.stripeInvoiceId() + "/pay", null);
        JsonNode event = eventsOf(inv.stripeInvoiceId(), "invoice.paid").get(0);
        String body = json.writeValueAsString(event);
        String eventId = event.path("id").asText();
        long now = Instant.now().getEpochSecond();

        deliver(body, WebhookSignature.sign("whsec_wrong", now, body.getBytes(StandardCharsets.UTF_8)))
                .statusCode(400).body("error", equalTo("bad_request"));
        deliver(body, sign(body, now - 400)).statusCode(400); // tolerance 300 s; the exact edge is a unit test
        deliver(body, sign(body, now + 400)).statusCode(400);
        deliver(body, "").statusCode(400);
        // Signed over different bytes than those delivered (a JSON filter re-serialised the body).
        deliver(json.writeValueAsString(json.readTree(body)).replace(",", ", "), sign(body, now)).statusCode(400);
        String notJson = "this is not an event";
        deliver(notJson, sign(notJson, now)).statusCode(400);
        assertEquals(0, eventsStored(eventId));
        assertEquals(InvoiceStore.Status.FINALIZED, status(inv.id()));

        // An unknown type is acknowledged, recorded and ignored; its replay is a duplicate.
        String other = "{\"id\":\"evt_" + UUID.randomUUID().toString().replace("-", "")
                + "\",\"object\":\"event\",\"type\":\"customer.created\",\"data\":{\"object\":{\"id\":\"cus_x\"}}}";
        deliver(other, sign(other, now)).statusCode(200).body("result", equalTo("ignored"));
        deliver(other, sign(other, now)).statusCode(200).body("result", equalTo("duplicate"));

        // The genuine delivery still works afterwards.
        deliver(body, sign(body, now)).statusCode(200).body("result", equalTo("applied"));
        assertEquals(InvoiceStore.Status.PAID, status(inv.id()));
        assertEquals(1, eventsStored(eventId));
    }
}
