package ai.bitrouter.billing.common.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The contract's flat error envelope: {@code {"error": "<code>", "error_description": "<text>"}}. */
public record ApiError(String error, @JsonProperty("error_description") String errorDescription) {

    public static String codeFor(int status) {
        return switch (status) {
            case 400, 405, 406, 415, 422 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 409 -> "conflict";
            case 429 -> "rate_limited";
            default -> status >= 500 ? "internal" : "bad_request";
        };
    }

    public static Response response(int status, String description) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(codeFor(status), description)).build();
    }
}
