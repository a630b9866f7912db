package ai.bitrouter.billing.catalog.registry;

import static ai.bitrouter.billing.catalog.Texts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.catalog.RegistryFixture;
import ai.bitrouter.billing.pricing.Price;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class RegistryFeedParserTest {

    private final RegistryFeedParser parser = new RegistryFeedParser();

    private RegistryFeed parse(ObjectNode models, ObjectNode providers) {
        return parser.parse(RegistryFixture.write(models), RegistryFixture.write(providers));
    }

    private static FeedRejectedException rejected(Runnable parse) {
        try {
            parse.run();
        } catch (FeedRejectedException e) {
            return e;
        }
        throw new AssertionError("the feed was accepted");
    }

    @Test
    void theFixtureParsesWithExactRates() {
        RegistryFeed feed = parser.parse(RegistryFixture.modelsText(), RegistryFixture.providersText());

        assertEquals(RegistryFixture.MODELS, feed.models().size());
        assertEquals(RegistryFixture.PROVIDERS, feed.providers().size());
        RegistryFeed.Model kimi = feed.models().stream().filter(m -> m.id().equals("moonshotai/kimi-k2.6"))
                .findFirst().orElseThrow();
        assertEquals("Kimi: K2.6", kimi.name());
        assertEquals(Boolean.TRUE, kimi.openWeights());
        Price selfHosted = kimi.providers().stream().filter(l -> l.id().equals("bitrouter")).findFirst()
                .orElseThrow().price().orElseThrow();
        // Exactly the text of the feed: same digits and scale, never an approximate binary number on the way.
        assertEquals(new BigDecimal("0.7125"), selfHosted.base().noCache());
        assertEquals(new BigDecimal("0.12"), selfHosted.base().cacheRead());
        assertTrue(kimi.providers().stream().filter(l -> l.id().equals("tencent")).findFirst().orElseThrow()
                .price().isEmpty(), "tencent lists kimi without a price");
    }

    @Test
    void contextTiersAreRead() {
        RegistryFeed feed = parser.parse(RegistryFixture.modelsText(), RegistryFixture.providersText());
        Price tencent = feed.models().stream().filter(m -> m.id().equals("minimax/minimax-m3")).findFirst()
                .orElseThrow().providers().stream().filter(l -> l.id().equals("tencent")).findFirst().orElseThrow()
                .price().orElseThrow();

        assertEquals(1, tencent.contextTiers().size());
        assertEquals(512_000, tencent.contextTiers().get(0).aboveInputTokens());
        assertEquals(new BigDecimal("4.8"), tencent.contextTiers().get(0).rates().text());
    }

    @Test
    void invalidJsonIsRejectedNamingTheFileAndPlace() {
        String broken = RegistryFixture.modelsText().replaceFirst("\\{", "{,");

        FeedRejectedException e = rejected(() -> parser.parse(broken, RegistryFixture.providersText()));

        assertContains(e.getMessage(), "registry feed rejected, 1 problem: models.json: not valid JSON at line 1");
    }

    @Test
    void aNegativeRateIsRejected() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "moonshotai/kimi-k2.6"), "bitrouter")
                .with("input_tokens").put("no_cache", new BigDecimal("-0.7125"));

        FeedRejectedException e = rejected(() -> parse(models, RegistryFixture.providers()));

        assertEquals(1, e.problems().size());
        assertContains(e.problems().get(0), "(moonshotai/kimi-k2.6)", "(bitrouter).pricing.input_tokens.no_cache",
                "must not be negative, got -0.7125");
    }

    @Test
    void aRateWrittenAsTextMustBeANumber() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "moonshotai/kimi-k2.6"), "bitrouter")
                .with("output_tokens").put("text", "three dollars");

        FeedRejectedException e = rejected(() -> parse(models, RegistryFixture.providers()));

        assertContains(e.getMessage(), "output_tokens.text: a rate must be a non-negative decimal number, "
                + "got \"three dollars\"");
    }

    @Test
    void aRateWrittenAsDecimalTextIsAcceptedExactly() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "moonshotai/kimi-k2.6"), "bitrouter")
                .with("output_tokens").put("text", "3.000");

        RegistryFeed feed = parse(models, RegistryFixture.providers());

        Price price = feed.models().stream().filter(m -> m.id().equals("moonshotai/kimi-k2.6")).findFirst()
                .orElseThrow().providers().stream().filter(l -> l.id().equals("bitrouter")).findFirst()
                .orElseThrow().price().orElseThrow();
        assertEquals(new BigDecimal("3.000"), price.base().text());
    }

    @Test
    void duplicateModelIdsAreRejected() {
        ObjectNode models = RegistryFixture.models();
        ((ArrayNode) models.get("data")).add(RegistryFixture.model(models, "openai/gpt-5.4").deepCopy());

        FeedRejectedException e = rejected(() -> parse(models, RegistryFixture.providers()));

        assertContains(e.getMessage(), "models.json data[9].id: duplicate id 'openai/gpt-5.4'");
    }

    @Test
    void aContextTierWithoutItsThresholdIsRejected() {
        ObjectNode models = RegistryFixture.models();
        ObjectNode tier = (ObjectNode) RegistryFixture.pricing(RegistryFixture.model(models, "minimax/minimax-m3"),
                "tencent").get("context_tiers").get(0);
        tier.remove("above_input_tokens");

        FeedRejectedException e = rejected(() -> parse(models, RegistryFixture.providers()));

        assertContains(e.getMessage(), "(tencent).pricing.context_tiers[0]: a context tier needs above_input_tokens");
    }

    @Test
    void contextTiersOutOfOrderOrRepeatedAreRejected() {
        ObjectNode models = RegistryFixture.models();
        ArrayNode tiers = (ArrayNode) RegistryFixture.pricing(RegistryFixture.model(models, "minimax/minimax-m3"),
                "tencent").get("context_tiers");
        ObjectNode lower = tiers.get(0).deepCopy();
        lower.put("above_input_tokens", 128_000);
        tiers.add(lower);
        tiers.add(lower.deepCopy());

        FeedRejectedException e = rejected(() -> parse(models, RegistryFixture.providers()));

        assertEquals(2, e.problems().size());
        e.problems().forEach(p -> assertContains(p, "thresholds must strictly increase"));
    }

    @Test
    void aFractionalThresholdIsRejected() {
        ObjectNode models = RegistryFixture.models();
        ((ObjectNode) RegistryFixture.pricing(RegistryFixture.model(models, "minimax/minimax-m3"), "tencent")
                .get("context_tiers").get(0)).put("above_input_tokens", new BigDecimal("512000.5"));

        assertContains(rejected(() -> parse(models, RegistryFixture.providers())).getMessage(),
                "above_input_tokens: must be a positive integer, got 512000.5");
    }

    @Test
    void anUnknownRateFieldIsRejectedRatherThanIgnored() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "openai/gpt-5.4"), "openai")
                .with("input_tokens").put("audio", 32);

        assertContains(rejected(() -> parse(models, RegistryFixture.providers())).getMessage(),
                "(openai).pricing.input_tokens.audio: unknown field");
    }

    @Test
    void aKeyWrittenTwiceIsRejected() {
        String twice = RegistryFixture.modelsText().replaceFirst("\"no_cache\": 3", "\"no_cache\": 3, \"no_cache\": 2");

        assertContains(rejected(() -> parser.parse(twice, RegistryFixture.providersText())).getMessage(),
                "models.json: not valid JSON", "Duplicate field 'no_cache'");
    }

    @Test
    void malformedIdsAndShapesAreRejectedTogether() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.model(models, "openai/gpt-5.4").put("id", "OpenAI GPT 5.4");
        ObjectNode providers = RegistryFixture.providers();
        providers.remove("data");

        FeedRejectedException e = rejected(() -> parse(models, providers));

        assertEquals(2, e.problems().size());
        assertContains(e.getMessage(), "providers.json: expected an object {\"data\": [...]}",
                "'OpenAI GPT 5.4' is not a lower-case '<org>/<model>' id");
    }

    @Test
    void aFeedWithoutModelsIsRejected() {
        ObjectNode models = RegistryFixture.models();
        models.putArray("data");

        assertContains(rejected(() -> parse(models, RegistryFixture.providers())).getMessage(),
                "models.json: data lists no models");
    }

    @Test
    void descriptiveFieldsTheRegistryAddsAreIgnored() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.model(models, "openai/gpt-5.4").put("benchmark_score", 97.5).putObject("extra").put("a", 1);

        assertEquals(RegistryFixture.MODELS, parse(models, RegistryFixture.providers()).models().size());
    }
}
