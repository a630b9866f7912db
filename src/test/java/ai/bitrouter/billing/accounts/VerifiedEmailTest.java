package ai.bitrouter.billing.accounts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URL;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.invoicing.InvoiceStore;
import ai.bitrouter.billing.security.KeycloakAdmin;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A sign-up's e-mail becomes the account's (and so the Stripe customer's, read by {@link InvoiceStore#accountName})
 * only once Keycloak has verified it: a real Keycloak user with {@code emailVerified=false} signs in through the
 * service and gets an account without an e-mail; after verification, the next sign-in fills it in.
 */
@QuarkusTest
class VerifiedEmailTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    InvoiceStore invoices;

    private String signIn(KeycloakAdmin.User user) {
        DeviceFlowClient.TokenResponse r = Tokens.signInThroughService(base.toString(), user.username(),
                user.password(), DeviceFlowClient.DEFAULT_CLI_SCOPES);
        assertEquals(200, r.status(), r.rawBody());
        return r.accessToken();
    }

    @Test
    void anUnverifiedEmailIsNotTheBillingEmailUntilVerified() {
        KeycloakAdmin keycloak = KeycloakAdmin.connect();
        KeycloakAdmin.User user = keycloak.createUser("unverified", false);

        String token = signIn(user);
        assertFalse(DeviceFlowClient.decodeJwtPayload(token).path("email_verified").asBoolean(true),
                "the token says the e-mail is not verified");
        String accountId = given().auth().oauth2(token).when().get("/v1/account").then().statusCode(200)
                .body("account.email", nullValue())
                .extract().path("account.id");
        assertEquals(Optional.empty(), invoices.accountName(UUID.fromString(accountId), true),
                "the Stripe customer would get no e-mail");

        keycloak.setEmailVerified(user.id(), true);
        String verified = signIn(user);
        given().auth().oauth2(verified).when().get("/v1/account").then().statusCode(200)
                .body("account.id", equalTo(accountId))
                .body("account.email", equalTo(user.email()));
        assertEquals(Optional.of(user.email()), invoices.accountName(UUID.fromString(accountId), true));
    }
}
