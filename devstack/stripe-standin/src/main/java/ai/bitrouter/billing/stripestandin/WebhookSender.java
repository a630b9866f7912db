package ai.bitrouter.billing.stripestandin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Posts events to the webhook URLs, signed as Stripe signs them, from one background thread so they leave in the
 * order they were created. A non-2xx answer or a connection failure is retried a few times with a short pause
 * (Stripe retries for days; tests need it to settle in seconds). Every attempt is recorded for the control API.
 */
final class WebhookSender implements AutoCloseable {
    static final int ATTEMPTS = 4;
    private static final long[] BACKOFF_MS = { 0, 100, 300, 1000 };

    private final String secret;
    private final Supplier<Long> nowSeconds;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stripe-standin-webhooks");
        t.setDaemon(true);
        return t;
    });
    private final List<ObjectNode> deliveries = new ArrayList<>();
    /** Bumped by reset so deliveries queued before it are dropped, not sent into the next test. */
    private final AtomicLong generation = new AtomicLong();
    private volatile String controlUrl;

    WebhookSender(String secret, String controlUrl, Supplier<Long> nowSeconds) {
        this.secret = secret;
        this.controlUrl = controlUrl;
        this.nowSeconds = nowSeconds;
    }

    String controlUrl() {
        return controlUrl;
    }

    void controlUrl(String url) {
        this.controlUrl = url;
    }

    void enqueue(ObjectNode event, List<String> urls) {
        if (urls.isEmpty()) {
            return;
        }
        long gen = generation.get();
        String body = Json.write(event);
        worker.execute(() -> {
            for (String url : urls) {
                deliver(gen, event.get("id").asText(), event.get("type").asText(), url, body);
            }
        });
    }

    private void deliver(long gen, String eventId, String type, String url, String body) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (generation.get() != gen) {
                return;
            }
            sleep(BACKOFF_MS[attempt - 1]);
            int status = 0;
            String response = null;
            String error = null;
            try {
                long t = nowSeconds.get();
                HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json; charset=utf-8")
                        .header("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
                        .header("Stripe-Signature", signatureHeader(secret, t, body))
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                        .build();
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                status = r.statusCode();
                response = r.body() == null ? null : r.body().substring(0, Math.min(1000, r.body().length()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                error = e.toString();
            }
            record(gen, eventId, type, url, attempt, status, response, error);
            if (status >= 200 && status < 300) {
                return;
            }
        }
    }

    private synchronized void record(long gen, String eventId, String type, String url, int attempt, int status,
            String response, String error) {
        if (generation.get() != gen) {
            return;
        }
        ObjectNode d = Json.object();
        d.put("event", eventId);
        d.put("type", type);
        d.put("url", url);
        d.put("attempt", attempt);
        d.put("status", status);
        d.put("response", response);
        d.put("error", error);
        d.put("at", nowSeconds.get());
        deliveries.add(d);
    }

    synchronized ArrayNode deliveries() {
        ArrayNode out = Json.array();
        deliveries.forEach(d -> out.add(d.deepCopy()));
        return out;
    }

    synchronized void reset() {
        generation.incrementAndGet();
        deliveries.clear();
        // The URL is configuration (the dev run's or a test's receiver), not state: it survives a reset.
    }

    /** {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>}, the header Stripe signs webhooks with. */
    static String signatureHeader(String secret, long t, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
