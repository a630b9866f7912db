package ai.bitrouter.billing.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** An API key presented by a caller, not yet checked. */
public final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {
    private final String presented;

    public ApiKeyAuthenticationRequest(String presented) {
        this.presented = presented;
    }

    public String presented() {
        return presented;
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationRequest[***]";
    }
}
