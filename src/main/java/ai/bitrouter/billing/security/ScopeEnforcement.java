package ai.bitrouter.billing.security;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.bitrouter.billing.common.api.ApiError;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Enforces {@link RequireScope}, and the admin scope: every resource method that {@code @RolesAllowed} lets
 * {@link Roles#BILLING_ADMIN} call (on the method, or on its class when the method has no {@code @RolesAllowed} of its
 * own) also needs the scope {@link Scopes#BILLING_ADMIN}. Derived from the role annotation every admin resource
 * already carries, so a new admin endpoint is covered without anyone remembering a second annotation. A request filter rather than a CDI interceptor so the check runs before the body
 * is read: a caller without the scope learns nothing from body validation. It authenticates without blocking
 * (the request's deferred identity; authentication is not proactive), so it works for blocking and reactive
 * endpoints alike.
 */
public class ScopeEnforcement {
    static final String MISSING_SCOPE = "missing required scope: ";

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION)
    public Uni<Response> requireScope(ResourceInfo resource, RoutingContext context) {
        List<String> scopes = requiredScopes(resource);
        if (scopes.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        // A failed authentication (bad token, revoked key) fails this Uni: the 401 mapper answers it.
        return QuarkusHttpUser.getSecurityIdentity(context, null)
                .map(identity -> verdict(Caller.of(identity), scopes));
    }

    /** Null lets the request through; the first scope missing is named in the 403. */
    static Response verdict(Optional<Caller> caller, List<String> scopes) {
        if (caller.isEmpty()) {
            return unauthorized();
        }
        for (String scope : scopes) {
            if (!caller.get().hasScope(scope)) {
                return ApiError.response(403, MISSING_SCOPE + scope);
            }
        }
        return null;
    }

    private static Response unauthorized() {
        return Response.fromResponse(ApiError.response(401, "a valid bearer token is required"))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
    }

    /** What {@code method} of {@code type} requires, in the order they are checked; empty for none. */
    public static List<String> requiredScopes(Class<?> type, Method method) {
        List<String> scopes = new ArrayList<>(2);
        RequireScope onMethod = method == null ? null : method.getAnnotation(RequireScope.class);
        RequireScope onClass = type == null ? null : type.getAnnotation(RequireScope.class);
        RequireScope declared = onMethod != null ? onMethod : onClass;
        if (declared != null) {
            scopes.add(declared.value());
        }
        if (forAdmins(type, method)) {
            scopes.add(Scopes.BILLING_ADMIN);
        }
        return scopes;
    }

    /** True when the endpoint's effective {@code @RolesAllowed} (the method's, else the class's) names the admin. */
    public static boolean forAdmins(Class<?> type, Method method) {
        RolesAllowed onMethod = method == null ? null : method.getAnnotation(RolesAllowed.class);
        RolesAllowed roles = onMethod != null ? onMethod : type == null ? null : type.getAnnotation(RolesAllowed.class);
        return roles != null && Arrays.asList(roles.value()).contains(Roles.BILLING_ADMIN);
    }

    private static List<String> requiredScopes(ResourceInfo resource) {
        return requiredScopes(resource.getResourceClass(), resource.getResourceMethod());
    }
}
