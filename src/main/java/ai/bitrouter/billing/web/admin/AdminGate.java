package ai.bitrouter.billing.web.admin;

import java.net.URI;
import java.util.Optional;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.bitrouter.billing.security.Caller;
import ai.bitrouter.billing.security.Roles;
import ai.bitrouter.billing.security.Scopes;
import ai.bitrouter.billing.web.ErrorPage;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.Response;

/**
 * The one door of the admin pages: every request under {@code /ui/admin} needs the realm role
 * {@code billing-admin} and the scope {@code billing:admin} ({@link Caller#hasAdminPower}, the rule of the JSON admin
 * API), otherwise the 403 page. It runs just before {@code ScopeEnforcement}, which would refuse the same callers
 * with the API's JSON envelope, so a person gets a page. A filter on the path rather than an annotation per method, so a
 * page added later cannot forget it. A POST must also come from this site (Origin, when the browser sends one, names
 * this host); the per-session CSRF token is checked by each form handler, which has the form.
 */
public class AdminGate {
    static final String PREFIX = "/ui/admin";

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION - 1)
    public Uni<Response> requireAdmin(RoutingContext context) {
        String path = context.normalizedPath();
        if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
            return Uni.createFrom().nullItem();
        }
        return QuarkusHttpUser.getSecurityIdentity(context, null).map(identity -> {
            Optional<Caller> caller = Caller.of(identity);
            if (!caller.map(c -> c.hasRole(Roles.BILLING_ADMIN)).orElse(false)) {
                return ErrorPage.response(403, "The admin pages are for billing admins (Keycloak realm role "
                        + Roles.BILLING_ADMIN + ").");
            }
            if (!caller.get().hasAdminPower()) {
                return ErrorPage.response(403, "This session was signed in without the scope " + Scopes.BILLING_ADMIN
                        + "; sign out and in again.");
            }
            if (HttpMethod.POST.equals(context.request().method().name()) && !sameOrigin(context)) {
                return ErrorPage.response(403, "The form was posted from another site.");
            }
            return null;
        });
    }

    private static boolean sameOrigin(RoutingContext context) {
        String origin = context.request().getHeader("Origin");
        if (origin == null || origin.isBlank()) {
            return true; // no Origin: an old browser or a same-origin navigation; the CSRF token still decides
        }
        String host = context.request().getHeader("Host");
        try {
            URI o = URI.create(origin);
            String authority = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
            return host != null && host.equalsIgnoreCase(authority);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
