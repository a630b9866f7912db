package ai.bitrouter.billing.accounts;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.security.KeycloakAdmin;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/**
 * {@code accounts.status} is enforced: a suspended or closed account's API keys and its owner's tokens get the
 * contract's 403 on every authenticated endpoint (keys from the next request, tokens within the status cache's
 * lifetime), while its usage is still metered; reactivating it lets both back in.
 */
@QuarkusTest
class AccountStatusTest {
    /** Endpoints of different packages and kinds (account, keys, reports, billing, namespaces). */
    private static final List<String> ENDPOINTS = List.of("/v1/account", "/v1/namespaces", "/v1/namespaces/me/keys",
            "/v1/namespaces/me/usage", "/v1/namespaces/me/requests");

    @TestHTTPResource("/")
    URL base;

    @Inject
    DataSource db;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private record Owner(String token, String namespaceId, UUID accountId, String key) {
    }

    private Owner signIn(String prefix) {
        KeycloakAdmin.User user = KeycloakAdmin.connect().createUser(prefix);
        DeviceFlowClient.TokenResponse r = Tokens.signInThroughService(base.toString(), user.username(),
                user.password(), DeviceFlowClient.DEFAULT_CLI_SCOPES);
        String token = r.accessToken();
        UUID accountId = UUID.fromString(given().auth().oauth2(token).when().get("/v1/account").then()
                .statusCode(200).extract().path("account.id"));
        String key = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"name\":\"status\",\"scopes\":[\"keys:read\",\"usage:read\",\"namespace:read\"]}")
                .when().post("/v1/namespaces/me/keys").then().statusCode(201).extract().path("key");
        return new Owner(token, r.text("namespace_id"), accountId, key);
    }

    private void setStatus(UUID accountId, String status) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE accounts SET status = ? WHERE id = ?")) {
            ps.setString(1, status);
            ps.setObject(2, accountId);
            assertEquals(1, ps.executeUpdate());
        }
    }

    private static int statusWithToken(String token, String path) {
        return given().auth().oauth2(token).when().get(path).then().extract().statusCode();
    }

    private static void assertRefused(String credentialHeader, String credential, String path, String status) {
        given().header(credentialHeader, credential).when().get(path).then()
                .statusCode(403)
                .contentType("application/json")
                .body("error", equalTo("forbidden"))
                .body("error_description", equalTo("this account is " + status + "; contact support"));
    }

    @Test
    void aSuspendedAccountsKeysAndTokensAre403EverywhereUntilReactivated() throws Exception {
        Owner owner = signIn("suspended");
        for (String path : ENDPOINTS) {
            assertEquals(200, statusWithToken(owner.token(), path), path);
            assertEquals(200, statusWithToken(owner.key(), path), path);
        }

        setStatus(owner.accountId(), "suspended");
        // An API key reads the status with the key itself: refused on the very next request.
        for (String path : ENDPOINTS) {
            assertRefused("x-api-key", owner.key(), path, "suspended");
        }
        // A person's token: within the status cache's lifetime (5 s).
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> statusWithToken(owner.token(), "/v1/account") == 403);
        for (String path : ENDPOINTS) {
            assertRefused("Authorization", "Bearer " + owner.token(), path, "suspended");
        }
        // Writes too, and before the body is looked at.
        given().auth().oauth2(owner.token()).contentType(ContentType.JSON)
                .body("{\"name\":\"more\",\"scopes\":[\"keys:read\"]}")
                .when().post("/v1/namespaces/me/keys").then().statusCode(403).body("error", equalTo("forbidden"));

        setStatus(owner.accountId(), "active");
        assertEquals(200, statusWithToken(owner.key(), "/v1/namespaces/me/keys"));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> statusWithToken(owner.token(), "/v1/account") == 200);
    }

    @Test
    void aClosedAccountIsRefusedAndABadCredentialIsStill401() throws Exception {
        Owner owner = signIn("closed");
        setStatus(owner.accountId(), "closed");
        assertRefused("x-api-key", owner.key(), "/v1/namespaces/me/keys", "closed");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> statusWithToken(owner.token(), "/v1/namespaces") == 403);
        assertRefused("Authorization", "Bearer " + owner.token(), "/v1/namespaces", "closed");
        // The status check does not turn a bad credential into anything but the usual 401.
        given().header("x-api-key", owner.key() + "x").when().get("/v1/namespaces/me/keys").then()
                .statusCode(401).body("error", equalTo("unauthorized"));
        // Public endpoints stay public.
        given().when().get("/.well-known/oauth-authorization-server").then().statusCode(200);
    }

    @Test
    void aSuspendedAccountsUsageIsStillMetered() throws Exception {
        Owner owner = signIn("metered");
        setStatus(owner.accountId(), "suspended");
        String requestId = "req_" + UUID.randomUUID();
        String event = """
                {"specversion":"1.0","id":"%1$s","source":"router://test/node-1","type":"ai.bitrouter.usage.v1",
                 "subject":"%2$s","time":"2026-11-02T10:00:00Z","datacontenttype":"application/json",
                 "data":{"request_id":"%1$s","namespace_id":"%2$s","model":"moonshotai/kimi-k2.6",
                   "served_model_id":"moonshotai/kimi-k2.6","provider_id":"bitrouter","status":"succeeded",
                   "funding_source":"cloud_credit","usage":{"prompt_tokens":1000000,"completion_tokens":100000},
                   "streamed":false}}
                """.formatted(requestId, owner.namespaceId());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("bitrouter.usage.v1", owner.namespaceId(), event)).get();
        }
        BigDecimal charge = await().atMost(Duration.ofSeconds(60)).until(() -> charge(requestId), c -> c != null);
        // (1,000,000 x 0.95 + 100,000 x 4.00) x 0.75, the seed catalog's kimi-k2.6 (docs/pricing.md)
        assertEquals(0, new BigDecimal("1012500").compareTo(charge), charge::toPlainString);
        assertEquals(owner.accountId(), accountOf(requestId));
    }

    private BigDecimal charge(String requestId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT charge_micro_usd FROM usage_records WHERE request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBigDecimal(1) : null;
            }
        }
    }

    private UUID accountOf(String requestId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT account_id FROM usage_records WHERE request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }
}
