package ai.bitrouter.billing.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Issue #18, "one tenant cannot starve the others": slow readers of the largest CSV export ({@code requests.csv}
 * over the default 30-day window) while usage events are ingested at a steady rate and another tenant's
 * {@code /usage} is polled. Two phases of the same length, the first without readers (the baseline), the second with
 * them; each phase's ingestion rate is its events over the time until the last one is in the ledger.
 *
 * <p>The readers are spread over several accounts and all start at once. Each reader reads the status and headers
 * of its export, then the readers of an account wait for each other before any reads the body, slowly: so while one
 * export of an account is being read, the others of that account have already been answered. A reader uses a raw
 * socket with a small receive buffer so that the server cannot hand a whole export to the kernel and be done.
 *
 * <p>Used at full size by {@code SlowReadersBenchmarkTest} (-Pbench, prints the figures) and at a tiny size by
 * {@code reports.SlowExportReadersTest} (the normal suite, asserts the checks), so the scenario cannot rot.
 */
public final class SlowReaders {

    /** The pool name the exports connections announce to PostgreSQL (application.properties). */
    public static final String EXPORTS_APPLICATION_NAME = "bitrouter-billing-exports";

    public record Config(int readers, int readerAccounts, int exportRows, int ingestPerSecond, Duration phase,
            int usagePerSecond, long readBytesPerSecond) {
    }

    public record Phase(String name, long events, double seconds, double eventsPerSecond, long usageCalls,
            long usageFailures, double usageP50Ms, double usageP99Ms, double usageMaxMs) {
        String line() {
            return String.format(Locale.ROOT, "%s: %d events ingested in %.2f s = %.1f events/s; GET /usage %d calls"
                    + " (%d not 200), p50 %.2f ms, p99 %.2f ms, max %.2f ms", name, events, seconds, eventsPerSecond,
                    usageCalls, usageFailures, usageP50Ms, usageP99Ms, usageMaxMs);
        }
    }

    /** One reader's outcome: status, Retry-After (for a refusal), CSV lines read (for a 200), bytes, time. */
    public record Reader(int account, int status, String retryAfter, String contentType, long lines, long bytes,
            double seconds) {
    }

    public record Result(Phase baseline, Phase loaded, List<Reader> readers, int exportRows,
            long exportsSessionsBusyWhileRead, long samplesWhileRead, long ledgerRowsOfIngestTenant,
            long eventsSent) {

        public Map<Integer, Long> statuses() {
            Map<Integer, Long> m = new LinkedHashMap<>();
            readers.forEach(r -> m.merge(r.status(), 1L, Long::sum));
            return m;
        }

        public double rateRatio() {
            return loaded.eventsPerSecond() / baseline.eventsPerSecond();
        }

        public List<String> lines() {
            List<String> out = new ArrayList<>();
            out.add(baseline.line());
            out.add(loaded.line());
            out.add(String.format(Locale.ROOT, "ingestion rate with readers / without: %.3f (within 20%%: %s)",
                    rateRatio(), Math.abs(rateRatio() - 1) <= 0.2 ? "yes" : "NO"));
            out.add(String.format(Locale.ROOT, "GET /usage p99 with readers: %.2f ms (< 100 ms: %s)",
                    loaded.usageP99Ms(), loaded.usageP99Ms() < 100 ? "yes" : "NO"));
            out.add("readers: " + readers.size() + " over " + readers.stream().map(Reader::account).distinct().count()
                    + " accounts, statuses " + statuses());
            readers.stream().filter(r -> r.status() == 200).forEach(r -> out.add(String.format(Locale.ROOT,
                    "  account %d: %d CSV lines (%d rows + header), %.1f MB read in %.1f s", r.account(), r.lines(),
                    exportRows, r.bytes() / 1e6, r.seconds())));
            out.add("exports pool sessions busy while the exports were being read: " + exportsSessionsBusyWhileRead
                    + " (max over " + samplesWhileRead + " samples of pg_stat_activity)");
            return out;
        }
    }

    private final DataSource db;
    private final ApiKeyService keys;
    private final URI base;
    private final String bootstrap;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public SlowReaders(DataSource db, ApiKeyService keys, URI base, String bootstrap) {
        this.db = db;
        this.keys = keys;
        this.base = base;
        this.bootstrap = bootstrap;
    }

    public Result run(Config c) throws Exception {
        Instant now = Instant.now();
        List<TestAccounts.Tenant> readerTenants = new ArrayList<>();
        List<String> readerKeys = new ArrayList<>();
        for (int i = 0; i < c.readerAccounts(); i++) {
            TestAccounts.Tenant t = TestAccounts.create(db);
            seedLedger(t, c.exportRows(), now);
            readerTenants.add(t);
            readerKeys.add(key(t.namespaceId()));
        }
        TestAccounts.Tenant ingest = TestAccounts.create(db);
        String ingestKey = key(ingest.namespaceId());

        AtomicLong sent = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(UsageLoadGenerator.producerConfig(bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            Phase baseline = phase("without readers", c, producer, ingest, ingestKey, sent, () -> {
            });

            List<Reader> readers = Collections.synchronizedList(new ArrayList<>());
            long[] busy = new long[2];
            Phase loaded = phase("with " + c.readers() + " slow readers", c, producer, ingest, ingestKey, sent,
                    () -> readAll(c, readerTenants, readerKeys, readers, busy));
            long ledger = count("SELECT count(*) FROM usage_records WHERE namespace_id = ?", ingest.namespaceId());
            return new Result(baseline, loaded, List.copyOf(readers), c.exportRows(), busy[0], busy[1], ledger,
                    sent.get());
        }
    }

    private String key(String namespaceId) {
        return QuarkusTransaction.requiringNew().call(() -> keys.create(namespaceId, "slow-readers",
                Set.of("usage:read"), "bench").credential().plaintext());
    }

    /**
     * Runs ingestion at the configured rate and the /usage probe for one phase while {@code during} runs, then waits
     * until every event sent is in the ledger.
     */
    private Phase phase(String name, Config c, KafkaProducer<byte[], byte[]> producer, TestAccounts.Tenant ingest,
            String ingestKey, AtomicLong sent, ThrowingRunnable during) throws Exception {
        long before = count("SELECT count(*) FROM usage_records WHERE namespace_id = ?", ingest.namespaceId());
        long sentBefore = sent.get();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong failures = new AtomicLong();
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        URI usage = URI.create(base + "v1/namespaces/" + ingest.namespaceId() + "/usage");
        long started = System.nanoTime();
        long periodNanos = 1_000_000_000L / Math.max(1, c.ingestPerSecond());
        timers.scheduleAtFixedRate(() -> {
            String id = "req_slow_" + java.util.UUID.randomUUID();
            producer.send(new ProducerRecord<>(UsageLoadGenerator.TOPIC,
                    ingest.namespaceId().getBytes(StandardCharsets.UTF_8),
                    event(id, ingest.namespaceId()).getBytes(StandardCharsets.UTF_8)));
            sent.incrementAndGet();
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        timers.scheduleAtFixedRate(() -> {
            long s = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(usage)
                        .header("Authorization", "Bearer " + ingestKey).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    failures.incrementAndGet();
                }
            } catch (Exception e) {
                failures.incrementAndGet();
            }
            latencies.add(System.nanoTime() - s);
        }, 0, 1_000_000_000L / Math.max(1, c.usagePerSecond()), TimeUnit.NANOSECONDS);
        ExecutorService side = Executors.newSingleThreadExecutor();
        Future<?> work = side.submit(() -> {
            during.run();
            return null;
        });
        long end = started + c.phase().toNanos();
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(Math.min(end - System.nanoTime(), 50_000_000L));
        }
        timers.shutdown();
        timers.awaitTermination(30, TimeUnit.SECONDS);
        producer.flush();
        long expected = before + (sent.get() - sentBefore);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        long got;
        while ((got = count("SELECT count(*) FROM usage_records WHERE namespace_id = ?", ingest.namespaceId()))
                < expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000L);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        work.get(5, TimeUnit.MINUTES);
        side.shutdown();
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Phase(name, got - before, seconds, (got - before) / seconds, sorted.length, failures.get(),
                pct(sorted, 50), pct(sorted, 99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** All readers at once; the readers of an account read their bodies only when all of them have an answer. */
    private void readAll(Config c, List<TestAccounts.Tenant> tenants, List<String> keys, List<Reader> out, long[] busy)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(c.readers());
        CountDownLatch start = new CountDownLatch(1);
        Map<Integer, CountDownLatch> answered = new ConcurrentHashMap<>();
        int[] perAccount = new int[tenants.size()];
        for (int i = 0; i < c.readers(); i++) {
            perAccount[i % tenants.size()]++;
        }
        for (int a = 0; a < tenants.size(); a++) {
            answered.put(a, new CountDownLatch(perAccount[a]));
        }
        CountDownLatch reading = new CountDownLatch(c.readers());
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < c.readers(); i++) {
            int account = i % tenants.size();
            all.add(pool.submit(() -> {
                start.await();
                out.add(read(account, tenants.get(account).namespaceId(), keys.get(account), c.readBytesPerSecond(),
                        answered.get(account), reading));
                return null;
            }));
        }
        start.countDown();
        // While the bodies are being read, the exports pool must hold no busy session: the files are already written.
        long samples = 0;
        long maxBusy = 0;
        reading.await(2, TimeUnit.MINUTES);
        while (all.stream().anyMatch(f -> !f.isDone())) {
            maxBusy = Math.max(maxBusy, count("""
                    SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND state <> 'idle'""",
                    EXPORTS_APPLICATION_NAME));
            samples++;
            LockSupport.parkNanos(20_000_000L);
        }
        for (Future<?> f : all) {
            f.get();
        }
        pool.shutdown();
        busy[0] = maxBusy;
        busy[1] = samples;
    }

    /** One export over a raw socket with a 64 KiB receive buffer, its body read at {@code bytesPerSecond}. */
    private Reader read(int account, String namespaceId, String key, long bytesPerSecond, CountDownLatch answered,
            CountDownLatch reading) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        boolean counted = false;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024); // before connect: no window scaling past it
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            OutputStream o = s.getOutputStream();
            o.write(("GET /v1/namespaces/" + namespaceId + "/requests.csv HTTP/1.1\r\nHost: " + base.getHost() + "\r\n"
                    + "Authorization: Bearer " + key + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            int status = Integer.parseInt(line(in).split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            answered.countDown();
            answered.await(2, TimeUnit.MINUTES);
            reading.countDown();
            counted = true;
            byte[] buf = new byte[16 * 1024];
            long bytes = 0;
            long lines = 0;
            long bodyStart = System.nanoTime();
            for (int n; (n = in.read(buf)) > 0;) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                    }
                }
                bytes += n;
                // A slow client: no faster than bytesPerSecond (a simulated network, not a wait for a condition).
                long due = bodyStart + (long) (bytes * 1e9 / bytesPerSecond);
                long ahead = due - System.nanoTime();
                if (ahead > 0) {
                    LockSupport.parkNanos(ahead);
                }
            }
            return new Reader(account, status, headers.get("retry-after"), headers.get("content-type"),
                    status == 200 ? lines : 0, bytes, (System.nanoTime() - t0) / 1e9);
        } finally {
            if (!counted) {
                reading.countDown(); // a reader that failed early must not hold the others up
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int ch; (ch = in.read()) != -1 && ch != '\n';) {
            if (ch != '\r') {
                b.write(ch);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static String event(String id, String namespaceId) {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return """
                {"specversion":"1.0","id":"%s","source":"router://bench/slow-readers","type":"ai.bitrouter.usage.v1",\
                "subject":"%s","time":"%s","datacontenttype":"application/json",\
                "data":{"request_id":"%s","namespace_id":"%s","model":"moonshotai/kimi-k2.6",\
                "served_model_id":"moonshotai/kimi-k2.6","provider_id":"bitrouter","status":"succeeded",\
                "funding_source":"cloud_credit","usage":{"prompt_tokens":1200,"completion_tokens":300},\
                "streamed":false}}""".formatted(id, namespaceId, t, id, namespaceId);
    }

    /** Ledger rows for the export, written in SQL (a fixture, not the metering path), spread over the last 20 days. */
    private void seedLedger(TestAccounts.Tenant t, int rows, Instant now) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO usage_records (request_id, namespace_id, account_id, api_key_id, model_requested,
                    served_model_id, provider_id, status, funding_source, streamed, event_time, prompt_tokens,
                    completion_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, uncached_input_tokens,
                    output_tokens, pricing_state, charge_micro_usd, list_micro_usd, discount_kind, discount_percent,
                    payload_sha256, priced_at)
                SELECT ?::text || g, ?, ?, 'key_slow', 'moonshotai/kimi-k2.6', 'moonshotai/kimi-k2.6', 'bitrouter',
                       'succeeded', 'cloud_credit', true, ?::timestamptz - make_interval(secs => 3600 + g * 7 %% 1700000),
                       100 + g %% 3000, 10 + g %% 700, 0, 0, 0, 100 + g %% 3000, 10 + g %% 700, 'computed',
                       (100 + g %% 3000) * 0.7125 + (10 + g %% 700) * 3, (100 + g %% 3000) * 0.95 + (10 + g %% 700) * 4,
                       'self_hosted_default', 25, decode(md5(?::text || g), 'hex'), now()
                FROM generate_series(1, ?) g""".formatted())) {
            String prefix = "req_slowexp_" + t.namespaceId() + "_";
            ps.setString(1, prefix);
            ps.setString(2, t.namespaceId());
            ps.setObject(3, t.accountId());
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setString(5, prefix);
            ps.setInt(6, rows);
            ps.executeUpdate();
        }
    }

    private long count(String sql, Object arg) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    static String summary(Result r) {
        return String.join("\n", r.lines());
    }
}
