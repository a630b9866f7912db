package ai.bitrouter.billing.invoicing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The tests' handle on the Stripe stand-in the devstack runs (docs/stripe-standin.md): its control API for faults,
 * key expiry, payments and its full state, which is "Stripe's view" in the oracle of RELIABILITY.md.
 */
final class StandIn {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static String base() {
        return ConfigProvider.getConfig().getValue("bitrouter.stripe.api-base", String.class);
    }

    static JsonNode post(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : write(body))).build());
    }

    static JsonNode state() {
        return send(HttpRequest.newBuilder(URI.create(base() + "/_standin/state")).GET().build());
    }

    static void fault(String method, String pathRegex, int status, int times, String mode, long delayMs) {
        post("/_standin/faults", Map.of("method", method, "path", pathRegex, "status", status, "times", times,
                "mode", mode, "delay_ms", delayMs));
    }

    static void clearFaults() {
        send(HttpRequest.newBuilder(URI.create(base() + "/_standin/faults")).DELETE().build());
    }

    static void expireIdempotencyKeys() {
        post("/_standin/idempotency/expire", null);
    }

    static void webhookTo(String url) {
        post("/_standin/webhook", java.util.Collections.singletonMap("url", url));
    }

    /** Stripe's invoices carrying our invoice id in metadata. */
    static List<JsonNode> invoicesFor(String ourInvoiceId) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode inv : state().path("invoices")) {
            if (ourInvoiceId.equals(inv.path("metadata").path("bitrouter_invoice_id").asText(null))) {
                found.add(inv);
            }
        }
        return found;
    }

    static List<JsonNode> customersFor(String accountId) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode c : state().path("customers")) {
            if (accountId.equals(c.path("metadata").path("bitrouter_account_id").asText(null))) {
                found.add(c);
            }
        }
        return found;
    }

    /** All lines of a Stripe invoice as the state shows them (every line, not the first page). */
    static List<JsonNode> lines(JsonNode stripeInvoice) {
        List<JsonNode> lines = new ArrayList<>();
        JsonNode l = stripeInvoice.path("lines");
        (l.isArray() ? l : l.path("data")).forEach(lines::add);
        return lines;
    }

    private static JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                throw new IllegalStateException("stand-in " + request.uri() + " answered " + r.statusCode() + ": "
                        + r.body());
            }
            return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private StandIn() {
    }
}
