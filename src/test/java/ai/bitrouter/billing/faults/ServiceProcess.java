package ai.bitrouter.billing.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}, prod profile) as a child OS process, pointed at
 * the test stack's servers. Its output goes to {@code target/faults/<name>.log}. Every child is killed when its test
 * ends ({@link #close}, in {@code finally} through try-with-resources) and, should the test JVM exit first, by a
 * shutdown hook. Only a SIGKILL of the test JVM itself skips both; such an orphan has lost its broker (it lived in
 * the test JVM) and only retries until it is killed.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Set<ServiceProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ServiceProcess::killQuietly),
                "faults-kill-children"));
    }

    final String name;
    final int httpPort;
    /** Health is on the management port (application.properties). */
    final int managementPort;
    final Path log;
    private final Map<String, String> properties;
    private Process process;
    private int starts;

    private ServiceProcess(String name, Map<String, String> properties) {
        this.name = name;
        this.httpPort = freePort();
        this.log = Path.of(System.getProperty("faults.logs", "target/faults")).resolve(name + ".log");
        this.properties = new LinkedHashMap<>(properties);
        this.properties.put("quarkus.http.port", Integer.toString(httpPort));
        this.managementPort = freePort();
        this.properties.put("quarkus.management.port", Integer.toString(managementPort));
    }

    /** A child for {@code stack}, consuming {@code topic} in consumer group {@code group}, plus {@code extra}. */
    static ServiceProcess of(String name, Stack stack, String topic, String group, Map<String, String> extra) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.datasource.jdbc.url", stack.jdbcUrl());
        p.put("quarkus.datasource.username", stack.dbUser());
        p.put("quarkus.datasource.password", stack.dbPassword());
        p.put("quarkus.flyway.username", stack.dbOwnerUser());
        p.put("quarkus.flyway.password", stack.dbOwnerPassword());
        p.put("kafka.bootstrap.servers", stack.bootstrap());
        p.put("quarkus.oidc.auth-server-url", stack.oidcUrl());
        p.put("mp.messaging.incoming.usage.topic", topic);
        p.put("mp.messaging.incoming.usage.group.id", group);
        p.put("mp.messaging.outgoing.usage-dlq.topic", topic + ".dlq");
        // The broker's minimum: a killed member's partitions move on after 6 s instead of 10 s.
        p.put("mp.messaging.incoming.usage.session.timeout.ms", "6000");
        p.put("mp.messaging.incoming.usage.heartbeat.interval.ms", "1000");
        p.put("quarkus.log.console.json.enabled", "false");
        p.put("quarkus.datasource.jdbc.max-size", "8");
        // Jobs only where a test asks for them: they would add load and log lines to the other tests.
        p.put("bitrouter.scheduling.enabled", "false");
        // The prod profile refuses to start without these (system.ProductionConfigCheck); test values.
        p.put("bitrouter.web.csrf-secret", "fault-tests-csrf-secret-0123456789abcdef");
        p.put("quarkus.oidc.web.credentials.secret", "fault-tests-web-client-secret");
        p.put("bitrouter.oauth.public-base-url", "https://billing.faults.test");
        p.putAll(extra);
        return new ServiceProcess(name, p);
    }

    /** Starts (or restarts) the process; returns at once, see {@link #awaitReady}. */
    synchronized ServiceProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("faults.java", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-Xmx384m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(app().toString());
        try {
            Files.createDirectories(log.getParent());
            // A fresh file per test run (restarts append): log checks must not see an earlier run's lines.
            Files.writeString(log, "===== start " + (++starts) + " of " + name + " =====\n",
                    java.nio.file.StandardOpenOption.CREATE, starts == 1 ? java.nio.file.StandardOpenOption.TRUNCATE_EXISTING
                            : java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LIVE.add(this);
        return this;
    }

    static Path app() {
        Path jar = Path.of(System.getProperty("faults.app", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " missing: the fault tests run the packaged service "
                    + "(mvn verify runs them after package)");
        }
        return jar;
    }

    /** Waits until the service answers ready (database, broker and Keycloak reachable); fails early if it died. */
    ServiceProcess awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Process p = process;
            if (!p.isAlive()) {
                throw new AssertionError(name + " exited with " + p.exitValue() + " while starting:\n" + tail(60));
            }
            if (health("ready") == 200) {
                return this;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " not ready after " + timeout + ":\n" + tail(60));
            }
            sleep(200);
        }
    }

    /** The HTTP status of {@code /q/health/<check>}, or -1 if the service does not answer. */
    int health(String check) {
        try {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/" + check))
                    .timeout(Duration.ofSeconds(3)).GET().build();
            return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** {@code kill -9}: no shutdown hook, no last offset commit, no transaction end; the process is gone at once. */
    void kill9() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        try {
            // SIGKILL straight from this JVM (what destroyForcibly sends on Linux), not through a forked kill(1), whose
            // process start sat between the test's look at the offset-commit window and the kill and let it close.
            p.destroyForcibly();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " still alive 10 s after kill -9");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    long countInLog(String needle) {
        return logText().lines().filter(l -> l.contains(needle)).count();
    }

    String tail(int lines) {
        List<String> all = logText().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private void killQuietly() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    @Override
    public void close() {
        kill9();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
