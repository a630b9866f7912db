package ai.bitrouter.billing.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * API keys end to end: the secret is shown once and stored only as a hash, the key authenticates as
 * {@code Authorization: Bearer} and as {@code x-api-key} with exactly its scopes within its namespace
 * ({@code me}), it cannot mint a key with more than it has, and a revoked key is a 401 at once.
 */
@QuarkusTest
class ApiKeyTest {
    private static final String KEY_FORMAT = "brk_[0-9a-z]{20}\\.[A-Za-z0-9_-]{43}";

    @TestHTTPResource("/")
    URL base;

    @Inject
    EntityManager em;

    @Inject
    ApiKeyService keys;

    private record Owner(String token, String namespaceId) {
    }

    private Owner signIn(String prefix) {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser(prefix);
        DeviceFlowClient.TokenResponse r = Tokens.signInThroughService(base.toString(), user.username(),
                user.password(), DeviceFlowClient.DEFAULT_CLI_SCOPES);
        return new Owner(r.accessToken(), r.text("namespace_id"));
    }

    private static Response create(String credential, String namespace, String body) {
        return given().auth().oauth2(credential).contentType(ContentType.JSON).body(body)
                .when().post("/v1/namespaces/" + namespace + "/keys");
    }

    @Test
    void aKeyIsShownOnceStoredAsAHashAndAuthenticatesInBothHeaders() throws Exception {
        Owner owner = signIn("keys");
        Response created = create(owner.token(), owner.namespaceId(),
                "{\"name\":\" router-1 \",\"scopes\":[\"namespace:read\",\"keys:read\",\"keys:write\",\"keys:read\"]}");
        created.then().statusCode(201)
                .contentType("application/json")
                .body("name", equalTo("router-1"))
                .body("scopes", equalTo(List.of("keys:read", "keys:write", "namespace:read")))
                .body("namespace_id", equalTo(owner.namespaceId()))
                .body("created_at", notNullValue());
        String key = created.path("key");
        String id = created.path("id");
        assertTrue(key.matches(KEY_FORMAT), key);
        assertEquals("brk_" + id, key.substring(0, key.indexOf('.')));
        String secret = key.substring(key.indexOf('.') + 1);

        byte[] stored = QuarkusTransaction.requiringNew().call(() -> (byte[]) em
                .createNativeQuery("SELECT secret_sha256 FROM api_keys WHERE id = ?1").setParameter(1, id)
                .getSingleResult());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII)),
                stored);
        String row = QuarkusTransaction.requiringNew().call(() -> (String) em
                .createNativeQuery("SELECT row_to_json(k)::text FROM api_keys k WHERE id = ?1").setParameter(1, id)
                .getSingleResult());
        assertFalse(row.contains(secret), "the secret is not stored");

        String listing = given().auth().oauth2(owner.token()).when().get("/v1/namespaces/me/keys").then()
                .statusCode(200)
                .body("data.id", hasItem(id))
                .body("data.find { it.id == '" + id + "' }.key", nullValue())
                .body("data.find { it.id == '" + id + "' }.last_used_at", nullValue())
                .extract().asString();
        assertFalse(listing.contains(secret), "listing never shows the secret");

        given().auth().oauth2(key).when().get("/v1/namespaces/me/keys").then()
                .statusCode(200).body("data.id", hasItem(id));
        given().header("x-api-key", key).when().get("/v1/namespaces/me/keys").then()
                .statusCode(200).body("data.id", hasItem(id));
        given().header("Authorization", "bearer " + key).when().get("/v1/namespaces/" + owner.namespaceId() + "/keys")
                .then().statusCode(200);
        given().header("x-api-key", key).when().get("/v1/namespaces").then()
                .statusCode(200).body("data", hasSize(1)).body("data[0].id", equalTo(owner.namespaceId()));
        given().header("x-api-key", key).when().get("/v1/account").then()
                .statusCode(200)
                .body("auth", equalTo("api_key"))
                .body("api_key_id", equalTo(id))
                .body("roles", hasSize(0))
                .body("scopes", equalTo(List.of("keys:read", "keys:write", "namespace:read")))
                .body("account.namespaces[0].id", equalTo(owner.namespaceId()));
    }

    @Test
    void lastUsedIsRecordedAtMostAboutOnceAMinute() {
        Owner owner = signIn("lastused");
        String key = create(owner.token(), "me", "{\"name\":\"k\",\"scopes\":[\"keys:read\"]}").then()
                .statusCode(201).extract().path("key");
        given().auth().oauth2(key).when().get("/v1/namespaces/me/keys").then().statusCode(200);
        String first = given().auth().oauth2(owner.token()).when().get("/v1/namespaces/me/keys").then()
                .statusCode(200).extract().path("data[0].last_used_at");
        assertNotNull(first);
        given().auth().oauth2(key).when().get("/v1/namespaces/me/keys").then().statusCode(200);
        given().header("x-api-key", key).when().get("/v1/namespaces/me/keys").then().statusCode(200);
        String later = given().auth().oauth2(owner.token()).when().get("/v1/namespaces/me/keys").then()
                .extract().path("data[0].last_used_at");
        assertEquals(first, later, "no write per request");
    }

    @Test
    void aKeyHasExactlyItsScopesAndCannotMintMore() {
        Owner owner = signIn("minting");
        String keysOnly = create(owner.token(), "me", "{\"name\":\"minter\",\"scopes\":[\"keys:read\",\"keys:write\"]}")
                .then().statusCode(201).extract().path("key");

        given().auth().oauth2(keysOnly).when().get("/v1/namespaces").then()
                .statusCode(403).body("error_description", equalTo("missing required scope: namespace:read"));
        create(keysOnly, "me", "{\"name\":\"wider\",\"scopes\":[\"keys:read\",\"usage:read\"]}").then()
                .statusCode(403)
                .body(equalTo("{\"error\":\"forbidden\",\"error_description\":\"missing required scope: usage:read\"}"));
        String child = create(keysOnly, "me", "{\"name\":\"narrower\",\"scopes\":[\"keys:read\"]}").then()
                .statusCode(201).body("scopes", equalTo(List.of("keys:read"))).extract().path("id");
        String createdBy = QuarkusTransaction.requiringNew().call(() -> (String) em
                .createNativeQuery("SELECT created_by FROM api_keys WHERE id = ?1").setParameter(1, child)
                .getSingleResult());
        assertTrue(createdBy.startsWith("key:"), createdBy);

        String readOnly = create(owner.token(), "me", "{\"name\":\"reader\",\"scopes\":[\"keys:read\"]}").then()
                .statusCode(201).extract().path("key");
        create(readOnly, "me", "{\"name\":\"x\",\"scopes\":[\"keys:read\"]}").then()
                .statusCode(403).body("error_description", equalTo("missing required scope: keys:write"));
        given().auth().oauth2(readOnly).when().delete("/v1/namespaces/me/keys/" + child).then()
                .statusCode(403).body("error_description", equalTo("missing required scope: keys:write"));
    }

    @Test
    void invalidKeyRequestsAreBadRequests() {
        Owner owner = signIn("invalid");
        for (String body : new String[] { "{\"name\":\"x\",\"scopes\":[\"keys:admin\"]}",
                "{\"name\":\"x\",\"scopes\":[\"user:write\"]}", "{\"name\":\"x\",\"scopes\":[]}", "{\"name\":\"x\"}",
                "{\"scopes\":[\"keys:read\"]}", "{\"name\":\"   \",\"scopes\":[\"keys:read\"]}",
                "{\"name\":\"" + "n".repeat(101) + "\",\"scopes\":[\"keys:read\"]}", "{not json" }) {
            create(owner.token(), "me", body).then()
                    .statusCode(400).contentType("application/json").body("error", equalTo("bad_request"));
        }
    }

    @Test
    void aRevokedOrWrongKeyIsUnauthorized() {
        Owner owner = signIn("revoke");
        Response created = create(owner.token(), "me", "{\"name\":\"old\",\"scopes\":[\"keys:read\"]}");
        String key = created.path("key");
        String id = created.path("id");
        given().auth().oauth2(key).when().get("/v1/namespaces/me/keys").then().statusCode(200);

        given().auth().oauth2(owner.token()).when().delete("/v1/namespaces/me/keys/" + id).then()
                .statusCode(200)
                .contentType("application/json")
                .body("id", equalTo(id))
                .body("deleted", equalTo(true))
                .body("revoked_at", notNullValue());

        TokenValidationTest.assertRejected(given().auth().oauth2(key).when().get("/v1/namespaces/me/keys"));
        TokenValidationTest.assertRejected(given().header("x-api-key", key).when().get("/v1/namespaces/me/keys"));
        given().auth().oauth2(owner.token()).when().get("/v1/namespaces/me/keys").then()
                .statusCode(200).body("data.id", not(hasItem(id)));
        given().auth().oauth2(owner.token()).when().delete("/v1/namespaces/me/keys/" + id).then()
                .statusCode(404).body("error", equalTo("not_found"));

        String live = create(owner.token(), "me", "{\"name\":\"new\",\"scopes\":[\"keys:read\"]}").then()
                .statusCode(201).extract().path("key");
        String wrongSecret = live.substring(0, live.indexOf('.') + 1) + "A".repeat(43);
        for (String bad : new String[] { wrongSecret, "brk_nope", "brk_" + live.substring(4, 24),
                live.substring(0, live.length() - 1) }) {
            TokenValidationTest.assertRejected(given().auth().oauth2(bad).when().get("/v1/namespaces/me/keys"));
            TokenValidationTest.assertRejected(given().header("x-api-key", bad).when().get("/v1/namespaces/me/keys"));
        }
        TokenValidationTest.assertRejected(given().header("x-api-key", "garbage").when().get("/v1/account"));
    }

    @Test
    void aNamespaceHoldsAtMostAHundredActiveKeys() {
        Owner owner = signIn("cap");
        // All but the last one through the service directly: a hundred HTTP round trips add nothing to the check.
        String lastId = null;
        for (int i = 0; i < ApiKeyService.MAX_ACTIVE_KEYS_PER_NAMESPACE - 1; i++) {
            lastId = keys.create(owner.namespaceId(), "k" + i, List.of("keys:read"), "test").key().id;
        }
        create(owner.token(), "me", "{\"name\":\"the hundredth\",\"scopes\":[\"keys:read\"]}").then().statusCode(201);
        create(owner.token(), "me", "{\"name\":\"one too many\",\"scopes\":[\"keys:read\"]}").then()
                .statusCode(409).body("error", equalTo("conflict"));
        given().auth().oauth2(owner.token()).when().delete("/v1/namespaces/me/keys/" + lastId).then().statusCode(200);
        create(owner.token(), "me", "{\"name\":\"room again\",\"scopes\":[\"keys:read\"]}").then().statusCode(201);
    }
}
