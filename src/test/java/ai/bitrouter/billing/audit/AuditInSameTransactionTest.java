package ai.bitrouter.billing.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.catalog.Probe;
import ai.bitrouter.billing.invoicing.BillingPeriod;
import ai.bitrouter.billing.invoicing.InvoiceStore;
import ai.bitrouter.billing.invoicing.LedgerSeed;
import ai.bitrouter.billing.invoicing.MonthClose;
import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.testsupport.OwnerDb;
import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Every audited action writes its audit row in its own transaction: when the audit insert fails, the action is
 * rolled back. The failure is a test-only trigger on {@code audit_log} (created as the schema's owner, dropped after
 * the class) that refuses an insert of a given action whose target, before, after or detail contains a given needle,
 * so only the action under test fails.
 */
@QuarkusTest
class AuditInSameTransactionTest {

    static final String KIMI = "moonshotai/kimi-k2.6";

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    ObjectMapper json;

    @Inject
    MonthClose monthClose;

    @Inject
    InvoiceStore invoices;

    @BeforeAll
    static void installTheFault() throws SQLException {
        try (Connection c = OwnerDb.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS test_audit_faults (action text NOT NULL, needle text NOT NULL)");
            st.execute("""
                    CREATE OR REPLACE FUNCTION test_audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF EXISTS (SELECT 1 FROM test_audit_faults f WHERE f.action = NEW.action
                                     AND concat_ws(' ', NEW.target_id, NEW.before::text, NEW.after::text, NEW.detail)
                                         LIKE '%' || f.needle || '%') THEN
                            RAISE EXCEPTION 'test fault: audit insert of % refused', NEW.action;
                        END IF;
                        RETURN NEW;
                    END $$""");
            st.execute("DROP TRIGGER IF EXISTS test_audit_fault ON audit_log");
            st.execute("CREATE TRIGGER test_audit_fault BEFORE INSERT ON audit_log FOR EACH ROW "
                    + "EXECUTE FUNCTION test_audit_fault()");
        }
    }

    @AfterAll
    static void removeTheFault() throws SQLException {
        try (Connection c = OwnerDb.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER IF EXISTS test_audit_fault ON audit_log");
            st.execute("DROP FUNCTION IF EXISTS test_audit_fault()");
            st.execute("DROP TABLE IF EXISTS test_audit_faults");
        }
    }

    /** Runs {@code action} while audit rows of {@code auditAction} mentioning {@code needle} cannot be inserted. */
    private void withFailingAudit(String auditAction, String needle, ThrowingRunnable action) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO test_audit_faults VALUES (?, ?)")) {
            ps.setString(1, auditAction);
            ps.setString(2, needle);
            ps.executeUpdate();
        }
        try {
            action.run();
        } finally {
            try (Connection c = db.getConnection();
                    PreparedStatement ps = c.prepareStatement("DELETE FROM test_audit_faults WHERE needle = ?")) {
                ps.setString(1, needle);
                ps.executeUpdate();
            }
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static RequestSpecification admin() {
        return given().auth().oauth2(Tokens.admin());
    }

    private long count(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String grantBody(String reason) {
        return "{\"percent\": 25, \"reason\": \"" + reason + "\", \"project_url\": \"https://github.com/example/p\"}";
    }

    @Test
    void aDiscountGrantWhoseAuditFailsIsNotGranted() throws Exception {
        TestAccounts.Tenant t = TestAccounts.create(db);
        withFailingAudit(AuditLog.DISCOUNT_GRANT, t.accountId().toString(), () -> admin()
                .contentType(ContentType.JSON).body(grantBody("audit fault"))
                .when().post("/v1/admin/accounts/{a}/discounts", t.accountId()).then().statusCode(500));
        assertEquals(0, count("SELECT count(*) FROM discount_grants WHERE account_id = ?", t.accountId()));
        // The control: with the audit working, the same request grants, and leaves its row.
        admin().contentType(ContentType.JSON).body(grantBody("audit works"))
                .when().post("/v1/admin/accounts/{a}/discounts", t.accountId()).then().statusCode(201);
        assertEquals(1, count("SELECT count(*) FROM discount_grants WHERE account_id = ?", t.accountId()));
        assertEquals(1, count("SELECT count(*) FROM audit_log WHERE action = 'discount.grant' AND after->>'account_id'"
                + " = ?", t.accountId().toString()));
    }

    @Test
    void aDiscountRevokeWhoseAuditFailsLeavesTheGrantInForce() throws Exception {
        TestAccounts.Tenant t = TestAccounts.create(db);
        String grantId = admin().contentType(ContentType.JSON).body(grantBody("to revoke"))
                .when().post("/v1/admin/accounts/{a}/discounts", t.accountId()).then().statusCode(201)
                .extract().path("id");
        withFailingAudit(AuditLog.DISCOUNT_REVOKE, t.accountId().toString(), () -> admin()
                .when().post("/v1/admin/accounts/{a}/discounts/{g}/revoke", t.accountId(), grantId)
                .then().statusCode(500));
        assertEquals(0, count("SELECT count(*) FROM discount_grants WHERE id = ?::uuid AND revoked_at IS NOT NULL",
                grantId));
        admin().when().post("/v1/admin/accounts/{a}/discounts/{g}/revoke", t.accountId(), grantId)
                .then().statusCode(200);
        assertEquals(1, count("SELECT count(*) FROM discount_grants WHERE id = ?::uuid AND revoked_at IS NOT NULL",
                grantId));
    }

    @Test
    void aCatalogImportWhoseAuditFailsPublishesNoVersion() throws Exception {
        Probe probe = new Probe();
        long versions = count("SELECT count(*) FROM catalog_versions");
        withFailingAudit(AuditLog.CATALOG_IMPORT, "", () -> admin().contentType(ContentType.JSON)
                .body(probe.upload("2.2")).when().post("/v1/admin/catalog/imports").then().statusCode(500));
        assertEquals(versions, count("SELECT count(*) FROM catalog_versions"));
        // Neither in the database nor in the in-memory catalog the API reads.
        given().when().get("/v1/models/" + probe.id).then().statusCode(404);

        String version = admin().contentType(ContentType.JSON).body(probe.upload("2.2"))
                .when().post("/v1/admin/catalog/imports").then().statusCode(200)
                .body("outcome", equalTo("created")).extract().path("version_id");
        assertEquals(versions + 1, count("SELECT count(*) FROM catalog_versions"));
        assertEquals(1, count("SELECT count(*) FROM audit_log WHERE action = 'catalog.import' AND target_id = ?",
                version));
    }

    @Test
    void anOfficialPriceWhoseAuditFailsIsNotSet() throws Exception {
        Probe probe = new Probe();
        admin().contentType(ContentType.JSON).body(probe.upload("2.3")).when().post("/v1/admin/catalog/imports")
                .then().statusCode(200);
        long versions = count("SELECT count(*) FROM catalog_versions");
        String body = "{\"pricing\": {\"input_tokens\": {\"no_cache\": \"1.10\"}, \"output_tokens\": {\"text\": 5}}}";
        withFailingAudit(AuditLog.OFFICIAL_PRICE_SET, probe.id, () -> admin().contentType(ContentType.JSON)
                .body(body).when().put("/v1/admin/catalog/models/" + probe.id + "/official-price").then()
                .statusCode(500));
        assertEquals(versions, count("SELECT count(*) FROM catalog_versions"));
        assertEquals(0, count("SELECT count(*) FROM audit_log WHERE action = 'catalog.official_price.set' "
                + "AND target_id = ?", probe.id));
        admin().contentType(ContentType.JSON).body(body)
                .when().put("/v1/admin/catalog/models/" + probe.id + "/official-price").then().statusCode(200);
        assertEquals(versions + 1, count("SELECT count(*) FROM catalog_versions"));
    }

    @Test
    void aRepricingWhoseAuditFailsLeavesTheRowsParked() throws Exception {
        TestAccounts.Tenant t = TestAccounts.create(db);
        String id = LedgerSeed.record(metering, json, List.of(new LedgerSeed.Event(t.namespaceId(), KIMI, KIMI,
                "bitrouter", "succeeded", "{\"prompt_tokens\":1000,\"completion_tokens\":10}",
                java.time.Instant.now().minus(Duration.ofHours(1))))).get(0);
        // Parked, as an event priced before its price existed would be: the catalog can price it now.
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                UPDATE usage_records SET pricing_state = 'unknown', pricing_reason = 'test_parked',
                    charge_micro_usd = NULL, list_micro_usd = NULL WHERE request_id = ?""")) {
            ps.setString(1, id);
            assertEquals(1, ps.executeUpdate());
        }
        // Any re-pricing chunk's audit fails (the needle "" matches every row of the action).
        withFailingAudit(AuditLog.USAGE_REPRICE, "", () -> {
            admin().when().post("/v1/admin/usage/reprice").then().statusCode(500);
            assertEquals("unknown", pricingState(id));
        });
        admin().when().post("/v1/admin/usage/reprice").then().statusCode(200);
        assertEquals("computed", pricingState(id));
    }

    private String pricingState(String requestId) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT pricing_state FROM usage_records WHERE request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }

    @Test
    void aMonthCloseWhoseAuditFailsDraftsAndClaimsNothing() throws Exception {
        // A month no other test bills: only this account has usage before its end.
        BillingPeriod period = BillingPeriod.parse("2021-07");
        TestAccounts.Tenant t = TestAccounts.create(db);
        LedgerSeed.record(metering, json, List.of(new LedgerSeed.Event(t.namespaceId(), KIMI, KIMI, "bitrouter",
                "succeeded", "{\"prompt_tokens\":1000000,\"completion_tokens\":1000}",
                period.start().plus(Duration.ofDays(2)))));
        withFailingAudit(AuditLog.INVOICE_CLOSE, t.accountId().toString(),
                () -> assertThrows(RuntimeException.class, () -> monthClose.close(period)));
        assertEquals(0, count("SELECT count(*) FROM invoices WHERE account_id = ?", t.accountId()));
        assertEquals(0, count("""
                SELECT count(*) FROM invoice_usage iu JOIN usage_records u ON u.request_id = iu.request_id
                 WHERE u.account_id = ?""", t.accountId()));

        MonthClose.Report report = monthClose.close(period);
        assertTrue(report.drafted() >= 1, report::toString);
        UUID invoice = invoices.forAccount(t.accountId(), 1, 0).get(0).id();
        assertEquals(1, count("SELECT count(*) FROM audit_log WHERE action = 'invoice.close' AND target_id = ? "
                + "AND actor_subject = 'system:" + MonthClose.JOB + "'", invoice.toString()));
    }

    @Test
    void aRepushWhoseAuditFailsLeavesTheInvoiceFailedAndUntouched() throws Exception {
        BillingPeriod period = BillingPeriod.parse("2021-09");
        TestAccounts.Tenant t = TestAccounts.create(db);
        LedgerSeed.record(metering, json, List.of(new LedgerSeed.Event(t.namespaceId(), KIMI, KIMI, "bitrouter",
                "succeeded", "{\"prompt_tokens\":2000000,\"completion_tokens\":1000}",
                period.start().plus(Duration.ofDays(3)))));
        UUID id = invoices.draft(t.accountId(), period).orElseThrow();
        // As a push that gave up would leave it.
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE invoices SET status = 'push_failed', last_error = 'test' WHERE id = ?")) {
            ps.setObject(1, id);
            assertEquals(1, ps.executeUpdate());
        }
        withFailingAudit(AuditLog.INVOICE_REPUSH, id.toString(), () -> admin()
                .when().post("/v1/admin/invoices/{id}/repush", id).then().statusCode(500));
        InvoiceStore.Invoice after = invoices.find(id).orElseThrow();
        assertEquals(InvoiceStore.Status.PUSH_FAILED, after.status());
        assertEquals(1, after.attempt());
        assertNull(after.stripeInvoiceId(), "no push was made");

        admin().when().post("/v1/admin/invoices/{id}/repush", id).then().statusCode(200);
        InvoiceStore.Invoice pushed = invoices.find(id).orElseThrow();
        assertEquals(2, pushed.attempt());
        assertEquals(1, count("SELECT count(*) FROM audit_log WHERE action = 'invoice.repush' AND target_id = ?",
                id.toString()));
        assertTrue(pushed.totalCents() > 0 && pushed.exactTotalMicroUsd().compareTo(BigDecimal.ZERO) > 0);
    }
}
