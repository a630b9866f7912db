package ai.bitrouter.billing.invoicing.stripe;

/**
 * A Stripe call that did not succeed after the retries it deserved. {@code retryable} says whether a later run may
 * simply try again (Stripe or the network was down) or a person must look (a refused request, a reused
 * idempotency key with different parameters, a bad key).
 */
public class StripeFailure extends RuntimeException {

    private final boolean retryable;
    private final Integer status;

    public StripeFailure(String message, boolean retryable, Integer status, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.status = status;
    }

    public boolean retryable() {
        return retryable;
    }

    public Integer status() {
        return status;
    }
}
