package ai.bitrouter.billing.invoicing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.StripeClient;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.InvoiceCreateParams;

import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * RELIABILITY D 19 and 20 and issue #7: the push killed at each step and re-run (within Stripe's 24 h key window,
 * and after it, when only listing what Stripe has prevents duplicates); 429, 500, lost responses and timeouts
 * retried with the same key under the configured request rate; a reused key with different parameters surfaced.
 */
@QuarkusTest
class InvoicePushFaultTest {

    static final BillingPeriod MARCH = BillingPeriod.parse("2026-03");

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

    @Inject
    CrashingObserver crash;

    @ConfigProperty(name = "bitrouter.stripe.requests-per-second")
    int rate;

    @ConfigProperty(name = "bitrouter.stripe.api-key")
    String apiKey;

    @AfterEach
    void cleanUp() {
        crash.disarm();
        StandIn.clearFaults();
    }

    /** An account with usage on three models in March, drafted: returns the invoice id. */
    private UUID draftedInvoice(TestAccounts.Tenant t) {
        List<LedgerSeed.Event> events = new ArrayList<>();
        for (String[] m : MonthCloseTest.MODELS) {
            for (int i = 0; i < 3; i++) {
                events.add(new LedgerSeed.Event(t.namespaceId(), m[0], m[1], m[2], "succeeded",
                        "{\"prompt_tokens\":%d,\"completion_tokens\":777}".formatted(123_457 + i), MARCH.start()
                                .plus(Duration.ofHours(5 + i))));
            }
        }
        LedgerSeed.record(metering, json, events);
        return store.draft(t.accountId(), MARCH).orElseThrow();
    }

    private void assertExactlyOnceInStripe(TestAccounts.Tenant t, UUID invoiceId) {
        InvoiceStore.Invoice inv = store.find(invoiceId).orElseThrow();
        assertEquals(InvoiceStore.Status.FINALIZED, inv.status(), () -> "last error: " + inv.lastError());
        assertEquals(1, StandIn.customersFor(t.accountId().toString()).size(), "customers");
        List<JsonNode> invoices = StandIn.invoicesFor(invoiceId.toString());
        assertEquals(1, invoices.size(), "Stripe invoices");
        List<JsonNode> lines = StandIn.lines(invoices.get(0));
        assertEquals(inv.lineCount(), lines.size(), "lines");
        assertEquals(inv.totalCents(), lines.stream().mapToLong(l -> l.path("amount").asLong()).sum());
        assertEquals(inv.totalCents(), invoices.get(0).path("total").asLong());
        assertEquals("open", invoices.get(0).path("status").asText());
        List<Integer> numbers = lines.stream()
                .map(l -> Integer.parseInt(l.path("metadata").path("bitrouter_line_no").asText())).sorted().toList();
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= inv.lineCount(); i++) {
            expected.add(i);
        }
        assertEquals(expected, numbers, "each line once");
    }

    static List<Arguments> crashes() {
        List<Arguments> all = new ArrayList<>();
        for (PushStep step : PushStep.values()) {
            all.add(Arguments.of(step, false));
            all.add(Arguments.of(step, true));
        }
        return all;
    }

    @ParameterizedTest(name = "crash after {0}, keys expired before the re-run: {1}")
    @MethodSource("crashes")
    void aRunKilledAtAnyStepAndRunAgainLeavesOneOfEverything(PushStep step, boolean keysExpired) {
        TestAccounts.Tenant t = TestAccounts.create(db);
        UUID invoiceId = draftedInvoice(t);
        crash.arm(step, invoiceId);
        assertThrows(CrashingObserver.SimulatedCrash.class, () -> pusher.push(invoiceId));
        if (keysExpired) {
            // A re-run more than 24 hours later: Stripe no longer replays; only listing first prevents duplicates.
            StandIn.expireIdempotencyKeys();
        }
        assertEquals(InvoicePusher.Outcome.FINALIZED, pusher.push(invoiceId));
        assertExactlyOnceInStripe(t, invoiceId);
        // And once more, for good measure: nothing to do.
        assertEquals(InvoicePusher.Outcome.ALREADY_DONE, pusher.push(invoiceId));
        assertExactlyOnceInStripe(t, invoiceId);
    }

    @Test
    void rateLimitsServerErrorsLostResponsesAndTimeoutsAreRetriedUnderTheRateLimit() {
        TestAccounts.Tenant t = TestAccounts.create(db);
        UUID invoiceId = draftedInvoice(t);
        long start = System.nanoTime();
        StandIn.fault("POST", "^/v1/customers$", 429, 2, "before", 0);
        StandIn.fault("POST", "^/v1/invoices$", 500, 1, "after_apply", 0);
        StandIn.fault("POST", "^/v1/invoices/[^/]+/add_lines$", 500, 2, "before", 0);
        // The finalize hangs past the 2 s read timeout: the retry meets "same key in flight" (409) until the first
        // call ends, then is replayed. If the retries run out first, the invoice stays "pushing" and the next run
        // (hourly in production) finishes it: both are correct, neither creates anything twice.
        StandIn.fault("POST", "^/v1/invoices/[^/]+/finalize$", 0, 1, "before", 2_500);
        InvoicePusher.Outcome first = pusher.push(invoiceId);
        if (first == InvoicePusher.Outcome.RETRY_LATER) {
            assertEquals(InvoiceStore.Status.PUSHING, store.find(invoiceId).orElseThrow().status());
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> StandIn.state().path("idempotency_keys_in_flight").asInt() == 0);
            first = pusher.push(invoiceId);
        }
        assertEquals(InvoicePusher.Outcome.FINALIZED, first);
        assertExactlyOnceInStripe(t, invoiceId);

        List<JsonNode> ours = new ArrayList<>();
        for (JsonNode r : StandIn.state().path("requests")) {
            if (r.path("at_nanos").asLong() >= start && r.path("path").asText().startsWith("/v1/")) {
                ours.add(r);
            }
        }
        // 2 refused + 1 customer, 1 lost + 1 replayed create, 2 refused + 1 add_lines, timed-out + retried finalize
        long replayed = ours.stream().filter(r -> r.path("replayed").asBoolean()).count();
        assertTrue(replayed >= 1, "the create after a lost response is a replay: " + ours);
        assertTrue(ours.size() >= 10, "every retry reached the stand-in: " + ours.size());
        List<Long> at = ours.stream().map(r -> r.path("at_nanos").asLong()).sorted().toList();
        for (int i = 0; i + rate < at.size(); i++) {
            assertTrue(at.get(i + rate) - at.get(i) >= 1_000_000_000L, "more than " + rate
                    + " requests within one second at request " + i);
        }
    }

    @Test
    void theSameKeyWithDifferentParametersIsSurfacedNotRetriedAndAnAdminRepushFixesIt() {
        TestAccounts.Tenant t = TestAccounts.create(db);
        UUID invoiceId = draftedInvoice(t);
        // Something else already used our create key with other parameters (a bug, or ids reused).
        String key = "bitrouter-invoice-" + invoiceId + "-a1-create";
        StripeClient raw = StripeClient.builder().setApiKey(apiKey).setApiBase(StandIn.base())
                .setMaxNetworkRetries(0).build();
        try {
            String other = raw.v1().customers().create(CustomerCreateParams.builder().setName("other").build())
                    .getId();
            raw.v1().invoices().create(InvoiceCreateParams.builder().setCustomer(other).setDescription("not ours")
                    .build(), RequestOptions.builder().setIdempotencyKey(key).build());
        } catch (com.stripe.exception.StripeException e) {
            throw new AssertionError(e);
        }

        assertEquals(InvoicePusher.Outcome.NEEDS_ATTENTION, pusher.push(invoiceId));
        InvoiceStore.Invoice failed = store.find(invoiceId).orElseThrow();
        assertEquals(InvoiceStore.Status.PUSH_FAILED, failed.status());
        assertTrue(failed.lastError().contains("IdempotencyException"), failed.lastError());
        long sameKey = 0;
        for (JsonNode r : StandIn.state().path("requests")) {
            if (key.equals(r.path("idempotency_key").asText(null))) {
                sameKey++;
            }
        }
        assertEquals(2, sameKey, "the other use and ours, not retried");
        assertEquals(0, StandIn.invoicesFor(invoiceId.toString()).size());

        // A customer may not re-push; an admin may, once, and it is audited once.
        given().auth().oauth2(Tokens.demo()).post("/v1/admin/invoices/{id}/repush", invoiceId).then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).post("/v1/admin/invoices/{id}/repush", invoiceId).then()
                .statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("finalized"))
                .body("admin.attempt", org.hamcrest.Matchers.equalTo(2));
        assertExactlyOnceInStripe(t, invoiceId);
        assertEquals(1, LedgerSeed.count(db, "SELECT count(*) FROM audit_log WHERE action = 'invoice.repush' "
                + "AND target_id = ?", invoiceId.toString()));
        given().auth().oauth2(Tokens.admin()).post("/v1/admin/invoices/{id}/repush", invoiceId).then()
                .statusCode(409);
    }
}
