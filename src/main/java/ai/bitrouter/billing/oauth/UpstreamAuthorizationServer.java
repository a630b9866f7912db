package ai.bitrouter.billing.oauth;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Keycloak's OpenID Connect endpoints of one realm, called with form posts over the JDK HTTP client, each answer
 * normalized into an {@link OAuthReply}: JSON passes through, anything else (an HTML error page, an empty body, a
 * timeout, a refused connection) becomes the OAuth error a client can act on.
 */
public class UpstreamAuthorizationServer {
    private static final Logger LOG = Logger.getLogger(UpstreamAuthorizationServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String DEVICE = "/protocol/openid-connect/auth/device";
    public static final String TOKEN = "/protocol/openid-connect/token";
    public static final String REVOKE = "/protocol/openid-connect/revoke";

    private final String realmUrl;
    private final Duration requestTimeout;
    private final HttpClient http;

    /** {@code realmUrl}: {@code <keycloak>/realms/<realm>}, as in {@code quarkus.oidc.auth-server-url}. */
    public UpstreamAuthorizationServer(String realmUrl, Duration connectTimeout, Duration requestTimeout) {
        this.realmUrl = realmUrl.endsWith("/") ? realmUrl.substring(0, realmUrl.length() - 1) : realmUrl;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** POSTs {@code form} to {@code endpoint} (one of {@link #DEVICE}, {@link #TOKEN}, {@link #REVOKE}). */
    public OAuthReply post(String endpoint, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(realmUrl + endpoint))
                .timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return normalize(response.statusCode(), response.body());
        } catch (IOException e) {
            // No request content in the log: forms carry device codes and refresh tokens.
            LOG.warnf("Keycloak %s unreachable: %s", endpoint, e.toString());
            return OAuthReply.error(503, "temporarily_unavailable",
                    "the sign-in service is not reachable; try again in a moment");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OAuthReply.error(503, "temporarily_unavailable", "interrupted");
        }
    }

    /**
     * Keycloak's answer as the client must see it. A JSON error keeps only {@code error} and
     * {@code error_description} (and its status); a non-JSON body is mapped by status: 400 {@code invalid_request},
     * 401 {@code invalid_client}, anything else a 502 {@code server_error} (our upstream misbehaved, not the client).
     */
    static OAuthReply normalize(int status, String body) {
        JsonNode json = parseObject(body);
        if (status >= 200 && status < 300) {
            return new OAuthReply(status, json instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode());
        }
        if (json != null && json.path("error").isTextual() && status >= 400 && status < 500) {
            ObjectNode error = JsonNodeFactory.instance.objectNode();
            error.put("error", json.path("error").asText());
            error.put("error_description", json.path("error_description").asText(""));
            return new OAuthReply(status, error);
        }
        return switch (status) {
            case 400 -> OAuthReply.error(400, "invalid_request", "the sign-in service rejected the request");
            case 401 -> OAuthReply.error(401, "invalid_client", "the sign-in service did not accept the client");
            default -> {
                LOG.warnf("Keycloak answered HTTP %d without an OAuth error body", status);
                yield OAuthReply.error(502, "server_error", "the sign-in service failed (HTTP " + status + ")");
            }
        };
    }

    private static JsonNode parseObject(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }
}
