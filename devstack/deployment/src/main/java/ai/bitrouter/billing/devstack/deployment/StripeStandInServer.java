package ai.bitrouter.billing.devstack.deployment;

import org.jboss.logging.Logger;

import ai.bitrouter.billing.stripestandin.StripeStandIn;
import io.quarkus.deployment.builditem.Startable;

/**
 * The local Stripe stand-in (module {@code devstack/stripe-standin}) as a devstack server: Stripe cannot be reached
 * from the dev and CI machines, so the service's real stripe-java client talks to this one instead.
 */
final class StripeStandInServer implements Startable {
    private static final Logger LOG = Logger.getLogger(StripeStandInServer.class);
    static final String API_KEY = "sk_test_standin";

    private final String webhookSecret = "whsec_" + java.util.UUID.randomUUID().toString().replace("-", "");
    private final String webhookUrl;
    private StripeStandIn standIn;

    /** @param webhookUrl where events go (the dev-mode service's receiver), or null (tests register their own) */
    StripeStandInServer(String webhookUrl) {
        this.webhookUrl = webhookUrl;
    }

    @Override
    public void start() {
        standIn = StripeStandIn.start(new StripeStandIn.Options(0, webhookSecret, API_KEY, webhookUrl));
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "devstack-stripe-stop"));
        LOG.infof("Stripe stand-in ready on %s%s", standIn.baseUrl(),
                webhookUrl == null ? "" : " (webhooks to " + webhookUrl + ")");
    }

    String baseUrl() {
        return standIn.baseUrl();
    }

    String webhookSecret() {
        return webhookSecret;
    }

    @Override
    public String getConnectionInfo() {
        return standIn == null ? null : standIn.baseUrl();
    }

    @Override
    public String getContainerId() {
        return null;
    }

    @Override
    public synchronized void close() {
        if (standIn != null) {
            standIn.close();
            standIn = null;
        }
    }
}
