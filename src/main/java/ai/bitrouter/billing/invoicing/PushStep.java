package ai.bitrouter.billing.invoicing;

import java.util.UUID;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * The moments of a push where a crash is most dangerous: Stripe has done something and we have not yet written it
 * down. Tests observe them to crash the run exactly there (docs/invoicing.md); production observes nothing.
 */
public enum PushStep {
    CUSTOMER_CREATED, INVOICE_CREATED, LINES_ADDED, FINALIZED;

    public interface Observer {
        void afterStripeCall(PushStep step, UUID invoiceId);
    }

    @ApplicationScoped
    static class NoObserver {
        @Produces
        @DefaultBean
        @ApplicationScoped
        Observer none() {
            return (step, invoiceId) -> {
            };
        }
    }
}
