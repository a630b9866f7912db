package ai.bitrouter.billing.security;

import ai.bitrouter.billing.common.api.ApiException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * The caller of the current request, for endpoint code (blocking or on a worker thread): inject it and call
 * {@link #caller()}. Anonymous requests get a 401 in the contract's envelope.
 */
@RequestScoped
public class CallerContext {

    @Inject
    SecurityIdentity identity;

    private Caller caller;

    public Caller caller() {
        if (caller == null) {
            caller = Caller.of(identity).orElseThrow(UnauthorizedException::new);
        }
        return caller;
    }

    /** The same check as {@link RequireScope}, for rules that depend on the request (e.g. on its body). */
    public void requireScope(String scope) {
        if (!caller().hasScope(scope)) {
            throw missingScope(scope);
        }
    }

    /** The contract's 403 for a missing scope; the CLI turns this exact text into a re-login hint. */
    public static ApiException missingScope(String scope) {
        return ApiException.forbidden(ScopeEnforcement.MISSING_SCOPE + scope);
    }
}
