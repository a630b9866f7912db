package ai.bitrouter.billing.metering;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The event parser as it was before it read bytes with a streaming parser: the record decoded to a String, a Jackson
 * tree of all of it, the checks on the tree. Kept unchanged (but for the result types, now {@link UsageEventParser}'s,
 * and the time parsing, which is shared) as the oracle of {@code UsageEventParserDifferentialTest}: what it accepts
 * and rejects, with which reason and detail, is the contract the streaming parser keeps. Since issue #18 it also
 * applies the contract's bounds (value size, repeated keys, trailing content, id lengths and control characters,
 * earliest time, largest token count) at the same points of its checks, with the streaming parser's shared helper
 * for the id bounds.
 */
public final class TreeUsageEventParser {
    private static final String TYPE = UsageEventParser.TYPE;

    private final ObjectMapper json;

    public TreeUsageEventParser(ObjectMapper json) {
        this.json = json;
    }

    private static final class Invalid extends RuntimeException {
        final String reason;

        Invalid(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    public UsageEventParser.Result parse(String value) {
        if (value == null || value.isBlank()) {
            return new UsageEventParser.Rejected("empty_payload", "record has no value");
        }
        int size = value.getBytes(StandardCharsets.UTF_8).length;
        if (size > UsageEventParser.MAX_VALUE_BYTES) {
            return new UsageEventParser.Rejected("payload_too_large", "record value is " + size + " bytes, more than "
                    + UsageEventParser.MAX_VALUE_BYTES);
        }
        JsonNode root;
        try {
            root = json.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(value);
        } catch (JsonProcessingException e) {
            return new UsageEventParser.Rejected("malformed_json", e.getOriginalMessage());
        }
        try {
            return new UsageEventParser.Parsed(toEvent(root, sha256(value)));
        } catch (Invalid e) {
            return new UsageEventParser.Rejected(e.reason, e.getMessage());
        }
    }

    private static UsageEvent toEvent(JsonNode root, byte[] digest) {
        if (!root.isObject()) {
            throw new Invalid("schema_violation", "event is not a JSON object");
        }
        require("1.0".equals(text(root, "specversion", true)), "schema_violation", "specversion must be 1.0");
        require(TYPE.equals(text(root, "type", true)), "schema_violation", "type must be " + TYPE);
        JsonNode data = root.get("data");
        require(data != null && data.isObject(), "schema_violation", "data must be an object");
        String id = id(root, "id", true);
        String requestId = id(data, "request_id", true);
        require(id.equals(requestId), "inconsistent_event", "id and data.request_id differ");
        String namespace = id(data, "namespace_id", true);
        String subject = id(root, "subject", false);
        require(subject == null || subject.equals(namespace), "inconsistent_event", "subject and data.namespace_id differ");
        String status = text(data, "status", true);
        require(status.equals("succeeded") || status.equals("failed"), "schema_violation", "status must be succeeded or failed");
        String funding = text(data, "funding_source", true);
        require(funding.equals("cloud_credit") || funding.equals("byok"), "schema_violation",
                "funding_source must be cloud_credit or byok");
        String served = id(data, "served_model_id", false);
        String provider = id(data, "provider_id", false);
        // Only the final, successful attempt is billed, so a success must say what served it.
        require(status.equals("failed") || (served != null && provider != null), "inconsistent_event",
                "a succeeded request needs served_model_id and provider_id");
        JsonNode usage = data.get("usage");
        require(usage != null && usage.isObject(), "schema_violation", "data.usage must be an object");
        JsonNode streamed = data.get("streamed");
        require(streamed == null || streamed.isNull() || streamed.isBoolean(), "schema_violation", "streamed must be a boolean");
        return new UsageEvent(id, bounded(text(root, "source", true), "source", UsageEventParser.MAX_SOURCE_BYTES),
                eventTime(root), requestId, namespace, id(data, "api_key_id", false), id(data, "model", true), served,
                provider, status, id(data, "error_code", false), funding,
                tokens(usage, "prompt_tokens"), tokens(usage, "completion_tokens"), tokens(usage, "cache_read_tokens"),
                tokens(usage, "cache_write_tokens"), tokens(usage, "reasoning_tokens"),
                streamed == null || streamed.isNull() ? null : streamed.booleanValue(),
                instant(data, "started_at", false), instant(data, "completed_at", false), digest);
    }

    private static void require(boolean ok, String reason, String detail) {
        if (!ok) {
            throw new Invalid(reason, detail);
        }
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            require(!required, "schema_violation", field + " is required");
            return null;
        }
        require(v.isTextual() && !v.textValue().isBlank(), "schema_violation", field + " must be a non-empty string");
        return v.textValue();
    }

    private static String id(JsonNode node, String field, boolean required) {
        return bounded(text(node, field, required), field, UsageEventParser.MAX_ID_BYTES);
    }

    private static String bounded(String s, String field, int maxBytes) {
        String problem = UsageEventParser.boundViolation(s, maxBytes);
        require(problem == null, "schema_violation", field + problem);
        return s;
    }

    private static Instant eventTime(JsonNode root) {
        Instant t = instant(root, "time", true);
        require(!t.isBefore(UsageEventParser.EARLIEST_TIME), "time_out_of_range",
                "time " + t + " is before " + UsageEventParser.EARLIEST_TIME);
        return t;
    }

    private static Instant instant(JsonNode node, String field, boolean required) {
        String s = text(node, field, required);
        if (s == null) {
            return null;
        }
        try {
            // Whole microseconds, what PostgreSQL keeps: the instant priced and rolled up is the instant stored.
            return UsageEventParser.parseInstant(s).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw new Invalid("schema_violation", field + " must be an RFC 3339 UTC time");
        }
    }

    private static long tokens(JsonNode usage, String field) {
        JsonNode v = usage.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        require(v.isIntegralNumber() && v.canConvertToLong(), "schema_violation", "usage." + field + " must be an integer");
        long n = v.longValue();
        require(n >= 0, "negative_tokens", "usage." + field + " is negative");
        require(n <= UsageEventParser.MAX_TOKENS, "schema_violation",
                "usage." + field + " is more than " + UsageEventParser.MAX_TOKENS);
        return n;
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
