package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.catalog.registry.RegistryJson;
import ai.bitrouter.billing.pricing.ContextTier;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.PricingPolicy;
import ai.bitrouter.billing.pricing.Rates;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The seed catalog, in this project's own format ({@code catalog/seed.json}, described in docs/catalog.md): a
 * small offline catalog so that a fresh dev or test run can price requests without reaching the registry.
 * Rates are decimal strings. Official prices are not written in the seed: they are decided by the same rules as
 * for an import, so the seed cannot contradict them.
 */
public record SeedCatalog(Instant effectiveFrom, String note, CatalogSnapshot listings) {

    public static final String RESOURCE = "catalog/seed.json";
    public static final String FORMAT = "bitrouter-billing-catalog/1";
    private static final Set<String> RATE_KEYS = Set.of("input", "cache_read", "cache_write", "output", "reasoning");

    public static SeedCatalog load() {
        try (InputStream in = SeedCatalog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return parse(RegistryJson.MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    public static SeedCatalog parse(JsonNode doc) {
        if (!FORMAT.equals(doc.path("format").asText())) {
            throw new IllegalArgumentException("seed format must be " + FORMAT);
        }
        CatalogSnapshot.Builder catalog = new CatalogSnapshot.Builder();
        for (JsonNode p : doc.path("providers")) {
            catalog.provider(new ProviderInfo(text(p, "id"), text(p, "name"), optional(p, "kind"),
                    optional(p, "status"), p.hasNonNull("byok") ? p.get("byok").booleanValue() : null));
        }
        for (JsonNode m : doc.path("models")) {
            String id = text(m, "id");
            catalog.model(new ModelInfo(id, text(m, "name"), optional(m, "family"),
                    m.hasNonNull("open_weights") ? m.get("open_weights").booleanValue() : null));
            for (JsonNode offer : m.path("offers")) {
                Optional<Price> price = offer.has("rates") ? Optional.of(price(offer)) : Optional.empty();
                catalog.offer(id, text(offer, "provider"), price);
            }
        }
        return new SeedCatalog(Instant.parse(text(doc, "effective_from")), optional(doc, "note"), catalog.build());
    }

    /** The seed as a catalog: its listings plus the official prices the rules give under {@code policy}. */
    public Candidate candidate(VendorProviders vendors, PricingPolicy policy) {
        CatalogSnapshot.Builder catalog = listings.toBuilder();
        List<SyncWarning> warnings = new ArrayList<>(OfficialPrices.apply(catalog, vendors, policy, Map.of()));
        CatalogSnapshot snapshot = catalog.build();
        warnings.addAll(CatalogChecks.check(snapshot, policy));
        return new Candidate(snapshot, warnings);
    }

    private static Price price(JsonNode offer) {
        List<ContextTier> tiers = new ArrayList<>();
        for (JsonNode tier : offer.path("tiers")) {
            tiers.add(new ContextTier(tier.get("above_input_tokens").longValue(), rates(tier.get("rates"))));
        }
        return new Price(rates(offer.get("rates")), tiers);
    }

    private static Rates rates(JsonNode rates) {
        rates.fieldNames().forEachRemaining(name -> {
            if (!RATE_KEYS.contains(name)) {
                throw new IllegalArgumentException("unknown rate '" + name + "' in the seed");
            }
        });
        return new Rates(rate(rates, "input"), rate(rates, "cache_read"), rate(rates, "cache_write"),
                rate(rates, "output"), rate(rates, "reasoning"));
    }

    private static BigDecimal rate(JsonNode rates, String name) {
        JsonNode value = rates.get(name);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("seed rate '" + name + "' must be a decimal string, got " + value);
        }
        return new BigDecimal(value.textValue());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("seed: missing " + field + " in " + node);
        }
        return value.textValue();
    }

    private static String optional(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }
}
