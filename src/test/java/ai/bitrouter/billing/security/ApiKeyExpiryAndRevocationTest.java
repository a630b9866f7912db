package ai.bitrouter.billing.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * API keys with {@code expires_at} (CONTRACT section 4b) are refused with 401 once it has passed, and revoking a key
 * also revokes the keys it minted, and those they minted, but nothing else (docs/security.md).
 */
@QuarkusTest
class ApiKeyExpiryAndRevocationTest {
    private static final String WRITER_SCOPES = "[\"keys:read\",\"keys:write\"]";

    @TestHTTPResource("/")
    URL base;

    private String signIn(String prefix) {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser(prefix);
        return Tokens.signInThroughService(base.toString(), user.username(), user.password(),
                DeviceFlowClient.DEFAULT_CLI_SCOPES).accessToken();
    }

    private static Response create(String credential, String body) {
        return given().auth().oauth2(credential).contentType(ContentType.JSON).body(body)
                .when().post("/v1/namespaces/me/keys");
    }

    private static int listWith(String key) {
        return given().header("x-api-key", key).when().get("/v1/namespaces/me/keys").then().extract().statusCode();
    }

    @Test
    void aKeyIsRefusedAfterItsExpiry() {
        String token = signIn("expiry");
        Instant expiresAt = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.MILLIS);
        Response created = create(token, "{\"name\":\"short-lived\",\"scopes\":[\"keys:read\"],\"expires_at\":\""
                + expiresAt + "\"}");
        created.then().statusCode(201);
        assertEquals(expiresAt, Instant.parse(created.path("expires_at")));
        String key = created.path("key");
        String id = created.path("id");
        Response forever = create(token, "{\"name\":\"no-expiry\",\"scopes\":[\"keys:read\"]}");
        forever.then().statusCode(201).body("expires_at", nullValue());

        assertEquals(200, listWith(key), "valid before its expiry");
        given().auth().oauth2(token).when().get("/v1/namespaces/me/keys").then().statusCode(200)
                .body("data.find { it.id == '" + id + "' }.expires_at", equalTo(expiresAt.toString()));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> listWith(key) == 401);
        assertEquals(true, Instant.now().isAfter(expiresAt), "refused only after expires_at");
        given().header("x-api-key", key).when().get("/v1/namespaces/me/keys").then()
                .statusCode(401).body("error", equalTo("unauthorized"));
        assertEquals(200, listWith((String) forever.path("key")), "a key without expiry is unaffected");
    }

    @Test
    void anExpiryInThePastOrUnreadableIsABadRequest() {
        String token = signIn("expiry-bad");
        create(token, "{\"name\":\"past\",\"scopes\":[\"keys:read\"],\"expires_at\":\"" + Instant.now().minusSeconds(1)
                + "\"}").then().statusCode(400).body("error", equalTo("bad_request"))
                .body("error_description", equalTo("expires_at must be in the future"));
        create(token, "{\"name\":\"garbled\",\"scopes\":[\"keys:read\"],\"expires_at\":\"next tuesday\"}")
                .then().statusCode(400).body("error", equalTo("bad_request"))
                .body("error_description", equalTo("invalid value for expires_at"));
        given().auth().oauth2(token).when().get("/v1/namespaces/me/keys").then().statusCode(200)
                .body("data.size()", equalTo(0));
    }

    @Test
    void revokingAKeyRevokesTheKeysItMintedAndNothingElse() {
        String token = signIn("cascade");
        Response a = create(token, "{\"name\":\"a\",\"scopes\":" + WRITER_SCOPES + "}");
        String aKey = a.path("key");
        Response b = create(aKey, "{\"name\":\"b-by-a\",\"scopes\":" + WRITER_SCOPES + "}");
        String bKey = b.path("key");
        Response c = create(bKey, "{\"name\":\"c-by-b\",\"scopes\":[\"keys:read\"]}");
        Response d = create(token, "{\"name\":\"d-by-person\",\"scopes\":[\"keys:read\"]}");
        Response e = create(token, "{\"name\":\"e-by-person\",\"scopes\":" + WRITER_SCOPES + "}");
        Response f = create((String) e.path("key"), "{\"name\":\"f-by-e\",\"scopes\":[\"keys:read\"]}");
        for (Response r : List.of(a, b, c, d, e, f)) {
            r.then().statusCode(201);
            assertEquals(200, listWith(r.path("key")));
        }

        List<String> expected = java.util.stream.Stream.of((String) b.path("id"), (String) c.path("id")).sorted()
                .toList();
        given().auth().oauth2(token).when().delete("/v1/namespaces/me/keys/" + a.path("id")).then()
                .statusCode(200)
                .body("id", equalTo(a.path("id")))
                .body("also_revoked", equalTo(expected));

        for (Response revoked : List.of(a, b, c)) {
            assertEquals(401, listWith(revoked.path("key")), (String) revoked.path("id"));
        }
        for (Response alive : List.of(d, e, f)) {
            assertEquals(200, listWith(alive.path("key")), (String) alive.path("id"));
        }
        given().auth().oauth2(token).when().get("/v1/namespaces/me/keys").then().statusCode(200)
                .body("data.id", hasItem((String) f.path("id")))
                .body("data.size()", equalTo(3));

        // Revoking a key that minted nothing cascades to nothing.
        given().auth().oauth2(token).when().delete("/v1/namespaces/me/keys/" + d.path("id")).then()
                .statusCode(200).body("also_revoked", equalTo(List.of()));
    }
}
