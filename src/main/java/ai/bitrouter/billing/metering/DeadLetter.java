package ai.bitrouter.billing.metering;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * One record on its way to the dead-letter topic: the original key and value, byte for byte, with the reason and
 * where it came from in headers. A record that with its headers would exceed what the topic takes is sent with its
 * value cut to fit and flagged ({@code dlq-truncated: true}, {@code dlq-original-size}): refused by the broker, it
 * would hold its batch, and every batch after it on the partition, forever. The whole value is still on the usage
 * topic at the original partition and offset for as long as that topic keeps it.
 */
final class DeadLetter {
    /** A detail longer than this is cut: it is a message for a person, and it counts against the record's size. */
    static final int MAX_DETAIL_CHARS = 2000;

    final String topic;
    final int partition;
    final long offset;
    final String key;
    final byte[] value;
    final RecordHeaders headers;
    Message<byte[]> record;
    CompletableFuture<Void> sent;

    private DeadLetter(ConsumerRecord<String, byte[]> r, byte[] value, RecordHeaders headers) {
        this.topic = r.topic();
        this.partition = r.partition();
        this.offset = r.offset();
        this.key = r.key();
        this.value = value;
        this.headers = headers;
        this.record = message(value, headers);
    }

    static DeadLetter of(ConsumerRecord<String, byte[]> r, String reason, String detail, int maxBytes) {
        String d = String.valueOf(detail);
        if (d.length() > MAX_DETAIL_CHARS) {
            d = d.substring(0, MAX_DETAIL_CHARS) + "…";
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add("dlq-reason", utf8(reason));
        headers.add("dlq-detail", utf8(d));
        headers.add("dlq-original-topic", utf8(r.topic()));
        headers.add("dlq-original-partition", utf8(Integer.toString(r.partition())));
        headers.add("dlq-original-offset", utf8(Long.toString(r.offset())));
        // A replayed record dead-lettered again keeps its count, which is what bounds how often it is replayed.
        Header replays = r.headers() == null ? null : r.headers().lastHeader(DeadLetterReplay.REPLAY_COUNT);
        if (replays != null) {
            headers.add(replays);
        }
        byte[] value = r.value() == null ? new byte[0] : r.value();
        int keyBytes = r.key() == null ? 0 : utf8(r.key()).length;
        if (keyBytes + value.length + size(headers) > maxBytes) {
            headers.add("dlq-truncated", utf8("true"));
            headers.add("dlq-original-size", utf8(Integer.toString(value.length)));
            value = Arrays.copyOf(value, Math.max(0, maxBytes - keyBytes - size(headers)));
        }
        return new DeadLetter(r, value, headers);
    }

    /** The same dead letter with no value at all, for a broker whose topic limit is below the configured one. */
    Message<byte[]> withoutValue() {
        RecordHeaders h = new RecordHeaders();
        for (Header header : headers) {
            if (!header.key().equals("dlq-truncated") && !header.key().equals("dlq-original-size")) {
                h.add(header);
            }
        }
        h.add("dlq-truncated", utf8("true"));
        h.add("dlq-original-size", utf8(Integer.toString(
                headers.lastHeader("dlq-original-size") != null
                        ? Integer.parseInt(new String(headers.lastHeader("dlq-original-size").value(), StandardCharsets.UTF_8))
                        : value.length)));
        return message(new byte[0], h);
    }

    private Message<byte[]> message(byte[] v, RecordHeaders h) {
        return Message.of(v)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(h).build());
    }

    /** Header keys and values as they count against a record's size (their length prefixes are in the margin). */
    static int size(RecordHeaders headers) {
        int n = 0;
        for (Header h : headers) {
            n += utf8(h.key()).length + (h.value() == null ? 0 : h.value().length);
        }
        return n;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
