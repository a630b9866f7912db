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

    /** The one entry the feed skipped; every other entry of the fixture must still be there. */
    private static RegistryFeed.Skipped onlySkipped(RegistryFeed feed) {
        assertEquals(1, feed.skipped().size(), () -> "skipped: " + feed.skipped());
        return feed.skipped().get(0);
    }

    private static boolean lists(RegistryFeed feed, String model, String provider) {
        return feed.models().stream().filter(m -> m.id().equals(model))
                .anyMatch(m -> m.providers().stream().anyMatch(l -> l.id().equals(provider)));
    }

    /** A bad offer leaves its model and the rest of the feed in; only that offer is skipped, with the reason. */
    private static void offerSkipped(RegistryFeed feed, String model, String provider, String... reason) {
        RegistryFeed.Skipped skipped = onlySkipped(feed);
        assertEquals(RegistryFeedParser.MODELS_FILE, skipped.file());
        assertEquals(model, skipped.model());
        assertEquals(provider, skipped.provider());
        assertContains(skipped.reason(), reason);
        assertEquals(RegistryFixture.MODELS, feed.models().size());
        assertEquals(RegistryFixture.PROVIDERS, feed.providers().size());
        assertTrue(!lists(feed, model, provider), "the skipped offer is not in the feed");
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
    void aNegativeRateSkipsItsOffer() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "moonshotai/kimi-k2.6"), "bitrouter")
                .with("input_tokens").put("no_cache", new BigDecimal("-0.7125"));

        offerSkipped(parse(models, RegistryFixture.providers()), "moonshotai/kimi-k2.6", "bitrouter",
                "(moonshotai/kimi-k2.6)", "(bitrouter).pricing.input_tokens.no_cache", "must not be negative, got -0.7125");
    }

    @Test
    void aRateWrittenAsTextMustBeANumberOrItsOfferIsSkippedNeverPricedAtZero() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "moonshotai/kimi-k2.6"), "bitrouter")
                .with("output_tokens").put("text", "three dollars");

        offerSkipped(parse(models, RegistryFixture.providers()), "moonshotai/kimi-k2.6", "bitrouter",
                "output_tokens.text: a rate must be a non-negative decimal number, got \"three dollars\"");
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
    void aDuplicateModelIdIsSkippedAndTheFirstEntryKept() {
        ObjectNode models = RegistryFixture.models();
        ObjectNode copy = RegistryFixture.model(models, "openai/gpt-5.4").deepCopy();
        copy.put("name", "the second entry");
        ((ArrayNode) models.get("data")).add(copy);

        RegistryFeed feed = parse(models, RegistryFixture.providers());

        RegistryFeed.Skipped skipped = onlySkipped(feed);
        assertEquals("openai/gpt-5.4", skipped.model());
        assertEquals(null, skipped.provider());
        assertContains(skipped.reason(), "models.json data[9].id: duplicate id 'openai/gpt-5.4'");
        assertEquals(RegistryFixture.MODELS, feed.models().size());
        assertTrue(feed.models().stream().noneMatch(m -> m.name().equals("the second entry")));
    }

    @Test
    void aContextTierWithoutItsThresholdIsRejected() {
        ObjectNode models = RegistryFixture.models();
        ObjectNode tier = (ObjectNode) RegistryFixture.pricing(RegistryFixture.model(models, "minimax/minimax-m3"),
                "tencent").get("context_tiers").get(0);
        tier.remove("above_input_tokens");

        offerSkipped(parse(models, RegistryFixture.providers()), "minimax/minimax-m3", "tencent",
                "(tencent).pricing.context_tiers[0]: a context tier needs above_input_tokens");
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

        RegistryFeed feed = parse(models, RegistryFixture.providers());

        offerSkipped(feed, "minimax/minimax-m3", "tencent", "thresholds must strictly increase");
        assertEquals(2, feed.skipped().get(0).reason().split("thresholds must strictly increase", -1).length - 1,
                "both out-of-order tiers are named");
    }

    @Test
    void aFractionalThresholdIsRejected() {
        ObjectNode models = RegistryFixture.models();
        ((ObjectNode) RegistryFixture.pricing(RegistryFixture.model(models, "minimax/minimax-m3"), "tencent")
                .get("context_tiers").get(0)).put("above_input_tokens", new BigDecimal("512000.5"));

        offerSkipped(parse(models, RegistryFixture.providers()), "minimax/minimax-m3", "tencent",
                "above_input_tokens: must be a positive integer, got 512000.5");
    }

    @Test
    void anUnknownRateFieldIsRejectedRatherThanIgnored() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.pricing(RegistryFixture.model(models, "openai/gpt-5.4"), "openai")
                .with("input_tokens").put("audio", 32);

        offerSkipped(parse(models, RegistryFixture.providers()), "openai/gpt-5.4", "openai",
                "(openai).pricing.input_tokens.audio: unknown field");
    }

    @Test
    void aKeyWrittenTwiceIsRejected() {
        String twice = RegistryFixture.modelsText().replaceFirst("\"no_cache\": 3", "\"no_cache\": 3, \"no_cache\": 2");

        assertContains(rejected(() -> parser.parse(twice, RegistryFixture.providersText())).getMessage(),
                "models.json: not valid JSON", "Duplicate field 'no_cache'");
    }

    @Test
    void aMalformedModelIdSkipsThatModelOnly() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.model(models, "openai/gpt-5.4").put("id", "OpenAI GPT 5.4");

        RegistryFeed feed = parse(models, RegistryFixture.providers());

        RegistryFeed.Skipped skipped = onlySkipped(feed);
        assertEquals("OpenAI GPT 5.4", skipped.model());
        assertContains(skipped.reason(), "'OpenAI GPT 5.4' is not a lower-case '<org>/<model>' id");
        assertEquals(RegistryFixture.MODELS - 1, feed.models().size());
    }

    @Test
    void anUnreadableOpenWeightsFlagSkipsTheModelRatherThanGuessingItsDiscount() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.model(models, "moonshotai/kimi-k2.6").put("open_weights", "yes");

        RegistryFeed feed = parse(models, RegistryFixture.providers());

        RegistryFeed.Skipped skipped = onlySkipped(feed);
        assertEquals("moonshotai/kimi-k2.6", skipped.model());
        assertEquals(null, skipped.provider());
        assertContains(skipped.reason(), "open_weights: must be true or false, got \"yes\"");
        assertTrue(feed.models().stream().noneMatch(m -> m.id().equals("moonshotai/kimi-k2.6")));
    }

    @Test
    void aBadProvidersJsonEntryIsSkippedAndTheModelsStillImport() {
        ObjectNode providers = RegistryFixture.providers();
        ((ObjectNode) providers.get("data").get(0)).put("byok", "sometimes");

        RegistryFeed feed = parse(RegistryFixture.models(), providers);

        RegistryFeed.Skipped skipped = onlySkipped(feed);
        assertEquals(RegistryFeedParser.PROVIDERS_FILE, skipped.file());
        assertContains(skipped.reason(), "byok: must be true or false");
        assertEquals(RegistryFixture.MODELS, feed.models().size());
        assertEquals(RegistryFixture.PROVIDERS - 1, feed.providers().size());
    }

    @Test
    void aDocumentWithoutDataIsStillRejectedWhole() {
        ObjectNode models = RegistryFixture.models();
        RegistryFixture.model(models, "openai/gpt-5.4").put("id", "OpenAI GPT 5.4");
        ObjectNode providers = RegistryFixture.providers();
        providers.remove("data");

        FeedRejectedException e = rejected(() -> parse(models, providers));

        assertEquals(1, e.problems().size());
        assertContains(e.getMessage(), "providers.json: expected an object {\"data\": [...]}");
    }

    @Test
    void aFeedOfWhichNoModelCanBeReadIsRejectedWhole() {
        ObjectNode models = RegistryFixture.models();
        models.get("data").forEach(m -> ((ObjectNode) m).put("id", "Not An Id"));

        assertContains(rejected(() -> parse(models, RegistryFixture.providers())).getMessage(),
                "models.json: not one of the " + RegistryFixture.MODELS + " models could be read");
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
