package ai.bitrouter.billing.reports;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** CSV exports (docs/reports.md, "Exports and slow clients"). */
@ConfigMapping(prefix = "bitrouter.reports.export")
public interface ExportConfig {
    /**
     * Exports written to temp files at once by an instance; also the size of the "exports" connection pool, so a
     * writer never waits for a connection it was promised.
     */
    @WithDefault("4")
    int maxConcurrent();

    /** How long an export waits for one of those places before it is answered 503 with Retry-After. */
    @WithDefault("10s")
    Duration queueTimeout();

    /** Largest file one export may produce; larger is a 400 that asks for a narrower window. */
    @WithDefault("1073741824")
    long maxBytes();

    /**
     * An account's export slot older than this is taken to be lost (a response the server never got to send) and is
     * given to the next export of the account. Long enough for a 1 GiB download at 300 kB/s.
     */
    @WithDefault("1h")
    Duration slotExpiry();

    /** Where temp files go; the JVM's temp directory when unset. */
    Optional<String> tempDir();
}
