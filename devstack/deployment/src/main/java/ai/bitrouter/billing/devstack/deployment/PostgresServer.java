package ai.bitrouter.billing.devstack.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.jboss.logging.Logger;

import io.quarkus.deployment.builditem.Startable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL from zonky's binaries, on 127.0.0.1, with a fresh data directory every start. It has the two
 * roles production has (docs/security.md, "Database roles"): {@link #OWNER_USER} owns the database and its schema
 * and is the one Flyway migrates as; {@link #RUNTIME_USER} owns nothing and is the service's datasource, so every
 * test runs with the privileges the service has in production. The superuser is for this class only.
 */
final class PostgresServer implements Startable {
    private static final Logger LOG = Logger.getLogger(PostgresServer.class);
    static final String SUPERUSER = "postgres";
    static final String DATABASE = "postgres";
    static final String OWNER_USER = "bitrouter_owner";
    static final String OWNER_PASSWORD = "bitrouter_owner";
    static final String RUNTIME_USER = "bitrouter_app";
    static final String RUNTIME_PASSWORD = "bitrouter_app";

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
        createRoles();
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeQuietly, "devstack-postgres-stop"));
        LOG.infof("PostgreSQL ready on 127.0.0.1:%d in %d ms", port, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The owner gets the database and the public schema, so it can create tables and the trusted extensions the
     * migrations need (btree_gist). The runtime role gets only LOGIN here: its table privileges come from the
     * migrations (V14), exactly as in production. pg_stat_statements is created now, by the superuser, because the
     * benchmarks read it and neither role may create it; pg_read_all_stats lets the runtime role see every query.
     */
    private void createRoles() {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + OWNER_USER + " LOGIN PASSWORD '" + OWNER_PASSWORD + "'");
            st.execute("CREATE ROLE " + RUNTIME_USER + " LOGIN PASSWORD '" + RUNTIME_PASSWORD + "'");
            st.execute("ALTER DATABASE " + DATABASE + " OWNER TO " + OWNER_USER);
            st.execute("ALTER SCHEMA public OWNER TO " + OWNER_USER);
            // The benchmarks' COPY experiment checkpoints as the owner.
            st.execute("GRANT pg_checkpoint TO " + OWNER_USER);
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            st.execute("GRANT pg_read_all_stats TO " + RUNTIME_USER);
            st.execute("GRANT EXECUTE ON FUNCTION pg_stat_statements_reset TO " + RUNTIME_USER);
        } catch (SQLException e) {
            throw new IllegalStateException("creating the database roles failed", e);
        }
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
