package ai.bitrouter.billing.reports.ratelimit;

import java.time.Duration;
import java.util.Optional;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.bitrouter.billing.common.api.ApiError;
import ai.bitrouter.billing.security.Caller;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Applies {@link TenantRateLimiter} to {@link RateLimited} resources, after authentication and the scope check (so
 * an anonymous or unauthorised call is answered 401/403 and spends nothing). The tenant is the account, named by its
 * owner's subject: a person's token and every API key of the account (whose identity carries the owner's subject)
 * share one bucket, and no database lookup is needed to find it. Over the limit: 429 {@code rate_limited} in the
 * contract's envelope with {@code Retry-After} in whole seconds.
 */
@ApplicationScoped
public class ReportRateLimit {
    private final Optional<TenantRateLimiter> limiter;

    @Inject
    MeterRegistry metrics;

    @Inject
    public ReportRateLimit(ReportRateLimitConfig config) {
        this.limiter = config.enabled()
                ? Optional.of(new TenantRateLimiter(config.requestsPerSecond(), config.burst(), System::nanoTime))
                : Optional.empty();
    }

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION + 10)
    public Uni<Response> limit(ResourceInfo resource, RoutingContext context) {
        if (limiter.isEmpty() || resource.getResourceClass() == null
                || !resource.getResourceClass().isAnnotationPresent(RateLimited.class)) {
            return Uni.createFrom().nullItem();
        }
        return QuarkusHttpUser.getSecurityIdentity(context, null).map(identity -> Caller.of(identity)
                .flatMap(caller -> limiter.get().tryAcquire("sub:" + caller.subject()))
                .map(this::tooMany)
                .orElse(null));
    }

    private Response tooMany(Duration wait) {
        metrics.counter("billing.reports.rate_limited").increment();
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return Response.fromResponse(ApiError.response(429,
                "too many report requests for this account; retry after " + seconds + " s"))
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds)).build();
    }
}
