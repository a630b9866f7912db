package ai.bitrouter.billing.invoicing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The month close over generated usage for many accounts, checked with the oracle of RELIABILITY.md: per account and
 * period, Σ ledger (exact, rounded half-even once) = our invoice total = Σ Stripe line amounts = Stripe's total;
 * every charged request on exactly one invoice; a re-run changes nothing in Stripe.
 */
@QuarkusTest
class MonthCloseTest {

    static final BillingPeriod JUNE = BillingPeriod.parse("2026-06");
    static final BillingPeriod JULY = BillingPeriod.parse("2026-07");

    static final String[][] MODELS = {
            // requested, served, provider
            {"moonshotai/kimi-k2.6", "moonshotai/kimi-k2.6", "bitrouter"},
            {"moonshotai/kimi-k2.6:discount", "moonshotai/kimi-k2.6", "bitrouter"},
            {"anthropic/claude-sonnet-4.6", "anthropic/claude-sonnet-4.6", "anthropic"},
    };

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    ObjectMapper json;

    @Inject
    MonthClose monthClose;

    @Inject
    InvoiceStore store;

    @Test
    void oneStripeInvoicePerAccountWhoseLinesAddUpToTheLedgerRoundedOnce() {
        Random random = new Random(20260601);
        List<TestAccounts.Tenant> tenants = new ArrayList<>();
        Map<UUID, List<String>> juneIds = new HashMap<>();
        for (int a = 0; a < 12; a++) {
            TestAccounts.Tenant t = TestAccounts.create(db);
            tenants.add(t);
            if (a % 3 == 0) {
                TestAccounts.grant(db, t.accountId(), new BigDecimal("40"), Instant.parse("2026-01-01T00:00:00Z"),
                        null);
            }
            List<LedgerSeed.Event> june = new ArrayList<>();
            List<LedgerSeed.Event> july = new ArrayList<>();
            int n = 5 + random.nextInt(30);
            for (int i = 0; i < n; i++) {
                String[] m = MODELS[random.nextInt(MODELS.length)];
                String status = random.nextInt(10) == 0 ? "failed" : "succeeded";
                String usage = "{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"cache_read_tokens\":%d}".formatted(
                        1000 + random.nextInt(200_000), random.nextInt(5_000), random.nextInt(500));
                // Spread over the month, the last one at its very last microsecond.
                Instant time = i == 0 ? Instant.parse("2026-06-30T23:59:59.999999Z")
                        : JUNE.start().plusSeconds(random.nextInt(29 * 86_400));
                june.add(new LedgerSeed.Event(t.namespaceId(), m[0], m[1], m[2], status, usage, time));
            }
            // July usage of the same accounts, and midnight of July 1st exactly: not on the June invoice.
            july.add(new LedgerSeed.Event(t.namespaceId(), MODELS[0][0], MODELS[0][1], MODELS[0][2], "succeeded",
                    "{\"prompt_tokens\":1000,\"completion_tokens\":10}", JULY.start()));
            juneIds.put(t.accountId(), LedgerSeed.record(metering, json, june));
            LedgerSeed.record(metering, json, july);
        }

        MonthClose.Report report = monthClose.close(JUNE);
        assertTrue(report.drafted() >= tenants.size(), "drafted " + report.drafted());
        assertTrue(report.needsAttention().isEmpty(), () -> "needs attention: " + report.needsAttention());

        JsonNode state = StandIn.state();
        int stripeInvoicesBefore = state.path("invoices").size();
        int stripeCustomersBefore = state.path("customers").size();
        for (TestAccounts.Tenant t : tenants) {
            BigDecimal exact = LedgerSeed.exactCharge(db, t.accountId(), JUNE.start(), JUNE.end());
            long expectedCents = exact.movePointLeft(4).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
            InvoiceStore.Invoice inv = store.forAccount(t.accountId(), 10, 0).stream()
                    .filter(i -> i.period().equals(JUNE)).findFirst().orElseThrow();
            assertEquals(InvoiceStore.Status.FINALIZED, inv.status(), () -> "last error: " + inv.lastError());
            assertEquals(0, exact.compareTo(inv.exactTotalMicroUsd()));
            assertEquals(expectedCents, inv.totalCents());

            List<JsonNode> stripe = StandIn.invoicesFor(inv.id().toString());
            assertEquals(1, stripe.size(), "one Stripe invoice for " + inv.id());
            JsonNode s = stripe.get(0);
            assertEquals("open", s.path("status").asText());
            assertEquals(expectedCents, s.path("total").asLong());
            List<JsonNode> lines = StandIn.lines(s);
            assertEquals(inv.lineCount(), lines.size());
            assertEquals(expectedCents, lines.stream().mapToLong(l -> l.path("amount").asLong()).sum());
            assertEquals(1, StandIn.customersFor(t.accountId().toString()).size());
            assertEquals(inv.stripeCustomerId(), s.path("customer").asText());

            // Every charged June request is on this invoice, once; no July request is.
            long charged = LedgerSeed.count(db, """
                    SELECT count(*) FROM usage_records WHERE account_id = ? AND pricing_state = 'computed'
                       AND event_time < ?""", t.accountId(), JUNE.end());
            long claimed = LedgerSeed.count(db, "SELECT count(*) FROM invoice_usage WHERE invoice_id = ?", inv.id());
            assertEquals(charged, claimed);
            assertEquals(charged, inv.requestCount());
            long julyClaimed = LedgerSeed.count(db, """
                    SELECT count(*) FROM invoice_usage iu JOIN usage_records u USING (request_id)
                     WHERE u.account_id = ? AND u.event_time >= ?""", t.accountId(), JULY.start());
            assertEquals(0, julyClaimed);
            assertFalse(juneIds.get(t.accountId()).isEmpty());
        }

        // Re-running the close changes nothing, locally or in Stripe.
        MonthClose.Report again = monthClose.close(JUNE);
        assertEquals(0, again.drafted());
        JsonNode after = StandIn.state();
        assertEquals(stripeInvoicesBefore, after.path("invoices").size());
        assertEquals(stripeCustomersBefore, after.path("customers").size());
    }

    @Test
    void lateUsageOfAClosedMonthIsASeparateLineOnTheNextInvoiceAndTheOldOneIsUntouched() {
        BillingPeriod may = BillingPeriod.parse("2026-05");
        BillingPeriod april = BillingPeriod.parse("2026-04");
        TestAccounts.Tenant t = TestAccounts.create(db);
        String[] kimi = MODELS[0];
        LedgerSeed.record(metering, json, List.of(new LedgerSeed.Event(t.namespaceId(), kimi[0], kimi[1], kimi[2],
                "succeeded", "{\"prompt_tokens\":1000000,\"completion_tokens\":100000}",
                april.start().plus(Duration.ofDays(3)))));
        monthClose.close(april);
        InvoiceStore.Invoice aprilInvoice = store.forAccount(t.accountId(), 10, 0).get(0);
        assertEquals(101, aprilInvoice.totalCents()); // 1,012,500 µUSD = $1.0125 -> half-even 101 cents
        int aprilLines = StandIn.lines(StandIn.invoicesFor(aprilInvoice.id().toString()).get(0)).size();

        // An April event arrives after April was invoiced; and May usage.
        LedgerSeed.record(metering, json, List.of(
                new LedgerSeed.Event(t.namespaceId(), kimi[0], kimi[1], kimi[2], "succeeded",
                        "{\"prompt_tokens\":2000000,\"completion_tokens\":0}", april.start().plus(Duration.ofDays(20))),
                new LedgerSeed.Event(t.namespaceId(), MODELS[2][0], MODELS[2][1], MODELS[2][2], "succeeded",
                        "{\"prompt_tokens\":1000000,\"completion_tokens\":100000}", may.start().plusSeconds(60))));
        monthClose.close(may);
        // The April invoice in Stripe still has exactly its lines.
        assertEquals(aprilLines, StandIn.lines(StandIn.invoicesFor(aprilInvoice.id().toString()).get(0)).size());

        List<InvoiceStore.Invoice> invoices = store.forAccount(t.accountId(), 10, 0);
        assertEquals(2, invoices.size());
        InvoiceStore.Invoice mayInvoice = invoices.get(0);
        assertEquals(may, mayInvoice.period());
        List<InvoiceStore.StoredLine> lines = store.lines(mayInvoice.id());
        assertEquals(2, lines.size());
        assertEquals("usage", lines.get(0).kind());
        assertEquals("anthropic/claude-sonnet-4.6", lines.get(0).model());
        assertEquals(450, lines.get(0).amountCents());
        assertEquals("late_usage", lines.get(1).kind());
        assertEquals(april, lines.get(1).usagePeriod());
        assertTrue(lines.get(1).description().startsWith("Late usage for 2026-04"), lines.get(1).description());
        // 2,000,000 x 0.95 x 0.75 = 1,425,000 µUSD
        assertEquals(0, new BigDecimal("1425000").compareTo(lines.get(1).exactMicroUsd()));
        // 4.50 + 1.425 = $5.925 = 592.5 cents -> half-even 592; the late line gets the 142 left.
        assertEquals(592, mayInvoice.totalCents());
        assertEquals(142, lines.get(1).amountCents());
    }

    @Test
    void whileAnotherInstanceHoldsTheMonthCloseLockThisOneDoesNothing() throws Exception {
        BillingPeriod march2025 = BillingPeriod.parse("2025-03");
        try (java.sql.Connection other = db.getConnection();
                java.sql.PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_lock(?)")) {
            // Another instance's run: the same session-level advisory lock the scheduler takes.
            lock.setLong(1, ai.bitrouter.billing.common.scheduling.ClusterLock.key(MonthClose.JOB));
            lock.execute();
            try {
                assertTrue(monthClose.closeExclusively(march2025).isEmpty());
                io.restassured.RestAssured.given().auth().oauth2(ai.bitrouter.billing.testsupport.Tokens.admin())
                        .post("/v1/admin/invoicing/close?period=2025-03").then().statusCode(409);
            } finally {
                try (java.sql.PreparedStatement unlock = other.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    unlock.setLong(1, ai.bitrouter.billing.common.scheduling.ClusterLock.key(MonthClose.JOB));
                    unlock.execute();
                }
            }
        }
        assertTrue(monthClose.closeExclusively(march2025).isPresent());
        io.restassured.RestAssured.given().auth().oauth2(ai.bitrouter.billing.testsupport.Tokens.admin())
                .post("/v1/admin/invoicing/close?period=2025-03").then().statusCode(200);
        assertEquals(1, LedgerSeed.count(db, "SELECT count(*) FROM audit_log WHERE action = 'invoice.close' "
                + "AND target_id = '2025-03'"));
    }
}
