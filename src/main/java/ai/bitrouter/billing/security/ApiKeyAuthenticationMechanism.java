package ai.bitrouter.billing.security;

import java.util.Optional;
import java.util.Set;

import ai.bitrouter.billing.accounts.ApiKeyCredential;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Authenticates API keys: {@code Authorization: Bearer brk_<id>.<secret>} (what the CLI sends for a key) or, when
 * there is no Authorization header, {@code x-api-key: brk_...} (what routers send for settlement receipts).
 *
 * <p>It runs before the OIDC mechanism (higher priority) and claims only those requests; every other bearer token
 * falls through to OIDC, which keeps validating Keycloak JWTs. A request it claims is never handed on: a wrong,
 * malformed or revoked key is a 401, not an anonymous request.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {
    static final String X_API_KEY = "x-api-key";
    private static final String BEARER = "bearer ";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String presented = presentedKey(context.request().getHeader(HttpHeaderNames.AUTHORIZATION),
                context.request().getHeader(X_API_KEY));
        if (presented == null) {
            return Uni.createFrom().optional(Optional.empty());
        }
        return identityProviderManager.authenticate(
                HttpSecurityUtils.setRoutingContextAttribute(new ApiKeyAuthenticationRequest(presented), context));
    }

    /** The API key of a request, or null when the request does not present one (then OIDC decides). */
    static String presentedKey(String authorization, String xApiKey) {
        if (authorization != null) {
            if (authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                String token = authorization.substring(BEARER.length()).trim();
                return token.startsWith(ApiKeyCredential.PREFIX) ? token : null;
            }
            return null;
        }
        return xApiKey == null || xApiKey.isBlank() ? null : xApiKey.trim();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, HttpHeaderNames.WWW_AUTHENTICATE, "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.OTHER_HEADER, X_API_KEY));
    }

    /** Above OIDC's bearer mechanism (1001), which would otherwise try to parse {@code brk_...} as a JWT. */
    @Override
    public int getPriority() {
        return 2000;
    }
}
