package ai.bitrouter.billing.web.admin;

import java.util.List;

import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * Billing admins only (realm role {@code billing-admin}; customers get the 403 envelope, anonymous callers 401): the
 * parked events behind {@code GET /v1/admin/usage/parked}'s counts, optionally of one reason, oldest first. The JSON
 * twin of the admin page's parked list, for the CLI and scripts.
 */
@Path("/v1/admin/usage/parked/events")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class AdminParkedEventsResource {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    @Inject
    ParkedEvents parked;

    public record Page(List<ParkedEvents.ParkedEvent> data, int limit, int offset) {
    }

    @GET
    public Page list(@QueryParam("reason") String reason, @QueryParam("limit") Integer limit,
            @QueryParam("offset") Integer offset) {
        int clamped = limit == null ? DEFAULT_LIMIT : Math.max(1, Math.min(MAX_LIMIT, limit));
        int skip = offset == null ? 0 : offset;
        if (skip < 0) {
            throw ApiException.badRequest("offset must not be negative");
        }
        return new Page(parked.list(reason == null || reason.isBlank() ? null : reason.strip(), clamped, skip),
                clamped, skip);
    }
}
