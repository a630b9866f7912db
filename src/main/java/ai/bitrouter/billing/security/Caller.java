package ai.bitrouter.billing.security;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.jwt.JsonWebToken;

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
}
