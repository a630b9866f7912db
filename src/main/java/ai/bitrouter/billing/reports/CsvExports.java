package ai.bitrouter.billing.reports;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import ai.bitrouter.billing.common.api.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * CSV exports that a slow client cannot turn into a held database connection (issue #18). An export is first
 * written whole into a temp file, reading from the small "exports" pool ({@link UsageReports}) with its statement
 * timeout; the connection is back in the pool before the client reads a byte, and the client then reads the file at
 * whatever pace it likes. Two limits keep one tenant from starving the others: an account has one export at a time
 * (the slot is held until its download ends; a second is 429), and an instance writes at most
 * {@link ExportConfig#maxConcurrent()} files at once (a writer that cannot get a place in time is 503). Both answers
 * carry Retry-After. Why a temp file rather than async jobs: docs/reports.md.
 */
@ApplicationScoped
public class CsvExports {
    private static final Logger LOG = Logger.getLogger(CsvExports.class);

    /** What an export is told to wait when its account already has one running: a download takes a while. */
    static final Duration BUSY_RETRY = Duration.ofSeconds(10);

    private final ExportConfig config;
    private final MeterRegistry metrics;
    private final Semaphore writers;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    @Inject
    public CsvExports(ExportConfig config, MeterRegistry metrics) {
        this.config = config;
        this.metrics = metrics;
        this.writers = new Semaphore(config.maxConcurrent(), true);
    }

    /** Writes the rows of an export; runs while the export's connection is open, before the response. */
    @FunctionalInterface
    public interface Body {
        void write(CsvWriter csv) throws IOException;
    }

    /** An export refused for now: 429 (the account has one running) or 503 (the instance is at its limit). */
    public static final class Refused extends RuntimeException {
        private final int status;
        private final Duration retryAfter;

        Refused(int status, Duration retryAfter, String message) {
            super(message, null, false, false);
            this.status = status;
            this.retryAfter = retryAfter;
        }

        public int status() {
            return status;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    private record Slot(long since) {
    }

    /** A written export, to be sent once: {@link #sendTo} deletes the file and frees the account's slot. */
    public final class Export {
        private final String tenant;
        private final Slot slot;
        private final Path file;
        private final long bytes;

        private Export(String tenant, Slot slot, Path file, long bytes) {
            this.tenant = tenant;
            this.slot = slot;
            this.file = file;
            this.bytes = bytes;
        }

        public long bytes() {
            return bytes;
        }

        public void sendTo(OutputStream out) throws IOException {
            try {
                Files.copy(file, out);
                out.flush();
            } finally {
                discard();
            }
        }

        /** For a response that will never be sent. Idempotent. */
        public void discard() {
            delete(file);
            slots.remove(tenant, slot);
        }
    }

    /**
     * Writes an export for {@code tenant} (the account, however it authenticated) into a temp file.
     *
     * @throws Refused      the account already has an export running, or the instance is writing its maximum
     * @throws ApiException 400 when the file would be larger than {@link ExportConfig#maxBytes()}
     */
    public Export write(String tenant, List<String> header, Body body) throws IOException {
        long now = System.nanoTime();
        Slot mine = new Slot(now);
        long expiry = config.slotExpiry().toNanos();
        Slot held = slots.compute(tenant, (k, v) -> v == null || now - v.since() > expiry ? mine : v);
        if (held != mine) {
            metrics.counter("billing.reports.exports", "outcome", "account_busy").increment();
            throw new Refused(429, BUSY_RETRY,
                    "this account already has an export running; one at a time, retry after it has finished");
        }
        Path file = null;
        boolean ok = false;
        try {
            if (!writers.tryAcquire(config.queueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                metrics.counter("billing.reports.exports", "outcome", "instance_busy").increment();
                throw new Refused(503, BUSY_RETRY, "too many exports are being prepared; retry shortly");
            }
            try {
                file = config.tempDir().map(Path::of)
                        .map(dir -> createTemp(dir))
                        .orElseGet(() -> createTemp(null));
                try (OutputStream out = new Bounded(new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024),
                        config.maxBytes())) {
                    CsvWriter csv = new CsvWriter(out);
                    csv.row(header);
                    body.write(csv);
                    csv.close();
                }
            } finally {
                writers.release();
            }
            long bytes = Files.size(file);
            metrics.counter("billing.reports.exports", "outcome", "written").increment();
            ok = true;
            return new Export(tenant, mine, file, bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused(503, BUSY_RETRY, "the export was interrupted; retry shortly");
        } finally {
            if (!ok) {
                delete(file);
                slots.remove(tenant, mine);
            }
        }
    }

    /** Accounts with an export being written or downloaded (tests and the benchmark read it). */
    public int running() {
        return slots.size();
    }

    private static Path createTemp(Path dir) {
        try {
            return dir == null ? Files.createTempFile("bitrouter-export-", ".csv")
                    : Files.createTempFile(dir, "bitrouter-export-", ".csv");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the export's temp file", e);
        }
    }

    private static void delete(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("could not delete the export file %s: %s", file, e.getMessage());
        }
    }

    /** Stops an export that would fill the disk: the caller is asked for a narrower window instead. */
    private static final class Bounded extends FilterOutputStream {
        private final long max;
        private long written;

        Bounded(OutputStream out, long max) {
            super(out);
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(int n) {
            written += n;
            if (written > max) {
                throw ApiException.badRequest("the export is larger than " + max
                        + " bytes: narrow the window (from, to) or group_by");
            }
        }
    }
}
