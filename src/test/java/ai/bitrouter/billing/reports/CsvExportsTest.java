package ai.bitrouter.billing.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.bitrouter.billing.common.api.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The export limits of {@link CsvExports} without a server: per-account slot, size bound, temp file lifetime. */
class CsvExportsTest {

    @TempDir
    Path dir;

    private CsvExports exports(long maxBytes) {
        return new CsvExports(new ExportConfig() {
            public int maxConcurrent() {
                return 2;
            }

            public Duration queueTimeout() {
                return Duration.ofMillis(200);
            }

            public long maxBytes() {
                return maxBytes;
            }

            public Duration slotExpiry() {
                return Duration.ofHours(1);
            }

            public Optional<String> tempDir() {
                return Optional.of(dir.toString());
            }
        }, new SimpleMeterRegistry());
    }

    private long files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void anAccountHasOneExportUntilItHasBeenSentAndOtherAccountsAreNotHeldUp() throws Exception {
        CsvExports e = exports(1 << 20);
        CsvExports.Export first = e.write("sub:a", List.of("x", "y"), csv -> csv.row(List.of("=1+1", 2)));
        CsvExports.Refused busy = assertThrows(CsvExports.Refused.class,
                () -> e.write("sub:a", List.of("x"), csv -> csv.row(List.of(1))));
        assertEquals(429, busy.status());
        assertTrue(busy.retryAfter().toSeconds() >= 1);
        // Another account is served meanwhile.
        CsvExports.Export other = e.write("sub:b", List.of("x"), csv -> csv.row(List.of(1)));
        assertEquals(2, files());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        first.sendTo(out);
        assertEquals("x,y\r\n'=1+1,2\r\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(first.bytes(), out.size());
        assertEquals(1, files(), "the sent export's file is gone");
        // Sent: the account may export again.
        e.write("sub:a", List.of("x"), csv -> csv.row(List.of(1))).discard();
        other.discard();
        assertEquals(0, files());
        assertEquals(0, e.running());
    }

    @Test
    void anExportLargerThanTheBoundIsA400AndLeavesNoFileAndNoSlot() throws Exception {
        CsvExports e = exports(1_000);
        ApiException tooLarge = assertThrows(ApiException.class, () -> e.write("sub:a", List.of("n"), csv -> {
            for (int i = 0; i < 10_000; i++) {
                csv.row(List.of(i));
            }
        }));
        assertEquals(400, tooLarge.status());
        assertTrue(tooLarge.getMessage().contains("narrow the window"), tooLarge.getMessage());
        assertEquals(0, files());
        assertEquals(0, e.running());
        e.write("sub:a", List.of("n"), csv -> csv.row(List.of(1))).discard();
    }

    @Test
    void aFailingQueryReleasesTheSlotAndDeletesTheFile() throws Exception {
        CsvExports e = exports(1 << 20);
        assertThrows(IllegalStateException.class, () -> e.write("sub:a", List.of("n"), csv -> {
            csv.row(List.of(1));
            throw new IllegalStateException("usage report query"); // e.g. the statement timeout
        }));
        assertEquals(0, files());
        assertEquals(0, e.running());
    }

    @Test
    void aClientThatGoesAwayMidDownloadStillFreesTheSlotAndTheFile() throws Exception {
        CsvExports e = exports(1 << 20);
        CsvExports.Export x = e.write("sub:a", List.of("n"), csv -> csv.row(List.of(1)));
        assertThrows(IOException.class, () -> x.sendTo(new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("connection reset");
            }
        }));
        assertEquals(0, files());
        assertEquals(0, e.running());
    }
}
