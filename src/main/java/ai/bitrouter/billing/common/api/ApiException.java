package ai.bitrouter.billing.common.api;

/** An error the API reports as-is: the status and the description the client sees. */
public class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String description) {
        super(description);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String description) {
        return new ApiException(400, description);
    }

    public static ApiException notFound(String description) {
        return new ApiException(404, description);
    }

    public static ApiException forbidden(String description) {
        return new ApiException(403, description);
    }

    public static ApiException conflict(String description) {
        return new ApiException(409, description);
    }
}
