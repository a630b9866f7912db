package ai.bitrouter.billing.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The SHA-256 of a catalog's canonical serialization: compact JSON, keys sorted, lists in id order, rates as
 * canonical decimal strings. It depends only on the catalog's values, never on how a feed was written (key
 * order, whitespace, "4" versus 4.00), so an unchanged feed is recognised as unchanged.
 */
public final class CatalogDigest {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private CatalogDigest() {
    }

    public static String of(CatalogSnapshot snapshot) {
        try {
            byte[] text = CANONICAL.writeValueAsBytes(canonical(snapshot));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest the catalog", e);
        }
    }

    /** The serialization that is digested; also what tests compare when they check a round trip. */
    public static String canonicalText(CatalogSnapshot snapshot) {
        try {
            return CANONICAL.writeValueAsString(canonical(snapshot));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the catalog", e);
        }
    }

    private static Map<String, Object> canonical(CatalogSnapshot s) {
        List<Object> models = new ArrayList<>();
        s.models().values().forEach(m -> models.add(OrderedMap.of("id", m.id(), "name", m.name(), "family", m.family(),
                "open_weights", m.openWeights())));
        List<Object> providers = new ArrayList<>();
        s.providers().values().forEach(p -> providers.add(OrderedMap.of("id", p.id(), "name", p.name(),
                "kind", p.kind(), "status", p.status(), "byok", p.byok())));
        List<Object> offers = new ArrayList<>();
        s.offers().forEach((k, price) -> offers.add(OrderedMap.of("model", k.modelId(), "provider", k.providerId(),
                "pricing", price.map(PriceJson::of).orElse(null))));
        List<Object> official = new ArrayList<>();
        s.official().forEach((model, o) -> official.add(OrderedMap.of("model", model, "source", o.source().wireName(),
                "basis_provider", o.basisProviderId(), "pricing", PriceJson.of(o.price()))));
        return OrderedMap.of("models", models, "providers", providers, "offers", offers, "official", official);
    }
}
