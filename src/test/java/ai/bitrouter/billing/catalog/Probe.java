package ai.bitrouter.billing.catalog;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * The test feed plus one model with an id no other test uses, so a test sharing the database with others can
 * make a change that is certainly new, and find its own model afterwards.
 */
public final class Probe {

    public final String id = "catalogtest/probe-" + UUID.randomUUID().toString().substring(0, 8);

    /** The upload body: fixture feed + this model, served by bitrouter and by openrouter at {@code openrouterIn}. */
    public String upload(String openrouterIn) {
        return upload("0.75", openrouterIn);
    }

    /** The same with the self-hosted (bitrouter) input rate chosen too. */
    public String upload(String bitrouterIn, String openrouterIn) {
        ObjectNode models = RegistryFixture.models();
        ObjectNode probe = ((ArrayNode) models.get("data")).addObject();
        probe.put("id", id).put("name", "Catalog test probe").put("family", "probe").put("open_weights", true);
        ArrayNode providers = probe.putArray("providers");
        offer(providers, "bitrouter", new BigDecimal(bitrouterIn), new BigDecimal("3"));
        offer(providers, "openrouter", new BigDecimal(openrouterIn), new BigDecimal("4"));
        return RegistryFixture.upload(models, RegistryFixture.providers());
    }

    private static void offer(ArrayNode providers, String provider, BigDecimal in, BigDecimal out) {
        ObjectNode pricing = providers.addObject().put("provider", provider).putObject("pricing");
        pricing.putObject("input_tokens").put("no_cache", in);
        pricing.putObject("output_tokens").put("text", out);
    }
}
