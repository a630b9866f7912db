package ai.bitrouter.billing.audit.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import ai.bitrouter.billing.audit.AuditLog;
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
 * audit trail of admin actions, newest first. Read-only: there is no endpoint that changes an audit row.
 */
@Path("/v1/admin/audit")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class AuditResource {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    @Inject
    AuditLog audit;

    public record Page(List<AuditLog.Entry> data, int limit, int offset) {
    }

    @GET
    public Page search(@QueryParam("action") String action, @QueryParam("target_id") String targetId,
            @QueryParam("actor") String actor, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("limit") Integer limit, @QueryParam("offset") Integer offset) {
        int clamped = limit == null ? DEFAULT_LIMIT : Math.max(1, Math.min(MAX_LIMIT, limit));
        int skip = offset == null ? 0 : offset;
        if (skip < 0) {
            throw ApiException.badRequest("offset must not be negative");
        }
        Instant fromAt = instant("from", from);
        Instant toAt = instant("to", to);
        if (fromAt != null && toAt != null && !fromAt.isBefore(toAt)) {
            throw ApiException.badRequest("from must be before to");
        }
        return new Page(audit.search(new AuditLog.Query(blankToNull(action), blankToNull(targetId), blankToNull(actor),
                fromAt, toAt, clamped, skip)), clamped, skip);
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an RFC 3339 UTC time");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
