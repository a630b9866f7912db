package ai.bitrouter.billing.stripestandin;

/**
 * An error answered in Stripe's shape {@code {"error":{"type","code","message","param"}}}. Errors marked
 * {@link #validation()} are raised before the request starts executing, so Stripe saves no idempotent result
 * for them; the rest (state conflicts found while executing) are saved and replayed like a success.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String code;
    final String param;
    private boolean validation;

    ApiError(int status, String type, String code, String message, String param) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    static ApiError invalid(String message, String param) {
        return new ApiError(400, "invalid_request_error", null, message, param);
    }

    static ApiError missing(String what, String id, String param, int status) {
        return new ApiError(status, "invalid_request_error", "resource_missing", "No such " + what + ": '" + id + "'",
                param);
    }

    static ApiError apiError() {
        return new ApiError(500, "api_error", null,
                "An unknown error occurred while processing your request. (stand-in injected fault)", null);
    }

    static ApiError rateLimited() {
        return new ApiError(429, "invalid_request_error", "rate_limit",
                "Request rate limit exceeded. You can make up to 25 requests per second in test mode. "
                        + "Try again later or adjust your rate limit.", null);
    }

    ApiError validation() {
        this.validation = true;
        return this;
    }

    boolean isValidation() {
        return validation;
    }
}
