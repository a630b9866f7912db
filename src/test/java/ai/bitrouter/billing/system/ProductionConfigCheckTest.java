package ai.bitrouter.billing.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The production start refuses to run without the shared settings, naming every missing or unusable one in one line. */
class ProductionConfigCheckTest {
    private static final String CSRF = "bitrouter.web.csrf-secret";
    private static final String WEB_SECRET = "quarkus.oidc.web.credentials.secret";
    private static final String PUBLIC_URL = "bitrouter.oauth.public-base-url";

    private static Map<String, String> complete() {
        Map<String, String> p = new HashMap<>();
        p.put(CSRF, "0123456789abcdef0123456789abcdef");
        p.put(WEB_SECRET, "a-real-secret");
        p.put(PUBLIC_URL, "https://api.bitrouter.example");
        return p;
    }

    private static String check(Map<String, String> p) {
        return ProductionConfigCheck.problem(name -> Optional.ofNullable(p.get(name)));
    }

    @Test
    void everythingSetIsAccepted() {
        assertNull(check(complete()));
    }

    @Test
    void nothingSetNamesEveryVariableInOneLine() {
        String problem = check(Map.of());
        assertEquals("refusing to start in production: missing BITROUTER_WEB_CSRF_SECRET, BITROUTER_WEB_CLIENT_SECRET, "
                + "BITROUTER_OAUTH_PUBLIC_BASE_URL (deploy/kubernetes/README.md, deploy/compose/env.example)", problem);
        assertEquals(-1, problem.indexOf('\n'));
    }

    @Test
    void aBlankValueIsMissing() {
        Map<String, String> p = complete();
        p.put(CSRF, "   ");
        assertEquals("refusing to start in production: missing BITROUTER_WEB_CSRF_SECRET "
                + "(deploy/kubernetes/README.md, deploy/compose/env.example)", check(p));
    }

    @Test
    void unusableValuesAreNamedWithTheirRule() {
        Map<String, String> p = complete();
        p.put(CSRF, "too-short");
        p.put(WEB_SECRET, "dev-only-bitrouter-web-secret-NOT-FOR-PRODUCTION");
        p.put(PUBLIC_URL, "http://api.bitrouter.example");
        assertEquals("refusing to start in production: invalid BITROUTER_WEB_CSRF_SECRET (must be at least 32 bytes), "
                + "BITROUTER_WEB_CLIENT_SECRET (must be not the realm file's dev-only value), "
                + "BITROUTER_OAUTH_PUBLIC_BASE_URL (must be an https:// URL) "
                + "(deploy/kubernetes/README.md, deploy/compose/env.example)", check(p));
    }

    @Test
    void missingAndInvalidAreBothReported() {
        Map<String, String> p = complete();
        p.remove(WEB_SECRET);
        p.put(PUBLIC_URL, "api.bitrouter.example");
        assertEquals("refusing to start in production: missing BITROUTER_WEB_CLIENT_SECRET; invalid "
                + "BITROUTER_OAUTH_PUBLIC_BASE_URL (must be an https:// URL) "
                + "(deploy/kubernetes/README.md, deploy/compose/env.example)", check(p));
    }
}
