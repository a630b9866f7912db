package ai.bitrouter.billing.metering;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashSet;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns a record value into a {@link UsageEvent} or a rejection with a machine-readable reason. Pure: no I/O, so
 * it is tested without a broker.
 *
 * <p>The value is read as it comes off the wire, UTF-8 bytes, by a streaming parser that keeps the handful of fields
 * an event has and skips the rest: on the ingestion threads this replaced decoding the record to a String, building
 * a JSON tree of all of it and encoding the String again for the digest. What is accepted, and why anything is
 * rejected, is what the tree-based reading decided (src/test: TreeUsageEventParser and the differential test that
 * holds the two together); the one change is that a value that is not valid UTF-8 is now malformed_json.
 */
public final class UsageEventParser {
    public static final String TYPE = "ai.bitrouter.usage.v1";

    /** A record value larger than this is {@code payload_too_large}: an event is a few hundred bytes. */
    public static final int MAX_VALUE_BYTES = 1 << 20;

    /**
     * No event is timed before this ({@code time_out_of_range}): BitRouter did not exist, and a router with an
     * uninitialised clock (0001-01-01) must not reach pricing, which has nothing in force that early.
     */
    public static final Instant EARLIEST_TIME = Instant.parse("2020-01-01T00:00:00Z");

    /** The most tokens one count may hold: far above any context window, far below where the sums overflow. */
    public static final long MAX_TOKENS = 10_000_000_000L;

    /** UTF-8 bytes an id or a name may have (the source, a URI, may have {@link #MAX_SOURCE_BYTES}). */
    public static final int MAX_ID_BYTES = 200;
    public static final int MAX_SOURCE_BYTES = 500;

    private final ObjectMapper json;

    public UsageEventParser(ObjectMapper json) {
        this.json = json;
    }

    public sealed interface Result permits Parsed, Rejected {
    }

    public record Parsed(UsageEvent event) implements Result {
    }

    public record Rejected(String reason, String detail) implements Result {
    }

    private static final class Invalid extends RuntimeException {
        final String reason;

        Invalid(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    /** For callers that hold an event as text (tests, tools): parsed as the UTF-8 bytes a producer would send. */
    public Result parse(String value) {
        return parse(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public Result parse(byte[] value) {
        if (value == null || isBlank(value)) {
            return new Rejected("empty_payload", "record has no value");
        }
        if (value.length > MAX_VALUE_BYTES) {
            return new Rejected("payload_too_large", "record value is " + value.length + " bytes, more than "
                    + MAX_VALUE_BYTES);
        }
        int invalid = invalidUtf8At(value);
        if (invalid >= 0) {
            return new Rejected("malformed_json", "payload is not valid UTF-8 (byte offset " + invalid + ")");
        }
        Doc doc;
        try (JsonParser p = open(value)) {
            doc = read(p, value.length > json.getFactory().streamReadConstraints().getMaxStringLength());
        } catch (JsonProcessingException e) {
            return new Rejected("malformed_json", e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading from memory", e); // a byte array has no I/O to fail
        }
        try {
            return new Parsed(toEvent(doc, sha256(value)));
        } catch (Invalid e) {
            return new Rejected(e.reason, e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading: the whole document is read before anything is checked, because a malformed document is malformed_json
    // whatever else is wrong with it; then the checks run in the one order that decides which failure is reported.

    /** A text field that held a number, boolean, object or array. */
    private static final Object NOT_TEXT = new Object();

    private static final byte ABSENT = 0, PRESENT = 1, WRONG_TYPE = 2;

    private static final String[] TOKENS = { "prompt_tokens", "completion_tokens", "cache_read_tokens",
            "cache_write_tokens", "reasoning_tokens" };

    /**
     * The last value of each field the checks need (a repeated key replaces the earlier value, as it does in a Jackson
     * tree; a repeated {@code data} or {@code usage} object replaces the earlier object whole). A text field is
     * {@code null} (missing or JSON null), a String, or {@link #NOT_TEXT}.
     */
    private static final class Doc {
        Object specversion, type, id, subject, source, time;
        boolean dataIsObject;
        Object requestId, namespace, apiKey, model, served, provider, status, errorCode, funding, startedAt, completedAt;
        byte streamed;
        boolean streamedValue;
        boolean usageIsObject;
        final long[] tokens = new long[TOKENS.length];
        final byte[] tokenStates = new byte[TOKENS.length];

        void resetData() {
            dataIsObject = false;
            requestId = namespace = apiKey = model = served = provider = status = errorCode = funding = null;
            startedAt = completedAt = null;
            streamed = ABSENT;
            resetUsage();
        }

        void resetUsage() {
            usageIsObject = false;
            Arrays.fill(tokenStates, ABSENT);
        }
    }

    private JsonParser open(byte[] value) throws IOException {
        // Jackson guesses the encoding of bytes from the first four: a NUL among them makes it read UTF-16 or -32, and
        // it skips a UTF-8 byte order mark. The value has always been read as UTF-8 text, where a NUL or a U+FEFF up
        // front is an error (or content), so these rare values are parsed as the text they decode to.
        boolean guessed = value.length >= 3 && (value[0] & 0xFF) == 0xEF && (value[1] & 0xFF) == 0xBB
                && (value[2] & 0xFF) == 0xBF;
        for (int i = 0; i < Math.min(4, value.length); i++) {
            guessed |= value[i] == 0;
        }
        return guessed ? json.createParser(new String(value, StandardCharsets.UTF_8)) : json.createParser(value);
    }

    // A repeated key is refused at any depth, whatever the mapper says: of two values for one field, neither the
    // router nor anyone reading the dead letter could tell which one was billed. Jackson's STRICT_DUPLICATE_DETECTION
    // would do it with a hash set per object (a third more allocation per event on the parser benchmark); the known
    // fields are marked in a bit mask instead, and only names the parser does not know are kept, the first in a field.

    private static JsonParseException duplicate(JsonParser p, String name) {
        return new JsonParseException(p, "Duplicate field '" + name + "'");
    }

    private static int mark(JsonParser p, int seen, int bit, String name) throws JsonParseException {
        if ((seen & bit) != 0) {
            throw duplicate(p, name);
        }
        return seen | bit;
    }

    /** The names of one object that are not its known fields: the first one, then a set (rare). */
    private static final class OtherNames {
        final String first;
        HashSet<String> more;

        private OtherNames(String first) {
            this.first = first;
        }

        static OtherNames add(JsonParser p, OtherNames names, String name) throws JsonParseException {
            if (names == null) {
                return new OtherNames(name);
            }
            if (names.more == null) {
                names.more = new HashSet<>();
                names.more.add(names.first);
            }
            if (!names.more.add(name)) {
                throw duplicate(p, name);
            }
            return names;
        }
    }

    /**
     * @param careful a string could exceed Jackson's string-length limit: decode every string, skipped ones included,
     *                so that the limit applies as it does to a tree (which decodes them all)
     * @return null if the document is not a JSON object
     */
    private Doc read(JsonParser p, boolean careful) throws IOException {
        JsonToken t = p.nextToken();
        Doc doc = null;
        if (t == JsonToken.START_OBJECT) {
            doc = new Doc();
            readRoot(p, doc, careful);
        } else if (t == JsonToken.VALUE_STRING) {
            p.getText(); // the whole root value is read, so an unterminated string is malformed_json
        } else if (t != null) {
            skip(p, careful);
        }
        // Content after the root value is refused, whatever the mapper says: "{...} x" is not one event.
        if ((t = p.nextToken()) != null) {
            throw new JsonParseException(p, "Trailing token (of type " + t + ") found after value");
        }
        return doc;
    }

    private static void readRoot(JsonParser p, Doc d, boolean careful) throws IOException {
        String name;
        int seen = 0;
        OtherNames others = null;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "specversion" -> {
                    seen = mark(p, seen, 1, name);
                    d.specversion = text(p, t, careful, "1.0", null);
                }
                case "type" -> {
                    seen = mark(p, seen, 1 << 1, name);
                    d.type = text(p, t, careful, TYPE, null);
                }
                case "id" -> {
                    seen = mark(p, seen, 1 << 2, name);
                    d.id = text(p, t, careful);
                }
                case "subject" -> {
                    seen = mark(p, seen, 1 << 3, name);
                    d.subject = text(p, t, careful);
                }
                case "source" -> {
                    seen = mark(p, seen, 1 << 4, name);
                    d.source = text(p, t, careful);
                }
                case "time" -> {
                    seen = mark(p, seen, 1 << 5, name);
                    d.time = text(p, t, careful);
                }
                case "data" -> {
                    seen = mark(p, seen, 1 << 6, name);
                    readData(p, t, d, careful);
                }
                default -> {
                    others = OtherNames.add(p, others, name);
                    skip(p, careful);
                }
            }
        }
    }

    private static void readData(JsonParser p, JsonToken t, Doc d, boolean careful) throws IOException {
        d.resetData();
        if (t != JsonToken.START_OBJECT) {
            skip(p, careful);
            return;
        }
        d.dataIsObject = true;
        String name;
        int seen = 0;
        OtherNames others = null;
        while ((name = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "request_id" -> {
                    seen = mark(p, seen, 1 << 0, name);
                    d.requestId = text(p, v, careful);
                }
                case "namespace_id" -> {
                    seen = mark(p, seen, 1 << 1, name);
                    d.namespace = text(p, v, careful);
                }
                case "api_key_id" -> {
                    seen = mark(p, seen, 1 << 2, name);
                    d.apiKey = text(p, v, careful);
                }
                case "model" -> {
                    seen = mark(p, seen, 1 << 3, name);
                    d.model = text(p, v, careful);
                }
                case "served_model_id" -> {
                    seen = mark(p, seen, 1 << 4, name);
                    d.served = text(p, v, careful);
                }
                case "provider_id" -> {
                    seen = mark(p, seen, 1 << 5, name);
                    d.provider = text(p, v, careful);
                }
                case "status" -> {
                    seen = mark(p, seen, 1 << 6, name);
                    d.status = text(p, v, careful, "succeeded", "failed");
                }
                case "error_code" -> {
                    seen = mark(p, seen, 1 << 7, name);
                    d.errorCode = text(p, v, careful);
                }
                case "funding_source" -> {
                    seen = mark(p, seen, 1 << 8, name);
                    d.funding = text(p, v, careful, "cloud_credit", "byok");
                }
                case "started_at" -> {
                    seen = mark(p, seen, 1 << 9, name);
                    d.startedAt = text(p, v, careful);
                }
                case "completed_at" -> {
                    seen = mark(p, seen, 1 << 10, name);
                    d.completedAt = text(p, v, careful);
                }
                case "streamed" -> {
                    seen = mark(p, seen, 1 << 11, name);
                    d.streamed = v == JsonToken.VALUE_NULL ? ABSENT
                            : v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE ? PRESENT : WRONG_TYPE;
                    d.streamedValue = v == JsonToken.VALUE_TRUE;
                    skip(p, careful);
                }
                case "usage" -> {
                    seen = mark(p, seen, 1 << 12, name);
                    readUsage(p, v, d, careful);
                }
                default -> {
                    others = OtherNames.add(p, others, name);
                    skip(p, careful);
                }
            }
        }
    }

    private static void readUsage(JsonParser p, JsonToken t, Doc d, boolean careful) throws IOException {
        d.resetUsage();
        if (t != JsonToken.START_OBJECT) {
            skip(p, careful);
            return;
        }
        d.usageIsObject = true;
        String name;
        int seen = 0;
        OtherNames others = null;
        while ((name = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            int i = switch (name) {
                case "prompt_tokens" -> 0;
                case "completion_tokens" -> 1;
                case "cache_read_tokens" -> 2;
                case "cache_write_tokens" -> 3;
                case "reasoning_tokens" -> 4;
                default -> -1;
            };
            if (i < 0) {
                others = OtherNames.add(p, others, name);
                skip(p, careful);
                continue;
            }
            seen = mark(p, seen, 1 << i, name);
            if (v == JsonToken.VALUE_NULL) {
                d.tokenStates[i] = ABSENT;
            } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                // An integer the parser did not need a BigInteger for fits a long: what isIntegralNumber() &&
                // canConvertToLong() accepted in the tree.
                d.tokens[i] = p.getLongValue();
                d.tokenStates[i] = PRESENT;
            } else {
                d.tokenStates[i] = WRONG_TYPE;
                skip(p, careful);
            }
        }
    }

    private static Object text(JsonParser p, JsonToken t, boolean careful) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        skip(p, careful);
        return NOT_TEXT;
    }

    /**
     * A text field with a few usual values: those are returned as the constant, without allocating a String for
     * them again in every event.
     */
    private static Object text(JsonParser p, JsonToken t, boolean careful, String usual, String other)
            throws IOException {
        if (t != JsonToken.VALUE_STRING || careful) {
            return text(p, t, careful);
        }
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        int length = p.getTextLength();
        if (same(usual, chars, offset, length)) {
            return usual;
        }
        if (other != null && same(other, chars, offset, length)) {
            return other;
        }
        return p.getText();
    }

    private static boolean same(String s, char[] chars, int offset, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }

    /** Past the current value; still parsed token by token, so malformed JSON in it is found. */
    private static void skip(JsonParser p, boolean careful) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            // Walked rather than skipped whole: a repeated key in an unknown object is refused too.
            OtherNames names = null;
            String name;
            while ((name = p.nextFieldName()) != null) {
                names = OtherNames.add(p, names, name);
                p.nextToken();
                skip(p, careful);
            }
        } else if (t == JsonToken.START_ARRAY) {
            while ((t = p.nextToken()) != null && t != JsonToken.END_ARRAY) {
                skip(p, careful);
            }
        } else if (careful && t == JsonToken.VALUE_STRING) {
            p.getText();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Checking: the order of the checks is the contract (the first failure is the one reported).

    private static UsageEvent toEvent(Doc d, byte[] digest) {
        if (d == null) {
            throw new Invalid("schema_violation", "event is not a JSON object");
        }
        require("1.0".equals(text(d.specversion, "specversion", true)), "schema_violation", "specversion must be 1.0");
        require(TYPE.equals(text(d.type, "type", true)), "schema_violation", "type must be " + TYPE);
        require(d.dataIsObject, "schema_violation", "data must be an object");
        String id = id(d.id, "id", true);
        String requestId = id(d.requestId, "request_id", true);
        require(id.equals(requestId), "inconsistent_event", "id and data.request_id differ");
        String namespace = id(d.namespace, "namespace_id", true);
        String subject = id(d.subject, "subject", false);
        require(subject == null || subject.equals(namespace), "inconsistent_event", "subject and data.namespace_id differ");
        String status = text(d.status, "status", true);
        require(status.equals("succeeded") || status.equals("failed"), "schema_violation", "status must be succeeded or failed");
        String funding = text(d.funding, "funding_source", true);
        require(funding.equals("cloud_credit") || funding.equals("byok"), "schema_violation",
                "funding_source must be cloud_credit or byok");
        String served = id(d.served, "served_model_id", false);
        String provider = id(d.provider, "provider_id", false);
        // Only the final, successful attempt is billed, so a success must say what served it.
        require(status.equals("failed") || (served != null && provider != null), "inconsistent_event",
                "a succeeded request needs served_model_id and provider_id");
        require(d.usageIsObject, "schema_violation", "data.usage must be an object");
        require(d.streamed != WRONG_TYPE, "schema_violation", "streamed must be a boolean");
        return new UsageEvent(id, bounded(text(d.source, "source", true), "source", MAX_SOURCE_BYTES), eventTime(d.time),
                requestId, namespace, id(d.apiKey, "api_key_id", false), id(d.model, "model", true), served, provider,
                status, id(d.errorCode, "error_code", false), funding, tokens(d, 0), tokens(d, 1), tokens(d, 2), tokens(d, 3),
                tokens(d, 4), d.streamed == ABSENT ? null : d.streamedValue, instant(d.startedAt, "started_at", false),
                instant(d.completedAt, "completed_at", false), digest);
    }

    private static void require(boolean ok, String reason, String detail) {
        if (!ok) {
            throw new Invalid(reason, detail);
        }
    }

    // The messages are built only on failure: built eagerly, as they were, they were some 25 string concatenations
    // per valid event.
    private static String text(Object v, String field, boolean required) {
        if (v == null) {
            if (required) {
                throw new Invalid("schema_violation", field + " is required");
            }
            return null;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw new Invalid("schema_violation", field + " must be a non-empty string");
        }
        return s;
    }

    private static String id(Object v, String field, boolean required) {
        return bounded(text(v, field, required), field, MAX_ID_BYTES);
    }

    private static String bounded(String s, String field, int maxBytes) {
        String problem = boundViolation(s, maxBytes);
        if (problem != null) {
            throw new Invalid("schema_violation", field + problem);
        }
        return s;
    }

    /**
     * Why an id or a name is unacceptable (a suffix for the field's name), or null: more than {@code maxBytes} in
     * UTF-8, or a control character (C0, DEL, C1), which no id has and which breaks logs, headers and PostgreSQL text
     * (NUL). One pass over the chars, no regex: it runs for ten fields of every event. Shared with the tests' tree
     * parser, so the two decide alike.
     */
    static String boundViolation(String s, int maxBytes) {
        if (s == null) {
            return null;
        }
        int n = s.length();
        if (n > maxBytes) { // every char is at least one byte
            return " is longer than " + maxBytes + " bytes";
        }
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c < 0x20 || c == 0x7F) {
                    return " contains a control character (U+" + String.format("%04X", (int) c) + ")";
                }
                bytes++;
            } else if (c < 0x800) {
                if (c < 0xA0) {
                    return " contains a control character (U+" + String.format("%04X", (int) c) + ")";
                }
                bytes += 2;
            } else {
                bytes += Character.isSurrogate(c) ? 2 : 3; // a pair is four bytes
            }
        }
        return bytes > maxBytes ? " is longer than " + maxBytes + " bytes" : null;
    }

    private static Instant eventTime(Object v) {
        Instant t = instant(v, "time", true);
        if (t.isBefore(EARLIEST_TIME)) {
            throw new Invalid("time_out_of_range", "time " + t + " is before " + EARLIEST_TIME);
        }
        return t;
    }

    private static Instant instant(Object v, String field, boolean required) {
        String s = text(v, field, required);
        if (s == null) {
            return null;
        }
        try {
            // Whole microseconds, what PostgreSQL keeps: the instant priced and rolled up is the instant stored.
            return parseInstant(s).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw new Invalid("schema_violation", field + " must be an RFC 3339 UTC time");
        }
    }

    private static long tokens(Doc d, int i) {
        byte state = d.tokenStates[i];
        if (state == ABSENT) {
            return 0;
        }
        if (state != PRESENT) {
            throw new Invalid("schema_violation", "usage." + TOKENS[i] + " must be an integer");
        }
        long n = d.tokens[i];
        if (n < 0) {
            throw new Invalid("negative_tokens", "usage." + TOKENS[i] + " is negative");
        }
        if (n > MAX_TOKENS) {
            throw new Invalid("schema_violation", "usage." + TOKENS[i] + " is more than " + MAX_TOKENS);
        }
        return n;
    }

    /**
     * {@link Instant#parse}, with a fast path for the one form routers send, {@code 2026-11-02T10:00:00.123Z}: three
     * per event, the general parser was a tenth of the ingestion threads' time. Anything else (offsets, lower case,
     * leap seconds, out-of-range fields) takes the general parser, so what is accepted and how is unchanged.
     */
    static Instant parseInstant(String s) {
        int n = s.length();
        if (n >= 20 && n <= 30 && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T' && s.charAt(13) == ':'
                && s.charAt(16) == ':' && s.charAt(n - 1) == 'Z') {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 2);
            int day = digits(s, 8, 2);
            int hour = digits(s, 11, 2);
            int minute = digits(s, 14, 2);
            int second = digits(s, 17, 2);
            int nanos = 0;
            boolean ok = n == 20;
            if (n > 21 && s.charAt(19) == '.') {
                int fraction = digits(s, 20, n - 21);
                if (fraction >= 0) {
                    nanos = fraction * POW10[9 - (n - 21)];
                    ok = true;
                }
            }
            if (ok && year >= 0 && month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23 && minute >= 0
                    && minute <= 59 && second >= 0 && second <= 59 && day <= YearMonth.of(year, month).lengthOfMonth()) {
                long epochDay = LocalDate.of(year, month, day).toEpochDay();
                return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3_600L + minute * 60L + second, nanos);
            }
        }
        return Instant.parse(s);
    }

    private static final int[] POW10 = { 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
            1_000_000_000 };

    /** The non-negative number written by {@code len} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bytes

    /**
     * Whether the value decodes to a blank String ({@link String#isBlank}), the test the String-valued consumer
     * applied: leading ASCII is decided here, and only a non-ASCII byte before the first visible character (a
     * Unicode space, or not UTF-8 at all) costs a decoding.
     */
    static boolean isBlank(byte[] b) {
        for (byte c : b) {
            if (c < 0) {
                return new String(b, StandardCharsets.UTF_8).isBlank();
            }
            // Character.isWhitespace below 0x80: HT, LF, VT, FF, CR, the four separators FS..US, and space.
            if (!(c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F))) {
                return false;
            }
        }
        return true;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode table 3-7), or -1.
     * Jackson's byte parser does not catch every such sequence: it decodes overlong forms and lead bytes F5..F7, and
     * lets encoded surrogates through in the strings it skips rather than decodes. Checked here once for the whole
     * value (eight ASCII bytes at a time), so a value is either text or malformed_json wherever the bad bytes are.
     */
    static int invalidUtf8At(byte[] b) {
        int n = b.length;
        int i = 0;
        while (i < n) {
            if (i <= n - 8 && ((long) LONGS.get(b, i) & 0x8080808080808080L) == 0) {
                i += 8;
                continue;
            }
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int more;
            int lo = 0x80, hi = 0xBF; // the range of the second byte; the later ones are always 80..BF
            if (c < 0xC2) {
                return i; // a continuation byte, or C0/C1 (overlong)
            } else if (c < 0xE0) {
                more = 1;
            } else if (c < 0xF0) {
                more = 2;
                if (c == 0xE0) {
                    lo = 0xA0; // overlong below
                } else if (c == 0xED) {
                    hi = 0x9F; // surrogates above
                }
            } else if (c < 0xF5) {
                more = 3;
                if (c == 0xF0) {
                    lo = 0x90; // overlong below
                } else if (c == 0xF4) {
                    hi = 0x8F; // beyond U+10FFFF above
                }
            } else {
                return i;
            }
            if (i + more >= n) {
                return i;
            }
            int c2 = b[i + 1] & 0xFF;
            if (c2 < lo || c2 > hi) {
                return i;
            }
            for (int k = 2; k <= more; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += more + 1;
        }
        return -1;
    }

    /**
     * Over the record's bytes as received. Only valid UTF-8 is accepted, and for valid UTF-8 these are exactly the
     * bytes the String-based parser hashed (it re-encoded the decoded String), so the digest of a payload stored
     * before this change equals the digest of the same payload received after it: a re-send is still a duplicate.
     */
    private static byte[] sha256(byte[] value) {
        try {
            // A copy of a ready instance: MessageDigest.getInstance looks up the provider and checks the algorithm
            // constraints on every call.
            return ((MessageDigest) SHA_256.clone()).digest(value);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
