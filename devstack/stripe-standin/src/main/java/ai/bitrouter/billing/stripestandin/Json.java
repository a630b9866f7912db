package ai.bitrouter.billing.stripestandin;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(String body) {
        if (body == null || body.isBlank()) {
            return object();
        }
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiError.invalid("Invalid JSON body: " + e.getMessage(), null).validation();
        }
    }

    static ObjectNode error(ApiError e) {
        ObjectNode err = object();
        err.put("type", e.type);
        if (e.code != null) {
            err.put("code", e.code);
        }
        err.put("message", e.getMessage());
        if (e.param != null) {
            err.put("param", e.param);
        }
        ObjectNode root = object();
        root.set("error", err);
        return root;
    }
}
