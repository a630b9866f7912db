package ai.bitrouter.billing.testsupport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Access tokens from the real Keycloak, obtained through the device flow exactly as the CLI gets them, cached per
 * user and scope set for the test run (tokens live 5 minutes; a suite needs far fewer round trips than that).
 */
public final class Tokens {
    public static final String REALM = "bitrouter";
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private Tokens() {
    }

    public static String keycloakUrl() {
        return ConfigProvider.getConfig().getValue("bitrouter.devstack.keycloak-url", String.class);
    }

    public static String of(String user, String password, String scopes) {
        return CACHE.computeIfAbsent(user + "|" + scopes,
                k -> DeviceFlowClient.accessToken(keycloakUrl(), REALM, user, password, scopes));
    }

    /** The demo customer with the CLI's default scopes. */
    public static String demo() {
        return of("demo", "demo", DeviceFlowClient.DEFAULT_CLI_SCOPES);
    }

    /** A second customer, for tenant-isolation checks. */
    public static String other() {
        return of("other", "other", DeviceFlowClient.DEFAULT_CLI_SCOPES);
    }

    /** A billing admin. */
    public static String admin() {
        return of("admin", "admin", DeviceFlowClient.DEFAULT_CLI_SCOPES);
    }
}
