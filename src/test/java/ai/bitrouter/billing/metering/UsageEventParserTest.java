package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

class UsageEventParserTest {
    private final UsageEventParser parser = new UsageEventParser(new ObjectMapper());

    static String event(String id, String ns, String usage) {
        return """
                {"specversion":"1.0","id":"%s","source":"router://test","type":"ai.bitrouter.usage.v1",
                 "subject":"%s","time":"2026-11-01T10:00:00Z","datacontenttype":"application/json",
                 "data":{"request_id":"%s","namespace_id":"%s","model":"moonshotai/kimi-k2.6:discount",
                   "served_model_id":"moonshotai/kimi-k2.6","provider_id":"bitrouter","status":"succeeded",
                   "funding_source":"cloud_credit","usage":%s,"streamed":true,
                   "started_at":"2026-11-01T09:59:58Z","completed_at":"2026-11-01T10:00:00Z"}}
                """.formatted(id, ns, id, ns, usage);
    }

    @Test
    void parsesAValidEvent() {
        var r = parser.parse(event("req_1", "ns_a", """
                {"prompt_tokens":100,"completion_tokens":30,"cache_read_tokens":40,"cache_write_tokens":20,"reasoning_tokens":10}"""));
        UsageEvent e = assertInstanceOf(UsageEventParser.Parsed.class, r).event();
        assertEquals("req_1", e.requestId());
        assertEquals("ns_a", e.namespaceId());
        assertEquals("moonshotai/kimi-k2.6:discount", e.model());
        assertEquals(Instant.parse("2026-11-01T10:00:00Z"), e.time());
        assertEquals(100, e.promptTokens());
        assertEquals(30, e.completionTokens());
        assertEquals(40, e.cacheReadTokens());
        assertEquals(20, e.cacheWriteTokens());
        assertEquals(10, e.reasoningTokens());
        assertEquals(Boolean.TRUE, e.streamed());
        assertNull(e.apiKeyId());
        assertEquals(32, e.payloadSha256().length);
    }

    @Test
    void theDigestTellsPayloadsApart() {
        var a = (UsageEventParser.Parsed) parser.parse(event("req_1", "ns_a", "{\"prompt_tokens\":1}"));
        var same = (UsageEventParser.Parsed) parser.parse(event("req_1", "ns_a", "{\"prompt_tokens\":1}"));
        var other = (UsageEventParser.Parsed) parser.parse(event("req_1", "ns_a", "{\"prompt_tokens\":2}"));
        assertArrayEquals(a.event().payloadSha256(), same.event().payloadSha256());
        assertFalse(Arrays.equals(a.event().payloadSha256(), other.event().payloadSha256()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json at all|malformed_json",
            "[1,2]|schema_violation",
            "''|empty_payload",
    })
    void rejectsGarbage(String payload, String reason) {
        var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(payload));
        assertEquals(reason, r.reason());
    }

    @Test
    void rejectsNegativeAndNonIntegerTokenCounts() {
        var negative = parser.parse(event("req_1", "ns_a", "{\"prompt_tokens\":-1}"));
        assertEquals("negative_tokens", assertInstanceOf(UsageEventParser.Rejected.class, negative).reason());
        var fraction = parser.parse(event("req_1", "ns_a", "{\"prompt_tokens\":1.5}"));
        assertEquals("schema_violation", assertInstanceOf(UsageEventParser.Rejected.class, fraction).reason());
        var text = parser.parse(event("req_1", "ns_a", "{\"prompt_tokens\":\"12\"}"));
        assertEquals("schema_violation", assertInstanceOf(UsageEventParser.Rejected.class, text).reason());
    }

    @Test
    void rejectsAnEnvelopeThatDisagreesWithItsData() {
        String mismatched = event("req_1", "ns_a", "{}").replaceFirst("\"id\":\"req_1\"", "\"id\":\"req_2\"");
        var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(mismatched));
        assertEquals("inconsistent_event", r.reason());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bytes: the record value is parsed as it arrives.

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code template} with its {@code @} replaced by the given bytes. */
    private static byte[] splice(String template, byte[] bytes) {
        int at = template.indexOf('@');
        byte[] head = utf8(template.substring(0, at));
        byte[] tail = utf8(template.substring(at + 1));
        byte[] out = Arrays.copyOf(head, head.length + bytes.length + tail.length);
        System.arraycopy(bytes, 0, out, head.length, bytes.length);
        System.arraycopy(tail, 0, out, head.length + bytes.length, tail.length);
        return out;
    }

    private static final String VALID = event("req_1", "ns_a", "{\"prompt_tokens\":1}");

    /**
     * Ill-formed UTF-8 by kind. Jackson's byte parser (2.21) rejects truncated sequences, bad continuation bytes, lone
     * continuation bytes and F8..FF wherever they are; it decodes overlong forms (C0 AF is '/') and F4 90.. / F5..F7
     * lead bytes into wrong characters, and lets encoded surrogates through in strings it skips. All of them must be
     * malformed_json, wherever they stand.
     */
    static final List<String> ILL_FORMED = List.of("C3", "E2 82", "F0 9F 98", "C3 28", "E2 28 A1", "E2 82 28",
            "F0 28 8C BC", "F0 90 28 BC", "F0 90 8C 28", "80", "BF", "C0 AF", "C1 BF", "E0 80 AF", "E0 9F BF",
            "F0 80 80 AF", "F0 8F BF BF", "ED A0 80", "ED BF BF", "ED A0 BD ED B8 80", "F4 90 80 80", "F5 80 80 80",
            "F7 BF BF BF", "F8 88 80 80 80", "FC 84 80 80 80 80", "FE", "FF");

    /** Where in a payload they are put: in a field read, in skipped strings and names, after the root value. */
    static final List<String> PLACES = List.of(
            VALID.replace("\"model\":\"moonshotai/kimi-k2.6:discount\"", "\"model\":\"moon@shot\""),
            VALID.replace("\"datacontenttype\":\"application/json\"", "\"datacontenttype\":\"appl@ication/json\""),
            VALID.replace("\"datacontenttype\":\"application/json\"", "\"data@contenttype\":\"application/json\""),
            VALID.replace("\"streamed\":true", "\"streamed\":true,\"ext\":{\"a\":[1,{\"b\":\"x@y\"}]}"),
            VALID.replace("\"streamed\":true", "\"streamed\":true,\"ext\":[{\"x@\":null}]"),
            VALID.strip() + " \"@\"");

    @Test
    void everyIllFormedUtf8SequenceIsMalformedJsonWhereverItStands() {
        for (String place : PLACES) {
            // The last place, after the root value, is refused as trailing content even without the bad bytes.
            assertEquals(place != PLACES.get(PLACES.size() - 1),
                    parser.parse(utf8(place.replace("@", ""))) instanceof UsageEventParser.Parsed, place);
            for (String hex : ILL_FORMED) {
                byte[] payload = splice(place, HexFormat.ofDelimiter(" ").parseHex(hex));
                var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(payload), hex + " in " + place);
                assertEquals("malformed_json", r.reason(), hex + " in " + place);
                assertTrue(r.detail().startsWith("payload is not valid UTF-8"), r.detail());
            }
        }
    }

    @Test
    void wellFormedNonAsciiIsReadAsTheCharactersItEncodes() {
        for (String text : List.of("\u00e9", "\u07ff", "\u0800", "\u20ac", "\ud7ff", "\ue000", "\uffff", "\ud83d\ude00",
                "\udbff\udfff", "\u043a\u043b\u044e\u0447-\u00fc-\u20ac-\ud83d\ude00")) {
            for (int pad = 0; pad < 9; pad++) { // each position relative to the eight-byte ASCII steps
                String model = "m".repeat(pad) + text;
                byte[] payload = utf8(VALID.replace("moonshotai/kimi-k2.6:discount", model));
                UsageEvent e = assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(payload)).event();
                assertEquals(model, e.model());
            }
        }
    }

    private static boolean strictlyDecodes(byte[] b, CharsetDecoder strict) {
        try {
            strict.decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void theUtf8CheckAgreesWithTheJdksStrictDecoder() {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int checked = 0;
        int invalid = 0;
        // Every sequence of one and two bytes, and longer ones over every lead and second byte, each at an offset that
        // puts it before, across or after an eight-byte boundary.
        List<byte[]> cases = new ArrayList<>();
        for (int a = 0; a < 256; a++) {
            cases.add(new byte[] { (byte) a });
            for (int b = 0; b < 256; b++) {
                cases.add(new byte[] { (byte) a, (byte) b });
                if (a >= 0xC0) { // the later bytes at the edges of the ranges that matter
                    for (int c : new int[] { 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF }) {
                        cases.add(new byte[] { (byte) a, (byte) b, (byte) c });
                        if (a >= 0xF0) {
                            for (int d : new int[] { 0x20, 0x80, 0xBF, 0xC0 }) {
                                cases.add(new byte[] { (byte) a, (byte) b, (byte) c, (byte) d });
                            }
                        }
                    }
                }
            }
        }
        SplittableRandom random = new SplittableRandom(11);
        for (byte[] seq : cases) {
            int offset = random.nextInt(12);
            byte[] b = new byte[offset + seq.length + random.nextInt(12)];
            Arrays.fill(b, (byte) 'a');
            System.arraycopy(seq, 0, b, offset, seq.length);
            boolean valid = strictlyDecodes(b, strict);
            int at = UsageEventParser.invalidUtf8At(b);
            assertEquals(valid, at < 0, () -> HexFormat.of().formatHex(b));
            if (!valid) {
                assertTrue(at >= offset && at < offset + seq.length, () -> HexFormat.of().formatHex(b) + " at " + at);
                invalid++;
            }
            checked++;
        }
        // Random text: mostly ASCII with runs of valid and invalid multi-byte characters.
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int k = 0; k < b.length; k++) {
                b[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256) : 'a');
            }
            boolean valid = strictlyDecodes(b, strict);
            assertEquals(valid, UsageEventParser.invalidUtf8At(b) < 0, () -> HexFormat.of().formatHex(b));
            checked++;
            invalid += valid ? 0 : 1;
        }
        assertTrue(invalid > 50_000 && checked - invalid > 20_000, checked + " checked, " + invalid + " invalid");
    }

    @Test
    void blankBytesAreWhatBlankTextWas() {
        // Every code point alone, after a space and before a brace.
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                continue;
            }
            String one = Character.toString(cp);
            for (String s : List.of(one, " " + one, one + "{")) {
                assertEquals(s.isBlank(), UsageEventParser.isBlank(utf8(s)), one);
            }
        }
        // And bytes that are not UTF-8: the decoder's replacement character is not blank.
        for (String hex : List.of("20 FF", "C3", "20 E3 80", "E3 80 80 FF", "09 0A 80")) {
            byte[] b = HexFormat.ofDelimiter(" ").parseHex(hex);
            assertEquals(new String(b, StandardCharsets.UTF_8).isBlank(), UsageEventParser.isBlank(b), hex);
        }
        assertTrue(UsageEventParser.isBlank(new byte[0]));
        assertTrue(UsageEventParser.isBlank(utf8(" \t\u000b\u001c\u3000\u2028 ")));
        for (byte[] blank : List.of(new byte[0], utf8("  \n"), utf8("\u3000"))) {
            var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(blank));
            assertEquals("empty_payload", r.reason());
        }
        var none = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse((byte[]) null));
        assertEquals("empty_payload", none.reason());
    }

    @Test
    void theDigestIsOfTheBytesAsReceivedAndEqualsTheOneStoredBefore() throws Exception {
        String text = VALID.replace("moonshotai/kimi-k2.6:discount", "kimi-\u20ac-\ud83d\ude00");
        byte[] payload = utf8(text);
        UsageEvent e = assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(payload)).event();
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(payload), e.payloadSha256());
        var before = assertInstanceOf(UsageEventParser.Parsed.class, new TreeUsageEventParser(new ObjectMapper()).parse(text));
        assertArrayEquals(before.event().payloadSha256(), e.payloadSha256());
    }

    @Test
    void contentAfterTheEventIsRefused() {
        // "{...} x" is not one event: whatever follows the object but whitespace makes the record malformed.
        for (String trailing : List.of(" x", "}", "{", " \"unterminated", " [1,", "\u0000", " {\"id\":\"req_2\"}")) {
            String payload = VALID.strip() + trailing;
            var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(payload), trailing);
            assertEquals("malformed_json", r.reason(), trailing);
        }
        assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(VALID.strip() + " \n\t "));
    }

    @Test
    void aRepeatedKeyIsRefusedAtAnyDepth() {
        String[] payloads = {
                VALID.replace("\"specversion\":\"1.0\"", "\"specversion\":\"1.0\",\"specversion\":\"1.0\""),
                VALID.replace("\"status\":\"succeeded\"", "\"status\":\"failed\",\"status\":\"succeeded\""),
                VALID.replace("\"prompt_tokens\":", "\"prompt_tokens\":1,\"prompt_tokens\":"),
                VALID.replace("\"streamed\":true", "\"streamed\":true,\"ext\":{\"a\":1,\"a\":2}") };
        for (String payload : payloads) {
            assertFalse(payload.equals(VALID));
            var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(payload), payload);
            assertEquals("malformed_json", r.reason());
            assertTrue(r.detail().contains("Duplicate field"), r.detail());
        }
    }

    @Test
    void aValueOverOneMebibyteIsRefusedBeforeItIsRead() {
        String pad = ",\"ext\":\"";
        String base = VALID.strip();
        int fill = UsageEventParser.MAX_VALUE_BYTES - utf8(base).length - pad.length() - 1;
        String exactly = base.substring(0, base.length() - 1) + pad + "x".repeat(fill) + "\"}";
        assertEquals(UsageEventParser.MAX_VALUE_BYTES, utf8(exactly).length);
        assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(utf8(exactly)));
        String over = base.substring(0, base.length() - 1) + pad + "x".repeat(fill + 1) + "\"}";
        var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(utf8(over)));
        assertEquals("payload_too_large", r.reason());
        assertEquals("record value is 1048577 bytes, more than 1048576", r.detail());
    }

    @ParameterizedTest
    @CsvSource({
            "0001-01-01T00:00:00Z, time_out_of_range",
            "2019-12-31T23:59:59.999999Z, time_out_of_range",
            "1970-01-01T00:00:00Z, time_out_of_range",
            "2020-01-01T00:00:00Z, ",
            "9999-12-31T23:59:59Z, " })
    void theEventTimeIsNotBefore2020(String time, String reason) {
        var r = parser.parse(VALID.replace("2026-11-01T10:00:00Z\",\"datacontenttype", time + "\",\"datacontenttype"));
        if (reason == null) {
            // The far future is the consumer's to refuse (time_in_future needs the clock; the parser is pure).
            assertEquals(Instant.parse(time), assertInstanceOf(UsageEventParser.Parsed.class, r).event().time());
        } else {
            var rej = assertInstanceOf(UsageEventParser.Rejected.class, r);
            assertEquals(reason, rej.reason());
            assertTrue(rej.detail().startsWith("time " + Instant.parse(time)), rej.detail());
        }
    }

    @Test
    void idsAndNamesAreAtMost200BytesOfUtf8() {
        String ascii200 = "r".repeat(200);
        assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(event(ascii200, "ns_a", "{}")));
        var longId = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(event(ascii200 + "r", "ns_a", "{}")));
        assertEquals("schema_violation", longId.reason());
        assertEquals("id is longer than 200 bytes", longId.detail());
        // 100 characters of two bytes each are 200 bytes; one more ASCII character is 201.
        String twoByte = "\u00e9".repeat(100);
        assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(event("req_1", twoByte, "{}")));
        var longNs = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(event("req_1", twoByte + "x", "{}")));
        assertEquals("schema_violation", longNs.reason());
        assertEquals("namespace_id is longer than 200 bytes", longNs.detail(), "namespace_id is checked before subject");
        // An emoji is a surrogate pair: four bytes.
        String emoji = "\ud83d\ude00".repeat(50);
        assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(VALID.replace("moonshotai/kimi-k2.6:discount", emoji)));
        var longModel = assertInstanceOf(UsageEventParser.Rejected.class,
                parser.parse(VALID.replace("moonshotai/kimi-k2.6:discount", emoji + "x")));
        assertEquals("model is longer than 200 bytes", longModel.detail());
        var r3k = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(event("r".repeat(3000), "ns_a", "{}")));
        assertEquals("schema_violation", r3k.reason());
    }

    @ParameterizedTest
    @CsvSource({ "\\u0000, 0000", "\\u001f, 001F", "\\t, 0009", "\\u007f, 007F", "\\u0085, 0085" })
    void idsCarryNoControlCharacters(String escaped, String code) {
        var ns = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(event("req_1", "ns_" + escaped + "a", "{}")));
        assertEquals("schema_violation", ns.reason());
        assertEquals("namespace_id contains a control character (U+" + code + ")", ns.detail());
        var id = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(event("req_" + escaped, "ns_a", "{}")));
        assertEquals("id contains a control character (U+" + code + ")", id.detail());
        // A non-breaking space (U+00A0) is not a control character.
        assertInstanceOf(UsageEventParser.Parsed.class, parser.parse(event("req_\\u00a0", "ns_a", "{}")));
    }

    @Test
    void aTokenCountIsAtMostTenToTheTen() {
        assertEquals(10_000_000_000L, assertInstanceOf(UsageEventParser.Parsed.class,
                parser.parse(event("req_1", "ns_a", "{\"prompt_tokens\":10000000000}"))).event().promptTokens());
        for (String usage : List.of("{\"prompt_tokens\":10000000001}", "{\"reasoning_tokens\":9000000000000000000}")) {
            var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(event("req_1", "ns_a", usage)));
            assertEquals("schema_violation", r.reason());
            assertTrue(r.detail().endsWith("is more than 10000000000"), r.detail());
        }
    }

    @Test
    void aSkippedStringBeyondJacksonsLengthLimitIsStillMalformedJson() {
        // Jackson's default limit is beyond the 1 MiB a value may have: a mapper with a lower one shows the rule.
        ObjectMapper json = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(4096).build()).build()).build();
        int limit = json.getFactory().streamReadConstraints().getMaxStringLength();
        String payload = VALID.replace("\"streamed\":true", "\"streamed\":true,\"ext\":[\"" + "x".repeat(limit + 1) + "\"]");
        var before = assertInstanceOf(UsageEventParser.Rejected.class, new TreeUsageEventParser(json).parse(payload));
        var now = assertInstanceOf(UsageEventParser.Rejected.class, new UsageEventParser(json).parse(payload));
        assertEquals("malformed_json", before.reason());
        assertEquals("malformed_json", now.reason());
        // One character less is within the limit, skipped or not.
        String within = VALID.replace("\"streamed\":true", "\"streamed\":true,\"ext\":[\"" + "x".repeat(limit - 1) + "\"]");
        assertInstanceOf(UsageEventParser.Parsed.class, new UsageEventParser(json).parse(within));
    }

    @Test
    void aByteOrderMarkOrALeadingNulIsMalformedAsInText() {
        // Jackson would take EF BB BF as a byte order mark and a NUL up front as UTF-16 or -32.
        for (String lead : List.of("\ufeff", "\u0000", " \u0000", "\u0000\u0000\u0000")) {
            var r = assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(utf8(lead + VALID)), lead);
            assertEquals("malformed_json", r.reason());
        }
        byte[] utf16 = VALID.getBytes(StandardCharsets.UTF_16BE);
        assertEquals("malformed_json", assertInstanceOf(UsageEventParser.Rejected.class, parser.parse(utf16)).reason());
    }
}
