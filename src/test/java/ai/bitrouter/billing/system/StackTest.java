package ai.bitrouter.billing.system;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.nullValue;

import java.net.URI;
import java.net.URL;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The service runs on the real servers: PostgreSQL behind Flyway, Kafka, and Keycloak's tokens. */
@QuarkusTest
class StackTest {

    /** Health is on the management port (application.properties). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void readinessReportsAllThreeServersUp() {
        given().when().get(URI.create(management.toString()).resolve("/q/health/ready")).then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Database connections health check", "Kafka connection health check",
                        "OIDC Provider Health Check"))
                .body("checks.status", everyItemUp());
    }

    private static org.hamcrest.Matcher<Iterable<? super String>> everyItemUp() {
        return org.hamcrest.Matchers.not(hasItem("DOWN"));
    }

    @Test
    void theStripeStandInIsConfiguredAndAnswersTheRealClient() throws Exception {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String apiBase = config.getValue("bitrouter.stripe.api-base", String.class);
        org.hamcrest.MatcherAssert.assertThat(apiBase, org.hamcrest.Matchers.startsWith("http://127.0.0.1:"));
        org.hamcrest.MatcherAssert.assertThat(config.getValue("bitrouter.stripe.webhook-secret", String.class),
                org.hamcrest.Matchers.startsWith("whsec_"));
        com.stripe.StripeClient stripe = com.stripe.StripeClient.builder()
                .setApiKey(config.getValue("bitrouter.stripe.api-key", String.class))
                .setApiBase(apiBase)
                .build();
        com.stripe.model.Customer customer = stripe.customers().create(com.stripe.param.CustomerCreateParams.builder()
                .setName("Stack test").putMetadata("bitrouter_test", "StackTest").build());
        org.hamcrest.MatcherAssert.assertThat(customer.getId(), org.hamcrest.Matchers.startsWith("cus_"));
        org.hamcrest.MatcherAssert.assertThat(stripe.customers().retrieve(customer.getId()).getMetadata()
                .get("bitrouter_test"), equalTo("StackTest"));
    }

    @Test
    void noTokenIs401InTheContractEnvelope() {
        given().when().get("/v1/account").then()
                .statusCode(401)
                .header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"))
                .body("error", equalTo("unauthorized"))
                .body("error_description", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()));
    }

    @Test
    void aForgedTokenIs401() {
        String header = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
        String body = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"x\",\"aud\":\"bitrouter-billing\"}".getBytes());
        given().auth().oauth2(header + "." + body + ".").when().get("/v1/account").then()
                .statusCode(401)
                .body("error", equalTo("unauthorized"));
    }

    @Test
    void aTokenFromTheImportedRealmIsAccepted() {
        given().auth().oauth2(Tokens.demo()).when().get("/v1/account").then()
                .statusCode(200)
                .body("username", equalTo("demo"))
                .body("email", equalTo("demo@bitrouter.local"))
                .body("roles", hasItem("customer"))
                .body("scopes", hasItems("usage:read", "keys:write", "namespace:read"));
    }

    @Test
    void anAccountWrittenToTheMigratedTablesIsReadBack() {
        String token = Tokens.other();
        String subject = DeviceFlowClient.decodeJwtPayload(token).get("sub").asText();
        given().auth().oauth2(token).when().get("/v1/account").then()
                .statusCode(200).body("account", nullValue());

        UUID accountId = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            Account a = new Account();
            a.id = accountId;
            a.ownerSubject = subject;
            a.email = "other@bitrouter.local";
            a.displayName = "Other Project";
            a.persist();
            for (String name : new String[] { "default", "ci" }) {
                Namespace n = new Namespace();
                n.id = "ns_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
                n.accountId = accountId;
                n.name = name;
                n.persist();
            }
        });
        try {
            given().auth().oauth2(token).when().get("/v1/account").then()
                    .statusCode(200)
                    .body("account.id", equalTo(accountId.toString()))
                    .body("account.status", equalTo("active"))
                    .body("account.display_name", equalTo("Other Project"))
                    .body("account.namespaces.name", containsInAnyOrder("default", "ci"));
        } finally {
            QuarkusTransaction.requiringNew().run(() -> {
                Namespace.delete("accountId", accountId);
                Account.deleteById(accountId);
            });
        }
    }
}
