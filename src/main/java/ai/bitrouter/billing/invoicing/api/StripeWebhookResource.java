package ai.bitrouter.billing.invoicing.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.invoicing.StripeWebhooks;
import ai.bitrouter.billing.invoicing.stripe.StripeConfig;
import ai.bitrouter.billing.invoicing.stripe.StripeFailure;
import ai.bitrouter.billing.invoicing.stripe.WebhookSignature;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Stripe's webhook deliveries. No token: the caller is Stripe, proven by the {@code Stripe-Signature} over the raw
 * bytes (hence {@code byte[]}: nothing may parse and re-serialise the body first). Bad or stale signature -> 400 and
 * nothing changes; a replayed event -> 200 and nothing changes; an unknown type -> 200, recorded, ignored.
 */
@Path("/stripe/webhook")
@PermitAll
public class StripeWebhookResource {

    private static final Logger LOG = Logger.getLogger(StripeWebhookResource.class);

    @Inject
    StripeConfig config;

    @Inject
    StripeWebhooks webhooks;

    public record Ack(boolean received, String result) {
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("Stripe-Signature") String signature, byte[] body) {
        byte[] raw = body == null ? new byte[0] : body;
        try {
            WebhookSignature.verify(raw, signature, secrets(), Instant.now(), config.webhookTolerance());
        } catch (WebhookSignature.Invalid e) {
            LOG.warnf("refused a Stripe webhook delivery: %s", e.getMessage());
            throw ApiException.badRequest("invalid Stripe signature: " + e.getMessage());
        }
        try {
            StripeWebhooks.Result r = webhooks.handle(new String(raw, StandardCharsets.UTF_8));
            return Response.ok(new Ack(true, r.name().toLowerCase(java.util.Locale.ROOT))).build();
        } catch (StripeWebhooks.Malformed e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (StripeFailure e) {
            // Stripe could not be asked for the invoice's state: let Stripe deliver again later.
            LOG.warnf("could not apply a Stripe event now: %s", e.getMessage());
            return Response.status(503).entity(new Ack(false, "retry")).build();
        }
    }

    private List<String> secrets() {
        List<String> all = new ArrayList<>(config.webhookSecrets().orElse(List.of()));
        config.webhookSecret().filter(s -> !s.isBlank()).ifPresent(all::add);
        return all;
    }
}
