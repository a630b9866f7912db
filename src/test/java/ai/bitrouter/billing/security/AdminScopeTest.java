package ai.bitrouter.billing.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.audit.api.AuditResource;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.security.Authenticated;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.annotation.security.DenyAll;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.HttpMethod;

/**
 * Admin power needs the role {@code billing-admin} and the scope {@code billing:admin}. The admin endpoints are not
 * listed by hand: they are discovered from the compiled JAX-RS resource classes, so an endpoint added later (the DLQ
 * replay, say) is walked by this test the day it exists.
 */
@QuarkusTest
class AdminScopeTest {

    /** One JAX-RS endpoint: HTTP method, path template, and the Java method behind it. */
    record Endpoint(String verb, String template, Class<?> type, Method method) {
        /** The path with every {@code {param}} (regex or not) replaced by a fresh UUID: an id that exists nowhere. */
        String concretePath() {
            StringBuilder out = new StringBuilder();
            int i = 0;
            while (i < template.length()) {
                char ch = template.charAt(i);
                if (ch == '{') {
                    int depth = 1;
                    int j = i + 1;
                    while (depth > 0) {
                        char cj = template.charAt(j++);
                        depth += cj == '{' ? 1 : cj == '}' ? -1 : 0;
                    }
                    out.append(UUID.randomUUID());
                    i = j;
                } else {
                    out.append(ch);
                    i++;
                }
            }
            return out.toString().replaceAll("/+", "/");
        }

        @Override
        public String toString() {
            return verb + " " + template;
        }
    }

    @Test
    void anAdminsEverydayCliTokenIsRefusedOnEveryAdminEndpoint() {
        List<Endpoint> admin = adminEndpoints();
        String everyday = Tokens.adminEveryday();
        // The token really is an admin's: the role is there, only the scope is missing.
        var claims = DeviceFlowClient.decodeJwtPayload(everyday);
        assertTrue(claims.path("realm_access").path("roles").toString().contains(Roles.BILLING_ADMIN), claims::toString);
        assertTrue(!claims.path("scope").asText().contains(Scopes.BILLING_ADMIN), claims::toString);
        for (Endpoint e : admin) {
            Response r = call(everyday, e);
            assertEquals(403, r.statusCode(), () -> e + " answered " + r.asString());
            assertEquals("forbidden", r.jsonPath().getString("error"), () -> e + ": " + r.asString());
            assertEquals("missing required scope: " + Scopes.BILLING_ADMIN,
                    r.jsonPath().getString("error_description"), () -> e + ": " + r.asString());
        }
    }

    @Test
    void theSameAdminWithTheAdminScopeIsLetThroughEverywhere() {
        String withScope = Tokens.admin();
        assertTrue(DeviceFlowClient.decodeJwtPayload(withScope).path("scope").asText().contains(Scopes.BILLING_ADMIN));
        for (Endpoint e : adminEndpoints()) {
            Response r = call(withScope, e);
            // Past security: whatever the endpoint makes of an unknown id or an empty body (200, 400, 404, 409).
            assertTrue(r.statusCode() != 401 && r.statusCode() != 403 && r.statusCode() < 500,
                    () -> e + " answered " + r.statusCode() + " " + r.asString());
        }
    }

    @Test
    void aCustomerWhoAsksForTheAdminScopeStillHasNoAdminPower() {
        String customer = Tokens.demoAskingForAdminScope();
        for (Endpoint e : adminEndpoints()) {
            Response r = call(customer, e);
            assertEquals(403, r.statusCode(), () -> e + " answered " + r.asString());
        }
    }

    @Test
    void everyEndpointStatesWhoMayCallItAndEveryAdminOneNamesTheRole() {
        assertEquals(Boolean.TRUE, ConfigProvider.getConfig()
                .getValue("quarkus.security.jaxrs.deny-unannotated-endpoints", Boolean.class));
        List<String> unannotated = new ArrayList<>();
        List<String> adminWithoutRole = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            if (access(e.method()) == null && access(e.type()) == null) {
                unannotated.add(e.toString());
            }
            boolean adminPath = e.template().startsWith("/v1/admin") || e.template().startsWith("/ui/admin");
            if (adminPath && !ScopeEnforcement.forAdmins(e.type(), e.method())) {
                adminWithoutRole.add(e.toString());
            }
            if (adminPath) {
                assertEquals(List.of(Scopes.BILLING_ADMIN), ScopeEnforcement.requiredScopes(e.type(), e.method()),
                        e::toString);
            }
        }
        assertEquals(List.of(), unannotated, "endpoints without @PermitAll/@Authenticated/@RolesAllowed/@DenyAll");
        assertEquals(List.of(), adminWithoutRole, "admin endpoints without @RolesAllowed(billing-admin)");
    }

    private static Response call(String token, Endpoint e) {
        var request = given().auth().oauth2(token);
        if (!e.verb().equals("GET") && !e.verb().equals("DELETE")) {
            request = request.contentType(ContentType.JSON).body("{}");
        }
        return request.when().request(e.verb(), e.concretePath()).thenReturn();
    }

    private static List<Endpoint> adminEndpoints() {
        List<Endpoint> admin = endpoints().stream().filter(e -> e.template().startsWith("/v1/admin")).toList();
        // The discovery must see at least today's admin API; fewer means it looks in the wrong place.
        TreeSet<String> seen = new TreeSet<>();
        admin.forEach(e -> seen.add(e.toString()));
        for (String known : List.of("GET /v1/admin/audit", "POST /v1/admin/catalog/imports",
                "POST /v1/admin/accounts/{accountId}/discounts", "POST /v1/admin/invoices/{id}/repush",
                "POST /v1/admin/invoicing/close", "POST /v1/admin/usage/reprice", "GET /v1/admin/usage/parked/events")) {
            assertTrue(seen.contains(known), () -> known + " not discovered in " + seen);
        }
        return admin;
    }

    /** Every resource method of every {@code @Path} class of the service, read from its compiled classes. */
    static List<Endpoint> endpoints() {
        List<Endpoint> out = new ArrayList<>();
        for (Class<?> type : resourceClasses()) {
            String base = type.getAnnotation(jakarta.ws.rs.Path.class).value();
            for (Method m : type.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                String verb = verb(m);
                if (verb == null) {
                    continue; // a sub-resource locator or a helper; the service has no locators
                }
                jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
                String template = ("/" + base + (sub == null ? "" : "/" + sub.value())).replaceAll("/+", "/");
                if (template.length() > 1 && template.endsWith("/")) {
                    template = template.substring(0, template.length() - 1);
                }
                out.add(new Endpoint(verb, template, type, m));
            }
        }
        return out;
    }

    private static String verb(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod http = a.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    private static Annotation access(java.lang.reflect.AnnotatedElement element) {
        for (Class<? extends Annotation> a : List.of(PermitAll.class, Authenticated.class, RolesAllowed.class,
                DenyAll.class)) {
            if (element.isAnnotationPresent(a)) {
                return element.getAnnotation(a);
            }
        }
        return null;
    }

    private static List<Class<?>> resourceClasses() {
        Path root = classesRoot();
        Path pkg = root.resolve("ai/bitrouter/billing");
        List<Class<?>> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(pkg)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, AuditResource.class.getClassLoader());
                if (type.isAnnotationPresent(jakarta.ws.rs.Path.class) && !type.isInterface()) {
                    found.add(type);
                }
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("scanning " + pkg + " failed", e);
        }
        assertTrue(found.size() >= 15, () -> "only " + found.size() + " resource classes under " + pkg);
        return found;
    }

    /** The directory the service's classes were compiled to (the one holding {@link AuditResource}). */
    private static Path classesRoot() {
        try {
            var source = AuditResource.class.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null && "file".equals(source.getLocation().getProtocol())) {
                Path p = Path.of(source.getLocation().toURI());
                if (Files.isDirectory(p.resolve("ai/bitrouter/billing"))) {
                    return p;
                }
            }
        } catch (URISyntaxException e) {
            // fall through to the build's layout
        }
        return Path.of("target/classes").toAbsolutePath();
    }
}
