package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.catalog.CatalogConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the two files of the registry feed from the configured directory or http(s) base URL. */
@ApplicationScoped
public class RegistrySource {

    @Inject
    CatalogConfig config;

    /** The two files' text and where they were read from. */
    public record RawFeed(String origin, String modelsJson, String providersJson) {
    }

    public Optional<String> location() {
        return config.registry().location().map(String::trim).filter(s -> !s.isEmpty());
    }

    public boolean isRemote() {
        return location().map(RegistrySource::isUrl).orElse(false);
    }

    public RawFeed fetch(String location) {
        if (isUrl(location)) {
            String base = location.endsWith("/") ? location : location + "/";
            HttpClient client = HttpClient.newBuilder().connectTimeout(config.registry().httpTimeout())
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            return new RawFeed(base, get(client, base + RegistryFeedParser.MODELS_FILE),
                    get(client, base + RegistryFeedParser.PROVIDERS_FILE));
        }
        Path dir = Path.of(location);
        return new RawFeed(dir.toString(), read(dir.resolve(RegistryFeedParser.MODELS_FILE)),
                read(dir.resolve(RegistryFeedParser.PROVIDERS_FILE)));
    }

    private static boolean isUrl(String location) {
        return location.startsWith("https://") || location.startsWith("http://");
    }

    private String get(HttpClient client, String url) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(config.registry().httpTimeout())
                .header("Accept", "application/json").GET().build();
        try {
            HttpResponse<String> response =
                    client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                throw new IllegalStateException("registry " + url + " answered HTTP " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("registry " + url + " could not be read: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + url, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("registry file " + file + " could not be read: " + e.getMessage(), e);
        }
    }
}
