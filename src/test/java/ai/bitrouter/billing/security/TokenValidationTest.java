package ai.bitrouter.billing.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The resource server accepts only access tokens of the realm, for this service, unexpired and really signed by
 * Keycloak; everything else is the contract's 401 envelope (RELIABILITY E24). Each forged or foreign token is
 * built from real Keycloak material, and a control shows the genuine token is accepted on the same endpoint.
 */
@QuarkusTest
class TokenValidationTest {
    private static final String ENDPOINT = "/v1/account";
    private static final List<String[]> CREATED_CLIENTS = new ArrayList<>();
    private static final List<String> CREATED_REALMS = new ArrayList<>();

    @AfterAll
    static void cleanUp() {
        if (CREATED_CLIENTS.isEmpty() && CREATED_REALMS.isEmpty()) {
            return;
        }
        KeycloakAdmin kc = KeycloakAdmin.connect();
        CREATED_CLIENTS.forEach(c -> kc.deleteClient(c[0], c[1]));
        CREATED_REALMS.forEach(kc::deleteRealm);
    }

    @Test
    void theGenuineAccessTokenIsAccepted() {
        given().auth().oauth2(Tokens.demo()).when().get(ENDPOINT).then().statusCode(200);
    }

    @Test
    void noTokenOrNotAJwt() {
        assertRejected(given().when().get(ENDPOINT));
        assertRejected(given().header("Authorization", "Bearer").when().get(ENDPOINT));
        assertRejected(given().auth().oauth2("not-a-jwt").when().get(ENDPOINT));
        assertRejected(given().header("Authorization", "Basic ZGVtbzpkZW1v").when().get(ENDPOINT));
    }

    @Test
    void anExpiredTokenIsRejected() {
        KeycloakAdmin kc = KeycloakAdmin.connect();
        KeycloakAdmin.User user = kc.createUser("expiry");
        String clientId = "probe-expiry-" + UUID.randomUUID();
        client(kc, KeycloakAdmin.REALM, KeycloakAdmin.passwordClient(clientId, "bitrouter-billing", 5));
        String token = kc.passwordGrant(KeycloakAdmin.REALM, clientId, user.username(), user.password());

        // Valid in every other respect: accepted while it lives.
        given().auth().oauth2(token).when().get(ENDPOINT).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> given().auth().oauth2(token).when().get(ENDPOINT).statusCode() == 401);
        assertRejected(given().auth().oauth2(token).when().get(ENDPOINT));
    }

    @Test
    void aTokenOfAnotherRealmIsRejected() {
        KeycloakAdmin kc = KeycloakAdmin.connect();
        String realm = "foreign-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode rep = KeycloakAdmin.object();
        rep.put("realm", realm);
        rep.put("enabled", true);
        ObjectNode user = rep.putArray("users").addObject();
        user.put("username", "mallory");
        user.put("enabled", true);
        user.put("email", "mallory@foreign.example");
        user.put("emailVerified", true);
        user.put("firstName", "Mal");
        user.put("lastName", "Lory");
        ObjectNode credential = user.putArray("credentials").addObject();
        credential.put("type", "password");
        credential.put("value", "mallory-password");
        // Same client id and same audience as the real thing: only the issuer and its keys differ.
        rep.putArray("clients").add(KeycloakAdmin.passwordClient(DeviceFlowClient.CLI_CLIENT_ID, "bitrouter-billing", 0));
        kc.createRealm(rep);
        CREATED_REALMS.add(realm);

        String token = kc.passwordGrant(realm, DeviceFlowClient.CLI_CLIENT_ID, "mallory", "mallory-password");
        JsonNode claims = DeviceFlowClient.decodeJwtPayload(token);
        assertEquals("bitrouter-billing", claims.path("aud").asText());
        assertFalse(claims.path("iss").asText().endsWith("/realms/bitrouter"));
        assertRejected(given().auth().oauth2(token).when().get(ENDPOINT));
    }

    @Test
    void aTokenForAnotherAudienceOrNoneIsRejected() {
        KeycloakAdmin kc = KeycloakAdmin.connect();
        KeycloakAdmin.User user = kc.createUser("audience");

        String otherAudience = "probe-aud-" + UUID.randomUUID();
        client(kc, KeycloakAdmin.REALM, KeycloakAdmin.passwordClient(otherAudience, "some-other-api", 0));
        String wrong = kc.passwordGrant(KeycloakAdmin.REALM, otherAudience, user.username(), user.password());
        // Keycloak adds "account" for users created by the admin API: an array, without this service in it.
        String audience = DeviceFlowClient.decodeJwtPayload(wrong).path("aud").toString();
        assertTrue(audience.contains("some-other-api") && !audience.contains("bitrouter-billing"), audience);
        assertRejected(given().auth().oauth2(wrong).when().get(ENDPOINT));

        String noAudience = "probe-noaud-" + UUID.randomUUID();
        client(kc, KeycloakAdmin.REALM, KeycloakAdmin.passwordClient(noAudience, null, 0));
        String none = kc.passwordGrant(KeycloakAdmin.REALM, noAudience, user.username(), user.password());
        assertFalse(DeviceFlowClient.decodeJwtPayload(none).toString().contains("bitrouter-billing"));
        assertRejected(given().auth().oauth2(none).when().get(ENDPOINT));
    }

    @Test
    void anUnsignedTokenIsRejected() {
        String[] parts = Tokens.demo().split("\\.");
        String header = b64(("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + kid(parts[0]) + "\"}"));
        assertRejected(given().auth().oauth2(header + "." + parts[1] + ".").when().get(ENDPOINT));
        assertRejected(given().auth().oauth2(header + "." + parts[1]).when().get(ENDPOINT));
    }

    @Test
    void aTokenHmacSignedWithTheRealmsPublicKeyIsRejected() throws Exception {
        String[] parts = Tokens.demo().split("\\.");
        String kid = kid(parts[0]);
        JsonNode jwk = null;
        for (JsonNode k : KeycloakAdmin.connect().jwks(KeycloakAdmin.REALM).path("keys")) {
            if (kid.equals(k.path("kid").asText())) {
                jwk = k;
            }
        }
        assertEquals("RSA", jwk.path("kty").asText());
        byte[] der = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("n").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("e").asText())))).getEncoded();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END PUBLIC KEY-----\n";
        String header = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}");
        for (byte[] secret : new byte[][] { der, pem.getBytes(StandardCharsets.US_ASCII), jwk.toString().getBytes() }) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String input = header + "." + parts[1];
            String forged = input + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
            assertRejected(given().auth().oauth2(forged).when().get(ENDPOINT));
        }
    }

    @Test
    void aTokenWithAlteredClaimsIsRejected() {
        String[] parts = Tokens.demo().split("\\.");
        ObjectNode claims = (ObjectNode) DeviceFlowClient.decodeJwtPayload(Tokens.demo());
        claims.put("scope", claims.path("scope").asText() + " user:write clients:write");
        String altered = b64(claims.toString());
        assertNotEquals(parts[1], altered);
        assertRejected(given().auth().oauth2(parts[0] + "." + altered + "." + parts[2]).when().get(ENDPOINT));
    }

    @Test
    void idAndRefreshTokensAreNotAccessTokens() {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser("idtoken");
        DeviceFlowClient.TokenResponse r = DeviceFlowClient.forKeycloak(Tokens.keycloakUrl(), Tokens.REALM)
                .login(user.username(), user.password(), "openid " + DeviceFlowClient.DEFAULT_CLI_SCOPES);
        given().auth().oauth2(r.accessToken()).when().get(ENDPOINT).then().statusCode(200);
        assertEquals("ID", DeviceFlowClient.decodeJwtPayload(r.idToken()).path("typ").asText());
        assertRejected(given().auth().oauth2(r.idToken()).when().get(ENDPOINT));
        assertRejected(given().auth().oauth2(r.refreshToken()).when().get(ENDPOINT));
    }

    private static void client(KeycloakAdmin kc, String realm, ObjectNode rep) {
        CREATED_CLIENTS.add(new String[] { realm, kc.createClient(realm, rep) });
    }

    static void assertRejected(io.restassured.response.Response response) {
        response.then()
                .statusCode(401)
                .contentType("application/json")
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("error", equalTo("unauthorized"))
                .body("error_description", equalTo("a valid bearer token is required"));
    }

    private static String kid(String encodedHeader) {
        return DeviceFlowClient.decodeJwtPayload("x." + encodedHeader).path("kid").asText();
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
