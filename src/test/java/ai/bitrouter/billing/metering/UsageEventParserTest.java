package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;

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
}
