package ai.bitrouter.billing.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.catalog.registry.RegistryCatalogBuilder;
import ai.bitrouter.billing.catalog.registry.RegistryFeedParser;
import ai.bitrouter.billing.catalog.registry.RegistryJson;
import ai.bitrouter.billing.pricing.PricingPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogDigestTest {

    private static final PricingPolicy POLICY = PricingPolicy.defaults("pol-test", Instant.EPOCH);

    private static String digest(String models, String providers) {
        return CatalogDigest.of(new RegistryCatalogBuilder(VendorProviders.load())
                .build(new RegistryFeedParser().parse(models, providers), POLICY, Map.of()).snapshot());
    }

    /** The same JSON with every object's keys in reverse order, every array of providers reversed, no whitespace. */
    private static JsonNode shuffled(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.reverse(names);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            names.forEach(n -> out.set(n, shuffled(node.get(n))));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = node.size() - 1; i >= 0; i--) {
                out.add(shuffled(node.get(i)));
            }
            return out;
        }
        return node;
    }

    @Test
    void theDigestIgnoresKeyOrderListOrderAndWhitespace() throws Exception {
        String models = RegistryFixture.modelsText();
        String providers = RegistryFixture.providersText();
        String compactShuffledModels =
                RegistryJson.MAPPER.writeValueAsString(shuffled(RegistryJson.MAPPER.readTree(models)));
        String prettyShuffledProviders = RegistryJson.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(shuffled(RegistryJson.MAPPER.readTree(providers)));

        assertTrue(compactShuffledModels.indexOf("\"providers\"") < compactShuffledModels.indexOf("\"id\""),
                "the keys really were reordered");
        assertEquals(digest(models, providers), digest(compactShuffledModels, prettyShuffledProviders));
    }

    @Test
    void theDigestComparesRatesByValue() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "moonshotai/kimi-k2.6"), "bitrouter")
                .with("output_tokens").put("text", new BigDecimal("3.000"));

        assertEquals(digest(RegistryFixture.modelsText(), RegistryFixture.providersText()),
                digest(RegistryFixture.write(models), RegistryFixture.providersText()));
    }

    @Test
    void anyChangedRateChangesTheDigest() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "moonshotai/kimi-k2.6"), "chutes")
                .with("input_tokens").put("cache_read", new BigDecimal("0.4751"));

        assertNotEquals(digest(RegistryFixture.modelsText(), RegistryFixture.providersText()),
                digest(RegistryFixture.write(models), RegistryFixture.providersText()));
    }

    @Test
    void theDigestIsSha256OfTheCanonicalText() throws Exception {
        CatalogSnapshot seed = SeedCatalog.load().candidate(VendorProviders.load(), POLICY).snapshot();
        String text = CatalogDigest.canonicalText(seed);

        byte[] sha = java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(java.util.HexFormat.of().formatHex(sha), CatalogDigest.of(seed));
        assertTrue(text.startsWith("{\"models\":[{\"family\":\"claude-sonnet\",\"id\":\"anthropic/claude-sonnet-4.6\""),
                text.substring(0, 80));
        assertTrue(text.contains("\"input_tokens\":{\"cache_read\":\"0.12\",\"no_cache\":\"0.7125\"}"),
                "rates are strings");
    }
}
