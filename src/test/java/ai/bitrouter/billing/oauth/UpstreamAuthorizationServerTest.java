package ai.bitrouter.billing.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

/**
 * Whatever Keycloak (or a proxy in front of it) answers, the client gets JSON it can act on. A stand-in upstream
 * on a loopback port plays the failures a real Keycloak is hard to provoke into: HTML error pages, empty bodies,
 * hanging, and not listening at all.
 */
class UpstreamAuthorizationServerTest {
    private HttpServer server;
    private final AtomicReference<String> receivedBody = new AtomicReference<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile int status;
    private volatile String contentType;
    private volatile String body;
    private volatile boolean hang;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/realms/test/", exchange -> {
            receivedBody.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (hang) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (contentType != null) {
                exchange.getResponseHeaders().add("Content-Type", contentType);
            }
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private UpstreamAuthorizationServer upstream(Duration requestTimeout) {
        return new UpstreamAuthorizationServer("http://127.0.0.1:" + server.getAddress().getPort() + "/realms/test/",
                Duration.ofSeconds(2), requestTimeout);
    }

    private OAuthReply answer(int status, String contentType, String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        return upstream(Duration.ofSeconds(5)).post(UpstreamAuthorizationServer.TOKEN,
                Map.of("grant_type", "refresh_token", "refresh_token", "r&t=1"));
    }

    @Test
    void aJsonSuccessPassesThroughUntouchedAndTheFormIsEncoded() {
        OAuthReply r = answer(200, "application/json", "{\"access_token\":\"a\",\"expires_in\":300,\"x\":[1]}");
        assertEquals(200, r.status());
        assertEquals("{\"access_token\":\"a\",\"expires_in\":300,\"x\":[1]}", r.body().toString());
        assertTrue(receivedBody.get().contains("refresh_token=r%26t%3D1"), receivedBody.get());
    }

    @Test
    void aJsonErrorKeepsItsStatusAndOnlyTheOAuthFields() {
        OAuthReply r = answer(400, "application/json",
                "{\"error\":\"authorization_pending\",\"error_description\":\"pending\",\"internal\":\"x\"}");
        assertEquals(400, r.status());
        assertEquals("{\"error\":\"authorization_pending\",\"error_description\":\"pending\"}", r.body().toString());
    }

    @Test
    void anHtmlErrorPageBecomesAServerError() {
        OAuthReply r = answer(500, "text/html", "<html><body>Internal Server Error</body></html>");
        assertEquals(502, r.status());
        assertEquals("server_error", r.body().path("error").asText());
        assertFalse(r.body().path("error_description").asText().isEmpty());
    }

    @Test
    void aProxyErrorWithAJsonBodyIsStillAServerError() {
        OAuthReply r = answer(503, "application/json", "{\"error\":\"upstream down\"}");
        assertEquals(502, r.status());
        assertEquals("server_error", r.body().path("error").asText());
    }

    @Test
    void emptyOrHtmlClientErrorsBecomeTheMatchingOAuthError() {
        OAuthReply badRequest = answer(400, null, "");
        assertEquals(400, badRequest.status());
        assertEquals("invalid_request", badRequest.body().path("error").asText());

        OAuthReply unauthorized = answer(401, "text/html", "<h1>Unauthorized</h1>");
        assertEquals(401, unauthorized.status());
        assertEquals("invalid_client", unauthorized.body().path("error").asText());

        OAuthReply notFound = answer(404, "text/html", "<h1>Not Found</h1>");
        assertEquals(502, notFound.status());
        assertEquals("server_error", notFound.body().path("error").asText());
    }

    @Test
    void anEmptySuccessIsAnEmptyObject() {
        OAuthReply r = answer(200, null, "");
        assertEquals(200, r.status());
        assertEquals("{}", r.body().toString());
    }

    @Test
    void aHangingUpstreamTimesOutAsTemporarilyUnavailable() {
        status = 200;
        body = "{}";
        hang = true;
        long t0 = System.nanoTime();
        OAuthReply r = upstream(Duration.ofMillis(300)).post(UpstreamAuthorizationServer.DEVICE,
                Map.of("client_id", "bitrouter-cli"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(503, r.status());
        assertEquals("temporarily_unavailable", r.body().path("error").asText());
        assertTrue(ms < 5_000, "gave up after " + ms + " ms");
    }

    @Test
    void anUpstreamThatIsNotListeningIsTemporarilyUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        OAuthReply r = new UpstreamAuthorizationServer("http://127.0.0.1:" + closedPort + "/realms/test",
                Duration.ofSeconds(2), Duration.ofSeconds(2)).post(UpstreamAuthorizationServer.TOKEN, Map.of());
        assertEquals(503, r.status());
        assertEquals("temporarily_unavailable", r.body().path("error").asText());
    }

    @Test
    void openidIsAddedToTheRequestedScopesOnce() {
        assertEquals("openid", AuthorizationServerFront.withOpenId(null));
        assertEquals("openid", AuthorizationServerFront.withOpenId("  "));
        assertEquals("openid usage:read keys:read", AuthorizationServerFront.withOpenId("usage:read keys:read"));
        assertEquals("usage:read openid", AuthorizationServerFront.withOpenId(" usage:read openid "));
    }

    @Test
    void theRefreshTokenLifetimeIsPassedOnUnderTheContractsNameOnlyWhenItHasOne() {
        ObjectNode session = JsonNodeFactory.instance.objectNode().put("refresh_token", "r").put("refresh_expires_in", 1800);
        assertEquals(1800, AuthorizationServerFront.withRefreshTokenLifetime(new OAuthReply(200, session)).body()
                .path("refresh_token_expires_in").asLong());
        // Keycloak's 0 is "no lifetime of its own" (an offline token), not "already expired": the field stays out.
        ObjectNode offline = JsonNodeFactory.instance.objectNode().put("refresh_token", "r").put("refresh_expires_in", 0);
        assertFalse(AuthorizationServerFront.withRefreshTokenLifetime(new OAuthReply(200, offline)).body()
                .has("refresh_token_expires_in"));
        ObjectNode noRefresh = JsonNodeFactory.instance.objectNode().put("refresh_expires_in", 1800);
        assertFalse(AuthorizationServerFront.withRefreshTokenLifetime(new OAuthReply(200, noRefresh)).body()
                .has("refresh_token_expires_in"));
    }

    @Test
    void theSubjectIsReadFromTheIssuedAccessToken() {
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"u-1\",\"email\":\"a@b.c\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals("u-1", AuthorizationServerFront.accessTokenClaims(tokenReply("h." + payload + ".s"))
                .orElseThrow().path("sub").asText());
        assertTrue(AuthorizationServerFront.accessTokenClaims(tokenReply("opaque")).isEmpty());
        assertTrue(AuthorizationServerFront.accessTokenClaims(tokenReply("h.%%%.s")).isEmpty());
        String noSub = Base64.getUrlEncoder().withoutPadding().encodeToString("{}".getBytes(StandardCharsets.UTF_8));
        assertTrue(AuthorizationServerFront.accessTokenClaims(tokenReply("h." + noSub + ".s")).isEmpty());
    }

    @Test
    void theConfiguredBaseUrlMustBeHttpsOrLoopbackHttpWithoutAPath() {
        assertEquals("https://api.bitrouter.ai", AuthorizationServerMetadata.checkedBase("https://api.bitrouter.ai/"));
        assertEquals("http://127.0.0.1:8080", AuthorizationServerMetadata.checkedBase("http://127.0.0.1:8080"));
        assertEquals("http://localhost:8080", AuthorizationServerMetadata.checkedBase("http://localhost:8080"));
        for (String bad : new String[] { "http://api.bitrouter.ai", "https://api.bitrouter.ai/v1", "api.bitrouter.ai",
                "https://api.bitrouter.ai?x=1", "ftp://127.0.0.1" }) {
            assertThrows(IllegalArgumentException.class, () -> AuthorizationServerMetadata.checkedBase(bad), bad);
        }
    }

    @Test
    void onlyLiteralLoopbackHostsCount() {
        for (String host : new String[] { "localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]", "::1" }) {
            assertTrue(AuthorizationServerMetadata.isLoopback(host), host);
        }
        for (String host : new String[] { "localhost.attacker.example", "127.0.0.1.nip.io", "10.0.0.1", "example.com",
                "", "[::2]" }) {
            assertFalse(AuthorizationServerMetadata.isLoopback(host), host);
        }
        assertFalse(AuthorizationServerMetadata.isLoopback(null));
    }

    private static OAuthReply tokenReply(String accessToken) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("access_token", accessToken);
        return new OAuthReply(200, body);
    }
}
