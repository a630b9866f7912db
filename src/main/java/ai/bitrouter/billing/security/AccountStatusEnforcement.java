package ai.bitrouter.billing.security;

import java.util.Optional;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.bitrouter.billing.accounts.AccountStatuses;
import ai.bitrouter.billing.common.api.ApiError;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.Response;

/**
 * A suspended or closed account's credentials get 403 on every endpoint: its API keys and its owner's tokens
 * alike. Usage is not refused here: events arrive over Kafka, not through this filter, so a suspended account is
 * still metered.
 *
 * <p>A filter on every resource method rather than a check per endpoint, so an endpoint added later cannot forget
 * it. It runs before {@link ScopeEnforcement} (a suspended caller learns that first, whatever scopes it has). Cost: for
 * an API key none, the status came with the key's own lookup (so a suspension applies to keys from the next request);
 * for a person's token one indexed read per person and {@code bitrouter.accounts.status-cache-ttl} per instance
 * ({@link AccountStatuses}), which is how long a suspension takes to reach tokens already issued.
 */
public class AccountStatusEnforcement {
    static final String INACTIVE = "this account is %s; contact support";

    @Inject
    AccountStatuses statuses;

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION - 10)
    public Uni<Response> refuseInactiveAccounts(RoutingContext context) {
        // A failed authentication is not this filter's to answer: the endpoint's own check replays it (401).
        return QuarkusHttpUser.getSecurityIdentity(context, null)
                .onFailure().recoverWithNull()
                .flatMap(identity -> {
                    Optional<Caller> caller = Caller.of(identity);
                    if (caller.isEmpty()) {
                        return Uni.createFrom().nullItem();
                    }
                    if (caller.get().apiKey().isPresent()) {
                        return Uni.createFrom().item(verdict(Optional.of(caller.get().apiKey().get().accountStatus())));
                    }
                    return statusOfOwner(caller.get().subject()).map(AccountStatusEnforcement::verdict);
                });
    }

    /** Null lets the request through: an active account, or a person without an account yet (nothing to refuse). */
    static Response verdict(Optional<String> status) {
        if (status.isEmpty() || AccountStatuses.ACTIVE.equals(status.get())) {
            return null;
        }
        return ApiError.response(403, INACTIVE.formatted(status.get()));
    }

    private Uni<Optional<String>> statusOfOwner(String subject) {
        Optional<Optional<String>> cached = statuses.cached(subject);
        if (cached.isPresent()) {
            return Uni.createFrom().item(cached.get());
        }
        Context context = Vertx.currentContext();
        if (context == null || Context.isOnWorkerThread()) {
            return Uni.createFrom().item(() -> statuses.ofOwner(subject));
        }
        // On the event loop: read on a worker, and go on in this request's context when it answers.
        return Uni.createFrom().completionStage(
                () -> context.executeBlocking(() -> statuses.ofOwner(subject), false).toCompletionStage());
    }
}
