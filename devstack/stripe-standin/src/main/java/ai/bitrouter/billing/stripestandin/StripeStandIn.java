package ai.bitrouter.billing.stripestandin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local stand-in for the part of Stripe's HTTP API that BitRouter's invoicing uses, for tests and the embedded
 * dev run (Stripe cannot be reached from those machines). The real {@code stripe-java} client talks to it through
 * {@code setApiBase(baseUrl())}. Beside the Stripe API ({@code /v1/...}) it serves a control API
 * ({@code /_standin/...}) to inject faults, simulate payments and read its state. See docs/stripe-standin.md.
 */
public final class StripeStandIn implements AutoCloseable {

    /** How to start a stand-in. Immutable; each {@code with...} returns a copy. */
    public static final class Options {
        private final int port;
        private final String webhookSecret;
        private final String apiKey;
        private final String webhookUrl;
        private final Clock clock;

        /** Free port, secret {@code whsec_standin}, key {@code sk_test_standin}, no webhook URL, system clock. */
        public Options() {
            this(0, "whsec_standin", "sk_test_standin", null, Clock.systemUTC());
        }

        public Options(int port, String webhookSecret, String apiKey, String webhookUrl) {
            this(port, webhookSecret, apiKey, webhookUrl, Clock.systemUTC());
        }

        public Options(int port, String webhookSecret, String apiKey, String webhookUrl, Clock clock) {
            if (webhookSecret == null || webhookSecret.isBlank() || apiKey == null || apiKey.isBlank()) {
                throw new IllegalArgumentException("webhook secret and API key are required");
            }
            this.port = port;
            this.webhookSecret = webhookSecret;
            this.apiKey = apiKey;
            this.webhookUrl = webhookUrl;
            this.clock = clock == null ? Clock.systemUTC() : clock;
        }

        public static Options defaults() {
            return new Options();
        }

        public Options withPort(int port) {
            return new Options(port, webhookSecret, apiKey, webhookUrl, clock);
        }

        public Options withWebhookSecret(String secret) {
            return new Options(port, secret, apiKey, webhookUrl, clock);
        }

        public Options withApiKey(String key) {
            return new Options(port, webhookSecret, key, webhookUrl, clock);
        }

        public Options withWebhookUrl(String url) {
            return new Options(port, webhookSecret, apiKey, url, clock);
        }

        /** The clock behind {@code created} times, signatures and the 24-hour retention of idempotency keys. */
        public Options withClock(Clock clock) {
            return new Options(port, webhookSecret, apiKey, webhookUrl, clock);
        }

        public int port() {
            return port;
        }

        public String webhookSecret() {
            return webhookSecret;
        }

        public String apiKey() {
            return apiKey;
        }

        public String webhookUrl() {
            return webhookUrl;
        }

        public Clock clock() {
            return clock;
        }
    }

    private record Response(int status, String body, Map<String, String> headers) {
        static Response json(int status, JsonNode body) {
            return new Response(status, Json.write(body), new LinkedHashMap<>());
        }

        static Response error(ApiError e) {
            return json(e.status, Json.error(e));
        }
    }

    private final Options options;
    private final HttpServer server;
    private final ExecutorService pool;
    private final String baseUrl;
    private final Object lock = new Object();
    private final WebhookSender webhooks;
    private final StandInState state;
    private final Idempotency idempotency = new Idempotency();
    private final Faults faults = new Faults();
    private final RateLimiter rateLimiter = new RateLimiter();
    private static final int MAX_LOGGED_REQUESTS = 100_000;
    private final List<ObjectNode> requestLog = new ArrayList<>();
    /** Control API {@code /_standin/clock}: seconds added to the configured clock. */
    private final AtomicLong clockOffsetSeconds = new AtomicLong();

    private StripeStandIn(Options options) throws IOException {
        this.options = options;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 64);
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
        this.webhooks = new WebhookSender(options.webhookSecret(), blankToNull(options.webhookUrl()), this::nowSeconds);
        this.state = new StandInState(this::nowSeconds, baseUrl, webhooks);
        // A thread per concurrent request, so a hanging (delay) fault does not hold up other requests.
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stripe-standin-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    /** Starts a stand-in on 127.0.0.1 ({@code port} 0 picks a free port). */
    public static StripeStandIn start(Options options) {
        try {
            StripeStandIn s = new StripeStandIn(options);
            s.server.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("Stripe stand-in could not listen on port " + options.port(), e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, the value for stripe-java's {@code setApiBase}. */
    public String baseUrl() {
        return baseUrl;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String webhookSecret() {
        return options.webhookSecret();
    }

    public String apiKey() {
        return options.apiKey();
    }

    /** Where events go besides registered endpoints (null: nowhere). */
    public void webhookUrl(String url) {
        webhooks.controlUrl(blankToNull(url));
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        webhooks.close();
    }

    long nowSeconds() {
        return options.clock().millis() / 1000 + clockOffsetSeconds.get();
    }

    // ------------------------------------------------------------------------------------------- dispatch

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            Response r;
            if (path.startsWith("/v1/")) {
                r = api(ex, path);
            } else if (path.startsWith("/_standin/")) {
                r = control(ex, path);
            } else if (path.startsWith("/hosted/") || path.startsWith("/pdf/")) {
                r = new Response(200, "<html><body><h1>Stripe stand-in</h1><p>Invoice "
                        + path.substring(path.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9_]", "")
                        + "</p></body></html>", new LinkedHashMap<>(Map.of("Content-Type", "text/html; charset=utf-8")));
            } else {
                r = Response.error(new ApiError(404, "invalid_request_error", null,
                        "Unrecognized request URL (" + ex.getRequestMethod() + ": " + path + ").", null));
            }
            send(ex, r);
        } catch (RuntimeException e) {
            send(ex, Response.error(new ApiError(500, "api_error", null, "Stand-in failure: " + e, null)));
        }
    }

    private static void send(HttpExchange ex, Response r) throws IOException {
        byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------------------------------- Stripe API

    private Response api(HttpExchange ex, String path) throws IOException {
        long at = System.nanoTime();
        String method = ex.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        String requestId = "req_" + Ids.random(14);
        String idemKey = blankToNull(ex.getRequestHeaders().getFirst("Idempotency-Key"));
        boolean replayed = false;
        Response r;
        try {
            r = apiPipeline(ex, method, path, requestId, idemKey);
            replayed = "true".equals(r.headers().get("Idempotent-Replayed"));
        } catch (ApiError e) {
            r = Response.error(e);
        }
        r.headers().put("Request-Id", requestId);
        r.headers().put("Stripe-Version", StandInState.API_VERSION);
        if (idemKey != null && "POST".equals(method)) {
            r.headers().put("Idempotency-Key", idemKey);
        }
        ObjectNode entry = Json.object();
        entry.put("method", method);
        entry.put("path", path);
        entry.put("idempotency_key", idemKey);
        entry.put("status", r.status());
        entry.put("at_nanos", at);
        entry.put("replayed", replayed);
        entry.put("request_id", requestId);
        synchronized (requestLog) {
            if (requestLog.size() >= MAX_LOGGED_REQUESTS) {
                // A long dev run keeps the newest half; tests reset long before this.
                requestLog.subList(0, MAX_LOGGED_REQUESTS / 2).clear();
            }
            requestLog.add(entry);
        }
        return r;
    }

    private Response apiPipeline(HttpExchange ex, String method, String path, String requestId, String idemKey)
            throws IOException {
        String body = body(ex);
        String key = presentedKey(ex.getRequestHeaders().getFirst("Authorization"));
        if (key == null || !key.equals(options.apiKey())) {
            String shown = key == null ? "" : key.length() <= 8 ? key : key.substring(0, 8) + "*".repeat(4)
                    + key.substring(key.length() - 4);
            throw new ApiError(401, "invalid_request_error", null, key == null
                    ? "You did not provide an API key. You need to provide your API key in the Authorization header, "
                            + "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
                    : "Invalid API Key provided: " + shown, null);
        }
        if (!rateLimiter.admit(System.nanoTime())) {
            throw ApiError.rateLimited();
        }
        Faults.Rule fault = faults.take(method, path);
        if (fault != null && fault.mode == Faults.Mode.BEFORE && fault.status != 0) {
            sleep(fault.delayMs);
            throw fault.error();
        }

        String query = ex.getRequestURI().getRawQuery();
        FormParams params = FormParams.parse(
                "GET".equals(method) || "DELETE".equals(method) || body.isEmpty() ? query : body);
        String scope = "POST".equals(method) && idemKey != null ? Idempotency.scope(key, idemKey) : null;
        String fingerprint = method + " " + path + " " + params.canonical();
        if (scope != null) {
            synchronized (lock) {
                Idempotency.Saved saved = idempotency.lookup(scope, nowSeconds());
                if (saved != null) {
                    if (!saved.fingerprint().equals(fingerprint)) {
                        throw new ApiError(400, "idempotency_error", null,
                                "Keys for idempotent requests can only be used with the same parameters they were "
                                        + "first used with. Try using a key other than '" + idemKey
                                        + "' if you meant to execute a different request.", null);
                    }
                    Response replay = new Response(saved.status(), saved.body(), new LinkedHashMap<>());
                    replay.headers().put("Idempotent-Replayed", "true");
                    replay.headers().put("Original-Request", saved.requestId());
                    return replay;
                }
                if (!idempotency.begin(scope)) {
                    throw new ApiError(409, "idempotency_error", null, "There is currently another in-progress "
                            + "request using this Idempotent Key (that probably means you submitted twice, and the "
                            + "other request is still going through): " + idemKey + ". Please try again later.", null);
                }
            }
        }
        Executed result;
        try {
            if (fault != null && fault.mode == Faults.Mode.BEFORE) {
                sleep(fault.delayMs); // status 0: a slow answer (client timeout), the request still executes
            }
            result = execute(method, path, params, new StandInState.Caller(requestId, idemKey));
            if (scope != null && !result.validationError()) {
                synchronized (lock) {
                    idempotency.save(scope, new Idempotency.Saved(fingerprint, result.response().status(),
                            result.response().body(), requestId, nowSeconds()));
                }
            }
        } finally {
            if (scope != null) {
                synchronized (lock) {
                    idempotency.end(scope);
                }
            }
        }
        if (fault != null && fault.mode == Faults.Mode.AFTER_APPLY) {
            sleep(fault.delayMs);
            if (fault.status != 0) {
                throw fault.error(); // applied and saved, but the answer is lost
            }
        }
        return result.response();
    }

    private record Executed(Response response, boolean validationError) {
    }

    private static final Pattern CUSTOMER = Pattern.compile("/v1/customers/([A-Za-z0-9_]+)");
    private static final Pattern INVOICE = Pattern.compile("/v1/invoices/([A-Za-z0-9_]+)(/[a-z_]+)?");
    private static final Pattern EVENT = Pattern.compile("/v1/events/([A-Za-z0-9_]+)");
    private static final Pattern ENDPOINT = Pattern.compile("/v1/webhook_endpoints/([A-Za-z0-9_]+)");

    private Executed execute(String method, String path, FormParams p, StandInState.Caller caller) {
        try {
            ObjectNode out;
            synchronized (lock) {
                out = route(method, path, p, caller);
            }
            return new Executed(Response.json(200, out), false);
        } catch (ApiError e) {
            return new Executed(Response.error(e), e.isValidation());
        } catch (RuntimeException e) {
            return new Executed(Response.error(new ApiError(500, "api_error", null, "Stand-in failure: " + e, null)),
                    false);
        }
    }

    private ObjectNode route(String method, String path, FormParams p, StandInState.Caller caller) {
        Matcher m;
        switch (method + " " + path) {
            case "POST /v1/customers":
                return state.createCustomer(p);
            case "GET /v1/customers":
                return state.listCustomers(p, path);
            case "GET /v1/customers/search":
                return state.searchCustomers(p, path);
            case "POST /v1/invoices":
                return state.createInvoice(p, caller);
            case "GET /v1/invoices":
                return state.listInvoices(p, path);
            case "GET /v1/invoices/search":
                return state.searchInvoices(p, path);
            case "POST /v1/webhook_endpoints":
                return state.createWebhookEndpoint(p, options.webhookSecret());
            case "GET /v1/webhook_endpoints":
                return state.listWebhookEndpoints(p);
            case "GET /v1/events":
                return state.listEvents(p);
            default:
                break;
        }
        if ((m = CUSTOMER.matcher(path)).matches()) {
            if (method.equals("GET")) {
                return state.retrieveCustomer(m.group(1));
            }
            if (method.equals("POST")) {
                return state.updateCustomer(m.group(1), p);
            }
        } else if ((m = INVOICE.matcher(path)).matches()) {
            String id = m.group(1);
            String action = m.group(2) == null ? "" : m.group(2);
            switch (method + " " + action) {
                case "GET ":
                    return state.retrieveInvoice(id);
                case "POST ":
                    return state.updateInvoice(id, p);
                case "DELETE ":
                    return state.deleteInvoice(id);
                case "GET /lines":
                    return state.listLines(id, p);
                case "POST /add_lines":
                    return state.addLines(id, p);
                case "POST /finalize":
                    return state.finalizeInvoice(id, p, caller);
                case "POST /void":
                    return state.voidInvoice(id, caller);
                case "POST /send":
                    return state.sendInvoice(id, caller);
                case "POST /mark_uncollectible":
                    return state.markUncollectible(id, caller);
                case "POST /pay":
                    return state.payInvoice(id, p, caller);
                default:
                    break;
            }
        } else if ((m = EVENT.matcher(path)).matches() && method.equals("GET")) {
            return state.retrieveEvent(m.group(1));
        } else if ((m = ENDPOINT.matcher(path)).matches() && method.equals("DELETE")) {
            return state.deleteWebhookEndpoint(m.group(1));
        }
        throw new ApiError(404, "invalid_request_error", null, "Unrecognized request URL (" + method + ": " + path
                + "). The Stripe stand-in implements only the calls listed in docs/stripe-standin.md.", null)
                .validation();
    }

    /** Bearer (what stripe-java sends) or Basic with the key as user name (what curl -u sends). */
    private static String presentedKey(String authorization) {
        if (authorization == null) {
            return null;
        }
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? decoded : decoded.substring(0, colon);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------- control API

    private static final Pattern CONTROL_INVOICE = Pattern.compile("/_standin/invoices/([A-Za-z0-9_]+)/(pay|payment_failed)");
    private static final Pattern CONTROL_RESEND = Pattern.compile("/_standin/events/([A-Za-z0-9_]+)/resend");

    private Response control(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        try {
            JsonNode in = "POST".equals(method) ? Json.read(body(ex)) : Json.object();
            ObjectNode ok = Json.object();
            ok.put("ok", true);
            Matcher m;
            switch (method + " " + path) {
                case "POST /_standin/reset" -> {
                    synchronized (lock) {
                        state.reset();
                        idempotency.expireAll();
                        faults.clear();
                        rateLimiter.set(0);
                        clockOffsetSeconds.set(0);
                        webhooks.reset();
                        synchronized (requestLog) {
                            requestLog.clear();
                        }
                    }
                    return Response.json(200, ok);
                }
                case "POST /_standin/webhook" -> {
                    JsonNode url = in.get("url");
                    webhookUrl(url == null || url.isNull() ? null : url.asText());
                    ok.put("url", webhooks.controlUrl());
                    return Response.json(200, ok);
                }
                case "POST /_standin/faults" -> {
                    faults.add(in);
                    ok.set("faults", faults.describe());
                    return Response.json(200, ok);
                }
                case "GET /_standin/faults" -> {
                    ok.set("faults", faults.describe());
                    return Response.json(200, ok);
                }
                case "DELETE /_standin/faults" -> {
                    faults.clear();
                    return Response.json(200, ok);
                }
                case "POST /_standin/idempotency/expire" -> {
                    synchronized (lock) {
                        ok.put("expired", idempotency.size());
                        idempotency.expireAll();
                    }
                    return Response.json(200, ok);
                }
                case "POST /_standin/rate-limit" -> {
                    rateLimiter.set(in.path("per_second").asInt(0));
                    ok.put("per_second", rateLimiter.perSecond());
                    return Response.json(200, ok);
                }
                case "POST /_standin/clock" -> {
                    long advance = in.path("advance_seconds").asLong(0);
                    if (advance < 0) {
                        throw ApiError.invalid("advance_seconds must not be negative", "advance_seconds");
                    }
                    ok.put("now", nowSecondsAfter(advance));
                    return Response.json(200, ok);
                }
                case "GET /_standin/state" -> {
                    return Response.json(200, stateJson());
                }
                default -> {
                }
            }
            if ((m = CONTROL_INVOICE.matcher(path)).matches() && "POST".equals(method)) {
                synchronized (lock) {
                    return Response.json(200, m.group(2).equals("pay") ? state.pay(m.group(1))
                            : state.paymentFailed(m.group(1)));
                }
            }
            if ((m = CONTROL_RESEND.matcher(path)).matches() && "POST".equals(method)) {
                synchronized (lock) {
                    state.resend(m.group(1));
                }
                return Response.json(200, ok);
            }
            throw new ApiError(404, "invalid_request_error", null, "Unknown control call " + method + " " + path, null);
        } catch (ApiError e) {
            return Response.error(e);
        } catch (RuntimeException e) {
            return Response.error(ApiError.invalid("Bad control request: " + e.getMessage(), null));
        }
    }

    private long nowSecondsAfter(long advance) {
        clockOffsetSeconds.addAndGet(advance);
        return nowSeconds();
    }

    /** The whole state as the control API shows it (also handy from Java tests in the same JVM). */
    public ObjectNode stateJson() {
        ObjectNode out;
        synchronized (lock) {
            out = state.dump();
            out.put("idempotency_keys", idempotency.size());
            out.put("idempotency_keys_in_flight", idempotency.inFlight());
        }
        out.set("deliveries", webhooks.deliveries());
        ArrayNode log = out.putArray("requests");
        synchronized (requestLog) {
            requestLog.forEach(e -> log.add(e.deepCopy()));
        }
        out.set("faults", faults.describe());
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
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

    // ------------------------------------------------------------------------------------------- standalone

    /**
     * {@code java ai.bitrouter.billing.stripestandin.StripeStandIn [--port N] [--api-key K] [--webhook-secret S]
     * [--webhook-url URL]}; runs until killed.
     */
    public static void main(String[] args) throws InterruptedException {
        Options o = Options.defaults().withPort(12111);
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            o = switch (args[i]) {
                case "--port" -> o.withPort(Integer.parseInt(v));
                case "--api-key" -> o.withApiKey(v);
                case "--webhook-secret" -> o.withWebhookSecret(v);
                case "--webhook-url" -> o.withWebhookUrl(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            };
        }
        StripeStandIn s = start(o);
        System.out.println("Stripe stand-in on " + s.baseUrl() + " (API key " + o.apiKey() + ", webhook secret "
                + o.webhookSecret() + ", webhook URL " + o.webhookUrl() + ")");
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.close();
            forever.countDown();
        }));
        forever.await();
    }

    static Duration retention() {
        return Duration.ofSeconds(Idempotency.RETENTION_SECONDS);
    }
}
