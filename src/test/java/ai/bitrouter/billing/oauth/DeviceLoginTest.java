package ai.bitrouter.billing.oauth;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.Ids;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.security.KeycloakAdmin;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.DeviceFlowClient.DeviceAuthorization;
import ai.bitrouter.billing.testsupport.DeviceFlowClient.TokenResponse;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The real CLI's sign-in, end to end through this service against the real Keycloak: RFC 8414 metadata, device
 * request, polling, approval in Keycloak's own pages, the token with {@code namespace_id}, then management calls
 * with that token. Every test signs in as a user created for it, so "first sign-in" really is the first.
 */
@QuarkusTest
class DeviceLoginTest {
    private static final String SCOPES = DeviceFlowClient.DEFAULT_CLI_SCOPES;

    @TestHTTPResource("/")
    URL base;

    private DeviceFlowClient cli() {
        return DeviceFlowClient.discover(URI.create(base + ".well-known/oauth-authorization-server"));
    }

    @Test
    void theCliSignsInThroughThisServiceAndIsBilledToItsOwnNewAccount() {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser("device");
        assertTrue(accountOf(user.id()).isEmpty(), "no account before the first sign-in");

        DeviceFlowClient cli = cli();
        assertEquals(URI.create(base + "oauth/device/code"), cli.deviceAuthorizationEndpoint());
        assertEquals(URI.create(base + "oauth/token"), cli.tokenEndpoint());

        DeviceAuthorization authorization = cli.requestDeviceCode(SCOPES);
        assertEquals(600, authorization.expiresIn());
        assertEquals(5, authorization.interval());
        assertNotNull(authorization.verificationUriComplete());

        TokenResponse beforeApproval = cli.poll(authorization.deviceCode());
        assertEquals(400, beforeApproval.status());
        assertEquals("authorization_pending", beforeApproval.error());
        TokenResponse tooFast = cli.poll(authorization.deviceCode());
        assertEquals("slow_down", tooFast.error(), "polling again within the interval");

        cli.approve(authorization, user.username(), user.password());
        TokenResponse token = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> cli.poll(authorization.deviceCode()),
                        r -> !r.isPending() && !"slow_down".equals(r.error()));

        assertEquals(200, token.status(), token.rawBody());
        assertTrue(token.isSuccess());
        assertEquals("Bearer", token.text("token_type"));
        assertTrue(token.body().path("expires_in").isInt());
        assertNotNull(token.refreshToken());
        // CONTRACT §2: an integer the CLI stops refreshing after; Keycloak's own name for it is refresh_expires_in.
        assertTrue(token.body().path("refresh_token_expires_in").isIntegralNumber(), token.rawBody());
        assertTrue(token.body().path("refresh_token_expires_in").longValue() > 0, token.rawBody());
        assertEquals(token.body().path("refresh_expires_in").longValue(),
                token.body().path("refresh_token_expires_in").longValue());
        assertTrue(Set.of(token.scope().split(" ")).containsAll(List.of(SCOPES.split(" "))), token.scope());
        String namespaceId = token.text("namespace_id");
        assertTrue(namespaceId.matches(Ids.NAMESPACE_PATTERN), namespaceId);
        // The CLI reads the subject from the id_token, which exists only because the service asked for "openid".
        assertNotNull(token.idToken(), "id_token");
        assertEquals(user.id(), DeviceFlowClient.decodeJwtPayload(token.idToken()).path("sub").asText());
        JsonNode claims = token.accessTokenClaims();
        assertEquals(user.id(), claims.path("sub").asText());
        assertEquals("bitrouter-billing", claims.path("aud").asText());

        TokenResponse reused = cli.poll(authorization.deviceCode());
        assertEquals(400, reused.status(), "a device code is single-use");
        assertEquals("invalid_grant", reused.error());

        String accessToken = token.accessToken();
        given().auth().oauth2(accessToken).when().get("/v1/namespaces/" + namespaceId + "/keys").then()
                .statusCode(200).body("data", hasSize(0));
        // The CLI's first usage call with the token it just got (CONTRACT.md section 6).
        given().auth().oauth2(accessToken).when().get("/v1/namespaces/" + namespaceId + "/usage").then()
                .statusCode(200).body("request_count", equalTo(0)).body("spend_micro_usd", equalTo(0));
        given().auth().oauth2(accessToken).when().get("/v1/namespaces/me/keys").then().statusCode(200);
        given().auth().oauth2(accessToken).when().get("/v1/namespaces").then()
                .statusCode(200)
                .body("data", hasSize(1))
                .body("data[0].id", equalTo(namespaceId))
                .body("data[0].name", equalTo("default"));
        String accountId = given().auth().oauth2(accessToken).when().get("/v1/account").then()
                .statusCode(200)
                .body("subject", equalTo(user.id()))
                .body("email", equalTo(user.email()))
                .body("auth", equalTo("user"))
                .body("account.status", equalTo("active"))
                .body("account.email", equalTo(user.email()))
                .body("account.namespaces", hasSize(1))
                .body("account.namespaces[0].id", equalTo(namespaceId))
                .extract().path("account.id");

        // A second sign-in of the same person lands in the same account and namespace.
        TokenResponse again = cli.login(user.username(), user.password(), SCOPES);
        assertEquals(namespaceId, again.text("namespace_id"));
        assertNotEquals(accessToken, again.accessToken());
        given().auth().oauth2(again.accessToken()).when().get("/v1/account").then()
                .statusCode(200).body("account.id", equalTo(accountId));
        assertEquals(1, countAccounts(user.id()));
        assertEquals(1, countNamespaces(accountId));

        // Refresh passes through and keeps the binding; revocation ends the session.
        TokenResponse refreshed = cli.refresh(again.refreshToken(), SCOPES);
        assertEquals(200, refreshed.status(), refreshed.rawBody());
        assertEquals(namespaceId, refreshed.text("namespace_id"));
        given().auth().oauth2(refreshed.accessToken()).when().get("/v1/namespaces/me/keys").then().statusCode(200);

        given().contentType("application/x-www-form-urlencoded")
                .formParam("token", refreshed.refreshToken())
                .formParam("token_type_hint", "refresh_token")
                .formParam("client_id", DeviceFlowClient.CLI_CLIENT_ID)
                .when().post("/oauth/revoke").then()
                .statusCode(200)
                .contentType("application/json")
                .body(equalTo("{}"));
        TokenResponse afterRevoke = cli.refresh(refreshed.refreshToken(), SCOPES);
        assertEquals(400, afterRevoke.status(), afterRevoke.rawBody());
        assertEquals("invalid_grant", afterRevoke.error());
    }

    @Test
    void aDeniedConsentPollsAsAccessDeniedAndCreatesNothing() {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser("denier");
        DeviceFlowClient cli = cli();
        DeviceAuthorization authorization = cli.requestDeviceCode(SCOPES);
        cli.deny(authorization, user.username(), user.password());

        TokenResponse r = cli.poll(authorization.deviceCode());
        assertEquals(400, r.status(), r.rawBody());
        assertEquals("access_denied", r.error());
        assertTrue(accountOf(user.id()).isEmpty());
    }

    /**
     * Keycloak reports {@code expired_token} from the code's expiry until its store drops the code (expiry +
     * interval + 10 s). The realm's 600 s lifespan is shortened to 1 s for the CLI client, through the admin API,
     * only while this test's code is issued: the lifespan is fixed when a code is created.
     */
    @Test
    void anExpiredDeviceCodePollsAsExpiredToken() {
        KeycloakAdmin kc = KeycloakAdmin.connect();
        DeviceFlowClient cli = cli();
        DeviceAuthorization authorization;
        setDeviceCodeLifespan(kc, "1");
        try {
            authorization = cli.requestDeviceCode(SCOPES);
        } finally {
            setDeviceCodeLifespan(kc, "");
        }
        assertEquals(1, authorization.expiresIn());
        assertEquals(600, cli.requestDeviceCode(SCOPES).expiresIn(), "the realm's lifespan is back");

        TokenResponse r = await().pollDelay(Duration.ofMillis(1200)).pollInterval(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(12))
                .until(() -> cli.poll(authorization.deviceCode()),
                        p -> !p.isPending() && !"slow_down".equals(p.error()));
        assertEquals(400, r.status(), r.rawBody());
        assertEquals("expired_token", r.error());
    }

    private static void setDeviceCodeLifespan(KeycloakAdmin kc, String seconds) {
        ObjectNode current = kc.client(KeycloakAdmin.REALM, DeviceFlowClient.CLI_CLIENT_ID);
        // A partial representation: Keycloak updates only what is present; an empty attribute value removes it.
        ObjectNode update = KeycloakAdmin.object();
        update.put("id", current.path("id").asText());
        update.put("clientId", DeviceFlowClient.CLI_CLIENT_ID);
        update.putObject("attributes").put("oauth2.device.code.lifespan", seconds);
        kc.updateClient(KeycloakAdmin.REALM, update);
        ObjectNode after = kc.client(KeycloakAdmin.REALM, DeviceFlowClient.CLI_CLIENT_ID);
        assertEquals(current.path("consentRequired"), after.path("consentRequired"));
        assertEquals(current.path("protocolMappers").size(), after.path("protocolMappers").size());
        assertFalse(after.path("directAccessGrantsEnabled").asBoolean());
    }

    private static java.util.Optional<Account> accountOf(String subject) {
        return QuarkusTransaction.requiringNew().call(() -> Account.findByOwner(subject));
    }

    private static long countAccounts(String subject) {
        return QuarkusTransaction.requiringNew().call(() -> Account.count("ownerSubject", subject));
    }

    private static long countNamespaces(String accountId) {
        return QuarkusTransaction.requiringNew()
                .call(() -> Namespace.count("accountId", java.util.UUID.fromString(accountId)));
    }
}
