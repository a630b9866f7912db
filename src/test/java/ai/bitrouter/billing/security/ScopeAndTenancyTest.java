package ai.bitrouter.billing.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Scopes per endpoint (403 with the contract's exact text), tenant isolation (another account's namespace or key is
 * a 404 indistinguishable from a missing one: RELIABILITY E23) and the operator role (E27). Tenants A and B are
 * users created for this class and signed in through the service, as the CLI does.
 */
@QuarkusTest
class ScopeAndTenancyTest {
    private static Tenant a;
    private static Tenant b;

    @TestHTTPResource("/")
    URL base;

    record Tenant(KeycloakAdmin.User user, String token, String namespaceId) {
    }

    private Tenant tenant(String prefix) {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser(prefix);
        DeviceFlowClient.TokenResponse r = Tokens.signInThroughService(base.toString(), user.username(),
                user.password(), DeviceFlowClient.DEFAULT_CLI_SCOPES);
        return new Tenant(user, r.accessToken(), r.text("namespace_id"));
    }

    private synchronized Tenant a() {
        if (a == null) {
            a = tenant("tenant-a");
        }
        return a;
    }

    private synchronized Tenant b() {
        if (b == null) {
            b = tenant("tenant-b");
        }
        return b;
    }

    /** A token straight from Keycloak with only {@code scopes} (the user need not have an account for a 403). */
    private static String tokenWith(String scopes) {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser("scoped");
        return DeviceFlowClient.forKeycloak(Tokens.keycloakUrl(), Tokens.REALM)
                .login(user.username(), user.password(), scopes).accessToken();
    }

    private static String missingScope(String scope) {
        return "{\"error\":\"forbidden\",\"error_description\":\"missing required scope: " + scope + "\"}";
    }

    @Test
    void eachEndpointRequiresItsScopeWithTheContractsExactMessage() {
        String namespaceReadOnly = tokenWith("namespace:read");
        given().auth().oauth2(namespaceReadOnly).when().get("/v1/namespaces/me/keys").then()
                .statusCode(403).contentType("application/json").body(equalTo(missingScope("keys:read")));
        // Checked before the body is read: a malformed body changes nothing.
        given().auth().oauth2(namespaceReadOnly).contentType(ContentType.JSON).body("{not json")
                .when().post("/v1/namespaces/me/keys").then()
                .statusCode(403).body(equalTo(missingScope("keys:write")));
        given().auth().oauth2(namespaceReadOnly).when().delete("/v1/namespaces/me/keys/0123456789abcdefghjk").then()
                .statusCode(403).body(equalTo(missingScope("keys:write")));
        given().auth().oauth2(namespaceReadOnly).when().get("/v1/namespaces").then().statusCode(200);

        String keysReadOnly = tokenWith("keys:read");
        given().auth().oauth2(keysReadOnly).when().get("/v1/namespaces").then()
                .statusCode(403).body(equalTo(missingScope("namespace:read")));
        given().auth().oauth2(keysReadOnly).contentType(ContentType.JSON)
                .body("{\"name\":\"x\",\"scopes\":[\"keys:read\"]}")
                .when().post("/v1/namespaces/me/keys").then()
                .statusCode(403).body(equalTo(missingScope("keys:write")));
    }

    @Test
    void anotherAccountsNamespaceIsNotFoundForEveryOperation() {
        Tenant a = a();
        Tenant b = b();
        String keyOfB = createKey(b.token(), b.namespaceId(), "b's router");
        String notFound = given().auth().oauth2(a.token()).when()
                .get("/v1/namespaces/ns_00000000000000000000000000/keys").then()
                .statusCode(404).body("error", equalTo("not_found")).extract().asString();

        assertEquals(notFound, given().auth().oauth2(a.token()).when()
                .get("/v1/namespaces/" + b.namespaceId() + "/keys").then().statusCode(404).extract().asString());
        assertEquals(notFound, given().auth().oauth2(a.token()).contentType(ContentType.JSON)
                .body("{\"name\":\"intruder\",\"scopes\":[\"keys:read\"]}")
                .when().post("/v1/namespaces/" + b.namespaceId() + "/keys").then().statusCode(404).extract().asString());
        assertEquals(notFound, given().auth().oauth2(a.token()).when()
                .delete("/v1/namespaces/" + b.namespaceId() + "/keys/" + keyOfB).then().statusCode(404)
                .extract().asString());
        // B's key through A's own namespace: not A's key, so not found either.
        given().auth().oauth2(a.token()).when().delete("/v1/namespaces/" + a.namespaceId() + "/keys/" + keyOfB)
                .then().statusCode(404).body("error", equalTo("not_found"));

        given().auth().oauth2(a.token()).when().get("/v1/namespaces").then()
                .statusCode(200).body("data.id", not(hasItem(b.namespaceId())));
        given().auth().oauth2(b.token()).when().get("/v1/namespaces/" + b.namespaceId() + "/keys").then()
                .statusCode(200).body("data.id", hasItem(keyOfB));
    }

    @Test
    void aNamespaceInTheBodyIsIgnored() {
        Tenant a = a();
        given().auth().oauth2(a.token()).contentType(ContentType.JSON)
                .body("{\"name\":\"sneaky\",\"scopes\":[\"keys:read\"],\"namespace_id\":\"" + b().namespaceId() + "\"}")
                .when().post("/v1/namespaces/me/keys").then()
                .statusCode(201).body("namespace_id", equalTo(a.namespaceId()));
    }

    @Test
    void anApiKeyReachesOnlyItsOwnNamespace() {
        Tenant a = a();
        String key = given().auth().oauth2(a.token()).contentType(ContentType.JSON)
                .body("{\"name\":\"ci\",\"scopes\":[\"keys:read\",\"namespace:read\"]}")
                .when().post("/v1/namespaces/me/keys").then().statusCode(201).extract().path("key");
        given().auth().oauth2(key).when().get("/v1/namespaces/" + b().namespaceId() + "/keys").then()
                .statusCode(404).body("error", equalTo("not_found"));
        given().auth().oauth2(key).when().get("/v1/namespaces/" + a.namespaceId() + "/keys").then().statusCode(200);
    }

    @Test
    void operatorEndpointsNeedTheBillingAdminRole() {
        Tenant a = a();
        Tenant b = b();
        given().auth().oauth2(a.token()).when().get("/v1/admin/namespaces/" + b.namespaceId()).then()
                .statusCode(403).contentType("application/json").body("error", equalTo("forbidden"));
        String key = given().auth().oauth2(a.token()).contentType(ContentType.JSON)
                .body("{\"name\":\"k\",\"scopes\":[\"usage:read\"]}")
                .when().post("/v1/namespaces/me/keys").then().statusCode(201).extract().path("key");
        given().auth().oauth2(key).when().get("/v1/admin/namespaces/" + a.namespaceId()).then()
                .statusCode(403).body("error", equalTo("forbidden"));
        given().when().get("/v1/admin/namespaces/" + a.namespaceId()).then()
                .statusCode(401).body("error", equalTo("unauthorized"));

        given().auth().oauth2(Tokens.admin()).when().get("/v1/admin/namespaces/" + b.namespaceId()).then()
                .statusCode(200)
                .body("namespace.id", equalTo(b.namespaceId()))
                .body("account.owner_subject", equalTo(b.user().id()));
        given().auth().oauth2(Tokens.admin()).when().get("/v1/admin/namespaces/ns_00000000000000000000000000").then()
                .statusCode(404).body("error", equalTo("not_found"));
    }

    static String createKey(String token, String namespaceId, String name) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"name\":\"" + name + "\",\"scopes\":[\"keys:read\"]}")
                .when().post("/v1/namespaces/" + namespaceId + "/keys").then()
                .statusCode(201).extract().path("id");
    }
}
