package ai.bitrouter.billing.security;

import ai.bitrouter.billing.accounts.ApiKeyService;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Turns a presented API key into an identity: principal {@link ApiKeyPrincipal}, no roles, and the key's scopes
 * (also as permissions, as Quarkus OIDC does for a token's scopes, so {@code @PermissionsAllowed} would agree with
 * {@link RequireScope}).
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    @Inject
    ApiKeyService keys;

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            ApiKeyService.Authenticated key = keys.authenticate(request.presented())
                    .orElseThrow(() -> new AuthenticationFailedException("invalid or revoked API key"));
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new ApiKeyPrincipal(key.keyId(), key.namespaceId(), key.accountId(),
                            key.ownerSubject(), key.scopes(), key.accountStatus()))
                    .addPermissionsAsString(key.scopes())
                    .build();
        });
    }
}
