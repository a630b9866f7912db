package ai.bitrouter.billing.metering;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;

import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.pricing.Buckets;
import ai.bitrouter.billing.pricing.PricingResult;
import ai.bitrouter.billing.pricing.PricingState;
import ai.bitrouter.billing.pricing.Rates;

/**
 * The pricing columns of a ledger row, derived from a {@link PricingResult} in one place. {@code variant} is the
 * requested model's suffix ({@code discount}, ...) or null: worked out once here, since the ledger row and the rollup
 * key both need it.
 */
record LedgerRow(String variant, String state, String reason, BigDecimal charge, BigDecimal list, String discountKind,
        BigDecimal discountPercent, String priceBasis, Long tierAbove, String effectiveRatesJson, String catalogVersion,
        String policyVersion, boolean anomaly, long uncachedInput, long output) {

    static LedgerRow of(PricingResult r, long prompt, long cacheRead, long cacheWrite, long completion, long reasoning) {
        if (r.state() == PricingState.INVALID) {
            throw new IllegalArgumentException("an invalid event never reaches the ledger: " + r.requestId());
        }
        Buckets b = r.buckets().orElse(new Buckets(Math.max(0, prompt - cacheRead - cacheWrite), cacheRead, cacheWrite,
                Math.max(0, completion - reasoning), reasoning));
        return new LedgerRow(r.requestedModel().variant().map(v -> v.suffix()).orElse(null), r.state().wireName(),
                r.reason().orElse(null), r.charge().map(Money::microUsd).orElse(null),
                r.listAmount().map(Money::microUsd).orElse(null), r.discount().kind().wireName(),
                r.discount().percentage().percent(), r.priceBasis().map(p -> p.wireName()).orElse(null),
                r.contextTierAbove().isPresent() ? r.contextTierAbove().getAsLong() : null,
                r.effectiveRates().map(LedgerRow::ratesJson).orElse(null), r.catalogVersionId(), r.policyVersionId(),
                r.anomaly(), b.uncachedInput(), b.output());
    }

    boolean priced() {
        return charge != null;
    }

    /** Rates as exact decimal strings (JSON numbers would invite a double on the way back). */
    static String ratesJson(Rates rates) {
        // Written straight into one builder: once per ledger row, and a map with a lambda per rate showed in the profile.
        StringBuilder json = new StringBuilder(128).append('{');
        rate(json, "no_cache", rates.noCache());
        rate(json, "cache_read", rates.cacheRead());
        rate(json, "cache_write", rates.cacheWrite());
        rate(json, "text", rates.text());
        rate(json, "reasoning", rates.reasoning());
        return json.append('}').toString();
    }

    private static void rate(StringBuilder json, String name, BigDecimal value) {
        if (value != null) {
            json.append(json.length() > 1 ? ",\"" : "\"").append(name).append("\":\"").append(value.toPlainString())
                    .append('"');
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static LocalDate day(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    static String text(UUID id) {
        return id == null ? null : id.toString();
    }
}
