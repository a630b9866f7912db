package ai.bitrouter.billing.oauth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import ai.bitrouter.billing.accounts.AccountProvisioner;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * This service's OAuth 2.0 authorization server, the one the CLI discovers: device authorization (RFC 8628), token
 * and revocation (RFC 7009), fronting Keycloak's endpoints for the realm's public CLI client. Keycloak does the
 * real work (user codes, sign-in, consent, polling rules, tokens); the front adds what the contract needs on top:
 *
 * <ul>
 * <li>{@code openid} is added to every device request, so the token response carries an {@code id_token} (the CLI
 * reads its {@code sub});</li>
 * <li>the first successful device-code token provisions the user's billing account and first namespace, and every
 * device-code token response carries the non-standard top-level {@code namespace_id};</li>
 * <li>every answer is JSON, whatever Keycloak did.</li>
 * </ul>
 * Only the device-code and refresh-token grants are served, and only to configured clients, so this public
 * endpoint cannot be used to reach any other client or grant of the realm.
 */
@ApplicationScoped
public class AuthorizationServerFront {
    private static final Logger LOG = Logger.getLogger(AuthorizationServerFront.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    public static final String REFRESH_TOKEN_GRANT = "refresh_token";
    private static final int PROVISIONING_ATTEMPTS = 3;

    @Inject
    OAuthConfig config;

    @Inject
    AccountProvisioner provisioner;

    @ConfigProperty(name = "quarkus.oidc.auth-server-url")
    String realmUrl;

    private UpstreamAuthorizationServer keycloak;
    private Set<String> clients;

    @PostConstruct
    void init() {
        keycloak = new UpstreamAuthorizationServer(realmUrl, config.connectTimeout(), config.requestTimeout());
        clients = Set.copyOf(config.clients());
    }

    /** RFC 8628 section 3.1: {@code client_id}, {@code scope}. */
    public OAuthReply deviceAuthorization(Map<String, List<String>> form) {
        Optional<OAuthReply> invalid = checkForm(form);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        Map<String, String> upstream = new LinkedHashMap<>();
        upstream.put("client_id", single(form, "client_id"));
        upstream.put("scope", withOpenId(single(form, "scope")));
        return keycloak.post(UpstreamAuthorizationServer.DEVICE, upstream);
    }

    /** RFC 8628 section 3.4 (device code) and RFC 6749 section 6 (refresh). */
    public OAuthReply token(Map<String, List<String>> form) {
        Optional<OAuthReply> invalid = checkForm(form);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        String grantType = single(form, "grant_type");
        Map<String, String> upstream = new LinkedHashMap<>();
        upstream.put("grant_type", grantType);
        upstream.put("client_id", single(form, "client_id"));
        if (DEVICE_CODE_GRANT.equals(grantType)) {
            String deviceCode = single(form, "device_code");
            if (deviceCode == null || deviceCode.isBlank()) {
                return OAuthReply.error(400, "invalid_request", "device_code is required");
            }
            upstream.put("device_code", deviceCode);
            OAuthReply reply = keycloak.post(UpstreamAuthorizationServer.TOKEN, upstream);
            return reply.isSuccess() ? withProvisionedNamespace(withRefreshTokenLifetime(reply)) : reply;
        }
        if (REFRESH_TOKEN_GRANT.equals(grantType)) {
            String refreshToken = single(form, "refresh_token");
            if (refreshToken == null || refreshToken.isBlank()) {
                return OAuthReply.error(400, "invalid_request", "refresh_token is required");
            }
            upstream.put("refresh_token", refreshToken);
            String scope = single(form, "scope");
            if (scope != null && !scope.isBlank()) {
                upstream.put("scope", scope);
            }
            OAuthReply reply = keycloak.post(UpstreamAuthorizationServer.TOKEN, upstream);
            return reply.isSuccess() ? withKnownNamespace(withRefreshTokenLifetime(reply)) : reply;
        }
        if (grantType == null || grantType.isBlank()) {
            return OAuthReply.error(400, "invalid_request", "grant_type is required");
        }
        return OAuthReply.error(400, "unsupported_grant_type",
                "supported: " + DEVICE_CODE_GRANT + ", " + REFRESH_TOKEN_GRANT);
    }

    /**
     * RFC 7009: {@code token}, {@code token_type_hint}, {@code client_id}. Any 2xx answer is {@code {}}: RFC 7009
     * answers 200 for an unknown token too, so a body could only suggest more than the server knows.
     */
    public OAuthReply revoke(Map<String, List<String>> form) {
        Optional<OAuthReply> invalid = checkForm(form);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        String token = single(form, "token");
        if (token == null || token.isBlank()) {
            return OAuthReply.error(400, "invalid_request", "token is required");
        }
        Map<String, String> upstream = new LinkedHashMap<>();
        upstream.put("token", token);
        String hint = single(form, "token_type_hint");
        if (hint != null && !hint.isBlank()) {
            upstream.put("token_type_hint", hint);
        }
        upstream.put("client_id", single(form, "client_id"));
        OAuthReply reply = keycloak.post(UpstreamAuthorizationServer.REVOKE, upstream);
        return reply.isSuccess() ? new OAuthReply(200, JsonNodeFactory.instance.objectNode()) : reply;
    }

    /** Client and parameter checks every endpoint shares (RFC 6749 section 3.2: no parameter twice). */
    private Optional<OAuthReply> checkForm(Map<String, List<String>> form) {
        for (Map.Entry<String, List<String>> e : form.entrySet()) {
            if (e.getValue() != null && e.getValue().size() > 1) {
                return Optional.of(OAuthReply.error(400, "invalid_request", "parameter repeated: " + e.getKey()));
            }
        }
        String clientId = single(form, "client_id");
        if (clientId == null || !clients.contains(clientId)) {
            return Optional.of(OAuthReply.error(401, "invalid_client", "unknown client_id"));
        }
        return Optional.empty();
    }

    /**
     * Provisions the signed-in user's account (idempotent) and adds its first namespace as {@code namespace_id}.
     * The device code is spent by now, so a provisioning failure cannot be retried by the client: it is retried
     * here, and if it still fails the fresh session is revoked (nothing is left signed in without an account) and
     * the client is told to sign in again.
     */
    private OAuthReply withProvisionedNamespace(OAuthReply reply) {
        Optional<JsonNode> claims = accessTokenClaims(reply);
        if (claims.isEmpty()) {
            return OAuthReply.error(502, "server_error", "the sign-in service returned an unreadable token");
        }
        String subject = claims.get().path("sub").asText(null);
        String email = claims.get().path("email").asText(null);
        boolean emailVerified = claims.get().path("email_verified").asBoolean(false);
        RuntimeException last = null;
        for (int attempt = 1; attempt <= PROVISIONING_ATTEMPTS; attempt++) {
            try {
                AccountProvisioner.Provisioned p = provisioner.provision(subject, email, emailVerified);
                reply.body().put("namespace_id", p.namespaceId());
                return reply;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        LOG.error("account provisioning failed after a successful sign-in; revoking the new session", last);
        String refreshToken = reply.body().path("refresh_token").asText(null);
        if (refreshToken != null) {
            keycloak.post(UpstreamAuthorizationServer.REVOKE, Map.of("token", refreshToken,
                    "token_type_hint", "refresh_token", "client_id", clients.iterator().next()));
        }
        return OAuthReply.error(500, "server_error", "signed in, but the billing account could not be set up; "
                + "please sign in again");
    }

    /**
     * CONTRACT §2: the CLI stops refreshing after {@code refresh_token_expires_in}. Keycloak says
     * {@code refresh_expires_in}; 0 there means a refresh token without a lifetime of its own (offline), so then the
     * field is left out, as the contract allows, rather than telling the client it has already expired.
     */
    static OAuthReply withRefreshTokenLifetime(OAuthReply reply) {
        JsonNode lifetime = reply.body().path("refresh_expires_in");
        if (lifetime.canConvertToLong() && lifetime.isIntegralNumber() && lifetime.longValue() > 0
                && reply.body().hasNonNull("refresh_token")) {
            reply.body().put("refresh_token_expires_in", lifetime.longValue());
        }
        return reply;
    }

    /** After a refresh: the account's first namespace when it is known (one indexed read; the CLI keeps its own). */
    private OAuthReply withKnownNamespace(OAuthReply reply) {
        accessTokenClaims(reply)
                .map(c -> c.path("sub").asText(null))
                .flatMap(provisioner::find)
                .ifPresent(p -> reply.body().put("namespace_id", p.namespaceId()));
        return reply;
    }

    /**
     * The claims of the access token Keycloak just issued, read without verifying its signature: it came over the
     * connection this service opened to Keycloak, not from the client, so it is as trustworthy as Keycloak itself.
     */
    static Optional<JsonNode> accessTokenClaims(OAuthReply reply) {
        String token = reply.body().path("access_token").asText(null);
        if (token == null) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.");
        if (parts.length < 2) {
            return Optional.empty();
        }
        try {
            JsonNode claims = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            return claims != null && claims.path("sub").isTextual() ? Optional.of(claims) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static String withOpenId(String scope) {
        if (scope == null || scope.isBlank()) {
            return "openid";
        }
        for (String s : scope.trim().split("\\s+")) {
            if (s.equals("openid")) {
                return scope.trim();
            }
        }
        return "openid " + scope.trim();
    }

    private static String single(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
