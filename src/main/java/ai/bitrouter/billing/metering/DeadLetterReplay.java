package ai.bitrouter.billing.metering;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.audit.AuditLog;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Reads the dead-letter topic and re-publishes chosen dead letters to the usage topic, for an operator who fixed
 * their cause (typically: the namespace now exists). Both are plain Kafka clients, not the messaging channels: the
 * scan assigns every partition of the dead-letter topic and reads from the start (or from a time) to the end offsets
 * captured when it began, with no consumer group and no commits, so it neither competes with the service's consumer
 * nor moves anything another reader sees; the re-publishing waits for every send to be acknowledged (acks=all).
 *
 * <p>Idempotency is the ledger's: its primary key on the request id makes a re-published event that is already
 * recorded a no-op, however often it is replayed. Two things keep replays from growing the dead-letter topic without
 * end: copies of one event on the topic (the same payload bytes, dead-lettered again after an earlier replay) count
 * as one event, and an event already in the ledger is not re-published; and every re-published record carries a
 * {@value #REPLAY_COUNT} header that the consumer copies onto its dead letter, so an event whose cause is still
 * there stops being replayed after {@link DeadLetterConfig#maxReplays()} rounds.
 *
 * <p>The replay runs in the request, bounded by a limit of events and a scan timeout, rather than as a background
 * job: dead letters are exceptions (a whole topic of them is a few thousand records), replay is a rare manual step,
 * and the operator gets the outcome in the answer and in one audit row, without a job table and its lifecycle.
 */
@ApplicationScoped
public class DeadLetterReplay {
    private static final Logger LOG = Logger.getLogger(DeadLetterReplay.class);

    /** On a re-published usage record and on its dead letter: how many times the event has been replayed. */
    public static final String REPLAY_COUNT = "replay-count";
    /** On a re-published usage record: the dead letter it came from ({@code topic/partition/offset}). */
    public static final String REPLAY_OF = "replay-of";
    /** On a dead letter whose value was cut to fit the topic: never re-published. */
    static final String TRUNCATED = "dlq-truncated";

    /**
     * Payload bytes held for re-publishing in one request, whatever the limit: a limit of 10,000 events of up to
     * 1 MiB each must not become 10 GiB of heap. What does not fit is deferred to the next call.
     */
    private static final long MAX_HELD_BYTES = 64L * 1024 * 1024;
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);
    private static final int LEDGER_LOOKUP_CHUNK = 1000;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @ConfigProperty(name = "mp.messaging.outgoing.usage-dlq.topic")
    String deadLetterTopic;

    @ConfigProperty(name = "mp.messaging.incoming.usage.topic")
    String usageTopic;

    @Inject
    DeadLetterConfig config;

    @Inject
    UsageLedger ledger;

    @Inject
    AuditLog audit;

    private final UsageEventParser parser;

    @Inject
    public DeadLetterReplay(ObjectMapper json) {
        this.parser = new UsageEventParser(json);
    }

    /**
     * Which dead letters a scan or replay looks at. Null or empty {@code reasons}/{@code namespaces} mean any;
     * {@code since} (inclusive) and {@code until} (exclusive) are the times the records were dead-lettered.
     * A namespace is the event's {@code namespace_id}, or the record key when the value is not a readable event.
     */
    public record Filter(Set<String> reasons, Set<String> namespaces, Instant since, Instant until) {
        boolean matches(String reason, String namespace, long timestamp) {
            return (reasons == null || reasons.isEmpty() || reasons.contains(reason))
                    && (namespaces == null || namespaces.isEmpty() || namespaces.contains(namespace))
                    && (until == null || timestamp < until.toEpochMilli());
        }
    }

    /** What is on the dead-letter topic, per reason. */
    public record Inventory(long scanned, @JsonProperty("by_reason") Map<String, Long> byReason,
            @JsonProperty("replayed_copies") long replayedCopies, boolean complete) {
    }

    /**
     * The outcome of a replay, in events (distinct payloads) except {@code scanned}, {@code matched} and
     * {@code truncated}, which count dead-letter records ({@code truncated}: matched but cut to fit the topic, so
     * not re-published).
     */
    public record Outcome(long scanned, long matched, long events, long republished,
            @JsonProperty("already_recorded") long alreadyRecorded, long exhausted, long deferred, long truncated,
            long failed, boolean complete) {
    }

    public Inventory inventory(Filter filter) {
        Map<String, Long> byReason = new TreeMap<>();
        long[] replayed = { 0 };
        Scan scan = scan(filter.since(), r -> {
            String reason = header(r, "dlq-reason");
            // Parsing is only paid for when the filter names namespaces.
            String namespace = filter.namespaces() == null || filter.namespaces().isEmpty() ? null : namespaceOf(r);
            if (filter.matches(reason, namespace, r.timestamp())) {
                byReason.merge(reason == null ? "none" : reason, 1L, Long::sum);
                if (replayCount(r) > 0) {
                    replayed[0]++;
                }
            }
        });
        return new Inventory(scan.scanned, byReason, replayed[0], scan.complete);
    }

    /**
     * Re-publishes the matching dead letters, at most {@code limit} events, and returns when every send is
     * acknowledged and the replay's audit row is written. {@code filter.reasons()} must name at least one reason.
     */
    public Outcome replay(Filter filter, int limit) {
        if (filter.reasons() == null || filter.reasons().isEmpty()) {
            throw new IllegalArgumentException("a replay names the reasons it re-publishes");
        }
        Map<String, Candidate> events = new LinkedHashMap<>();
        long[] matched = { 0 };
        long[] truncated = { 0 };
        long[] heldBytes = { 0 };
        Scan scan = scan(filter.since(), r -> {
            String reason = header(r, "dlq-reason");
            if (!filter.reasons().contains(reason)) {
                return; // before parsing: most of the topic is usually other reasons
            }
            UsageEvent event = event(r);
            String namespace = event != null ? event.namespaceId() : r.key();
            if (!filter.matches(reason, namespace, r.timestamp())) {
                return;
            }
            matched[0]++;
            if ("true".equals(header(r, TRUNCATED))) {
                truncated[0]++; // the end of the value is lost: re-publishing it would send a different event
                return;
            }
            byte[] value = r.value() == null ? new byte[0] : r.value();
            Candidate c = events.computeIfAbsent(sha256(value),
                    k -> new Candidate(event == null ? null : event.requestId()));
            c.replays = Math.max(c.replays, replayCount(r));
            // Where the latest copy is, not the record itself: only the events to send keep their bytes.
            c.key = r.key();
            c.source = r.topic() + "/" + r.partition() + "/" + r.offset();
            // An event already in the ledger is not held at all: otherwise, once a large incident's first replays
            // are recorded, they would fill the held bytes on every later call and defer the same rest for ever.
            // Asked once per event, and only while bytes are left to hold it.
            if (c.recorded == null && c.value == null && !c.deferred && c.replays < config.maxReplays()
                    && heldBytes[0] + value.length <= MAX_HELD_BYTES) {
                c.recorded = c.requestId != null && !ledger.recordedIds(List.of(c.requestId)).isEmpty();
            }
            if (c.value == null && !c.deferred && c.replays < config.maxReplays() && !Boolean.TRUE.equals(c.recorded)) {
                // The limit is applied after the ledger lookup, so that events recorded since do not take its
                // slots (they would, call after call, and defer the same rest for ever); here only the bytes count.
                if (heldBytes[0] + value.length <= MAX_HELD_BYTES) {
                    c.value = value;
                    heldBytes[0] += value.length;
                } else {
                    c.deferred = true;
                }
            } else if (c.value != null && c.replays >= config.maxReplays()) {
                // A later copy shows the event was replayed enough already: its slot goes to another event.
                heldBytes[0] -= c.value.length;
                c.value = null;
            }
        });

        List<String> ids = events.values().stream().filter(c -> c.requestId != null).map(c -> c.requestId)
                .distinct().toList();
        Set<String> recorded = new HashSet<>();
        for (int i = 0; i < ids.size(); i += LEDGER_LOOKUP_CHUNK) {
            recorded.addAll(ledger.recordedIds(ids.subList(i, Math.min(ids.size(), i + LEDGER_LOOKUP_CHUNK))));
        }

        long alreadyRecorded = 0, exhausted = 0, deferred = 0;
        List<Candidate> toSend = new ArrayList<>();
        for (Candidate c : events.values()) {
            if (c.requestId != null && recorded.contains(c.requestId)) {
                alreadyRecorded++;
            } else if (c.replays >= config.maxReplays()) {
                exhausted++;
            } else if (c.deferred || c.value == null || toSend.size() >= limit) {
                deferred++;
            } else {
                toSend.add(c);
            }
        }
        long failed = 0;
        if (!toSend.isEmpty()) {
            failed = publish(toSend);
        }
        Outcome outcome = new Outcome(scan.scanned, matched[0], events.size(), toSend.size() - failed,
                alreadyRecorded, exhausted, deferred, truncated[0], failed, scan.complete);
        LOG.infof("dead-letter replay: %s", outcome);
        // The sends are Kafka's and cannot join a database transaction: the trace follows their acknowledgement, in
        // a transaction of its own. If it cannot be written the request fails, though the events were re-published;
        // a repeated replay re-publishes nothing recorded meanwhile and writes the row.
        ReplayTrace trace = new ReplayTrace(filter, limit, outcome);
        QuarkusTransaction.requiringNew().run(() -> audit.record(AuditLog.DEAD_LETTER_REPLAY, "dead_letter_topic",
                deadLetterTopic, null, trace, "reasons " + String.join(",", new TreeSet<>(filter.reasons()))));
        return outcome;
    }

    /** The audit row's {@code after}: what was asked and what happened. */
    private record ReplayTrace(Filter filter, int limit, Outcome outcome) {
    }

    private static final class Candidate {
        final String requestId;
        int replays;
        String key;
        String source;
        byte[] value;
        boolean deferred;
        /** Whether the ledger had it when the scan met it; null until asked. */
        Boolean recorded;

        Candidate(String requestId) {
            this.requestId = requestId;
        }
    }

    /** Sends every candidate, then waits for each acknowledgement; returns how many were not acknowledged. */
    private long publish(List<Candidate> toSend) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "bitrouter-dlq-replay");
        // The client's 1 MiB default would refuse an event near the usage topic's size with the replay headers on;
        // the broker's own limit (max.message.bytes) is what decides, and a refusal is counted as failed.
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        long failed = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>(toSend.size());
            for (Candidate c : toSend) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(REPLAY_COUNT, Integer.toString(c.replays + 1).getBytes(StandardCharsets.UTF_8));
                headers.add(REPLAY_OF, c.source.getBytes(StandardCharsets.UTF_8));
                // The original key: the event lands on its namespace's partition, as a router would have sent it.
                sends.add(producer.send(new ProducerRecord<>(usageTopic, null, c.key, c.value, headers)));
            }
            long deadline = System.nanoTime() + SEND_TIMEOUT.toNanos();
            for (Future<RecordMetadata> send : sends) {
                try {
                    send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    failed++;
                    LOG.warnf("dead-letter replay: a send was not acknowledged (%s)", e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the replay's sends", e);
                }
            }
        }
        return failed;
    }

    private record Scan(long scanned, boolean complete) {
    }

    /**
     * Reads the dead-letter topic from {@code since} (or the beginning) up to the end offsets of the moment it
     * starts, within the scan timeout; records dead-lettered meanwhile (a replay's own) are left for the next scan.
     */
    private Scan scan(Instant since, Consumer<ConsumerRecord<String, byte[]>> visit) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "bitrouter-dlq-scan");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long deadline = System.nanoTime() + config.scanTimeout().toNanos();
        long scanned = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = consumer.partitionsFor(deadLetterTopic, Duration.ofSeconds(10));
            for (PartitionInfo p : infos == null ? List.<PartitionInfo>of() : infos) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            if (partitions.isEmpty()) {
                return new Scan(0, true);
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            Map<TopicPartition, Long> start = new HashMap<>(consumer.beginningOffsets(partitions, Duration.ofSeconds(10)));
            if (since != null) {
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(tp -> at.put(tp, since.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(at, Duration.ofSeconds(10));
                for (TopicPartition tp : partitions) {
                    OffsetAndTimestamp o = found.get(tp);
                    // No record at or after "since" on this partition: nothing to read there.
                    start.put(tp, o == null ? end.get(tp) : Math.max(o.offset(), start.get(tp)));
                }
            }
            List<TopicPartition> open = partitions.stream().filter(tp -> start.get(tp) < end.get(tp)).toList();
            consumer.assign(open);
            open.forEach(tp -> consumer.seek(tp, start.get(tp)));
            while (!consumer.assignment().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    LOG.warnf("dead-letter scan stopped at its timeout (%s) after %d records", config.scanTimeout(),
                            scanned);
                    return new Scan(scanned, false);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < end.get(tp)) {
                        scanned++;
                        visit.accept(r);
                    }
                }
                List<TopicPartition> done = consumer.assignment().stream()
                        .filter(tp -> consumer.position(tp) >= end.get(tp)).toList();
                if (!done.isEmpty()) {
                    List<TopicPartition> rest = new ArrayList<>(consumer.assignment());
                    rest.removeAll(done);
                    consumer.assign(rest);
                }
            }
        }
        return new Scan(scanned, true);
    }

    private UsageEvent event(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        try {
            return parser.parse(r.value()) instanceof UsageEventParser.Parsed p ? p.event() : null;
        } catch (RuntimeException e) {
            // A value the parser cannot even reject cleanly is still a dead letter one can count and replay.
            return null;
        }
    }

    private String namespaceOf(ConsumerRecord<String, byte[]> r) {
        UsageEvent e = event(r);
        return e != null ? e.namespaceId() : r.key();
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The replay count a record carries; an unreadable header counts as "replayed enough" rather than as zero. */
    static int replayCount(ConsumerRecord<?, ?> r) {
        String v = header(r, REPLAY_COUNT);
        if (v == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    private static String sha256(byte[] value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
