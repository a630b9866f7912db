package ai.bitrouter.billing.pricing;

/** Outcome of the request as billing sees it: only a succeeded request can be charged. */
public enum RequestStatus {
    SUCCEEDED,
    FAILED;

    /**
     * The router reports {@code succeeded}, {@code failed} and possibly other outcomes; every outcome other
     * than {@code succeeded} is not billable, so all of them map to {@link #FAILED}.
     */
    public static RequestStatus fromWire(String status) {
        return "succeeded".equals(status) ? SUCCEEDED : FAILED;
    }
}
