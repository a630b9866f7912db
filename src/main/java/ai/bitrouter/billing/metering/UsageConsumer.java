package ai.bitrouter.billing.metering;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
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
    UsageIngestService ingest;

    @Inject
    MeterRegistry metrics;

    @Inject
    @Channel("usage-dlq")
    Emitter<String> deadLetters;

    private final UsageEventParser parser;

    @Inject
    public UsageConsumer(ObjectMapper json) {
        this.parser = new UsageEventParser(json);
    }

    @Incoming("usage")
    @Blocking
    public void consume(ConsumerRecords<String, String> records) {
        List<UsageRecordWriter.Positioned> valid = new ArrayList<>(records.count());
        List<ConsumerRecord<String, String>> sources = new ArrayList<>(records.count());
        List<CompletableFuture<Void>> dlq = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            switch (parser.parse(r.value())) {
                case UsageEventParser.Parsed p -> {
                    valid.add(new UsageRecordWriter.Positioned(p.event(), r.partition(), r.offset()));
                    sources.add(r);
                }
                case UsageEventParser.Rejected rej -> dlq.add(deadLetter(r, rej.reason(), rej.detail()));
            }
        }
        int inserted = recordWithRetry(valid, sources, dlq);
        CompletableFuture.allOf(dlq.toArray(CompletableFuture[]::new)).join();
        count("recorded", "none", inserted);
        count("duplicate", "none", valid.size() - inserted);
    }

    private int recordWithRetry(List<UsageRecordWriter.Positioned> valid, List<ConsumerRecord<String, String>> sources,
            List<CompletableFuture<Void>> dlq) {
        Duration backoff = Duration.ofMillis(100);
        while (true) {
            try {
                return ingest.record(valid);
            } catch (RuntimeException e) {
                if (isDataError(e)) {
                    return isolate(valid, sources, dlq);
                }
                count("retried", "database", 1);
                LOG.warnf("recording %d usage events failed (%s); retrying in %d ms", valid.size(), rootMessage(e),
                        backoff.toMillis());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** One record at a time, so that only the record the database refuses leaves the batch. */
    private int isolate(List<UsageRecordWriter.Positioned> valid, List<ConsumerRecord<String, String>> sources,
            List<CompletableFuture<Void>> dlq) {
        if (valid.size() == 1) {
            dlq.add(deadLetter(sources.get(0), "unstorable", "the database refused the record"));
            return 0;
        }
        int inserted = 0;
        for (int i = 0; i < valid.size(); i++) {
            inserted += recordWithRetry(List.of(valid.get(i)), List.of(sources.get(i)), dlq);
        }
        return inserted;
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

    private CompletableFuture<Void> deadLetter(ConsumerRecord<String, String> r, String reason, String detail) {
        count("dead_letter", reason, 1);
        RecordHeaders headers = new RecordHeaders();
        headers.add("dlq-reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-detail", String.valueOf(detail).getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-original-topic", r.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-original-partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add("dlq-original-offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Void> sent = new CompletableFuture<>();
        deadLetters.send(Message.of(r.value() == null ? "" : r.value())
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
