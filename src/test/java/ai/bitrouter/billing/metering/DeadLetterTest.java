package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** A dead letter is the original record with headers, cut to fit the topic only when it must be. */
class DeadLetterTest {
    static final int MAX = 10_000;

    static ConsumerRecord<String, byte[]> record(byte[] value) {
        return new ConsumerRecord<>("bitrouter.usage.v1", 7, 12345L, "ns_a", value);
    }

    static String header(Headers h, String name) {
        return h.lastHeader(name) == null ? null : new String(h.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aRecordThatFitsIsSentWholeWithItsReasonAndOrigin() {
        byte[] value = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);
        DeadLetter d = DeadLetter.of(record(value), "schema_violation", "id must be a string", MAX);
        assertArrayEquals(value, d.value);
        assertEquals("schema_violation", header(d.headers, "dlq-reason"));
        assertEquals("id must be a string", header(d.headers, "dlq-detail"));
        assertEquals("bitrouter.usage.v1", header(d.headers, "dlq-original-topic"));
        assertEquals("7", header(d.headers, "dlq-original-partition"));
        assertEquals("12345", header(d.headers, "dlq-original-offset"));
        assertNull(header(d.headers, "dlq-truncated"));
        assertArrayEquals(value, d.record.getPayload());
        assertEquals("ns_a", d.record.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow().getKey());
    }

    @Test
    void aRecordAtTheLimitIsWholeAndOneByteMoreIsCutToTheLimit() {
        DeadLetter probe = DeadLetter.of(record(new byte[0]), "payload_too_large", "d", MAX);
        int room = MAX - "ns_a".length() - DeadLetter.size(probe.headers);
        byte[] fits = new byte[room];
        Arrays.fill(fits, (byte) 'x');
        DeadLetter whole = DeadLetter.of(record(fits), "payload_too_large", "d", MAX);
        assertEquals(room, whole.value.length);
        assertNull(header(whole.headers, "dlq-truncated"));

        byte[] over = new byte[room + 1];
        for (int i = 0; i < over.length; i++) {
            over[i] = (byte) i;
        }
        DeadLetter cut = DeadLetter.of(record(over), "payload_too_large", "d", MAX);
        assertEquals("true", header(cut.headers, "dlq-truncated"));
        assertEquals(Integer.toString(room + 1), header(cut.headers, "dlq-original-size"));
        assertEquals(MAX, "ns_a".length() + cut.value.length + DeadLetter.size(cut.headers), "exactly the limit");
        assertArrayEquals(Arrays.copyOf(over, cut.value.length), cut.value, "the start of the value");
    }

    @Test
    void aLongDetailIsCutAndAMissingValueIsEmpty() {
        DeadLetter d = DeadLetter.of(record(null), "empty_payload", "x".repeat(5000), MAX);
        assertEquals(0, d.value.length);
        assertEquals(DeadLetter.MAX_DETAIL_CHARS + 1, header(d.headers, "dlq-detail").length());
    }

    @Test
    void withoutValueKeepsTheHeadersAndTheOriginalSize() {
        byte[] value = new byte[3000];
        DeadLetter d = DeadLetter.of(record(value), "payload_too_large", "d", MAX);
        var bare = d.withoutValue();
        assertEquals(0, bare.getPayload().length);
        Headers h = bare.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow().getHeaders();
        assertEquals("true", header(h, "dlq-truncated"));
        assertEquals("3000", header(h, "dlq-original-size"));
        assertEquals("payload_too_large", header(h, "dlq-reason"));
        assertEquals("12345", header(h, "dlq-original-offset"));
    }
}
