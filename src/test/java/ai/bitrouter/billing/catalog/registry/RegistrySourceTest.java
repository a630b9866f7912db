package ai.bitrouter.billing.catalog.registry;

import static ai.bitrouter.billing.catalog.Texts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.catalog.CatalogConfig;
import ai.bitrouter.billing.catalog.RegistryFixture;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feed is read from an http(s) base URL (the registry's dist/ folder) or from a local directory. */
class RegistrySourceTest {

    private HttpServer server;
    private final RegistrySource source = new RegistrySource();

    private static CatalogConfig config(String location) {
        return new CatalogConfig() {
            @Override
            public Registry registry() {
                return new Registry() {
                    @Override
                    public Optional<String> location() {
                        return Optional.ofNullable(location);
                    }

                    @Override
                    public String refreshInterval() {
                        return "1h";
                    }

                    @Override
                    public Duration httpTimeout() {
                        return Duration.ofSeconds(5);
                    }
                };
            }

            @Override
            public Seed seed() {
                return () -> true;
            }

            @Override
            public Duration publishLead() {
                return Duration.ZERO;
            }

            @Override
            public Duration commitLagAllowance() {
                return Duration.ZERO;
            }

            @Override
            public Duration indexRefreshMinInterval() {
                return Duration.ZERO;
            }
        };
    }

    @BeforeEach
    void serveTheFixture() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        Map<String, String> files = Map.of("/dist/models.json", RegistryFixture.modelsText(),
                "/dist/providers.json", RegistryFixture.providersText());
        server.createContext("/", exchange -> {
            String body = files.get(exchange.getRequestURI().getPath());
            byte[] bytes = (body == null ? "not found" : body).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void bothFilesAreFetchedFromTheBaseUrl() {
        source.config = config(base() + "/dist");

        RegistrySource.RawFeed feed = source.fetch(source.location().orElseThrow());

        assertTrue(source.isRemote());
        assertEquals(base() + "/dist/", feed.origin());
        assertEquals(RegistryFixture.modelsText(), feed.modelsJson());
        assertEquals(RegistryFixture.MODELS,
                new RegistryFeedParser().parse(feed.modelsJson(), feed.providersJson()).models().size());
    }

    @Test
    void anHttpErrorIsAFailureNamingTheUrl() {
        source.config = config(base() + "/elsewhere/");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> source.fetch(base() + "/elsewhere/"));

        assertContains(e.getMessage(), base() + "/elsewhere/models.json", "HTTP 404");
    }

    @Test
    void aDirectoryIsReadAndIsNotRefreshedPeriodically(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("models.json"), RegistryFixture.modelsText());
        Files.writeString(dir.resolve("providers.json"), RegistryFixture.providersText());
        source.config = config(dir.toString());

        RegistrySource.RawFeed feed = source.fetch(dir.toString());

        assertFalse(source.isRemote());
        assertEquals(RegistryFixture.providersText(), feed.providersJson());
        source.config = config("  ");
        assertEquals(Optional.empty(), source.location());
    }
}
