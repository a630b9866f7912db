package ai.bitrouter.billing.invoicing.stripe;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the service reaches Stripe. Production sets the key and webhook secret from the environment
 * ({@code BITROUTER_STRIPE_API_KEY}, {@code BITROUTER_STRIPE_WEBHOOK_SECRETS}); dev mode and tests get a local
 * stand-in's base URL and keys from the devstack. Only these values differ: the client code is the same.
 */
@ConfigMapping(prefix = "bitrouter.stripe")
public interface StripeConfig {

    /** {@code https://api.stripe.com} in production. */
    @WithDefault("https://api.stripe.com")
    String apiBase();

    /** A secret or restricted key; without one the invoice run refuses to push (and says so). */
    Optional<String> apiKey();

    /**
     * Webhook signing secrets. More than one while a secret is being rotated: Stripe then signs with both, and a
     * delivery is accepted if any signature matches any secret. {@code webhook-secret} is the single-secret form.
     */
    Optional<List<String>> webhookSecrets();

    Optional<String> webhookSecret();

    /** A signature older, or further in the future, than this is refused (a replayed or forged delivery). */
    @WithDefault("PT5M")
    Duration webhookTolerance();

    /** Our own ceiling on calls to Stripe, below Stripe's (100/s live, 25/s test mode). */
    @WithDefault("20")
    int requestsPerSecond();

    /** Attempts per call on 429, 5xx and network errors, with the same idempotency key each time. */
    @WithDefault("6")
    int maxAttempts();

    @WithDefault("PT0.5S")
    Duration initialBackoff();

    @WithDefault("PT30S")
    Duration maxBackoff();

    @WithDefault("PT10S")
    Duration connectTimeout();

    /** Stripe's own client default is 80 s; a month close would rather retry a slow call sooner. */
    @WithDefault("PT30S")
    Duration readTimeout();

    /** Lines per {@code add_lines} call: a 250-line invoice takes five calls, not 250. */
    @WithDefault("50")
    int linesPerCall();
}
