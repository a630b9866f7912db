package ai.bitrouter.billing.discounts.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.discounts.DiscountGrantAdmin;
import ai.bitrouter.billing.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Billing admins only (realm role {@code billing-admin}; customers get the 403 envelope, anonymous callers 401):
 * custom discounts of an account. The body is read as text and parsed here so a percent such as {@code 12.5} goes
 * from its JSON text straight to a BigDecimal, never through a double.
 */
@Path("/v1/admin/accounts/{accountId}/discounts")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class AdminDiscountsResource {

    private static final ObjectMapper EXACT = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Inject
    DiscountGrantAdmin grants;

    public record GrantList(List<DiscountGrantAdmin.GrantView> data) {
    }

    @POST
    public Response grant(@PathParam("accountId") String accountId, String body) {
        UUID account = uuid(accountId, "account");
        JsonNode request = read(body);
        DiscountGrantAdmin.NewGrant g = DiscountGrantAdmin.validate(percent(request.get("percent")),
                text(request, "reason"), text(request, "project_url"), time(request, "starts_at"),
                time(request, "ends_at"));
        return Response.status(201).entity(grants.grant(account, g)).build();
    }

    @GET
    public GrantList list(@PathParam("accountId") String accountId) {
        return new GrantList(grants.list(uuid(accountId, "account")));
    }

    /** Revoking answers with the grant as it now is (never 204), so the CLI can show the end it got. */
    @POST
    @Path("/{grantId}/revoke")
    public DiscountGrantAdmin.GrantView revoke(@PathParam("accountId") String accountId,
            @PathParam("grantId") String grantId) {
        return grants.revoke(uuid(accountId, "account"), uuid(grantId, "discount grant"));
    }

    /** The same as {@code POST .../revoke}: the row is ended, never deleted. */
    @DELETE
    @Path("/{grantId}")
    public DiscountGrantAdmin.GrantView delete(@PathParam("accountId") String accountId,
            @PathParam("grantId") String grantId) {
        return revoke(accountId, grantId);
    }

    /** A malformed id cannot name anything that exists: 404, like an unknown one. */
    private static UUID uuid(String id, String what) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound(what + " not found");
        }
    }

    private static JsonNode read(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("expected a JSON object with percent, reason and project_url");
        }
        try {
            JsonNode node = EXACT.readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiException.badRequest("expected a JSON object with percent, reason and project_url");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON");
        }
    }

    private static BigDecimal percent(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isTextual()) {
            try {
                return new BigDecimal(node.asText().strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("percent must be a decimal number, e.g. \"40\"");
            }
        }
        throw ApiException.badRequest("percent must be a decimal number, e.g. \"40\"");
    }

    private static String text(JsonNode request, String field) {
        JsonNode node = request.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(field + " must be a string");
        }
        return node.asText();
    }

    private static Optional<Instant> time(JsonNode request, String field) {
        String value = text(request, field);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field + " must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z");
        }
    }
}
