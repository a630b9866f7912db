package ai.bitrouter.billing.reports.ratelimit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * RELIABILITY E26: report endpoints are rate limited per tenant. A tenant that keeps calling gets 429
 * {@code rate_limited} in the contract's envelope with {@code Retry-After}; another tenant is served meanwhile; the
 * limited one is served again after the advertised wait; and the limit is the account's, shared by its keys.
 * The test profile's limit is {@code %test.bitrouter.reports.rate-limit.*} in application.properties.
 */
@QuarkusTest
class ReportRateLimitTest {

    @Inject
    DataSource db;

    @Inject
    ApiKeyService keys;

    @ConfigProperty(name = "bitrouter.reports.rate-limit.burst")
    int burst;

    private String key(String ns) {
        return QuarkusTransaction.requiringNew()
                .call(() -> keys.create(ns, "rate-limit-test", Set.of("usage:read"), "test").credential().plaintext());
    }

    private Response usage(String key, String ns) {
        return given().auth().oauth2(key).when().get("/v1/namespaces/{ns}/usage", ns);
    }

    @Test
    void aTenantOverItsLimitGets429WithRetryAfterWhileAnotherIsServed() throws Exception {
        TestAccounts.Tenant a = TestAccounts.create(db);
        TestAccounts.Tenant b = TestAccounts.create(db);
        String keyA1 = key(a.namespaceId());
        String keyA2 = key(a.namespaceId());
        String keyB = key(b.namespaceId());

        // Two keys of one account draw on one bucket: alternate them until the account is refused.
        Response refused = null;
        int served = 0;
        for (int i = 0; i < burst * 10 && refused == null; i++) {
            Response r = usage(i % 2 == 0 ? keyA1 : keyA2, a.namespaceId());
            if (r.statusCode() == 429) {
                refused = r;
            } else {
                assertEquals(200, r.statusCode(), r.asString());
                served++;
            }
        }
        assertNotNull(refused, "no 429 after " + served + " calls");
        assertTrue(served >= burst, "at least the burst is served first: " + served);
        // Alternating two keys: with a bucket per key both bursts (2 x burst) would pass before any refusal.
        assertTrue(served < 2 * burst, "the account's keys share one bucket: " + served + " served");
        assertEquals("rate_limited", refused.jsonPath().getString("error"));
        assertTrue(refused.jsonPath().getString("error_description").startsWith("too many report requests"));
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1, "Retry-After in whole seconds, at least 1: " + retryAfter);

        assertEquals(200, usage(keyB, b.namespaceId()).statusCode(), "another tenant is served meanwhile");

        Thread.sleep(retryAfter * 1000);
        assertEquals(200, usage(keyA1, a.namespaceId()).statusCode(), "served again after Retry-After");
    }

    @Test
    void callsRefused401Or403AreAnsweredBeforeTheLimitAndSpendNothing() {
        TestAccounts.Tenant a = TestAccounts.create(db);
        String noScope = QuarkusTransaction.requiringNew()
                .call(() -> keys.create(a.namespaceId(), "no-scope", Set.of("keys:read"), "test").credential()
                        .plaintext());
        for (int i = 0; i < burst + 5; i++) {
            assertEquals(403, usage(noScope, a.namespaceId()).statusCode());
        }
        assertEquals(401, given().when().get("/v1/namespaces/{ns}/usage", a.namespaceId()).statusCode());
        String key = key(a.namespaceId());
        assertEquals(200, usage(key, a.namespaceId()).statusCode(), "the 403s took nothing from the bucket");
    }
}
