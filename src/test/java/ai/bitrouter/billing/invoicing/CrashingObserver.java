package ai.bitrouter.billing.invoicing;

import java.util.UUID;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

/**
 * Crashes a push right after a chosen Stripe call returned and before its result is written down: the most
 * dangerous moments of the run. Inert unless a test arms it. The crash is an {@link Error}, so nothing on the way
 * out catches it and records anything, as with a killed process.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CrashingObserver implements PushStep.Observer {

    static final class SimulatedCrash extends Error {
        SimulatedCrash(PushStep step) {
            super("simulated crash after " + step);
        }
    }

    private volatile PushStep crashAt;
    private volatile UUID invoice;

    void arm(PushStep step, UUID invoiceId) {
        invoice = invoiceId;
        crashAt = step;
    }

    void disarm() {
        crashAt = null;
        invoice = null;
    }

    @Override
    public void afterStripeCall(PushStep step, UUID invoiceId) {
        if (step == crashAt && invoiceId.equals(invoice)) {
            crashAt = null;
            throw new SimulatedCrash(step);
        }
    }
}
