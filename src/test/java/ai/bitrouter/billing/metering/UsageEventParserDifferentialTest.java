package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The streaming parser decides every payload as the tree-based one it replaced ({@link TreeUsageEventParser}) did:
 * the same event, field for field and digest byte for byte, or the same rejection reason and detail (only the reason
 * for malformed_json, whose detail is Jackson's message and names a parser position). The payloads are the contract's
 * examples and mutations of a valid event, enumerated and seeded-random; the oracle sees them as the String-valued
 * consumer did, the decoded UTF-8 bytes. Invalid UTF-8 is left out here: there the two deliberately differ
 * (UsageEventParserTest covers it).
 */
class UsageEventParserDifferentialTest {

    /** Random mutation rounds (each one payload); the other groups are enumerated and counted below. */
    static final int RANDOM_CASES = 6_000;
    static final long SEED = 20_261_102L;

    private final ObjectMapper plain = new ObjectMapper();

    // ---------------------------------------------------------------------------------------------------------------
    // A small JSON model that, unlike a Jackson tree, keeps repeated keys, key order and the chosen escaping.

    sealed interface J permits Obj, Arr, Str, Lit {
        J copy();
    }

    record Entry(String key, J value) {
    }

    record Obj(List<Entry> entries) implements J {
        static Obj of(Object... kv) {
            Obj o = new Obj(new ArrayList<>());
            for (int i = 0; i < kv.length; i += 2) {
                o.entries.add(new Entry((String) kv[i], (J) kv[i + 1]));
            }
            return o;
        }

        /** The value a Jackson tree would see for the key: the last one. */
        J get(String key) {
            J found = null;
            for (Entry e : entries) {
                if (e.key.equals(key)) {
                    found = e.value;
                }
            }
            return found;
        }

        void set(String key, J value) {
            for (int i = entries.size() - 1; i >= 0; i--) {
                if (entries.get(i).key.equals(key)) {
                    entries.set(i, new Entry(key, value));
                    return;
                }
            }
            entries.add(new Entry(key, value));
        }

        void remove(String key) {
            entries.removeIf(e -> e.key.equals(key));
        }

        @Override
        public Obj copy() {
            Obj o = new Obj(new ArrayList<>());
            entries.forEach(e -> o.entries.add(new Entry(e.key, e.value.copy())));
            return o;
        }
    }

    record Arr(List<J> items) implements J {
        @Override
        public Arr copy() {
            return new Arr(new ArrayList<>(items.stream().map(J::copy).toList()));
        }
    }

    record Str(String value) implements J {
        @Override
        public Str copy() {
            return this;
        }
    }

    /** A literal as written: a number (in any spelling), true, false, null. */
    record Lit(String text) implements J {
        @Override
        public Lit copy() {
            return this;
        }
    }

    static Str s(String v) {
        return new Str(v);
    }

    static Lit lit(String v) {
        return new Lit(v);
    }

    /** How a payload is written: whitespace between tokens and how strings are escaped. */
    record Style(boolean spaced, int escaping, Random rnd) {
        static final Style COMPACT = new Style(false, 0, null);
    }

    static String write(J j, Style style) {
        StringBuilder b = new StringBuilder();
        write(j, style, b);
        return b.toString();
    }

    private static void write(J j, Style style, StringBuilder b) {
        switch (j) {
            case Obj o -> {
                b.append('{');
                for (int i = 0; i < o.entries.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    space(style, b);
                    string(o.entries.get(i).key, style, b);
                    space(style, b);
                    b.append(':');
                    space(style, b);
                    write(o.entries.get(i).value, style, b);
                    space(style, b);
                }
                b.append('}');
            }
            case Arr a -> {
                b.append('[');
                for (int i = 0; i < a.items.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    space(style, b);
                    write(a.items.get(i), style, b);
                }
                space(style, b);
                b.append(']');
            }
            case Str str -> string(str.value, style, b);
            case Lit l -> b.append(l.text);
        }
    }

    private static final String[] SPACES = { "", " ", "\n", "\t", "\r\n  ", "   " };

    private static void space(Style style, StringBuilder b) {
        if (style.spaced) {
            b.append(SPACES[style.rnd.nextInt(SPACES.length)]);
        }
    }

    /** escaping 0: only what JSON requires; 1: every character as a \\u escape; 2: at random, per character. */
    private static void string(String v, Style style, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean escape = style.escaping == 1 || (style.escaping == 2 && style.rnd.nextInt(4) == 0);
            if (escape) {
                if (style.escaping == 2 && c == '/' && style.rnd.nextBoolean()) {
                    b.append("\\/");
                } else {
                    b.append(String.format("\\u%04X", (int) c));
                }
            } else if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The valid event and what is done to it.

    static Obj usage() {
        return Obj.of("prompt_tokens", lit("1200"), "completion_tokens", lit("345"), "cache_read_tokens", lit("400"),
                "cache_write_tokens", lit("100"), "reasoning_tokens", lit("45"));
    }

    static Obj data() {
        return Obj.of("request_id", s("req_diff_1"), "namespace_id", s("ns_diff"), "api_key_id", s("key_1"),
                "model", s("moonshotai/kimi-k2.6:discount"), "served_model_id", s("moonshotai/kimi-k2.6"),
                "provider_id", s("bitrouter"), "status", s("succeeded"), "error_code", s("none"),
                "funding_source", s("cloud_credit"), "usage", usage(), "streamed", lit("true"),
                "started_at", s("2026-11-01T09:59:58.123456789Z"), "completed_at", s("2026-11-01T10:00:00.5Z"));
    }

    static Obj event() {
        return Obj.of("specversion", s("1.0"), "id", s("req_diff_1"), "source", s("router://us-east-1/node-7"),
                "type", s(UsageEventParser.TYPE), "subject", s("ns_diff"), "time", s("2026-11-01T10:00:00.123Z"),
                "datacontenttype", s("application/json"), "data", data());
    }

    static final List<List<String>> FIELDS = List.of(List.of("specversion"), List.of("id"), List.of("source"),
            List.of("type"), List.of("subject"), List.of("time"), List.of("data"), List.of("data", "request_id"),
            List.of("data", "namespace_id"), List.of("data", "api_key_id"), List.of("data", "model"),
            List.of("data", "served_model_id"), List.of("data", "provider_id"), List.of("data", "status"),
            List.of("data", "error_code"), List.of("data", "funding_source"), List.of("data", "usage"),
            List.of("data", "streamed"), List.of("data", "started_at"), List.of("data", "completed_at"),
            List.of("data", "usage", "prompt_tokens"), List.of("data", "usage", "completion_tokens"),
            List.of("data", "usage", "cache_read_tokens"), List.of("data", "usage", "cache_write_tokens"),
            List.of("data", "usage", "reasoning_tokens"));

    /** Values every field is set to in turn: wrong types, blanks, edge numbers, escapes, times, other fields' values. */
    static final List<J> VALUES = List.of(lit("null"), s(""), s("  "), s("\t\n"), s("\u3000"), s("\u00a0"),
            lit("0"), lit("1"), lit("-1"), lit("-0"), lit("-5"), lit("1.0"), lit("1.5"), lit("1e3"), lit("1E+2"),
            lit("-0.0"), lit("9223372036854775807"), lit("9223372036854775808"), lit("-9223372036854775808"),
            lit("-9223372036854775809"), lit("123456789012345678901234567890"), lit("true"), lit("false"),
            Obj.of(), Obj.of("a", lit("1")), new Arr(new ArrayList<>()), new Arr(new ArrayList<>(List.of(lit("1"), s("x")))),
            s("12"), s("x"), s("1.0"), s(UsageEventParser.TYPE), s("req_diff_1"), s("ns_diff"), s("succeeded"),
            s("failed"), s("cloud_credit"), s("byok"), s("\u0000"), s("a\"b"), s("a\\b"), s("\n"), s("\u00e9t\u00e9"),
            s("ключ-ü-€-😀"), s("\uD83D\uDE00"), s("\uD800"), s(" x "), s("2026-11-01T10:00:00Z"),
            s("2026-11-01T10:00:00.123456789Z"), s("2026-11-01T10:00:00+01:00"), s("2026-13-01T10:00:00Z"),
            s("2026-11-01t10:00:00z"), s("2026-02-29T10:00:00Z"), s("not a time"), s("succeeded "),
            // the contract's bounds (issue #18), each at and just past its edge
            s("r".repeat(200)), s("r".repeat(201)), s("\u00e9".repeat(100)), s("\u00e9".repeat(100) + "x"),
            s("s".repeat(500)), s("s".repeat(501)), s("0001-01-01T00:00:00Z"), s("2019-12-31T23:59:59.999999Z"),
            s("2020-01-01T00:00:00Z"), lit("10000000000"), lit("10000000001"), s("ns\u0000x"), s("a\u0085"));

    /** Keys an unknown field may have: some are known names one level off, which must not count. */
    static final List<String> UNKNOWN_KEYS = List.of("x", "extra", "ext_\u00e9", "usage", "data", "id", "time",
            "prompt_tokens", "model", "streamed", "", "request_id");

    static J randomValue(Random rnd, int depth) {
        int kind = rnd.nextInt(depth >= 4 ? 3 : 6);
        return switch (kind) {
            case 0 -> VALUES.get(rnd.nextInt(VALUES.size())).copy();
            case 1 -> lit(switch (rnd.nextInt(6)) {
                case 0 -> Long.toString(rnd.nextLong());
                case 1 -> rnd.nextInt(1000) + "." + rnd.nextInt(1000) + "e-" + rnd.nextInt(400);
                case 2 -> "1" + "0".repeat(rnd.nextInt(60));
                case 3 -> "-" + rnd.nextInt(10) + ".5E" + rnd.nextInt(20);
                case 4 -> "1e99999";
                default -> "0";
            });
            case 2 -> s(randomText(rnd));
            case 3, 4 -> {
                Obj o = new Obj(new ArrayList<>());
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    o.entries.add(new Entry(UNKNOWN_KEYS.get(rnd.nextInt(UNKNOWN_KEYS.size())), randomValue(rnd, depth + 1)));
                }
                yield o;
            }
            default -> {
                Arr a = new Arr(new ArrayList<>());
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    a.items.add(randomValue(rnd, depth + 1));
                }
                yield a;
            }
        };
    }

    private static final String TEXT_CHARS = "aZ09 _-/\\\"\n\t\r\u0000\u0001\u001f\u007f\u00e9\u20ac\u3000\uFEFF\u2028";

    static String randomText(Random rnd) {
        StringBuilder b = new StringBuilder();
        for (int i = rnd.nextInt(8); i > 0; i--) {
            int k = rnd.nextInt(TEXT_CHARS.length() + 1);
            if (k == TEXT_CHARS.length()) {
                b.append("\uD83D\uDE00"); // a surrogate pair, written raw as four UTF-8 bytes or escaped as two
            } else {
                b.append(TEXT_CHARS.charAt(k));
            }
        }
        return b.toString();
    }

    /** The object holding the field at {@code path} (the last value of each key on the way), or null if not an object. */
    static Obj parentOf(Obj root, List<String> path) {
        J at = root;
        for (int i = 0; i < path.size() - 1; i++) {
            if (!(at instanceof Obj o)) {
                return null;
            }
            at = o.get(path.get(i));
        }
        return at instanceof Obj o ? o : null;
    }

    static String last(List<String> path) {
        return path.get(path.size() - 1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The comparison

    private final Map<String, Integer> groups = new TreeMap<>();
    private final Set<String> rejections = new TreeSet<>();
    private int parsed;

    private void check(String group, String label, ObjectMapper mapper, byte[] payload) {
        assertTrue(UsageEventParser.invalidUtf8At(payload) < 0, () -> label + ": not UTF-8; the oracle cannot judge it");
        UsageEventParser.Result expected = new TreeUsageEventParser(mapper).parse(new String(payload, StandardCharsets.UTF_8));
        UsageEventParser.Result actual = new UsageEventParser(mapper).parse(payload);
        assertSameResult(label, expected, actual);
        groups.merge(group, 1, Integer::sum);
        switch (expected) {
            case UsageEventParser.Parsed p -> parsed++;
            case UsageEventParser.Rejected r -> rejections.add(r.reason() + ": "
                    + (r.reason().equals("malformed_json") ? "" : r.detail()));
        }
    }

    private void check(String group, String label, String payload) {
        check(group, label, plain, payload.getBytes(StandardCharsets.UTF_8));
    }

    static void assertSameResult(String label, UsageEventParser.Result expected, UsageEventParser.Result actual) {
        switch (expected) {
            case UsageEventParser.Parsed p -> {
                if (!(actual instanceof UsageEventParser.Parsed a)) {
                    fail(label + ": the tree parser accepted it, the streaming one says " + actual);
                    return;
                }
                for (RecordComponent c : UsageEvent.class.getRecordComponents()) {
                    Object want = value(c, p.event());
                    Object got = value(c, a.event());
                    boolean same = want instanceof byte[] w ? Arrays.equals(w, (byte[]) got) : Objects.equals(want, got);
                    assertTrue(same, () -> label + ": " + c.getName() + " " + show(want) + " != " + show(got));
                }
            }
            case UsageEventParser.Rejected r -> {
                if (!(actual instanceof UsageEventParser.Rejected a)) {
                    fail(label + ": the tree parser rejected it (" + r + "), the streaming one accepted it");
                    return;
                }
                assertEquals(r.reason(), a.reason(), () -> label + ": reason (tree said " + r.detail() + ", streaming "
                        + a.detail() + ")");
                if (!r.reason().equals("malformed_json")) {
                    assertEquals(r.detail(), a.detail(), () -> label + ": detail");
                }
            }
        }
    }

    private static Object value(RecordComponent c, UsageEvent e) {
        try {
            return c.getAccessor().invoke(e);
        } catch (ReflectiveOperationException x) {
            throw new IllegalStateException(x);
        }
    }

    private static String show(Object o) {
        return o instanceof byte[] b ? Arrays.toString(b) : String.valueOf(o);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void theStreamingParserDecidesEveryCaseAsTheTreeParserDid() throws Exception {
        examples();
        everyFieldSetToEveryValue();
        duplicateKeys();
        repeatedDataAndUsageObjects();
        unknownFieldsAndOrder();
        truncations();
        rootsTrailingContentAndWhitespace();
        mapperFeatures();
        randomMutations();

        // Every group ran as many cases as it enumerates; a generator that silently produced fewer would pass
        // trivially.
        Map<String, Integer> expectedCounts = new TreeMap<>(Map.of("examples", UsageEventSchemaTest.valid().size() + UsageEventSchemaTest.invalid().size(), "field-values", FIELDS.size()
                * (VALUES.size() + 1) * 2, "duplicate-keys", FIELDS.size() * 4, "repeated-objects", REPEATED,
                "unknown-and-order", 400, "truncations", TRUNCATIONS, "roots-trailing-whitespace", ROOTS_ETC,
                "mapper-features", MAPPER_CASES, "random", RANDOM_CASES));
        assertEquals(expectedCounts, groups);
        int total = groups.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("differential: %,d cases (%s), %,d parsed, %d distinct rejections%n", total, groups, parsed,
                rejections.size());

        // And the cases reach every check: each reason, and each detail the checks can give.
        assertTrue(parsed >= 1_000, () -> "only " + parsed + " cases parsed");
        Set<String> details = new TreeSet<>();
        details.add("malformed_json: ");
        details.add("empty_payload: record has no value");
        details.add("schema_violation: event is not a JSON object");
        details.add("schema_violation: specversion must be 1.0");
        details.add("schema_violation: type must be " + UsageEventParser.TYPE);
        details.add("schema_violation: data must be an object");
        details.add("inconsistent_event: id and data.request_id differ");
        details.add("inconsistent_event: subject and data.namespace_id differ");
        details.add("schema_violation: status must be succeeded or failed");
        details.add("schema_violation: funding_source must be cloud_credit or byok");
        details.add("inconsistent_event: a succeeded request needs served_model_id and provider_id");
        details.add("schema_violation: data.usage must be an object");
        details.add("schema_violation: streamed must be a boolean");
        for (String f : List.of("specversion", "type", "id", "request_id", "namespace_id", "status", "funding_source",
                "source", "time", "model")) {
            details.add("schema_violation: " + f + " is required");
        }
        for (String f : List.of("specversion", "type", "id", "request_id", "namespace_id", "subject", "status",
                "funding_source", "served_model_id", "provider_id", "source", "time", "api_key_id", "model",
                "error_code", "started_at", "completed_at")) {
            details.add("schema_violation: " + f + " must be a non-empty string");
        }
        for (String f : List.of("time", "started_at", "completed_at")) {
            details.add("schema_violation: " + f + " must be an RFC 3339 UTC time");
        }
        for (String f : List.of("prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens",
                "reasoning_tokens")) {
            details.add("schema_violation: usage." + f + " must be an integer");
            details.add("negative_tokens: usage." + f + " is negative");
        }
        for (String f : List.of("id", "request_id", "namespace_id", "subject", "api_key_id", "model", "served_model_id",
                "provider_id", "error_code", "source")) {
            details.add("schema_violation: " + f + " is longer than " + (f.equals("source") ? 500 : 200) + " bytes");
            details.add("schema_violation: " + f + " contains a control character (U+0000)");
            details.add("schema_violation: " + f + " contains a control character (U+0085)");
        }
        details.add("time_out_of_range: time 0001-01-01T00:00:00Z is before 2020-01-01T00:00:00Z");
        details.add("time_out_of_range: time 2019-12-31T23:59:59.999999Z is before 2020-01-01T00:00:00Z");
        for (String f : List.of("prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens",
                "reasoning_tokens")) {
            details.add("schema_violation: usage." + f + " is more than 10000000000");
        }
        // The random texts carry other control characters too (CR, U+0001, U+001F, DEL): the same check.
        rejections.removeIf(r -> r.matches("schema_violation: \\w+ contains a control character \\(U\\+00(0[1-9A-F]|1[0-9A-F]|7F)\\)"));
        Set<String> missing = new TreeSet<>(details);
        missing.removeAll(rejections);
        assertEquals(Set.of(), missing, "checks no case reached");
        Set<String> unexpected = new TreeSet<>(rejections);
        unexpected.removeAll(details);
        assertEquals(Set.of(), unexpected, "rejections outside the contract");
    }

    private void examples() throws Exception {
        for (String kind : List.of("valid", "invalid")) {
            for (Path p : UsageEventSchemaTest.examples(kind)) {
                check("examples", p.toString(), plain, Files.readAllBytes(p));
            }
        }
    }

    private void everyFieldSetToEveryValue() {
        for (List<String> path : FIELDS) {
            for (boolean spaced : List.of(false, true)) {
                Style style = new Style(spaced, 0, new Random(path.hashCode()));
                Obj e = event();
                parentOf(e, path).remove(last(path));
                check("field-values", path + " removed", write(e, style));
                for (J v : VALUES) {
                    Obj m = event();
                    parentOf(m, path).set(last(path), v.copy());
                    check("field-values", path + " = " + write(v, Style.COMPACT), write(m, style));
                }
            }
        }
    }

    private void duplicateKeys() {
        Random rnd = new Random(SEED + 1);
        for (List<String> path : FIELDS) {
            Obj parent;
            // the same value twice
            Obj same = event();
            parent = parentOf(same, path);
            parent.entries.add(new Entry(last(path), parent.get(last(path)).copy()));
            check("duplicate-keys", path + " twice", write(same, Style.COMPACT));
            // another value first, the valid one last: the last one counts
            Obj validLast = event();
            parent = parentOf(validLast, path);
            parent.entries.add(0, new Entry(last(path), VALUES.get(rnd.nextInt(VALUES.size())).copy()));
            check("duplicate-keys", path + " other, then valid", write(validLast, Style.COMPACT));
            // the valid one first, another value last
            Obj otherLast = event();
            parent = parentOf(otherLast, path);
            J other = VALUES.get(rnd.nextInt(VALUES.size())).copy();
            parent.entries.add(new Entry(last(path), other));
            check("duplicate-keys", path + " valid, then " + write(other, Style.COMPACT), write(otherLast, Style.COMPACT));
            // null last: a JSON null replaces the earlier value too
            Obj nullLast = event();
            parent = parentOf(nullLast, path);
            parent.entries.add(new Entry(last(path), lit("null")));
            check("duplicate-keys", path + " valid, then null", write(nullLast, Style.COMPACT));
        }
    }

    static final int REPEATED = 58;

    /** A later data or usage object replaces the earlier one whole: nothing of the earlier one may leak through. */
    private void repeatedDataAndUsageObjects() {
        List<String> dataFields = List.of("request_id", "namespace_id", "api_key_id", "model", "served_model_id",
                "provider_id", "status", "error_code", "funding_source", "usage", "streamed", "started_at", "completed_at");
        for (String f : dataFields) {
            Obj fullThenPartial = event();
            Obj partial = data();
            partial.remove(f);
            fullThenPartial.entries.add(new Entry("data", partial));
            check("repeated-objects", "data, then data without " + f, write(fullThenPartial, Style.COMPACT));
            Obj partialThenFull = event();
            Obj first = data();
            first.remove(f);
            partialThenFull.remove("data");
            partialThenFull.entries.add(new Entry("data", first));
            partialThenFull.entries.add(new Entry("data", data()));
            check("repeated-objects", "data without " + f + ", then data", write(partialThenFull, Style.COMPACT));
        }
        List<String> usageFields = List.of("prompt_tokens", "completion_tokens", "cache_read_tokens",
                "cache_write_tokens", "reasoning_tokens");
        for (String f : usageFields) {
            Obj e = event();
            Obj d = (Obj) e.get("data");
            Obj partial = usage();
            partial.remove(f);
            d.entries.add(new Entry("usage", partial));
            check("repeated-objects", "usage, then usage without " + f, write(e, Style.COMPACT));
            Obj e2 = event();
            Obj d2 = (Obj) e2.get("data");
            Obj bad = usage();
            bad.set(f, lit("-3"));
            d2.entries.add(0, new Entry("usage", bad));
            check("repeated-objects", "usage with negative " + f + ", then usage", write(e2, Style.COMPACT));
        }
        // data replaced by a non-object, and the reverse; usage likewise; an inner usage of an outer data
        List<Consumer<Obj>> others = List.of(
                e -> e.entries.add(new Entry("data", lit("null"))),
                e -> e.entries.add(0, new Entry("data", lit("null"))),
                e -> e.entries.add(new Entry("data", s("x"))),
                e -> e.entries.add(0, new Entry("data", new Arr(new ArrayList<>(List.of(data()))))),
                e -> e.entries.add(new Entry("data", Obj.of())),
                e -> ((Obj) e.get("data")).entries.add(new Entry("usage", lit("null"))),
                e -> ((Obj) e.get("data")).entries.add(0, new Entry("usage", lit("7"))),
                e -> ((Obj) e.get("data")).entries.add(new Entry("usage", Obj.of())),
                e -> {
                    Obj second = data();
                    second.set("api_key_id", lit("null"));
                    second.remove("error_code");
                    second.remove("streamed");
                    e.entries.add(new Entry("data", second));
                },
                e -> {
                    Obj second = data();
                    second.set("usage", Obj.of("prompt_tokens", lit("1")));
                    e.entries.add(new Entry("data", second));
                },
                e -> {
                    Obj first = data();
                    first.set("status", s("failed"));
                    first.remove("served_model_id");
                    e.entries.add(0, new Entry("data", first));
                },
                e -> {
                    Obj second = data();
                    second.set("status", s("failed"));
                    second.remove("provider_id");
                    e.entries.add(new Entry("data", second));
                },
                e -> {
                    Obj d = (Obj) e.get("data");
                    d.entries.add(new Entry("data", data())); // a "data" inside data is unknown there
                    d.remove("model");
                },
                e -> e.entries.add(new Entry("usage", usage())), // a root "usage" is unknown there
                e -> ((Obj) ((Obj) e.get("data")).get("usage")).entries.add(new Entry("usage", Obj.of(
                        "prompt_tokens", lit("-1")))),
                e -> {
                    Obj d = (Obj) e.get("data");
                    Obj u = (Obj) d.get("usage");
                    d.entries.add(new Entry("usage", u.copy()));
                    u.set("prompt_tokens", lit("1.5")); // the earlier, replaced usage is wrong: ignored
                },
                e -> e.entries.add(new Entry("data", e.get("data").copy())),
                e -> {
                    Obj second = data();
                    ((Obj) second.get("usage")).remove("prompt_tokens");
                    ((Obj) second.get("usage")).remove("reasoning_tokens");
                    e.entries.add(new Entry("data", second));
                },
                e -> {
                    Obj d = (Obj) e.get("data");
                    d.set("streamed", lit("1"));
                    d.entries.add(new Entry("streamed", lit("false")));
                },
                e -> {
                    Obj d = (Obj) e.get("data");
                    d.entries.add(new Entry("streamed", s("true")));
                },
                e -> {
                    Obj d = (Obj) e.get("data");
                    d.set("started_at", s("bad"));
                    e.entries.add(new Entry("data", d.copy()));
                    ((Obj) e.get("data")).set("started_at", s("2026-11-01T09:00:00Z"));
                },
                e -> e.entries.add(new Entry("data", Obj.of("request_id", s("req_diff_1")))));
        for (int i = 0; i < others.size(); i++) {
            Obj e = event();
            others.get(i).accept(e);
            check("repeated-objects", "object case " + i, write(e, Style.COMPACT));
        }
        assertEquals(REPEATED - 13 * 2 - 5 * 2, others.size(), "the count of repeated-object cases");
    }

    private void unknownFieldsAndOrder() {
        Random rnd = new Random(SEED + 2);
        for (int i = 0; i < 400; i++) {
            Obj e = event();
            List<Obj> levels = List.of(e, (Obj) e.get("data"), (Obj) ((Obj) e.get("data")).get("usage"));
            for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                Obj level = levels.get(rnd.nextInt(levels.size()));
                String key = UNKNOWN_KEYS.get(rnd.nextInt(UNKNOWN_KEYS.size()));
                if (level == e && (key.equals("data") || key.equals("id") || key.equals("time"))
                        || level == levels.get(1) && (key.equals("usage") || key.equals("model")
                                || key.equals("streamed") || key.equals("request_id"))
                        || level == levels.get(2) && key.equals("prompt_tokens")) {
                    key = "z" + key; // known at this level: not an unknown field
                }
                level.entries.add(rnd.nextInt(level.entries.size() + 1), new Entry(key, deep(rnd)));
            }
            if (rnd.nextBoolean()) {
                levels.forEach(l -> Collections.shuffle(l.entries, rnd));
            }
            Style style = new Style(rnd.nextBoolean(), rnd.nextInt(3), rnd);
            check("unknown-and-order", "unknown fields " + i, write(e, style));
        }
    }

    /** An unknown value with nested arrays and objects, deeper than anything an event has. */
    private static J deep(Random rnd) {
        J v = randomValue(rnd, 0);
        for (int d = rnd.nextInt(6); d > 0; d--) {
            v = rnd.nextBoolean() ? new Arr(new ArrayList<>(List.of(v, randomValue(rnd, 2))))
                    : Obj.of("k" + d, v, "v", randomValue(rnd, 3));
        }
        return v;
    }

    static final String SHORT = "{\"specversion\":\"1.0\",\"id\":\"r\",\"source\":\"s\",\"type\":\"" + UsageEventParser.TYPE
            + "\",\"time\":\"2026-11-01T10:00:00Z\",\"x\":[1,{\"y\":\"\\u00e9\"}],\"data\":{\"request_id\":\"r\","
            + "\"namespace_id\":\"n\",\"model\":\"m\u20ac\",\"status\":\"failed\",\"funding_source\":\"byok\","
            + "\"usage\":{\"prompt_tokens\":12},\"streamed\":null}}";
    static final byte[] SHORT_BYTES = SHORT.getBytes(StandardCharsets.UTF_8);
    // Every cut of the text, every cut of its bytes that does not split a character (those are not UTF-8), and a
    // closing brace inserted at every position.
    static final int TRUNCATIONS = (SHORT.length() + 1) + (SHORT_BYTES.length + 1 - 2) + (SHORT.length() + 1);

    private void truncations() {
        assertTrue(new TreeUsageEventParser(plain).parse(SHORT) instanceof UsageEventParser.Parsed, "the short event is valid");
        for (int i = 0; i <= SHORT.length(); i++) {
            check("truncations", "text cut at " + i, SHORT.substring(0, i));
            check("truncations", "text with a } inserted at " + i, SHORT.substring(0, i) + "}" + SHORT.substring(i));
        }
        for (int i = 0; i <= SHORT_BYTES.length; i++) {
            byte[] cut = Arrays.copyOf(SHORT_BYTES, i);
            if (UsageEventParser.invalidUtf8At(cut) < 0) {
                check("truncations", "bytes cut at " + i, plain, cut);
            }
        }
    }

    static final List<String> ROOTS = List.of("null", "123", "-1.5", "[]", "[1,{}]", "\"x\"", "true", "false",
            "\"unterminated", "[1,", "{", "}", "]", "nul", "{}", "{\"data\":{}}", "[{\"specversion\":\"1.0\"}]", "1e999",
            "\"\\uD800\"", "\"a\"b", "[1]x", "123abc", "{\"a\":1,}", "{\"a\" 1}", "{'a':1}", "{a:1}", "// c\n{}",
            "/* c */ {}", "[\"\\x\"]", "\"\\u12G4\"", "\"\u0001\"", "NaN", "-", "01", "{\"a\":01}", "[".repeat(1001),
            "[".repeat(900) + "]".repeat(900));
    static final List<String> TRAILING = List.of("", " ", "\n\n", " x", "}", "]", "{", "\"unterminated", "\u0000",
            "// c", " {} {}", "\u00e9", " \uFEFF", ",", "null", " [1,");
    static final List<String> AROUND = List.of("", " ", "\t", "\n", "\r", "\u000B", "\u000C", "\u001C", "\u001F",
            "\u0085", "\u00A0", "\u2028", "\u3000", "\uFEFF", "\u0000", " \u0000", "\u0000\u0000\u0000{");
    static final List<String> BLANKS = List.of("", " ", "\t\r\n", "\u000B\u000C\u001C\u001D\u001E\u001F", "\u3000",
            "\u2028\u2029", "\u2003 \u2003", "\u00A0", "\u0085", "\u200B", "\uFEFF", "\u0000", " \u0000 ", "\u001B");
    static final int ROOTS_ETC = ROOTS.size() + TRAILING.size() + AROUND.size() * 2 + BLANKS.size();

    private void rootsTrailingContentAndWhitespace() {
        String valid = write(event(), Style.COMPACT);
        for (String root : ROOTS) {
            check("roots-trailing-whitespace", "root " + root, root);
        }
        for (String t : TRAILING) {
            check("roots-trailing-whitespace", "trailing " + t, valid + t);
        }
        for (String w : AROUND) {
            check("roots-trailing-whitespace", "before: " + w, w + valid);
            check("roots-trailing-whitespace", "after: " + w, valid + w);
        }
        for (String b : BLANKS) {
            check("roots-trailing-whitespace", "blank " + b, b);
        }
    }

    /** What the mapper is configured to do is done the same way, because the parser comes from its factory. */
    static final int MAPPER_CASES = 3 * (TRAILING.size() + 4);

    private void mapperFeatures() {
        String valid = write(event(), Style.COMPACT);
        List<ObjectMapper> mappers = List.of(new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS),
                JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build(),
                new ObjectMapper().enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS,
                        DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS));
        for (ObjectMapper m : mappers) {
            for (String t : TRAILING) {
                check("mapper-features", "trailing " + t, m, (valid + t).getBytes(StandardCharsets.UTF_8));
            }
            Obj dup = event();
            dup.entries.add(new Entry("x", lit("1")));
            dup.entries.add(new Entry("x", lit("2")));
            check("mapper-features", "duplicate unknown key", m, write(dup, Style.COMPACT).getBytes(StandardCharsets.UTF_8));
            for (String n : List.of("9223372036854775807", "9223372036854775808", "1.0")) {
                Obj big = event();
                ((Obj) ((Obj) big.get("data")).get("usage")).set("prompt_tokens", lit(n));
                check("mapper-features", "prompt_tokens " + n, m, write(big, Style.COMPACT).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private void randomMutations() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < RANDOM_CASES; i++) {
            Obj e = event();
            if (rnd.nextInt(4) == 0) { // some events without the optional fields
                Obj d = (Obj) e.get("data");
                for (String f : List.of("api_key_id", "error_code", "streamed", "started_at", "completed_at")) {
                    if (rnd.nextBoolean()) {
                        d.remove(f);
                    }
                }
                if (rnd.nextBoolean()) {
                    e.remove("subject");
                }
            }
            int ops = rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(4);
            for (int k = 0; k < ops; k++) {
                List<String> path = FIELDS.get(rnd.nextInt(FIELDS.size()));
                Obj parent = parentOf(e, path);
                if (parent == null) {
                    continue;
                }
                switch (rnd.nextInt(6)) {
                    case 0 -> parent.remove(last(path));
                    case 1, 2 -> parent.set(last(path), VALUES.get(rnd.nextInt(VALUES.size())).copy());
                    case 3 -> parent.entries.add(rnd.nextInt(parent.entries.size() + 1),
                            new Entry(last(path), randomValue(rnd, 1)));
                    case 4 -> parent.entries.add(rnd.nextInt(parent.entries.size() + 1),
                            new Entry(UNKNOWN_KEYS.get(rnd.nextInt(UNKNOWN_KEYS.size())) + "_u", deep(rnd)));
                    default -> Collections.shuffle(parent.entries, rnd);
                }
            }
            Style style = new Style(rnd.nextBoolean(), rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0, rnd);
            check("random", "random case " + i, write(e, style));
        }
    }
}
