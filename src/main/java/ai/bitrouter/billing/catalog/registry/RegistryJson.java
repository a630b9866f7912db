package ai.bitrouter.billing.catalog.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.util.List;

/**
 * Reads registry JSON so that no rate ever passes through an approximate binary number: every non-integer number
 * becomes a BigDecimal straight from its text, and trailing zeros are kept as written. Duplicate keys are an
 * error rather than last-one-wins, since a feed that says a rate twice is ambiguous.
 */
public final class RegistryJson {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    private RegistryJson() {
    }

    /** Parses one file of the feed, or rejects the feed naming the file and where the JSON breaks. */
    public static JsonNode read(String fileName, String text) {
        if (text == null || text.isBlank()) {
            throw new FeedRejectedException(List.of(fileName + ": empty"));
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new FeedRejectedException(
                    List.of(fileName + ": not valid JSON" + where + ": " + e.getOriginalMessage()));
        }
    }
}
