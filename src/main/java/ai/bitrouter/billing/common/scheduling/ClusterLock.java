package ai.bitrouter.billing.common.scheduling;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Runs a job on at most one instance of the service at a time, with a PostgreSQL session-level advisory lock.
 *
 * <p>The lock lives on a connection opened for the job alone, outside the pool and outside any transaction: a pooled
 * connection would go back to the pool still holding the lock if the unlock failed, and a transaction-level lock
 * would end with the job's first commit. Closing the connection (in {@code finally}, or by the instance dying, even by
 * {@code kill -9}: PostgreSQL ends the session when the socket closes) always releases it, so a crashed instance never
 * blocks the job for the others.
 *
 * <p>The key is the first 8 bytes of SHA-256 of the job's name: stable across instances, versions and JVMs
 * ({@code String.hashCode} would be too, but 32 bits of it collide more easily with other advisory-lock users).
 *
 * <p>If the lock's connection is lost while the job runs (a database restart), another instance could start the same
 * job; jobs must therefore stay idempotent on their own (the repricer claims rows with {@code SKIP LOCKED}, the
 * importer publishes only a changed catalog). The lock removes the duplicated work, not the need for idempotence.
 */
@ApplicationScoped
public class ClusterLock {
    private static final Logger LOG = Logger.getLogger(ClusterLock.class);

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> username;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    @Inject
    SchedulingConfig scheduling;

    /**
     * Runs {@code work} on this thread if no other instance (or thread) runs the job named {@code job} now.
     *
     * @return true if {@code work} ran (whether or not it threw: its exception propagates), false if another holder
     *         had the lock and nothing was done
     * @throws IllegalStateException if the database could not be asked for the lock (then nothing ran either)
     */
    public boolean runExclusively(String job, Runnable work) {
        long key = key(job);
        try (Connection c = connect()) {
            if (!tryLock(c, key)) {
                LOG.infof("job %s skipped: another instance is running it (advisory lock %d)", job, key);
                return false;
            }
            try {
                work.run();
                return true;
            } finally {
                unlock(c, key, job);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cluster lock for job " + job + " unavailable: " + e.getMessage(), e);
        }
    }

    /**
     * For {@code @Scheduled} methods: runs the job exclusively if this instance's configuration lets it run scheduled
     * jobs at all ({@link SchedulingConfig}); false if disabled here or running elsewhere.
     */
    public boolean runScheduled(String job, Runnable work) {
        if (!scheduling.enabled(job)) {
            LOG.debugf("job %s is disabled on this instance (bitrouter.scheduling.*)", job);
            return false;
        }
        return runExclusively(job, work);
    }

    /** The advisory-lock key of a job: the same in every instance and version. */
    public static long key(String job) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("bitrouter.job:" + job).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        username.ifPresent(u -> p.setProperty("user", u));
        password.ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("ApplicationName", "bitrouter-cluster-lock");
        // The driver directly, not DriverManager: no dependence on service-loader registration in this class loader.
        Connection c = new org.postgresql.Driver().connect(url, p);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + url);
        }
        return c;
    }

    private static boolean tryLock(Connection c, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Best effort: if it fails, closing the connection right after ends the session and with it the lock. */
    private static void unlock(Connection c, long key, String job) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            ps.setLong(1, key);
            ps.execute();
        } catch (SQLException e) {
            LOG.debugf("unlock of job %s failed (%s); closing the session releases it", job, e.getMessage());
        }
    }
}
