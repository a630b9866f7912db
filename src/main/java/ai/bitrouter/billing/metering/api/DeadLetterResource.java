package ai.bitrouter.billing.metering.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.metering.DeadLetterConfig;
import ai.bitrouter.billing.metering.DeadLetterReplay;
import ai.bitrouter.billing.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * Billing admins only: what is on the usage dead-letter topic, per reason, and re-publishing chosen dead letters to
 * the usage topic once their cause is fixed (docs/operations.md, "Dead letters: inspect and replay"). A replay is
 * audited ({@code usage.dead_letter.replay}) by {@link DeadLetterReplay}.
 */
@Path("/v1/admin/usage/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class DeadLetterResource {
    /** Reasons are short machine words (unknown_namespace, time_out_of_range, ...); anything longer is a mistake. */
    private static final int MAX_NAME = 200;
    private static final int MAX_NAMES = 100;

    @Inject
    DeadLetterReplay replay;

    @Inject
    DeadLetterConfig config;

    @Inject
    ObjectMapper json;

    /** Counts by reason; every filter is optional ({@code reason} and {@code namespace} may be repeated). */
    @GET
    public DeadLetterReplay.Inventory inventory(@QueryParam("reason") List<String> reasons,
            @QueryParam("namespace") List<String> namespaces, @QueryParam("since") String since,
            @QueryParam("until") String until) {
        return replay.inventory(filter(names(reasons, "reason"), names(namespaces, "namespace"), time(since, "since"),
                time(until, "until")));
    }

    /**
     * Re-publishes the dead letters of the named reasons and answers when the broker acknowledged every send;
     * {@code {"reasons": [...], "namespaces"?: [...], "since"?: time, "until"?: time, "limit"?: n}}.
     */
    @POST
    @Path("/replay")
    @Consumes(MediaType.APPLICATION_JSON)
    public DeadLetterReplay.Outcome replay(String body) {
        JsonNode request = read(body);
        Set<String> reasons = names(strings(request, "reasons"), "reason");
        if (reasons.isEmpty()) {
            // Replaying "everything" would re-send malformed records too: the reasons are always chosen.
            throw ApiException.badRequest("reasons must name at least one dead-letter reason, e.g. [\"unknown_namespace\"]");
        }
        DeadLetterReplay.Filter filter = filter(reasons, names(strings(request, "namespaces"), "namespace"),
                time(text(request, "since"), "since"), time(text(request, "until"), "until"));
        int limit = limit(request.get("limit"));
        return replay.replay(filter, limit);
    }

    private static DeadLetterReplay.Filter filter(Set<String> reasons, Set<String> namespaces, Instant since,
            Instant until) {
        if (since != null && until != null && !since.isBefore(until)) {
            throw ApiException.badRequest("since must be before until");
        }
        return new DeadLetterReplay.Filter(reasons, namespaces, since, until);
    }

    private int limit(JsonNode node) {
        if (node == null || node.isNull()) {
            return config.defaultLimit();
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < 1
                || node.intValue() > config.maxLimit()) {
            throw ApiException.badRequest("limit must be an integer from 1 to " + config.maxLimit());
        }
        return node.intValue();
    }

    private static Set<String> names(List<String> values, String what) {
        Set<String> names = new LinkedHashSet<>();
        if (values == null) {
            return names;
        }
        if (values.size() > MAX_NAMES) {
            throw ApiException.badRequest("at most " + MAX_NAMES + " " + what + "s");
        }
        for (String v : values) {
            if (v == null || v.isBlank() || v.length() > MAX_NAME) {
                throw ApiException.badRequest("each " + what + " must be a non-empty string of at most " + MAX_NAME
                        + " characters");
            }
            names.add(v.strip());
        }
        return names;
    }

    private JsonNode read(String body) {
        String expected = "expected a JSON object such as {\"reasons\": [\"unknown_namespace\"]}";
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest(expected);
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiException.badRequest(expected);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON");
        }
    }

    private static List<String> strings(JsonNode request, String field) {
        JsonNode node = request.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiException.badRequest(field + " must be an array of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw ApiException.badRequest(field + " must be an array of strings");
            }
            values.add(item.asText());
        }
        return values;
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

    private static Instant time(String value, String field) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field + " must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z");
        }
    }
}
