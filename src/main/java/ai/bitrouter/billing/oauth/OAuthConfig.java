package ai.bitrouter.billing.oauth;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The authorization-server front ({@code bitrouter.oauth.*}). Keycloak's realm URL is {@code quarkus.oidc.auth-server-url}. */
@ConfigMapping(prefix = "bitrouter.oauth")
public interface OAuthConfig {

    /**
     * The service's external base URL (e.g. {@code https://api.bitrouter.ai}): the {@code issuer} of the metadata
     * and the base of its endpoints. Required in production. When unset, the request's own scheme and host are
     * used, for loopback hosts only (dev mode, tests): reflecting an arbitrary Host header would let anyone point
     * a cached metadata document at their own server.
     */
    Optional<String> publicBaseUrl();

    /** The OAuth clients this front serves (public device-flow clients of the realm). */
    @WithDefault("bitrouter-cli")
    List<String> clients();

    /** Connecting to Keycloak. */
    @WithDefault("3s")
    Duration connectTimeout();

    /** A whole Keycloak call; the CLI gives up on its side well after this. */
    @WithDefault("10s")
    Duration requestTimeout();
}
