package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.pricing.ContextTier;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.Rates;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a registry {@code pricing} object into a {@link Price}. Unknown keys are errors, as in the registry's
 * own schema: an unknown rate would be a token class this service cannot bill, and ignoring it would
 * under-charge silently. A rate is a non-negative JSON number, or a string holding a plain decimal number.
 */
public final class PricingParser {

    private static final Set<String> PRICING_KEYS = Set.of("input_tokens", "output_tokens", "context_tiers");
    private static final Set<String> TIER_KEYS = Set.of("above_input_tokens", "input_tokens", "output_tokens");
    private static final Set<String> INPUT_KEYS = Set.of("no_cache", "cache_read", "cache_write");
    private static final Set<String> OUTPUT_KEYS = Set.of("text", "reasoning");
    private static final Pattern DECIMAL_TEXT = Pattern.compile("[0-9]+(\\.[0-9]+)?");

    private PricingParser() {
    }

    /** For a single pricing object (e.g. an admin's official price): the price, or a rejection listing all problems. */
    public static Price parse(JsonNode pricing, String where) {
        FeedProblems problems = new FeedProblems();
        Price price = parse(pricing, where, problems);
        problems.throwIfAny("pricing");
        return price;
    }

    /** The price, or null when {@code problems} received at least one entry. */
    static Price parse(JsonNode pricing, String where, FeedProblems problems) {
        int before = problems.size();
        if (!pricing.isObject()) {
            problems.add(where, "must be an object, got " + pricing.getNodeType().name().toLowerCase(Locale.ROOT));
            return null;
        }
        unknownKeys(pricing, PRICING_KEYS, where, problems);
        Rates base = rates(pricing, where, problems);
        List<ContextTier> tiers = tiers(pricing.get("context_tiers"), where + ".context_tiers", problems);
        return problems.size() == before ? new Price(base, tiers) : null;
    }

    private static List<ContextTier> tiers(JsonNode node, String where, FeedProblems problems) {
        List<ContextTier> tiers = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tiers;
        }
        if (!node.isArray()) {
            problems.add(where, "must be an array");
            return tiers;
        }
        long previous = -1;
        for (int i = 0; i < node.size(); i++) {
            JsonNode tier = node.get(i);
            String at = where + "[" + i + "]";
            if (!tier.isObject()) {
                problems.add(at, "must be an object");
                continue;
            }
            unknownKeys(tier, TIER_KEYS, at, problems);
            JsonNode above = tier.get("above_input_tokens");
            if (above == null || above.isNull()) {
                problems.add(at, "a context tier needs above_input_tokens");
                continue;
            }
            if (!above.isIntegralNumber() || !above.canConvertToLong() || above.longValue() <= 0) {
                problems.add(at + ".above_input_tokens", "must be a positive integer, got " + above);
                continue;
            }
            // Strictly ascending, as the registry's schema requires: a tier ladder out of order is a malformed feed.
            if (above.longValue() <= previous) {
                problems.add(at + ".above_input_tokens", "thresholds must strictly increase, got " + above.longValue()
                        + " after " + previous);
            }
            previous = above.longValue();
            tiers.add(new ContextTier(above.longValue(), rates(tier, at, problems)));
        }
        return tiers;
    }

    private static Rates rates(JsonNode holder, String where, FeedProblems problems) {
        JsonNode input = group(holder, "input_tokens", INPUT_KEYS, where, problems);
        JsonNode output = group(holder, "output_tokens", OUTPUT_KEYS, where, problems);
        return new Rates(rate(input, "no_cache", where + ".input_tokens", problems),
                rate(input, "cache_read", where + ".input_tokens", problems),
                rate(input, "cache_write", where + ".input_tokens", problems),
                rate(output, "text", where + ".output_tokens", problems),
                rate(output, "reasoning", where + ".output_tokens", problems));
    }

    private static JsonNode group(JsonNode holder, String name, Set<String> keys, String where, FeedProblems problems) {
        JsonNode group = holder.get(name);
        if (group == null || group.isNull()) {
            return null;
        }
        if (!group.isObject()) {
            problems.add(where + "." + name, "must be an object");
            return null;
        }
        unknownKeys(group, keys, where + "." + name, problems);
        return group;
    }

    private static BigDecimal rate(JsonNode group, String name, String where, FeedProblems problems) {
        JsonNode node = group == null ? null : group.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        String at = where + "." + name;
        BigDecimal value;
        if (node.isNumber()) {
            value = node.decimalValue();
        } else if (node.isTextual() && DECIMAL_TEXT.matcher(node.textValue()).matches()) {
            value = new BigDecimal(node.textValue());
        } else {
            problems.add(at, "a rate must be a non-negative decimal number, got " + node);
            return null;
        }
        if (value.signum() < 0) {
            problems.add(at, "a rate must not be negative, got " + value.toPlainString());
            return null;
        }
        return value;
    }

    private static void unknownKeys(JsonNode object, Set<String> allowed, String where, FeedProblems problems) {
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                problems.add(where + "." + name, "unknown field (expected one of " + new TreeSet<>(allowed) + ")");
            }
        }
    }
}
