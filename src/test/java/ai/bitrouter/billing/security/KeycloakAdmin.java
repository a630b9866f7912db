package ai.bitrouter.billing.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.bitrouter.billing.testsupport.Tokens;

/**
 * The test Keycloak's admin REST API, as the bootstrap admin of the master realm ({@code admin}/{@code admin}, dev
 * and tests only). Tests use it for what must not live in the production realm: fresh users (so each test class
 * has tenants no other test signs in as), throw-away clients (a token with the wrong audience, a token that expires
 * in seconds), a whole second realm (a token from another issuer), and briefly a shorter device-code lifespan.
 */
public final class KeycloakAdmin {
    public static final String REALM = Tokens.REALM;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** A user of the {@code bitrouter} realm created for one test class. */
    public record User(String id, String username, String password, String email) {
    }

    private KeycloakAdmin(String base) {
        this.base = base;
    }

    public static KeycloakAdmin connect() {
        return new KeycloakAdmin(Tokens.keycloakUrl());
    }

    public String baseUrl() {
        return base;
    }

    /**
     * A new enabled customer of the {@code bitrouter} realm (the default role gives {@code customer}), with a
     * verified e-mail and names, so the sign-in goes straight to the consent page.
     */
    public User createUser(String prefix) {
        return createUser(prefix, true);
    }

    /** As {@link #createUser(String)}, with the e-mail marked verified or not (the realm does not force it). */
    public User createUser(String prefix, boolean emailVerified) {
        String username = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        String email = username + "@test.bitrouter.local";
        ObjectNode rep = JSON.createObjectNode();
        rep.put("username", username);
        rep.put("enabled", true);
        rep.put("email", email);
        rep.put("emailVerified", emailVerified);
        rep.put("firstName", "Test");
        rep.put("lastName", prefix);
        ObjectNode credential = rep.putArray("credentials").addObject();
        credential.put("type", "password");
        credential.put("value", password);
        credential.put("temporary", false);
        HttpResponse<String> r = send(admin("POST", "/admin/realms/" + REALM + "/users", rep));
        expect(r, 201);
        String location = r.headers().firstValue("Location").orElseThrow();
        return new User(location.substring(location.lastIndexOf('/') + 1), username, password, email);
    }

    /** Marks the user's e-mail verified (or not), as Keycloak does when the user follows the verification link. */
    public void setEmailVerified(String userId, boolean verified) {
        ObjectNode rep = JSON.createObjectNode();
        rep.put("emailVerified", verified);
        expect(send(admin("PUT", "/admin/realms/" + REALM + "/users/" + userId, rep)), 204);
    }

    /** Creates a client in {@code realm}; returns its internal id. */
    public String createClient(String realm, ObjectNode rep) {
        HttpResponse<String> r = send(admin("POST", "/admin/realms/" + realm + "/clients", rep));
        expect(r, 201);
        String location = r.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    public void deleteClient(String realm, String id) {
        expect(send(admin("DELETE", "/admin/realms/" + realm + "/clients/" + id, null)), 204);
    }

    /** The representation of the client {@code clientId} of {@code realm}. */
    public ObjectNode client(String realm, String clientId) {
        HttpResponse<String> r = send(admin("GET", "/admin/realms/" + realm + "/clients?clientId="
                + URLEncoder.encode(clientId, StandardCharsets.UTF_8), null));
        expect(r, 200);
        ArrayNode found = (ArrayNode) parse(r.body());
        if (found.isEmpty()) {
            throw new IllegalStateException("no client " + clientId + " in realm " + realm);
        }
        return (ObjectNode) found.get(0);
    }

    public void updateClient(String realm, ObjectNode rep) {
        expect(send(admin("PUT", "/admin/realms/" + realm + "/clients/" + rep.path("id").asText(), rep)), 204);
    }

    public void createRealm(ObjectNode rep) {
        expect(send(admin("POST", "/admin/realms", rep)), 201);
    }

    public void deleteRealm(String realm) {
        expect(send(admin("DELETE", "/admin/realms/" + realm, null)), 204);
    }

    /**
     * A public test client with the password grant on and, when {@code audience} is not null, an audience mapper
     * putting it into access tokens. {@code accessTokenLifespanSeconds} overrides the realm's (when > 0).
     */
    public static ObjectNode passwordClient(String clientId, String audience, int accessTokenLifespanSeconds) {
        ObjectNode rep = JSON.createObjectNode();
        rep.put("clientId", clientId);
        rep.put("enabled", true);
        rep.put("publicClient", true);
        rep.put("protocol", "openid-connect");
        rep.put("standardFlowEnabled", false);
        rep.put("directAccessGrantsEnabled", true);
        ObjectNode attributes = rep.putObject("attributes");
        if (accessTokenLifespanSeconds > 0) {
            attributes.put("access.token.lifespan", Integer.toString(accessTokenLifespanSeconds));
        }
        if (audience != null) {
            ObjectNode mapper = rep.putArray("protocolMappers").addObject();
            mapper.put("name", "audience " + audience);
            mapper.put("protocol", "openid-connect");
            mapper.put("protocolMapper", "oidc-audience-mapper");
            ObjectNode config = mapper.putObject("config");
            config.put("included.custom.audience", audience);
            config.put("access.token.claim", "true");
            config.put("id.token.claim", "false");
        }
        return rep;
    }

    /** An access token by the password grant (test clients only: the CLI's client has no password grant). */
    public String passwordGrant(String realm, String clientId, String username, String password) {
        Map<String, String> form = Map.of("grant_type", "password", "client_id", clientId, "username", username,
                "password", password, "scope", "openid");
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/realms/" + realm
                + "/protocol/openid-connect/token")).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form))).build());
        expect(r, 200);
        return parse(r.body()).path("access_token").asText();
    }

    /** The realm's public signing keys (JWKS). */
    public JsonNode jwks(String realm) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/realms/" + realm
                + "/protocol/openid-connect/certs")).timeout(TIMEOUT).GET().build());
        expect(r, 200);
        return parse(r.body());
    }

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    // The master realm's admin tokens live 60 s: one per call is simplest and cheap at test volumes.
    private String adminToken() {
        Map<String, String> form = Map.of("grant_type", "password", "client_id", "admin-cli", "username", "admin",
                "password", "admin");
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base
                + "/realms/master/protocol/openid-connect/token")).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form))).build());
        expect(r, 200);
        return parse(r.body()).path("access_token").asText();
    }

    private HttpRequest admin(String method, String path, JsonNode body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + adminToken());
        if (body == null) {
            return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expect(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " answered "
                    + r.statusCode() + " (expected " + status + "): " + r.body());
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String form(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
