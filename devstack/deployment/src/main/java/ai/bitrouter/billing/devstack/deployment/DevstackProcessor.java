package ai.bitrouter.billing.devstack.deployment;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.quarkus.deployment.IsNormal;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.DevServicesResultBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.LaunchModeBuildItem;
import io.quarkus.runtime.LaunchMode;

/**
 * Starts the real servers the service needs in dev mode and tests, in parallel, each only when the application
 * was not given an address for it. Quarkus keeps them across live reloads and stops them at the end of the run.
 */
class DevstackProcessor {
    private static final Logger LOG = Logger.getLogger(DevstackProcessor.class);
    static final String FEATURE = "bitrouter-devstack";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    @BuildStep(onlyIfNot = IsNormal.class)
    void servers(DevstackConfig config, LaunchModeBuildItem launchMode, BuildProducer<DevServicesResultBuildItem> services) {
        if (!config.enabled()) {
            return;
        }
        String mode = launchMode.getLaunchMode().getDefaultProfile();
        Path workDir = RunSlot.acquire(config.dataDir().map(Path::of)
                .orElse(Path.of(System.getProperty("user.dir"), "target", "devstack", mode))
                .toAbsolutePath());

        if (unset("quarkus.datasource.jdbc.url")) {
            services.produce(DevServicesResultBuildItem.owned()
                    .feature(FEATURE)
                    .serviceName("postgresql")
                    .serviceConfig(workDir.toString())
                    .description("PostgreSQL (zonky embedded binaries)")
                    .startable(() -> new PostgresServer(workDir))
                    // The service as the runtime role, Flyway as the owner; the owner's credentials are also given
                    // to tests that must act as the owner (e.g. to show what the runtime role cannot do).
                    .configProvider(Map.of(
                            "quarkus.datasource.jdbc.url", PostgresServer::jdbcUrl,
                            "quarkus.datasource.username", s -> PostgresServer.RUNTIME_USER,
                            "quarkus.datasource.password", s -> PostgresServer.RUNTIME_PASSWORD,
                            "quarkus.flyway.username", s -> PostgresServer.OWNER_USER,
                            "quarkus.flyway.password", s -> PostgresServer.OWNER_PASSWORD))
                    .build());
        } else {
            LOG.info("quarkus.datasource.jdbc.url is set: using that PostgreSQL, starting none");
        }

        if (unset("kafka.bootstrap.servers")) {
            services.produce(DevServicesResultBuildItem.owned()
                    .feature(FEATURE)
                    .serviceName("kafka")
                    .serviceConfig(workDir + ":" + config.kafkaPartitions())
                    .description("Apache Kafka (KRaft, in-process)")
                    .startable(() -> new KafkaServer(workDir, config.kafkaPartitions()))
                    .configProvider(Map.of("kafka.bootstrap.servers", KafkaServer::bootstrapServers))
                    .build());
        } else {
            LOG.info("kafka.bootstrap.servers is set: using that broker, starting none");
        }

        if (unset("quarkus.oidc.auth-server-url")) {
            Properties dist = distribution();
            List<Path> imports = realmImports(config);
            services.produce(DevServicesResultBuildItem.owned()
                    .feature(FEATURE)
                    .serviceName("keycloak")
                    .serviceConfig(workDir + ":" + imports + ":" + lastModified(imports))
                    .description("Keycloak " + dist.getProperty("keycloak.version"))
                    .startable(() -> new KeycloakServer(workDir, Path.of(dist.getProperty("keycloak.dist")),
                            dist.getProperty("keycloak.version"), imports, config.realm(),
                            Duration.ofSeconds(config.keycloakStartTimeout())))
                    .configProvider(Map.of(
                            "quarkus.oidc.auth-server-url", KeycloakServer::issuer,
                            "bitrouter.devstack.keycloak-url", KeycloakServer::baseUrl))
                    .build());
        } else {
            LOG.info("quarkus.oidc.auth-server-url is set: using that Keycloak, starting none");
        }

        if (config.stripe().enabled() && unset("bitrouter.stripe.api-base")) {
            // In dev mode events go to the running service; tests run it on a random port and register their
            // receiver through the stand-in's control API instead.
            String webhookUrl = launchMode.getLaunchMode() == LaunchMode.DEVELOPMENT
                    ? "http://localhost:" + ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class)
                            .orElse(8080) + config.stripe().webhookPath()
                    : null;
            services.produce(DevServicesResultBuildItem.owned()
                    .feature(FEATURE)
                    .serviceName("stripe")
                    .serviceConfig(String.valueOf(webhookUrl))
                    .description("Stripe stand-in (local, see docs/stripe-standin.md)")
                    .startable(() -> new StripeStandInServer(webhookUrl))
                    .configProvider(Map.of(
                            "bitrouter.stripe.api-base", StripeStandInServer::baseUrl,
                            "bitrouter.stripe.api-key", s -> StripeStandInServer.API_KEY,
                            "bitrouter.stripe.webhook-secret", StripeStandInServer::webhookSecret,
                            "bitrouter.devstack.stripe-url", StripeStandInServer::baseUrl))
                    .build());
        } else {
            LOG.info("bitrouter.stripe.api-base is set (or the stand-in is disabled): starting no Stripe stand-in");
        }
    }

    private static boolean unset(String key) {
        return ConfigProvider.getConfig().getOptionalValue(key, String.class).filter(v -> !v.isBlank()).isEmpty();
    }

    private static Properties distribution() {
        Properties p = new Properties();
        try (InputStream in = DevstackProcessor.class.getResourceAsStream("/bitrouter-devstack.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The production realm plus the dev-only users beside it ({@code deploy/keycloak/dev/<realm>-users-N.json}). */
    private static List<Path> realmImports(DevstackConfig config) {
        Path realmFile = config.realmFile().map(Path::of).or(DevstackProcessor::findRealmFile)
                .orElseThrow(() -> new IllegalStateException(
                        "deploy/keycloak/bitrouter-realm.json not found above " + System.getProperty("user.dir")
                                + "; set bitrouter.devstack.realm-file"));
        List<Path> files = new ArrayList<>();
        files.add(realmFile.toAbsolutePath());
        Path dev = realmFile.getParent().resolve("dev");
        if (Files.isDirectory(dev)) {
            try (Stream<Path> s = Files.list(dev)) {
                s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().map(Path::toAbsolutePath)
                        .forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static Optional<Path> findRealmFile() {
        for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/keycloak/bitrouter-realm.json");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Part of the service identity so that editing the realm in dev mode restarts Keycloak with it. */
    private static long lastModified(List<Path> files) {
        long max = 0;
        for (Path f : files) {
            try {
                max = Math.max(max, Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return max;
    }
}
