package ai.bitrouter.billing.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.money.Percentage;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PricingPolicyTest {

    private final PricingPolicy policy = PricingPolicy.defaults("p1", Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void defaultsAreTheLaunchProgramme() {
        assertEquals("bitrouter", policy.selfHostedProviderId());
        assertEquals(Percentage.of(25), policy.defaultOpenDiscount());
        assertEquals(Percentage.of(50), policy.customDiscountCap());
        assertEquals(4, policy.closedFamilies().size());
        assertTrue(policy.isSelfHosted("bitrouter"));
        assertFalse(policy.isSelfHosted("openrouter"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai/gpt-5.4", "openai/gpt-5.4-mini", "anthropic/claude-sonnet-4.6",
            "anthropic/claude-fable-5", "google/gemini-3-pro", "x-ai/grok-4", "OpenAI/GPT-5", "openai/gpt-"})
    void closedFamilies(String model) {
        assertTrue(policy.isClosedFamily(model));
    }

    @Test
    void openWeightsUnderAClosedFamilyPatternAreStillClosedUntilThePolicySaysOtherwise() {
        // The default list is the product's, not the weights': gpt-oss matches openai/gpt-* and so is never
        // discounted, the safe side of the rule. Narrowing it is a new policy version, not a code change.
        assertTrue(policy.isClosedFamily("openai/gpt-oss-120b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai/o3", "moonshotai/kimi-k2.6", "google/gemma-3-27b", "x-ai/grok", "azure/openai/gpt-5",
            "meta/llama-4", "anthropic/claude"})
    void openModels(String model) {
        assertFalse(policy.isClosedFamily(model));
    }

    @Test
    void globsWithSeveralStars() {
        ModelPattern pattern = new ModelPattern("*/qwen*-coder*");
        assertTrue(pattern.matches("qwen/qwen3-coder"));
        assertTrue(pattern.matches("alibaba/qwen2.5-coder-32b"));
        assertFalse(pattern.matches("qwen/qwen3-max"));
        assertTrue(new ModelPattern("*").matches(""));
        assertFalse(new ModelPattern("a*b").matches("ab-"));
        assertTrue(new ModelPattern("a*b*b").matches("abbb"));
    }

    @Test
    void aBlankPatternIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ModelPattern(""));
    }
}
