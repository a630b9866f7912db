package ai.bitrouter.billing.devstack.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.jboss.logging.Logger;

import io.quarkus.deployment.builditem.Startable;

/**
 * A real Keycloak from the {@code keycloak-quarkus-dist} distribution, as a child process in its own process group,
 * with the product's realm (and the dev users) imported at every start. The unpacked home is kept between runs
 * because Keycloak's own build step is half of its first start.
 */
final class KeycloakServer implements Startable {
    private static final Logger LOG = Logger.getLogger(KeycloakServer.class);
    static final String ADMIN_USER = "admin";
    static final String ADMIN_PASSWORD = "admin";

    private final Path workDir;
    private final Path distribution;
    private final String version;
    private final List<Path> importFiles;
    private final String realm;
    private final Duration startTimeout;
    private Process process;
    private int port;

    KeycloakServer(Path workDir, Path distribution, String version, List<Path> importFiles, String realm,
            Duration startTimeout) {
        this.workDir = workDir;
        this.distribution = distribution;
        this.version = version;
        this.importFiles = importFiles;
        this.realm = realm;
        this.startTimeout = startTimeout;
    }

    @Override
    public void start() {
        Path pidFile = workDir.resolve("keycloak.pid");
        ProcessGuard.stopLeftover(pidFile, "keycloak");
        long t0 = System.nanoTime();
        Path home = unpack();
        prepareImport(home);
        port = Ports.free();
        int managementPort = Ports.free();
        Path log = workDir.resolve("keycloak.log");
        ProcessBuilder pb = new ProcessBuilder("setsid", home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + port, "--http-management-port=" + managementPort,
                "--db=dev-mem", "--import-realm")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
        pb.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        pb.environment().put("JAVA_OPTS_KC_HEAP", "-Xms128m -Xmx768m");
        try {
            process = pb.start();
            Files.writeString(pidFile, Long.toString(process.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("Keycloak did not start", e);
        }
        ProcessGuard.watch(workDir, process.pid(), "TERM");
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "devstack-keycloak-stop"));
        awaitRealm(log);
        LOG.infof("Keycloak ready on %s in %d ms (admin console: %s/admin, %s/%s)", baseUrl(),
                (System.nanoTime() - t0) / 1_000_000, baseUrl(), ADMIN_USER, ADMIN_PASSWORD);
    }

    private Path unpack() {
        Path home = workDir.resolve("keycloak-" + version);
        if (Files.isExecutable(home.resolve("bin/kc.sh"))) {
            return home;
        }
        if (!Files.isRegularFile(distribution)) {
            throw new IllegalStateException("Keycloak distribution not found at " + distribution
                    + "; build the devstack module (./mvnw -pl devstack/deployment -am package) to fetch it");
        }
        try {
            Files.createDirectories(workDir);
            Process tar = new ProcessBuilder("tar", "-xzf", distribution.toString(), "-C", workDir.toString())
                    .redirectErrorStream(true).start();
            String out = new String(tar.getInputStream().readAllBytes());
            if (tar.waitFor() != 0) {
                throw new IllegalStateException("unpacking Keycloak failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return home;
    }

    private void prepareImport(Path home) {
        // A reused home would keep the old realm ("Realm already exists. Import skipped").
        ProcessGuard.deleteTree(home.resolve("data/h2"));
        Path importDir = home.resolve("data/import");
        ProcessGuard.deleteTree(importDir);
        try {
            Files.createDirectories(importDir);
            for (Path f : importFiles) {
                Files.copy(f, importDir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitRealm(Path log) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI wellKnown = URI.create(issuer() + "/.well-known/openid-configuration");
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + "; log tail:\n" + tail(log));
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(wellKnown).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("Keycloak did not serve realm " + realm + " within " + startTimeout
                + "; log tail:\n" + tail(log));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    String issuer() {
        return baseUrl() + "/realms/" + realm;
    }

    @Override
    public String getConnectionInfo() {
        return baseUrl();
    }

    @Override
    public String getContainerId() {
        return null;
    }

    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        // kc.sh may run Keycloak as its child: stop the whole group it leads.
        ProcessGuard.signalGroup(p.pid(), "TERM");
        ProcessGuard.awaitExit(p.toHandle(), 20);
        if (p.isAlive()) {
            ProcessGuard.signalGroup(p.pid(), "KILL");
        }
        try {
            Files.deleteIfExists(workDir.resolve("keycloak.pid"));
        } catch (IOException e) {
            LOG.debug("pid file", e);
        }
    }
}
