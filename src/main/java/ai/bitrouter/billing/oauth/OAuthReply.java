package ai.bitrouter.billing.oauth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an OAuth endpoint answers: an HTTP status and a JSON object, always. The CLI reads the body as JSON whatever
 * the status and aborts its login on anything else, so even a failure of Keycloak itself becomes a JSON error.
 */
public record OAuthReply(int status, ObjectNode body) {

    /** An RFC 6749 / RFC 8628 error: {@code {"error": ..., "error_description": ...}}. */
    public static OAuthReply error(int status, String error, String description) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("error", error);
        body.put("error_description", description);
        return new OAuthReply(status, body);
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
