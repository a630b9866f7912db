package ai.bitrouter.billing.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.accounts.ApiKeyService;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue #18's slow-reader figures ({@link SlowReaders}): 40 concurrent slow readers of the largest export while
 * ingestion runs at a steady rate. Prints the ingestion rate with and without the readers, the /usage latency and
 * what the readers got; results also go to {@code target/slow-readers-benchmark.txt}. Only run by -Pbench, e.g.
 * {@code ./mvnw -B -pl service -am verify -Pbench -Dtest=SlowReadersBenchmarkTest}.
 *
 * <p>Knobs: {@code bench.slow.readers} (40), {@code bench.slow.accounts} (10), {@code bench.slow.rows} (100,000
 * ledger rows per reader account), {@code bench.slow.ingest-per-second} (500), {@code bench.slow.phase-seconds} (60),
 * {@code bench.slow.usage-per-second} (20), {@code bench.slow.read-bytes-per-second} (1,000,000).
 */
@QuarkusTest
class SlowReadersBenchmarkTest {

    @Inject
    DataSource db;

    @Inject
    ApiKeyService keys;

    @TestHTTPResource("/")
    URL base;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void fortySlowReadersOfTheLargestExportWhileIngesting() throws Exception {
        StringBuilder report = new StringBuilder();
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        SlowReaders.Config c = new SlowReaders.Config(Integer.getInteger("bench.slow.readers", 40),
                Integer.getInteger("bench.slow.accounts", 10), Integer.getInteger("bench.slow.rows", 100_000),
                Integer.getInteger("bench.slow.ingest-per-second", 500),
                Duration.ofSeconds(Integer.getInteger("bench.slow.phase-seconds", 60)),
                Integer.getInteger("bench.slow.usage-per-second", 20),
                Long.getLong("bench.slow.read-bytes-per-second", 1_000_000));
        SlowReaders.Result r = new SlowReaders(db, keys, URI.create(base.toString()), bootstrap).run(c);
        report.append("config: ").append(c).append('\n');
        report.append("load average before: ").append(loadBefore).append('\n');
        r.lines().forEach(l -> report.append(l).append('\n'));
        report.append("load average after: ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append('\n');
        System.out.println(report.toString().lines().map(l -> "[slow-readers-bench] " + l)
                .reduce((a, b) -> a + "\n" + b).orElse(""));
        Files.writeString(Path.of("target/slow-readers-benchmark.txt"), report.toString(), StandardCharsets.UTF_8);
        // Correctness, not performance: the figures above are the result.
        assertEquals(r.eventsSent(), r.ledgerRowsOfIngestTenant(), "every event sent is in the ledger");
    }
}
