package ai.bitrouter.billing.security;

import java.lang.reflect.Method;
import java.util.Optional;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.bitrouter.billing.common.api.ApiError;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Enforces {@link RequireScope}. A request filter rather than a CDI interceptor so the check runs before the body
 * is read: a caller without the scope learns nothing from body validation. It authenticates without blocking
 * (the request's deferred identity; authentication is not proactive), so it works for blocking and reactive
 * endpoints alike.
 */
public class ScopeEnforcement {
    static final String MISSING_SCOPE = "missing required scope: ";

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION)
    public Uni<Response> requireScope(ResourceInfo resource, RoutingContext context) {
        String scope = requiredScope(resource);
        if (scope == null) {
            return Uni.createFrom().nullItem();
        }
        // A failed authentication (bad token, revoked key) fails this Uni: the 401 mapper answers it.
        return QuarkusHttpUser.getSecurityIdentity(context, null).map(identity -> verdict(Caller.of(identity), scope));
    }

    /** Null lets the request through. */
    static Response verdict(Optional<Caller> caller, String scope) {
        if (caller.isEmpty()) {
            return unauthorized();
        }
        return caller.get().hasScope(scope) ? null : ApiError.response(403, MISSING_SCOPE + scope);
    }

    private static Response unauthorized() {
        return Response.fromResponse(ApiError.response(401, "a valid bearer token is required"))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
    }

    private static String requiredScope(ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        RequireScope onMethod = method == null ? null : method.getAnnotation(RequireScope.class);
        if (onMethod != null) {
            return onMethod.value();
        }
        Class<?> type = resource.getResourceClass();
        RequireScope onClass = type == null ? null : type.getAnnotation(RequireScope.class);
        return onClass == null ? null : onClass.value();
    }
}
