package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.catalog.registry.RegistryJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The test feed in the registry's own format ({@code src/test/resources/catalog/registry}): nine real models and
 * thirteen providers cut from the registry snapshot of 2026-07-02, including the seed's six models at the same
 * prices, so importing it leaves the seeded prices in force for other tests.
 */
public final class RegistryFixture {

    public static final int MODELS = 9;
    public static final int PROVIDERS = 13;

    private RegistryFixture() {
    }

    public static String modelsText() {
        return resource("catalog/registry/models.json");
    }

    public static String providersText() {
        return resource("catalog/registry/providers.json");
    }

    public static ObjectNode models() {
        return parse(modelsText());
    }

    public static ObjectNode providers() {
        return parse(providersText());
    }

    /** The JSON body of an admin upload. */
    public static String upload(ObjectNode models, ObjectNode providers) {
        ObjectNode body = RegistryJson.MAPPER.createObjectNode();
        body.set("models", models);
        body.set("providers", providers);
        return write(body);
    }

    public static String write(ObjectNode node) {
        try {
            return RegistryJson.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The model entry with {@code id} in a models document. */
    public static ObjectNode model(ObjectNode models, String id) {
        for (var m : models.get("data")) {
            if (m.get("id").asText().equals(id)) {
                return (ObjectNode) m;
            }
        }
        throw new IllegalArgumentException("no model " + id);
    }

    /** The pricing of {@code provider} in a model entry. */
    public static ObjectNode pricing(ObjectNode model, String provider) {
        for (var p : model.get("providers")) {
            if (p.get("provider").asText().equals(provider)) {
                return (ObjectNode) p.get("pricing");
            }
        }
        throw new IllegalArgumentException("no provider " + provider);
    }

    private static ObjectNode parse(String text) {
        try {
            return (ObjectNode) RegistryJson.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = RegistryFixture.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
