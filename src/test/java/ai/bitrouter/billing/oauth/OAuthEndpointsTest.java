package ai.bitrouter.billing.oauth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URL;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/**
 * The authorization-server endpoints at the edges: the metadata document, and every way a request can be wrong.
 * Whatever happens, the answer is JSON with an OAuth error (the CLI aborts its login on anything else).
 */
@QuarkusTest
class OAuthEndpointsTest {
    private static final String FORM = "application/x-www-form-urlencoded";

    @TestHTTPResource("/")
    URL base;

    private String issuer() {
        String b = base.toString();
        return b.substring(0, b.length() - 1);
    }

    @Test
    void metadataAdvertisesThisServiceAsTheAuthorizationServer() {
        given().when().get("/.well-known/oauth-authorization-server").then()
                .statusCode(200)
                .contentType("application/json")
                .header("Cache-Control", startsWith("public"))
                .body("issuer", equalTo(issuer()))
                .body("device_authorization_endpoint", equalTo(issuer() + "/oauth/device/code"))
                .body("token_endpoint", equalTo(issuer() + "/oauth/token"))
                .body("revocation_endpoint", equalTo(issuer() + "/oauth/revoke"))
                .body("grant_types_supported",
                        hasItems("urn:ietf:params:oauth:grant-type:device_code", "refresh_token"))
                .body("token_endpoint_auth_methods_supported", hasItems("none"));
        byte[] first = given().get("/.well-known/oauth-authorization-server").asByteArray();
        byte[] second = given().get("/.well-known/oauth-authorization-server").asByteArray();
        assertArrayEquals(first, second);
    }

    @Test
    void metadataNeverReflectsAForeignHostHeader() {
        String body = given().header("Host", "attacker.example:8443")
                .when().get("/.well-known/oauth-authorization-server").then()
                .statusCode(500)
                .contentType("application/json")
                .body("error", equalTo("internal"))
                .extract().asString();
        assertFalse(body.contains("attacker"), body);
    }

    @Test
    void aDeviceRequestIsAnsweredByKeycloakThroughTheService() {
        form().formParam("client_id", DeviceFlowClient.CLI_CLIENT_ID)
                .formParam("scope", DeviceFlowClient.DEFAULT_CLI_SCOPES)
                .when().post("/oauth/device/code").then()
                .statusCode(200)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .body("device_code", not(emptyOrNullString()))
                .body("user_code", not(emptyOrNullString()))
                .body("verification_uri", startsWith("http://127.0.0.1"))
                .body("expires_in", equalTo(600))
                .body("interval", equalTo(5));
    }

    @Test
    void clientsOtherThanTheCliAreRefused() {
        oauthError(form().formParam("client_id", "bitrouter-billing").when().post("/oauth/device/code"), 401,
                "invalid_client");
        oauthError(form().formParam("scope", "usage:read").when().post("/oauth/device/code"), 401, "invalid_client");
        oauthError(form().formParam("client_id", "admin-cli").formParam("grant_type", "password")
                .formParam("username", "demo").formParam("password", "demo")
                .when().post("/oauth/token"), 401, "invalid_client");
    }

    @Test
    void onlyTheDeviceCodeAndRefreshGrantsAreServed() {
        oauthError(cli().formParam("grant_type", "password").formParam("username", "demo").formParam("password", "demo")
                .when().post("/oauth/token"), 400, "unsupported_grant_type");
        oauthError(cli().formParam("grant_type", "client_credentials").when().post("/oauth/token"), 400,
                "unsupported_grant_type");
        oauthError(cli().when().post("/oauth/token"), 400, "invalid_request");
    }

    @Test
    void malformedTokenRequestsGetOAuthErrors() {
        oauthError(cli().formParam("grant_type", DeviceFlowClient.DEVICE_CODE_GRANT).when().post("/oauth/token"), 400,
                "invalid_request");
        // Keycloak's own verdicts pass through as JSON.
        oauthError(cli().formParam("grant_type", DeviceFlowClient.DEVICE_CODE_GRANT).formParam("device_code", "nope")
                .when().post("/oauth/token"), 400, "invalid_grant");
        oauthError(cli().formParam("grant_type", "refresh_token").formParam("refresh_token", "not-a-token")
                .when().post("/oauth/token"), 400, "invalid_grant");
        oauthError(cli().formParam("grant_type", "refresh_token").when().post("/oauth/token"), 400, "invalid_request");
        oauthError(cli().formParam("grant_type", DeviceFlowClient.DEVICE_CODE_GRANT).formParam("device_code", "a")
                .formParam("device_code", "b").when().post("/oauth/token"), 400, "invalid_request");
    }

    @Test
    void revocationAnswersJsonAlsoForAnUnknownToken() {
        cli().formParam("token", "not-a-token").when().post("/oauth/revoke").then()
                .statusCode(200).contentType("application/json").body(equalTo("{}"));
        oauthError(cli().when().post("/oauth/revoke"), 400, "invalid_request");
    }

    @Test
    void aBodyThatIsNotAFormIsStillAnsweredInJson() {
        given().contentType("application/json").body("{\"client_id\":\"bitrouter-cli\"}")
                .when().post("/oauth/token").then()
                .statusCode(415)
                .contentType("application/json")
                .body("error", not(emptyOrNullString()))
                .body("error_description", not(emptyOrNullString()));
    }

    private static RequestSpecification form() {
        return given().contentType(FORM);
    }

    private static RequestSpecification cli() {
        return form().formParam("client_id", DeviceFlowClient.CLI_CLIENT_ID);
    }

    private static void oauthError(io.restassured.response.Response response, int status, String error) {
        ValidatableResponse r = response.then();
        r.statusCode(status)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .body("error", equalTo(error))
                .body("error_description", not(emptyOrNullString()));
    }
}
