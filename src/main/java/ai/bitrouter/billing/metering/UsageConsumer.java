package ai.bitrouter.billing.metering;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The thin Kafka edge of metering. A batch is acknowledged (and so its offsets become committable) only when this
 * method returns, which is after the database transaction committed and after every dead letter was accepted by the
 * broker. Nothing here stops the consumer, and no record holds up the others (issue #18): invalid records go to the
 * dead-letter topic; the database being away is retried with backoff, as long as it takes; a record the database
 * refuses as data, or one that makes the service fail in a way nobody planned for (after a few attempts), is isolated
 * by splitting the batch and dead-lettered, and the rest of the batch is recorded.
 */
@ApplicationScoped
public class UsageConsumer {
    private static final Logger LOG = Logger.getLogger(UsageConsumer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    @Inject
    MeteringService metering;

    @Inject
    MeteringConfig config;

    @Inject
    MeterRegistry metrics;

    // The records of a batch are already in memory; buffering their dead letters costs references, not copies. The
    // default bounded buffer (128) made a batch of rejects fail its own sends (up to 2 x max.poll.records at once).
    @Inject
    @Channel("usage-dlq")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
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
        Batch batch = new Batch(records.count());
        for (ConsumerRecord<String, byte[]> r : records) {
            UsageEventParser.Result result;
            try {
                result = parser.parse(r.value());
            } catch (RuntimeException bug) { // the parser is pure: only a bug of ours gets here
                LOG.errorf(bug, "usage record %s-%d@%d could not be parsed", r.topic(), r.partition(), r.offset());
                batch.deadLetter(r, MeteringService.UNPROCESSABLE, IngestFailure.describe(bug));
                continue;
            }
            switch (result) {
                case UsageEventParser.Parsed p -> {
                    batch.parsed.add(new MeteringService.Incoming(p.event(), r.value(), r.partition(), r.offset()));
                    batch.sources.put(position(r.partition(), r.offset()), r);
                }
                case UsageEventParser.Rejected rej -> batch.deadLetter(r, rej.reason(), rej.detail());
            }
        }
        Outcome outcome = ingest(batch, batch.parsed, config.unexpectedFailureAttempts());
        // The dead letters must be on the broker before this batch's offsets may be committed.
        batch.awaitDeadLetters();
        UsageLedger.Appended appended = outcome.appended();
        count("recorded", "none", appended.inserted() - appended.parked());
        count("parked", "unpriced", appended.parked());
        count("duplicate", "none", appended.duplicates());
        count("conflict", "different_payload", appended.conflicts());
        count("anomaly", "closed_family_discount", outcome.anomalies());
        metrics.timer("billing.usage.batch").record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    private record Outcome(UsageLedger.Appended appended, long anomalies) {
        static final Outcome NONE = new Outcome(new UsageLedger.Appended(0, 0, 0, 0), 0);

        Outcome plus(Outcome o) {
            UsageLedger.Appended a = appended, b = o.appended;
            return new Outcome(new UsageLedger.Appended(a.inserted() + b.inserted(), a.duplicates() + b.duplicates(),
                    a.conflicts() + b.conflicts(), a.parked() + b.parked()), anomalies + o.anomalies);
        }
    }

    /**
     * Prepares and writes {@code events} in one transaction. The database being away is waited for; any other
     * failure splits the events in two halves, each written on its own, until the one that fails is alone and is
     * dead-lettered: the others are recorded once each (a half that committed is not written again). A failure that
     * is neither the database being away nor refused data is first retried {@code attempts} times, because a bug may
     * be a race that passes; a half is split at its first such failure, the whole having shown it repeats.
     */
    private Outcome ingest(Batch batch, List<MeteringService.Incoming> events, int attempts) {
        if (events.isEmpty()) {
            return Outcome.NONE;
        }
        Duration backoff = Duration.ofMillis(100);
        int tries = 0;
        while (true) {
            try {
                MeteringService.Prepared prepared = metering.prepare(events);
                UsageLedger.Appended appended = prepared.accepted().isEmpty() ? Outcome.NONE.appended()
                        : metering.append(prepared.accepted());
                for (MeteringService.Rejected rej : prepared.rejected()) {
                    batch.deadLetter(batch.source(rej.source().partition(), rej.source().offset()), rej.reason(),
                            rej.detail());
                }
                return new Outcome(appended, prepared.accepted().stream().filter(p -> p.result().anomaly()).count());
            } catch (RuntimeException e) {
                IngestFailure kind = IngestFailure.of(e);
                if (kind == IngestFailure.TRANSIENT) {
                    count("retried", "database", 1);
                    LOG.warnf("usage batch step failed (%s); retrying in %d ms", rootMessage(e), backoff.toMillis());
                } else if (kind == IngestFailure.UNEXPECTED && ++tries < attempts) {
                    count("retried", "unexpected", 1);
                    LOG.errorf(e, "usage batch of %d failed unexpectedly (attempt %d of %d); retrying in %d ms",
                            events.size(), tries, attempts, backoff.toMillis());
                } else {
                    return isolate(batch, events, kind, e);
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private Outcome isolate(Batch batch, List<MeteringService.Incoming> events, IngestFailure kind, RuntimeException e) {
        if (events.size() == 1) {
            MeteringService.Incoming only = events.get(0);
            ConsumerRecord<String, byte[]> r = batch.source(only.partition(), only.offset());
            if (kind == IngestFailure.DATA) {
                batch.deadLetter(r, "unstorable", rootMessage(e));
            } else {
                LOG.errorf(e, "usage record %s-%d@%d (request %s) is unprocessable; dead-lettered", r.topic(),
                        r.partition(), r.offset(), only.event().requestId());
                batch.deadLetter(r, MeteringService.UNPROCESSABLE, IngestFailure.describe(e));
            }
            return Outcome.NONE;
        }
        metrics.counter("billing.usage.batch.splits", "cause", kind.name().toLowerCase()).increment();
        int half = events.size() / 2;
        return ingest(batch, events.subList(0, half), 1).plus(ingest(batch, events.subList(half, events.size()), 1));
    }

    private record Position(int partition, long offset) {
    }

    private static Position position(Integer partition, Long offset) {
        return new Position(partition, offset);
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

    /** One batch's records by position, and the dead letters it has sent and must see on the broker. */
    private final class Batch {
        final List<MeteringService.Incoming> parsed;
        final Map<Position, ConsumerRecord<String, byte[]>> sources = new HashMap<>();
        final List<DeadLetter> dlq = new ArrayList<>();

        Batch(int size) {
            parsed = new ArrayList<>(size);
        }

        ConsumerRecord<String, byte[]> source(Integer partition, Long offset) {
            return sources.get(position(partition, offset));
        }

        void deadLetter(ConsumerRecord<String, byte[]> r, String reason, String detail) {
            count("dead_letter", reason, 1);
            if (MeteringService.UNPROCESSABLE.equals(reason)) {
                metrics.counter("billing.usage.unprocessable").increment();
            }
            DeadLetter d = DeadLetter.of(r, reason, detail, config.deadLetterMaxBytes());
            dlq.add(d);
            d.sent = send(d.record);
        }

        /**
         * Waits for each dead letter's acknowledgement. A send the broker failed is sent again: with backoff while
         * the broker is away (no offset moves meanwhile), and with no value at all if the broker still finds it too
         * large (its topic limit below ours); its headers keep the original topic, partition and offset.
         */
        void awaitDeadLetters() {
            for (DeadLetter d : dlq) {
                Duration backoff = Duration.ofMillis(100);
                while (true) {
                    try {
                        d.sent.join();
                        break;
                    } catch (CompletionException | CancellationException e) {
                        Throwable cause = e.getCause() == null ? e : e.getCause();
                        if (tooLarge(cause) && d.record.getPayload().length > 0) {
                            LOG.errorf("dead letter of %s-%s@%s too large for the broker; sending it without its value",
                                    d.topic, d.partition, d.offset);
                            d.record = d.withoutValue();
                        } else {
                            LOG.warnf("dead letter could not be sent (%s); retrying in %d ms", rootMessage(cause),
                                    backoff.toMillis());
                            sleep(backoff);
                            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF
                                    : backoff.multipliedBy(2);
                        }
                        d.sent = send(d.record);
                    }
                }
            }
        }
    }

    private static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RecordTooLargeException) {
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<Void> send(Message<byte[]> m) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        deadLetters.send(m.withAck(() -> {
            sent.complete(null);
            return CompletableFuture.completedFuture(null);
        }).withNack(t -> {
            sent.completeExceptionally(t);
            return CompletableFuture.completedFuture(null);
        }));
        return sent;
    }
}
