package ai.bitrouter.billing.oauth;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.security.KeycloakAdmin;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.DeviceFlowClient.TokenResponse;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Refresh tokens rotate (realm {@code revokeRefreshToken: true}, {@code refreshTokenMaxReuse: 0}): through this
 * service's token endpoint, each refresh returns a new refresh token, the new one works, and the used one is refused
 * the second time. Keycloak also treats that reuse as a theft signal and ends the client's session, so the newest
 * refresh token stops working too: whoever holds a copy, thief or owner, is signed out and must sign in again.
 */
@QuarkusTest
class RefreshTokenRotationTest {
    private static final String SCOPES = DeviceFlowClient.DEFAULT_CLI_SCOPES;

    @TestHTTPResource("/")
    URL base;

    @Test
    void aUsedRefreshTokenIsRefusedAndTheNewOneWorks() {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser("rotation");
        DeviceFlowClient cli = DeviceFlowClient.discover(URI.create(base + ".well-known/oauth-authorization-server"));
        assertEquals(URI.create(base + "oauth/token"), cli.tokenEndpoint(), "the service's own token endpoint");
        TokenResponse signIn = cli.login(user.username(), user.password(), SCOPES);
        String first = signIn.refreshToken();
        assertNotNull(first);
        nextSecondAfter(first);

        TokenResponse refreshed = cli.refresh(first, SCOPES);
        assertEquals(200, refreshed.status(), refreshed.rawBody());
        String second = refreshed.refreshToken();
        assertNotNull(second);
        assertNotEquals(first, second, "a refresh hands out a new refresh token");
        nextSecondAfter(second);

        TokenResponse next = cli.refresh(second, SCOPES);
        assertEquals(200, next.status(), "the new refresh token works: " + next.rawBody());
        given().auth().oauth2(next.accessToken()).when().get("/v1/namespaces/me/keys").then().statusCode(200);
        String third = next.refreshToken();
        assertNotEquals(second, third);
        nextSecondAfter(third);

        TokenResponse reused = cli.refresh(first, SCOPES);
        assertEquals(400, reused.status(), reused.rawBody());
        assertEquals("invalid_grant", reused.error());
        TokenResponse reusedAgain = cli.refresh(second, SCOPES);
        assertEquals(400, reusedAgain.status(), reusedAgain.rawBody());
        assertEquals("invalid_grant", reusedAgain.error());

        // The reuse ended the session: the newest refresh token is refused as well.
        TokenResponse afterReuse = cli.refresh(third, SCOPES);
        assertEquals(400, afterReuse.status(), afterReuse.rawBody());
        assertEquals("invalid_grant", afterReuse.error());
    }

    /**
     * Keycloak tells a stale refresh token from the session's current one by their issue times, in whole seconds: a
     * reuse within the second the newer token was issued in is not detected. A client reusing a token that fast is
     * not the case this protects against (a stolen token is replayed later), so each step starts in a later second.
     */
    private static void nextSecondAfter(String refreshToken) {
        long issuedAt = DeviceFlowClient.decodeJwtPayload(refreshToken).path("iat").asLong();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> Instant.now().getEpochSecond() > issuedAt);
    }
}
