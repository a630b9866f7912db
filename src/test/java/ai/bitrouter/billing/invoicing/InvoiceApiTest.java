package ai.bitrouter.billing.invoicing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/** The customer's and the admin's invoice views, tenancy (RELIABILITY E 23, 27) included. */
@QuarkusTest
class InvoiceApiTest {

    static final BillingPeriod JAN = BillingPeriod.parse("2026-01");

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
    ApiKeyService keys;

    private String key(String ns, Set<String> scopes) {
        return QuarkusTransaction.requiringNew()
                .call(() -> keys.create(ns, "invoice-test", scopes, "test").credential().plaintext());
    }

    @Test
    void customersSeeTheirOwnInvoicesWithLinesAndNobodyElses() {
        TestAccounts.Tenant a = TestAccounts.create(db);
        TestAccounts.Tenant b = TestAccounts.create(db);
        String[] kimi = MonthCloseTest.MODELS[0];
        String[] claude = MonthCloseTest.MODELS[2];
        LedgerSeed.record(metering, json, List.of(
                new LedgerSeed.Event(a.namespaceId(), kimi[0], kimi[1], kimi[2], "succeeded",
                        "{\"prompt_tokens\":1000000,\"completion_tokens\":100000}", JAN.start().plusSeconds(10)),
                new LedgerSeed.Event(a.namespaceId(), claude[0], claude[1], claude[2], "succeeded",
                        "{\"prompt_tokens\":1000000,\"completion_tokens\":100000}", JAN.start().plusSeconds(20)),
                new LedgerSeed.Event(a.namespaceId(), claude[0], claude[1], claude[2], "failed",
                        "{\"prompt_tokens\":1000000,\"completion_tokens\":100000}", JAN.start().plusSeconds(30))));
        UUID id = store.draft(a.accountId(), JAN).orElseThrow();
        assertEquals(InvoicePusher.Outcome.FINALIZED, pusher.push(id));

        String keyA = key(a.namespaceId(), Set.of("billing:read"));
        String keyB = key(b.namespaceId(), Set.of("billing:read"));
        String usageOnly = key(a.namespaceId(), Set.of("usage:read"));

        given().auth().oauth2(keyA).get("/v1/billing/invoices").then().statusCode(200)
                .body("data.id", hasItem(id.toString()))
                .body("data[0].total_cents", instanceOf(Integer.class))
                .body("data[0].lines", nullValue())
                .body("data[0].admin", nullValue());
        JsonPath inv = given().auth().oauth2(keyA).get("/v1/billing/invoices/{id}", id).then().statusCode(200)
                .body("status", equalTo("finalized"))
                .body("period", equalTo("2026-01"))
                .body("currency", equalTo("usd"))
                .body("total_cents", equalTo(551)) // 4.50 + 1.0125 = 5.5125 -> 551
                .body("total", equalTo("5.51"))
                .body("exact_total_micro_usd", equalTo("5512500"))
                .body("request_count", equalTo(2))
                .body("hosted_invoice_url", not(nullValue()))
                .body("invoice_pdf", not(nullValue()))
                .extract().jsonPath();
        assertEquals(2, inv.getList("lines").size());
        assertEquals("anthropic/claude-sonnet-4.6", inv.getString("lines[0].model"));
        assertEquals(450, inv.getInt("lines[0].amount_cents"));
        assertEquals("self_hosted_default", inv.getString("lines[1].discount_kind"));
        assertEquals("1350000", inv.getString("lines[1].list_micro_usd"));
        assertEquals("337500", inv.getString("lines[1].discount_micro_usd"));
        assertEquals(101, inv.getInt("lines[1].amount_cents"));

        // Another account: its list lacks the invoice, and the id is a 404 (not 403: nothing leaks).
        given().auth().oauth2(keyB).get("/v1/billing/invoices").then().statusCode(200)
                .body("data.id", not(hasItem(id.toString())));
        given().auth().oauth2(keyB).get("/v1/billing/invoices/{id}", id).then().statusCode(404)
                .body("error", equalTo("not_found"));
        given().auth().oauth2(keyB).get("/v1/billing/invoices/{id}", "not-a-uuid").then().statusCode(404);
        given().auth().oauth2(usageOnly).get("/v1/billing/invoices").then().statusCode(403);
        given().get("/v1/billing/invoices").then().statusCode(401);

        // Admins list by status and see the push details; customers cannot.
        given().auth().oauth2(Tokens.admin()).queryParam("status", "finalized").queryParam("account_id",
                a.accountId().toString()).get("/v1/admin/invoices").then().statusCode(200)
                .body("data.id", hasItem(id.toString()))
                .body("data[0].admin.attempt", equalTo(1));
        given().auth().oauth2(Tokens.admin()).queryParam("status", "bogus").get("/v1/admin/invoices").then()
                .statusCode(400);
        given().auth().oauth2(Tokens.demo()).get("/v1/admin/invoices").then().statusCode(403);
        given().auth().oauth2(keyA).get("/v1/admin/invoices/{id}", id).then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).post("/v1/admin/invoicing/close?period=2099-01").then()
                .statusCode(400);
        given().auth().oauth2(Tokens.demo()).post("/v1/admin/invoicing/close?period=2026-01").then()
                .statusCode(403);
    }
}
