package ai.bitrouter.billing.testsupport;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Access tokens from the real Keycloak, obtained through the device flow exactly as the CLI gets them, cached per
 * user and scope set for the test run. Tokens live 5 minutes; a cached one is replaced when it has less than a
 * minute left, so a long suite never hands out an expired token.
 */
public final class Tokens {
    public static final String REALM = "bitrouter";
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();
    private static final long MIN_REMAINING_SECONDS = 60;

    private Tokens() {
    }

    public static String keycloakUrl() {
        return ConfigProvider.getConfig().getValue("bitrouter.devstack.keycloak-url", String.class);
    }

    public static String of(String user, String password, String scopes) {
        return CACHE.compute(user + "|" + scopes, (k, cached) -> cached != null && !expiresSoon(cached) ? cached
                : DeviceFlowClient.accessToken(keycloakUrl(), REALM, user, password, scopes));
    }

    /** The demo customer with the CLI's default scopes. */
    public static String demo() {
        return of("demo", "demo", DeviceFlowClient.DEFAULT_CLI_SCOPES);
    }

    /** A second customer, for tenant-isolation checks. */
    public static String other() {
        return of("other", "other", DeviceFlowClient.DEFAULT_CLI_SCOPES);
    }

    /**
     * A billing admin acting as one: the CLI's default scopes plus {@code billing:admin}, which the admin endpoints
     * require with the role.
     */
    public static String admin() {
        return of("admin", "admin", DeviceFlowClient.DEFAULT_CLI_SCOPES + " " + ADMIN_SCOPE);
    }

    /** The same admin's everyday CLI token (default scopes only): no operator power. */
    public static String adminEveryday() {
        return of("admin", "admin", DeviceFlowClient.DEFAULT_CLI_SCOPES);
    }

    /**
     * A customer who asks for the admin scope too. Keycloak leaves it out (its role scope mapping is billing-admin),
     * and the service would refuse them for the role anyway.
     */
    public static String demoAskingForAdminScope() {
        return of("demo", "demo", DeviceFlowClient.DEFAULT_CLI_SCOPES + " " + ADMIN_SCOPE);
    }

    public static final String ADMIN_SCOPE = "billing:admin";

    /**
     * Signs in exactly as the CLI does against this service (its RFC 8414 metadata, then its own device and token
     * endpoints), approving in Keycloak's pages as {@code user}; not cached. Unlike {@link #of}, this provisions
     * the user's billing account, and the response carries {@code namespace_id} and an {@code id_token}.
     *
     * @param serviceBaseUrl the running service, e.g. a {@code @TestHTTPResource("/")} URL
     */
    public static DeviceFlowClient.TokenResponse signInThroughService(String serviceBaseUrl, String user,
            String password, String scopes) {
        String base = serviceBaseUrl.endsWith("/") ? serviceBaseUrl : serviceBaseUrl + "/";
        return DeviceFlowClient.discover(URI.create(base + ".well-known/oauth-authorization-server"))
                .login(user, password, scopes);
    }

    private static boolean expiresSoon(String jwt) {
        long exp = DeviceFlowClient.decodeJwtPayload(jwt).path("exp").asLong(0);
        return exp < Instant.now().getEpochSecond() + MIN_REMAINING_SECONDS;
    }
}
