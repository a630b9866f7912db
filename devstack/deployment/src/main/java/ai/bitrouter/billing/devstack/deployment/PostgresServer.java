package ai.bitrouter.billing.devstack.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import org.jboss.logging.Logger;

import io.quarkus.deployment.builditem.Startable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** A real PostgreSQL from zonky's binaries, on 127.0.0.1, with a fresh data directory every start. */
final class PostgresServer implements Startable {
    private static final Logger LOG = Logger.getLogger(PostgresServer.class);
    static final String USER = "postgres";
    static final String DATABASE = "postgres";

    private final Path dataDir;
    private final Path workDir;
    private EmbeddedPostgres postgres;
    private int port;

    PostgresServer(Path workDir) {
        this.workDir = workDir;
        this.dataDir = workDir.resolve("postgres");
    }

    @Override
    public void start() {
        // A killed run leaves its daemonized postmaster and a non-empty data dir behind; initdb refuses both.
        ProcessGuard.stopLeftover(dataDir.resolve("postmaster.pid"), "postgres");
        ProcessGuard.deleteTree(dataDir);
        port = Ports.free();
        long t0 = System.nanoTime();
        try {
            postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(true)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // A throwaway database: durability buys nothing here and costs test time.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "100")
                    // Statement statistics, as on any production PostgreSQL: the ingestion benchmark prints them.
                    .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start", e);
        }
        ProcessGuard.readPid(dataDir.resolve("postmaster.pid"))
                .ifPresent(pid -> ProcessGuard.watch(workDir, pid, "INT"));
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeQuietly, "devstack-postgres-stop"));
        LOG.infof("PostgreSQL ready on 127.0.0.1:%d in %d ms", port, (System.nanoTime() - t0) / 1_000_000);
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    @Override
    public String getConnectionInfo() {
        return jdbcUrl();
    }

    @Override
    public String getContainerId() {
        return null;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (Exception e) {
            LOG.debug("PostgreSQL stop", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (postgres != null) {
            EmbeddedPostgres pg = postgres;
            postgres = null;
            pg.close();
        }
    }
}
