package ai.bitrouter.billing.metering.api;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.metering.Repricer;
import ai.bitrouter.billing.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Billing admins only: what is parked (unpriced) and why, and re-pricing on demand. */
@Path("/v1/admin/usage")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class ParkedUsageResource {

    @Inject
    Repricer repricer;

    @Inject
    AuditLog audit;

    public record Parked(@JsonProperty("by_reason") Map<String, Long> byReason, long total) {
    }

    public record Repriced(long repriced, @JsonProperty("still_parked") long stillParked) {
    }

    @GET
    @Path("/parked")
    public Parked parked() {
        Map<String, Long> byReason = repricer.parkedByReason();
        return new Parked(byReason, byReason.values().stream().mapToLong(Long::longValue).sum());
    }

    @POST
    @Path("/reprice")
    public Repriced reprice() {
        Repricer.Outcome o = repricer.repriceAll(audit.currentActor(), true);
        return new Repriced(o.repriced(), o.stillParked());
    }
}
