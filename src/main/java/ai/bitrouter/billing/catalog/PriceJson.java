package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.ContextTier;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.Rates;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A price written in the registry's shape ({@code input_tokens}, {@code output_tokens}, {@code context_tiers})
 * with every rate as an exact decimal string in canonical form ("4", not "4.00" or 4.0): JSON numbers would be
 * read as approximate binary numbers by most clients. Missing rates are left out, so a missing rate never reads
 * as 0.
 */
public final class PriceJson {

    private PriceJson() {
    }

    /** Canonical decimal text: no trailing zeros, no exponent; equal values give equal text. */
    public static String decimal(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return (stripped.scale() < 0 ? stripped.setScale(0) : stripped).toPlainString();
    }

    public static Map<String, Object> of(Price price) {
        Map<String, Object> out = rates(price.base());
        if (!price.contextTiers().isEmpty()) {
            List<Map<String, Object>> tiers = new ArrayList<>();
            for (ContextTier tier : price.contextTiers()) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("above_input_tokens", tier.aboveInputTokens());
                t.putAll(rates(tier.rates()));
                tiers.add(t);
            }
            out.put("context_tiers", tiers);
        }
        return out;
    }

    private static Map<String, Object> rates(Rates rates) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, String> input = new LinkedHashMap<>();
        put(input, "no_cache", rates.noCache());
        put(input, "cache_read", rates.cacheRead());
        put(input, "cache_write", rates.cacheWrite());
        Map<String, String> output = new LinkedHashMap<>();
        put(output, "text", rates.text());
        put(output, "reasoning", rates.reasoning());
        if (!input.isEmpty()) {
            out.put("input_tokens", input);
        }
        if (!output.isEmpty()) {
            out.put("output_tokens", output);
        }
        return out;
    }

    private static void put(Map<String, String> into, String name, BigDecimal rate) {
        if (rate != null) {
            into.put(name, decimal(rate));
        }
    }
}
