package ai.bitrouter.billing.oauth;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The RFC 8414 document at {@code /.well-known/oauth-authorization-server}. The CLI fetches it at every start, so it
 * is serialized once (per base URL) and served as bytes.
 */
@ApplicationScoped
public class AuthorizationServerMetadata {
    public static final String DEVICE_PATH = "/oauth/device/code";
    public static final String TOKEN_PATH = "/oauth/token";
    public static final String REVOKE_PATH = "/oauth/revoke";
    /** Loopback authorities seen without a configured base URL; a bound so odd Host headers cannot grow it. */
    private static final int MAX_DERIVED = 32;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(AuthorizationServerMetadata.class);

    @Inject
    OAuthConfig config;

    private byte[] configured;
    private final Map<String, byte[]> derived = new ConcurrentHashMap<>();

    @PostConstruct
    void init() {
        configured = config.publicBaseUrl().map(AuthorizationServerMetadata::checkedBase)
                .map(AuthorizationServerMetadata::document).orElse(null);
    }

    /**
     * The document for a request whose own base URI is {@code requestBase}; empty when no base URL is configured
     * and the request did not come to a loopback host.
     */
    public Optional<byte[]> forRequest(URI requestBase) {
        if (configured != null) {
            return Optional.of(configured);
        }
        if (requestBase == null || !isLoopback(requestBase.getHost())) {
            return Optional.empty();
        }
        String base = requestBase.getScheme() + "://" + requestBase.getRawAuthority();
        byte[] cached = derived.get(base);
        if (cached != null) {
            return Optional.of(cached);
        }
        byte[] doc = document(base);
        if (derived.size() < MAX_DERIVED) {
            derived.putIfAbsent(base, doc);
        }
        return Optional.of(doc);
    }

    /** Production must say where it is reachable; the first CLI login would otherwise fail with a 500. */
    void checkAtStartup(@Observes StartupEvent event) {
        if (configured == null && LaunchMode.current() == LaunchMode.NORMAL) {
            LOG.warn("bitrouter.oauth.public-base-url is not set: /.well-known/oauth-authorization-server answers "
                    + "only requests to loopback hosts");
        }
    }

    static byte[] document(String base) {
        ObjectNode m = JSON.createObjectNode();
        m.put("issuer", base);
        m.put("device_authorization_endpoint", base + DEVICE_PATH);
        m.put("token_endpoint", base + TOKEN_PATH);
        m.put("revocation_endpoint", base + REVOKE_PATH);
        m.putArray("grant_types_supported").add(AuthorizationServerFront.DEVICE_CODE_GRANT)
                .add(AuthorizationServerFront.REFRESH_TOKEN_GRANT);
        // There is no authorization endpoint: the only interactive step happens on Keycloak's device page.
        m.putArray("response_types_supported");
        m.putArray("token_endpoint_auth_methods_supported").add("none");
        m.putArray("revocation_endpoint_auth_methods_supported").add("none");
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The configured base: absolute, https (or http on loopback, as the CLI requires), no path, no trailing slash. */
    static String checkedBase(String value) {
        String base = value.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        URI uri = URI.create(base);
        boolean https = "https".equals(uri.getScheme());
        boolean loopbackHttp = "http".equals(uri.getScheme()) && isLoopback(uri.getHost());
        if (!(https || loopbackHttp) || uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty())
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("bitrouter.oauth.public-base-url must be https://host[:port] "
                    + "(http only on a loopback host), without a path; got " + value);
        }
        return base;
    }

    /** Literal loopback names only: no DNS lookup on a request path. */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
                || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
