package ai.bitrouter.billing.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieHandler;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-side client of the OAuth 2.0 device authorization grant (RFC 8628), doing what the real
 * {@code bitrouter} CLI does ({@code client_id=bitrouter-cli}, form posts, JSON read whatever the status)
 * plus what the user does in a browser: it drives Keycloak's HTML pages (user code entry, sign-in,
 * consent) with plain HTTP.
 *
 * <p>The device and token endpoints are given to it, so the same client can target Keycloak directly
 * ({@link #forKeycloak}) or the billing service's own endpoints ({@link #discover} on
 * {@code /.well-known/oauth-authorization-server}, or the constructor).
 *
 * <p>Two Keycloak details it handles (both seen on Keycloak 26.7.3):
 * <ul>
 *   <li>Keycloak marks its cookies {@code Secure}; {@link java.net.CookieManager} never sends a Secure cookie
 *   over plain http (whatever its {@code CookiePolicy}), and Keycloak then answers the first redirect of the
 *   approval with 400 "Restart login cookie not found". Each approval therefore uses a fresh
 *   {@link BrowserCookieJar}, a tiny cookie store that also sends Secure cookies over http (fine for a test
 *   client talking to loopback).</li>
 *   <li>{@code POST /realms/<realm>/device} is both the device request and the user-code entry form;
 *   Keycloak picks by the {@code Accept} header, so the "browser" sends a browser's Accept header.</li>
 * </ul>
 *
 * <p>Plain Java: {@code java.net.http} and Jackson only. Thread-safe for independent flows (each
 * {@code approve} gets its own "browser").
 */
public final class DeviceFlowClient {

    /** The client id of the real CLI. */
    public static final String CLI_CLIENT_ID = "bitrouter-cli";
    /** The scopes the real CLI requests by default (CONTRACT section 3). */
    public static final String DEFAULT_CLI_SCOPES = "inference:invoke usage:read keys:read keys:write billing:read "
            + "policy:read policy:write byok:read byok:write namespace:read";
    public static final String DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_PAGES = 12;

    private final URI deviceAuthorizationEndpoint;
    private final URI tokenEndpoint;
    private final String clientId;
    private final HttpClient http;

    public DeviceFlowClient(URI deviceAuthorizationEndpoint, URI tokenEndpoint, String clientId) {
        this.deviceAuthorizationEndpoint = Objects.requireNonNull(deviceAuthorizationEndpoint, "deviceAuthorizationEndpoint");
        this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.http = HttpClient.newBuilder()
                .connectTimeout(HTTP_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A client for {@code bitrouter-cli}. */
    public DeviceFlowClient(URI deviceAuthorizationEndpoint, URI tokenEndpoint) {
        this(deviceAuthorizationEndpoint, tokenEndpoint, CLI_CLIENT_ID);
    }

    /** Keycloak's own endpoints: {@code <base>/realms/<realm>/protocol/openid-connect/auth/device} and {@code .../token}. */
    public static DeviceFlowClient forKeycloak(String keycloakBaseUrl, String realm) {
        String base = stripSlash(keycloakBaseUrl) + "/realms/" + realm + "/protocol/openid-connect";
        return new DeviceFlowClient(URI.create(base + "/auth/device"), URI.create(base + "/token"));
    }

    /**
     * Reads {@code device_authorization_endpoint} and {@code token_endpoint} from an RFC 8414 / OpenID
     * discovery document, e.g. {@code http://127.0.0.1:8081/.well-known/oauth-authorization-server} or
     * {@code <keycloak>/realms/bitrouter/.well-known/openid-configuration}.
     */
    public static DeviceFlowClient discover(URI metadataUrl) {
        HttpClient c = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
        HttpResponse<String> r = send(c, HttpRequest.newBuilder(metadataUrl).timeout(HTTP_TIMEOUT)
                .header("Accept", "application/json").GET().build());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("metadata " + metadataUrl + " answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode m = parseJson(r.body());
        String device = m.path("device_authorization_endpoint").asText(null);
        String token = m.path("token_endpoint").asText(null);
        if (device == null || token == null) {
            throw new IllegalStateException("metadata " + metadataUrl + " lacks device_authorization_endpoint/token_endpoint: " + r.body());
        }
        return new DeviceFlowClient(URI.create(device), URI.create(token));
    }

    public URI deviceAuthorizationEndpoint() {
        return deviceAuthorizationEndpoint;
    }

    public URI tokenEndpoint() {
        return tokenEndpoint;
    }

    public String clientId() {
        return clientId;
    }

    // ------------------------------------------------------------------ the CLI's side

    /**
     * {@code POST <device_authorization_endpoint>} with form {@code client_id}, {@code scope} (omitted when
     * null). Throws {@link DeviceFlowException} on a non-200 answer.
     */
    public DeviceAuthorization requestDeviceCode(String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", clientId);
        if (scope != null) {
            form.put("scope", scope);
        }
        HttpResponse<String> r = send(http, postForm(deviceAuthorizationEndpoint, form));
        JsonNode body = parseJsonOrNull(r.body());
        if (r.statusCode() != 200 || body == null || !body.hasNonNull("device_code")) {
            throw new DeviceFlowException("device authorization request failed: HTTP " + r.statusCode() + " " + r.body(),
                    r.statusCode(), body);
        }
        return new DeviceAuthorization(
                body.path("device_code").asText(),
                body.path("user_code").asText(),
                body.path("verification_uri").asText(null),
                body.path("verification_uri_complete").asText(null),
                body.path("expires_in").asInt(0),
                body.has("interval") ? body.path("interval").asInt(5) : 5,
                body);
    }

    /**
     * One {@code POST <token_endpoint>} with {@code grant_type=urn:ietf:params:oauth:grant-type:device_code},
     * {@code device_code}, {@code client_id}. The body is read as JSON whatever the status (as the CLI does);
     * a non-JSON body gives a {@link TokenResponse} whose {@code body} is null and {@code rawBody} the text.
     */
    public TokenResponse poll(String deviceCode) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", DEVICE_CODE_GRANT);
        form.put("device_code", deviceCode);
        form.put("client_id", clientId);
        return tokenCall(form);
    }

    /**
     * Polls like the CLI: waits {@code interval} seconds between polls, adds 5 s on {@code slow_down}, keeps
     * going on {@code authorization_pending}, and returns the first other answer (a token or a final error).
     * The first poll is sent at once.
     */
    public TokenResponse pollUntilDone(DeviceAuthorization authorization, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        long intervalMs = Math.max(1, authorization.interval()) * 1000L;
        while (true) {
            TokenResponse r = poll(authorization.deviceCode());
            String error = r.error();
            if ("slow_down".equals(error)) {
                intervalMs += 5000;
            } else if (!"authorization_pending".equals(error)) {
                return r;
            }
            if (Instant.now().plusMillis(intervalMs).isAfter(deadline)) {
                return r;
            }
            sleep(intervalMs);
        }
    }

    /** {@code grant_type=refresh_token} with {@code refresh_token}, {@code client_id} and {@code scope} (omitted when null). */
    public TokenResponse refresh(String refreshToken, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken);
        form.put("client_id", clientId);
        if (scope != null) {
            form.put("scope", scope);
        }
        return tokenCall(form);
    }

    private TokenResponse tokenCall(Map<String, String> form) {
        HttpResponse<String> r = send(http, postForm(tokenEndpoint, form));
        return new TokenResponse(r.statusCode(), parseJsonOrNull(r.body()), r.body());
    }

    // ------------------------------------------------------------------ the user's side (a browser)

    /**
     * Approves a pending device authorization as {@code username}: opens the verification URI (the complete
     * one when the server gave it), enters the user code if the page asks for it, signs in, and accepts the
     * consent form when it is shown (Keycloak shows it on every device approval of a consent-required client).
     * Throws {@link DeviceFlowException} if a page shows an error: wrong password (also while brute-force
     * detection has the user locked), unknown or already used user code, ...
     */
    public void approve(DeviceAuthorization authorization, String username, String password) {
        browse(startUri(authorization), authorization.userCode(), username, password, true);
    }

    /**
     * As {@link #approve(DeviceAuthorization, String, String)} but from the complete verification URI alone;
     * the user code is read from its {@code user_code} query parameter when the entry page asks for it.
     */
    public void approve(String verificationUriComplete, String username, String password) {
        URI uri = URI.create(verificationUriComplete);
        browse(uri, queryParam(uri, "user_code"), username, password, true);
    }

    /**
     * Signs in and answers the consent form with "No", so the next poll returns {@code access_denied}.
     * Throws {@link DeviceFlowException} when no consent form is shown (a client without consent).
     */
    public void deny(DeviceAuthorization authorization, String username, String password) {
        browse(startUri(authorization), authorization.userCode(), username, password, false);
    }

    private static URI startUri(DeviceAuthorization a) {
        String uri = a.verificationUriComplete() != null ? a.verificationUriComplete() : a.verificationUri();
        if (uri == null) {
            throw new DeviceFlowException("no verification_uri in the device authorization response", 0, a.raw());
        }
        return URI.create(uri);
    }

    private void browse(URI start, String userCode, String username, String password, boolean accept) {
        BrowserCookieJar jar = new BrowserCookieJar();
        HttpClient browser = HttpClient.newBuilder()
                .connectTimeout(HTTP_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .cookieHandler(jar)
                .build();
        HttpResponse<String> page = send(browser, HttpRequest.newBuilder(start).timeout(HTTP_TIMEOUT)
                .header("Accept", BROWSER_ACCEPT).GET().build());
        boolean userCodeSent = false;
        boolean credentialsSent = false;
        boolean consentAnswered = false;
        for (int step = 0; step < MAX_PAGES; step++) {
            String html = page.body() == null ? "" : page.body();
            List<Form> forms = Form.parseAll(html, page.uri());
            Form login = find(forms, f -> f.hasField("password"));
            Form consent = find(forms, f -> f.hasButton("accept") || f.hasButton("cancel"));
            Form codeEntry = find(forms, f -> f.hasField("device_user_code"));
            String error = pageError(html);

            if (login != null) {
                if (credentialsSent) {
                    throw new DeviceFlowException("sign-in as " + username + " failed: " + (error != null ? error : "login form shown again"),
                            page.statusCode(), null);
                }
                Map<String, String> f = login.values();
                f.put("username", username);
                f.put("password", password);
                page = send(browser, postPage(login.action(), f));
                credentialsSent = true;
            } else if (consent != null) {
                if (consentAnswered) {
                    throw new DeviceFlowException("consent form shown again: " + error, page.statusCode(), null);
                }
                Map<String, String> f = consent.values();
                if (accept) {
                    f.put("accept", "Yes");
                } else {
                    f.put("cancel", "No");
                }
                page = send(browser, postPage(consent.action(), f));
                consentAnswered = true;
            } else if (codeEntry != null) {
                if (userCodeSent || userCode == null) {
                    throw new DeviceFlowException("user code not accepted: " + (error != null ? error : "no user code known"),
                            page.statusCode(), null);
                }
                Map<String, String> f = codeEntry.values();
                f.put("device_user_code", userCode);
                page = send(browser, postPage(codeEntry.action(), f));
                userCodeSent = true;
            } else {
                // no form left: the final page ("Device Login Successful", or the denial / an error page)
                if (!accept) {
                    if (!consentAnswered) {
                        throw new DeviceFlowException("no consent form was shown (already consented?), cannot deny: "
                                + title(html), page.statusCode(), null);
                    }
                    return;
                }
                if (page.statusCode() >= 400 || !isSuccessPage(page.uri(), html)) {
                    throw new DeviceFlowException("device approval failed: HTTP " + page.statusCode() + ": "
                            + (error != null ? error : title(html)), page.statusCode(), null);
                }
                return;
            }
        }
        throw new DeviceFlowException("too many pages while approving the device", page.statusCode(), null);
    }

    private static boolean isSuccessPage(URI finalUri, String html) {
        // Keycloak ends an approval on GET /realms/<realm>/device/status, with ?error=... when it failed
        String path = finalUri.getPath() == null ? "" : finalUri.getPath();
        String query = finalUri.getRawQuery() == null ? "" : finalUri.getRawQuery();
        if (path.endsWith("/device/status")) {
            return !query.contains("error=");
        }
        // other servers (or a proxy in front): keycloak.v2 theme wording, English
        String t = html.toLowerCase(Locale.ROOT);
        return t.contains("device login successful") || t.contains("you may close this browser window");
    }

    private static final Pattern ERROR_SPAN = Pattern.compile(
            "<(?:span|div|p)[^>]*(?:id=\"input-error[^\"]*\"|class=\"[^\"]*(?:kc-feedback-text|pf-m-danger|pf-m-error|instruction)[^\"]*\")[^>]*>(.*?)</(?:span|div|p)>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern TITLE = Pattern.compile("<h1[^>]*id=\"kc-page-title\"[^>]*>(.*?)</h1>|<title>(.*?)</title>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private static String pageError(String html) {
        Matcher m = ERROR_SPAN.matcher(html);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String text = text(m.group(1));
            if (!text.isEmpty()) {
                if (!sb.isEmpty()) {
                    sb.append(" | ");
                }
                sb.append(text);
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private static String title(String html) {
        Matcher m = TITLE.matcher(html);
        while (m.find()) {
            String t = text(m.group(1) != null ? m.group(1) : m.group(2));
            if (!t.isEmpty()) {
                return t;
            }
        }
        return html.length() > 300 ? html.substring(0, 300) : html;
    }

    private static String text(String fragment) {
        return unescape(fragment.replaceAll("(?s)<[^>]*>", " ")).replaceAll("\\s+", " ").trim();
    }

    // ------------------------------------------------------------------ one-call convenience

    /**
     * The whole flow against Keycloak at {@code keycloakBaseUrl} (e.g. {@code http://127.0.0.1:18180}):
     * device request for {@code scopes}, approval as {@code username}, polling; returns the access token.
     */
    public static String accessToken(String keycloakBaseUrl, String realm, String username, String password, String scopes) {
        return forKeycloak(keycloakBaseUrl, realm).login(username, password, scopes).accessToken();
    }

    /** The whole flow against this client's endpoints; returns the successful token response. */
    public TokenResponse login(String username, String password, String scopes) {
        DeviceAuthorization a = requestDeviceCode(scopes);
        approve(a, username, password);
        TokenResponse r = pollUntilDone(a, Duration.ofSeconds(Math.max(30, a.interval() * 4L)));
        if (r.accessToken() == null) {
            throw new DeviceFlowException("no access token after approval: HTTP " + r.status() + " " + r.rawBody(),
                    r.status(), r.body());
        }
        return r;
    }

    /** The payload of a JWT (not verified), e.g. to read {@code aud}, {@code scope}, {@code realm_access}. */
    public static JsonNode decodeJwtPayload(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not a JWT");
        }
        return parseJson(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ value types

    /** The device authorization response (RFC 8628 section 3.2). */
    public record DeviceAuthorization(String deviceCode, String userCode, String verificationUri,
                                      String verificationUriComplete, int expiresIn, int interval, JsonNode raw) {
    }

    /** A token endpoint answer: the HTTP status and the body parsed as JSON (null if it was not JSON). */
    public record TokenResponse(int status, JsonNode body, String rawBody) {

        public boolean isSuccess() {
            return status == 200 && accessToken() != null;
        }

        /** The {@code error} field, or null. */
        public String error() {
            return body == null ? null : body.path("error").asText(null);
        }

        public String errorDescription() {
            return body == null ? null : body.path("error_description").asText(null);
        }

        public boolean isPending() {
            return "authorization_pending".equals(error());
        }

        public String accessToken() {
            return text("access_token");
        }

        public String refreshToken() {
            return text("refresh_token");
        }

        public String idToken() {
            return text("id_token");
        }

        public String scope() {
            return text("scope");
        }

        /** A top-level string field of the body, or null. */
        public String text(String field) {
            return body == null ? null : body.path(field).asText(null);
        }

        /** The decoded payload of the access token. */
        public JsonNode accessTokenClaims() {
            String t = accessToken();
            if (t == null) {
                throw new IllegalStateException("no access_token: " + rawBody);
            }
            return decodeJwtPayload(t);
        }
    }

    /** A failure of the flow, with the HTTP status and JSON body when there was one. */
    public static final class DeviceFlowException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final transient JsonNode body;

        public DeviceFlowException(String message, int status, JsonNode body) {
            super(message);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }
    }

    // ------------------------------------------------------------------ HTML forms

    private static Form find(List<Form> forms, Predicate<Form> t) {
        for (Form f : forms) {
            if (t.test(f)) {
                return f;
            }
        }
        return null;
    }

    /** A form of a page: its absolute action, its inputs (name to value) and the names of its buttons. */
    private record Form(URI action, Map<String, String> inputs, List<String> buttons) {

        private static final Pattern FORM = Pattern.compile("<form\\b([^>]*)>(.*?)</form>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        private static final Pattern INPUT = Pattern.compile("<input\\b([^>]*)>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        private static final Pattern BUTTON = Pattern.compile("<button\\b([^>]*)>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        private static final Pattern ATTR = Pattern.compile("([a-zA-Z_:][-a-zA-Z0-9_:.]*)\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))");

        static List<Form> parseAll(String html, URI base) {
            List<Form> forms = new ArrayList<>();
            Matcher fm = FORM.matcher(html);
            while (fm.find()) {
                Map<String, String> formAttrs = attrs(fm.group(1));
                String action = formAttrs.getOrDefault("action", "");
                URI actionUri = action.isEmpty() ? base : base.resolve(action.trim());
                Map<String, String> inputs = new LinkedHashMap<>();
                Matcher im = INPUT.matcher(fm.group(2));
                while (im.find()) {
                    Map<String, String> a = attrs(im.group(1));
                    String name = a.get("name");
                    String type = a.getOrDefault("type", "text").toLowerCase(Locale.ROOT);
                    if (name == null || name.isEmpty() || type.equals("submit") || type.equals("button")
                            || ((type.equals("checkbox") || type.equals("radio")) && !a.containsKey("checked"))) {
                        continue;
                    }
                    inputs.put(name, a.getOrDefault("value", ""));
                }
                List<String> buttons = new ArrayList<>();
                Matcher bm = BUTTON.matcher(fm.group(2));
                while (bm.find()) {
                    String name = attrs(bm.group(1)).get("name");
                    if (name != null && !name.isEmpty()) {
                        buttons.add(name);
                    }
                }
                im = INPUT.matcher(fm.group(2));
                while (im.find()) {
                    Map<String, String> a = attrs(im.group(1));
                    if ("submit".equalsIgnoreCase(a.get("type")) && a.get("name") != null) {
                        buttons.add(a.get("name"));
                    }
                }
                forms.add(new Form(actionUri, inputs, buttons));
            }
            return forms;
        }

        private static Map<String, String> attrs(String tag) {
            Map<String, String> m = new LinkedHashMap<>();
            Matcher am = ATTR.matcher(tag);
            while (am.find()) {
                String v = am.group(2) != null ? am.group(2) : am.group(3) != null ? am.group(3) : am.group(4);
                m.put(am.group(1).toLowerCase(Locale.ROOT), unescape(v));
            }
            return m;
        }

        boolean hasField(String name) {
            return inputs.containsKey(name);
        }

        boolean hasButton(String name) {
            return buttons.contains(name);
        }

        /** A mutable copy of the inputs, to fill in and post. */
        Map<String, String> values() {
            return new LinkedHashMap<>(inputs);
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int semi = c == '&' ? s.indexOf(';', i) : -1;
            if (semi > i && semi - i <= 10) {
                String entity = s.substring(i + 1, semi);
                String rep = switch (entity) {
                    case "amp" -> "&";
                    case "lt" -> "<";
                    case "gt" -> ">";
                    case "quot" -> "\"";
                    case "apos" -> "'";
                    case "nbsp" -> " ";
                    default -> {
                        try {
                            if (entity.startsWith("#x") || entity.startsWith("#X")) {
                                yield new String(Character.toChars(Integer.parseInt(entity.substring(2), 16)));
                            } else if (entity.startsWith("#")) {
                                yield new String(Character.toChars(Integer.parseInt(entity.substring(1))));
                            }
                        } catch (IllegalArgumentException e) {
                            // not an entity
                        }
                        yield null;
                    }
                };
                if (rep != null) {
                    out.append(rep);
                    i = semi + 1;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ cookies

    /**
     * A minimal per-"browser" cookie store for {@link HttpClient}: keeps every cookie Keycloak sets
     * (including {@code Secure} ones on plain http, which {@link java.net.CookieManager} would never send
     * back), honours expiry/deletion, and sends cookies whose domain and path match the request.
     */
    public static final class BrowserCookieJar extends CookieHandler {
        private record Key(String domain, String path, String name) {
        }

        private record Stored(HttpCookie cookie, boolean hostOnly, long createdAtMillis) {
        }

        private final Map<Key, Stored> cookies = new LinkedHashMap<>();

        @Override
        public synchronized Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) {
            String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            List<String> pairs = new ArrayList<>();
            cookies.values().removeIf(this::expired);
            for (Map.Entry<Key, Stored> e : cookies.entrySet()) {
                Key k = e.getKey();
                boolean domainOk = e.getValue().hostOnly() ? host.equals(k.domain())
                        : host.equals(k.domain()) || host.endsWith("." + k.domain());
                if (domainOk && pathMatches(path, k.path())) {
                    pairs.add(k.name() + "=" + e.getValue().cookie().getValue());
                }
            }
            return pairs.isEmpty() ? Map.of() : Map.of("Cookie", List.of(String.join("; ", pairs)));
        }

        @Override
        public synchronized void put(URI uri, Map<String, List<String>> responseHeaders) {
            String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            for (Map.Entry<String, List<String>> h : responseHeaders.entrySet()) {
                if (h.getKey() == null || !h.getKey().equalsIgnoreCase("Set-Cookie")) {
                    continue;
                }
                for (String header : h.getValue()) {
                    List<HttpCookie> parsed;
                    try {
                        parsed = HttpCookie.parse(header);
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                    for (HttpCookie c : parsed) {
                        boolean hostOnly = c.getDomain() == null || c.getDomain().isEmpty();
                        String domain = hostOnly ? host : c.getDomain().toLowerCase(Locale.ROOT).replaceFirst("^\\.", "");
                        String path = c.getPath() == null || c.getPath().isEmpty() ? defaultPath(uri) : c.getPath();
                        Key key = new Key(domain, path, c.getName());
                        if (c.getMaxAge() == 0) {
                            cookies.remove(key);
                        } else {
                            cookies.put(key, new Stored(c, hostOnly, System.currentTimeMillis()));
                        }
                    }
                }
            }
        }

        /** Names of the cookies currently held (for diagnostics). */
        public synchronized List<String> names() {
            cookies.values().removeIf(this::expired);
            return cookies.keySet().stream().map(Key::name).toList();
        }

        private boolean expired(Stored s) {
            long maxAge = s.cookie().getMaxAge();
            return maxAge >= 0 && System.currentTimeMillis() > s.createdAtMillis() + maxAge * 1000L;
        }

        private static boolean pathMatches(String requestPath, String cookiePath) {
            if (requestPath.equals(cookiePath) || cookiePath.equals("/")) {
                return true;
            }
            return requestPath.startsWith(cookiePath)
                    && (cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length()) == '/');
        }

        private static String defaultPath(URI uri) {
            String p = uri.getRawPath();
            if (p == null || !p.startsWith("/")) {
                return "/";
            }
            int last = p.lastIndexOf('/');
            return last <= 0 ? "/" : p.substring(0, last);
        }
    }

    // ------------------------------------------------------------------ HTTP helpers

    /** What a browser sends; Keycloak routes {@code POST /realms/<r>/device} on it (see {@link #postPage}). */
    private static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    /** A form post of the CLI: JSON expected back. */
    private static HttpRequest postForm(URI uri, Map<String, String> form) {
        return formRequest(uri, form, "application/json");
    }

    /**
     * A form post of the "browser". The Accept header matters: Keycloak serves both the device authorization
     * request and the user-code entry form at {@code POST /realms/<realm>/device} and tells them apart by
     * the Accept header; without {@code text/html} the user code is taken for a device request and answered
     * {@code 401 invalid_client}.
     */
    private static HttpRequest postPage(URI uri, Map<String, String> form) {
        return formRequest(uri, form, BROWSER_ACCEPT);
    }

    private static HttpRequest formRequest(URI uri, Map<String, String> form, String accept) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : form.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue() == null ? "" : e.getValue(), StandardCharsets.UTF_8));
        }
        return HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofString(sb.toString()))
                .build();
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static JsonNode parseJson(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + s, e);
        }
    }

    private static JsonNode parseJsonOrNull(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(s);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (URLDecoder.decode(k, StandardCharsets.UTF_8).equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
