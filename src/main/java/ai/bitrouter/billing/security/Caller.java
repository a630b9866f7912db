package ai.bitrouter.billing.security;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who is calling, whatever the credential: a person with a Keycloak access token, or an API key acting for an
 * account within one namespace.
 *
 * @param subject      the Keycloak subject: the user's, or for an API key the owner of its account
 * @param emailVerified the token's {@code email_verified}: only a verified e-mail may become the billing e-mail
 * @param scopes       the granted scopes: the token's {@code scope} claim, or the key's scopes
 * @param roles        realm roles; always empty for an API key
 * @param apiKey       the key, when the caller is one
 */
public record Caller(Kind kind, String subject, String username, String email, boolean emailVerified,
        Set<String> scopes, Set<String> roles, Optional<ApiKeyPrincipal> apiKey) {

    public enum Kind {
        USER, API_KEY
    }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /**
     * May act as an operator: the realm role {@link Roles#BILLING_ADMIN} and the scope {@link Scopes#BILLING_ADMIN}
     * in the same token. The one rule for the JSON admin API ({@link ScopeEnforcement}) and the admin pages.
     */
    public boolean hasAdminPower() {
        return hasRole(Roles.BILLING_ADMIN) && hasScope(Scopes.BILLING_ADMIN);
    }

    /** For an API key, the account it belongs to (known without a lookup). */
    public Optional<UUID> apiKeyAccountId() {
        return apiKey.map(ApiKeyPrincipal::accountId);
    }

    /** The caller of an authenticated identity; empty for an anonymous one or a principal of unknown kind. */
    public static Optional<Caller> of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return Optional.empty();
        }
        if (identity.getPrincipal() instanceof ApiKeyPrincipal key) {
            return Optional.of(new Caller(Kind.API_KEY, key.ownerSubject(), null, null, false,
                    key.scopes(), Set.of(), Optional.of(key)));
        }
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null) {
            Object scope = jwt.getClaim("scope");
            if (scope == null) {
                // The web pages' identity is the ID token, which has no scope; the session's access token has.
                scope = accessTokenScope(identity);
            }
            Set<String> scopes = scope instanceof String s && !s.isBlank()
                    ? Set.copyOf(Arrays.asList(s.trim().split("\\s+")))
                    : Set.of();
            return Optional.of(new Caller(Kind.USER, jwt.getSubject(), jwt.getClaim("preferred_username"),
                    jwt.getClaim("email"), isTrue(jwt.getClaim("email_verified")), scopes,
                    Set.copyOf(identity.getRoles()), Optional.empty()));
        }
        return Optional.empty();
    }

    /** A boolean claim arrives as a Boolean or as a JSON-P value, depending on how the token was parsed. */
    private static boolean isTrue(Object claim) {
        return claim instanceof Boolean b ? b : claim != null && "true".equals(claim.toString());
    }

    /**
     * The {@code scope} claim of the identity's access token, for a code-flow session. That token came from Keycloak's
     * token endpoint over the server's own back channel and was verified by quarkus-oidc when the session was made
     * (roles are read from it), so reading its payload here trusts nothing the browser sent.
     */
    private static String accessTokenScope(SecurityIdentity identity) {
        AccessTokenCredential credential = identity.getCredential(AccessTokenCredential.class);
        if (credential == null || credential.getToken() == null) {
            return null;
        }
        String[] parts = credential.getToken().split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonNode payload = PAYLOAD.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return payload.path("scope").isTextual() ? payload.get("scope").asText() : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static final ObjectMapper PAYLOAD = new ObjectMapper();
}
