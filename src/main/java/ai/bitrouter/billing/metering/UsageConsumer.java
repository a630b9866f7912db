package ai.bitrouter.billing.metering;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The thin Kafka edge of metering. A batch is acknowledged (and so its offsets become committable) only when this
 * method returns, which is after the database transaction committed and after every dead letter was accepted by the
 * broker. Nothing here stops the consumer: invalid records go to the dead-letter topic, and database failures are
 * retried with backoff, as long as it takes for an outage; a record the database refuses as data is isolated and
 * dead-lettered instead of blocking its partition.
 */
@ApplicationScoped
public class UsageConsumer {
    private static final Logger LOG = Logger.getLogger(UsageConsumer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    @Inject
    MeteringService metering;

    @Inject
    MeterRegistry metrics;

    @Inject
    @Channel("usage-dlq")
    Emitter<byte[]> deadLetters;

    private final UsageEventParser parser;

    @Inject
    public UsageConsumer(ObjectMapper json) {
        this.parser = new UsageEventParser(json);
    }

    // Two batches at a time on a dedicated pool (smallrye.messaging.worker.usage-ingest.max-concurrency): while one
    // waits for PostgreSQL, the next is parsed and priced. The ledger does not depend on arrival order (the primary
    // key and commutative rollup sums), and a partition's offsets are committed only up to the last batch that is
    // acknowledged with everything before it (the throttled commit strategy).
    @Incoming("usage")
    @Blocking(value = "usage-ingest", ordered = false)
    public void consume(ConsumerRecords<String, byte[]> records) {
        long started = System.nanoTime();
        List<MeteringService.Incoming> parsed = new ArrayList<>(records.count());
        Map<Position, ConsumerRecord<String, byte[]>> sources = new HashMap<>();
        List<CompletableFuture<Void>> dlq = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            switch (parser.parse(r.value())) {
                case UsageEventParser.Parsed p -> {
                    var in = new MeteringService.Incoming(p.event(), r.value(), r.partition(), r.offset());
                    parsed.add(in);
                    sources.put(position(r.partition(), r.offset()), r);
                }
                case UsageEventParser.Rejected rej -> dlq.add(deadLetter(r, rej.reason(), rej.detail()));
            }
        }
        MeteringService.Prepared prepared = retrying(() -> metering.prepare(parsed));
        for (MeteringService.Rejected rej : prepared.rejected()) {
            dlq.add(deadLetter(sources.get(position(rej.source().partition(), rej.source().offset())), rej.reason(),
                    rej.detail()));
        }
        UsageLedger.Appended appended = appendWithRetry(prepared.accepted(), sources, dlq);
        // The dead letters must be on the broker before this batch's offsets may be committed.
        CompletableFuture.allOf(dlq.toArray(CompletableFuture[]::new)).join();
        count("recorded", "none", appended.inserted() - appended.parked());
        count("parked", "unpriced", appended.parked());
        count("duplicate", "none", appended.duplicates());
        count("conflict", "different_payload", appended.conflicts());
        count("anomaly", "closed_family_discount",
                prepared.accepted().stream().filter(p -> p.result().anomaly()).count());
        metrics.timer("billing.usage.batch").record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    private UsageLedger.Appended appendWithRetry(List<PricedEvent> events,
            Map<Position, ConsumerRecord<String, byte[]>> sources, List<CompletableFuture<Void>> dlq) {
        try {
            return retrying(() -> metering.append(events));
        } catch (DataRefused e) {
            if (events.size() == 1) {
                PricedEvent only = events.get(0);
                dlq.add(deadLetter(sources.get(position(only.partition(), only.offset())), "unstorable", rootMessage(e)));
                return new UsageLedger.Appended(0, 0, 0, 0);
            }
            // One at a time, so that only the row the database refuses leaves the batch.
            int inserted = 0, duplicates = 0, conflicts = 0, parked = 0;
            for (PricedEvent p : events) {
                UsageLedger.Appended one = appendWithRetry(List.of(p), sources, dlq);
                inserted += one.inserted();
                duplicates += one.duplicates();
                conflicts += one.conflicts();
                parked += one.parked();
            }
            return new UsageLedger.Appended(inserted, duplicates, conflicts, parked);
        }
    }

    /** Runs a database step until it succeeds; a refusal of the data itself is not retried but reported. */
    private <T> T retrying(Supplier<T> step) {
        Duration backoff = Duration.ofMillis(100);
        while (true) {
            try {
                return step.get();
            } catch (RuntimeException e) {
                if (isDataError(e)) {
                    throw new DataRefused(e);
                }
                count("retried", "database", 1);
                LOG.warnf("usage batch step failed (%s); retrying in %d ms", rootMessage(e), backoff.toMillis());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private record Position(int partition, long offset) {
    }

    private static Position position(Integer partition, Long offset) {
        return new Position(partition, offset);
    }

    private static final class DataRefused extends RuntimeException {
        DataRefused(RuntimeException cause) {
            super(cause);
        }
    }

    /** SQLSTATE classes 22 (data exception) and 23 (integrity violation): retrying the same rows cannot help. */
    static boolean isDataError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }

    private void count(String outcome, String reason, long n) {
        if (n > 0) {
            metrics.counter("billing.usage.events", "outcome", outcome, "reason", reason).increment(n);
        }
    }

    private CompletableFuture<Void> deadLetter(ConsumerRecord<String, byte[]> r, String reason, String detail) {
        count("dead_letter", reason, 1);
        RecordHeaders headers = new RecordHeaders();
        headers.add("dlq-reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-detail", String.valueOf(detail).getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-original-topic", r.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-original-partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-original-offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        // A replayed record dead-lettered again keeps its count, which is what bounds how often it is replayed.
        Header replays = r.headers().lastHeader(DeadLetterReplay.REPLAY_COUNT);
        if (replays != null) {
            headers.add(replays);
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        // The original bytes, as received: a value the parser refused as text must reach the topic unchanged.
        deadLetters.send(Message.of(r.value() == null ? new byte[0] : r.value())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.key()).withHeaders(headers).build())
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(t -> {
                    sent.completeExceptionally(t);
                    return CompletableFuture.completedFuture(null);
                }));
        return sent;
    }
}
