package ai.bitrouter.billing.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.bench.SlowReaders;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The slow-readers scenario of issue #18 at a tiny size (the benchmark, bench.SlowReadersBenchmarkTest, runs it at
 * full size and reports the figures): readers of three accounts' largest export, two readers per account started at
 * once, while events are ingested and another tenant's /usage is polled. Checked here: an account gets one export at
 * a time (the other reader is refused with 429 and Retry-After while the first is being read), the export is
 * complete, no exports connection is busy while the files are read, every event sent is in the ledger, and /usage
 * answers throughout.
 */
@QuarkusTest
class SlowExportReadersTest {

    /** About 7 MB of CSV: more than the server's socket buffers, so an export being read keeps its account's slot. */
    static final int ROWS = 20_000;

    @Inject
    DataSource db;

    @Inject
    ApiKeyService keys;

    @TestHTTPResource("/")
    URL base;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void slowReadersAreLimitedPerAccountAndIngestionAndUsageCarryOn() throws Exception {
        SlowReaders.Result r = new SlowReaders(db, keys, URI.create(base.toString()), bootstrap)
                .run(new SlowReaders.Config(6, 3, ROWS, 40, Duration.ofSeconds(4), 4, 4_000_000));
        r.lines().forEach(l -> System.out.println("[slow-readers] " + l));

        Map<Integer, List<SlowReaders.Reader>> byAccount = r.readers().stream()
                .collect(Collectors.groupingBy(SlowReaders.Reader::account));
        assertEquals(3, byAccount.size());
        for (List<SlowReaders.Reader> readers : byAccount.values()) {
            assertEquals(1, readers.stream().filter(x -> x.status() == 200).count(), "one export per account: " + readers);
            for (SlowReaders.Reader x : readers) {
                if (x.status() == 200) {
                    assertEquals(ROWS + 1, x.lines(), "the whole export, header included");
                    assertTrue(x.contentType().startsWith("text/csv"), x.contentType());
                } else {
                    assertEquals(429, x.status(), "the other reader of the account is limited: " + x);
                    assertNotNull(x.retryAfter(), "429 carries Retry-After");
                    assertTrue(x.contentType().startsWith("application/json"), "the contract's envelope");
                }
            }
        }
        assertTrue(r.samplesWhileRead() > 0, "pg_stat_activity was sampled while the exports were read");
        assertEquals(0, r.exportsSessionsBusyWhileRead(), "no exports connection busy while clients read");

        assertTrue(r.baseline().events() > 0 && r.loaded().events() > 0, "events were ingested in both phases");
        assertEquals(r.eventsSent(), r.ledgerRowsOfIngestTenant(), "every event sent is in the ledger, once");
        assertEquals(r.eventsSent(), r.baseline().events() + r.loaded().events());
        assertTrue(r.loaded().usageCalls() > 0, "/usage was called during the readers");
        assertEquals(0, r.baseline().usageFailures() + r.loaded().usageFailures(), "/usage answered 200 throughout");
    }
}
