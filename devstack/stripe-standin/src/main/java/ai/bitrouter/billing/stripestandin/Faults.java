package ai.bitrouter.billing.stripestandin;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Injected failures for the next N matching Stripe API requests (control API {@code /_standin/faults}). */
final class Faults {
    enum Mode {
        /** Rejected before executing: nothing happens, nothing is saved under the idempotency key. */
        BEFORE,
        /** Executed and saved under the key, but the client gets the error instead: the lost response. */
        AFTER_APPLY
    }

    static final class Rule {
        final String method;
        final Pattern path;
        final int status;
        final Mode mode;
        final long delayMs;
        int remaining;

        Rule(String method, Pattern path, int status, Mode mode, long delayMs, int remaining) {
            this.method = method;
            this.path = path;
            this.status = status;
            this.mode = mode;
            this.delayMs = delayMs;
            this.remaining = remaining;
        }

        ApiError error() {
            return status == 429 ? ApiError.rateLimited()
                    : status == 500 ? ApiError.apiError()
                            : new ApiError(status, status >= 500 ? "api_error" : "invalid_request_error", null,
                                    "Injected fault (stand-in): HTTP " + status, null);
        }
    }

    private final List<Rule> rules = new ArrayList<>();

    synchronized Rule add(JsonNode spec) {
        String method = spec.path("method").asText("*").toUpperCase(java.util.Locale.ROOT);
        String path = spec.path("path").asText(".*");
        int status = spec.path("status").asInt(500);
        int times = spec.path("times").asInt(1);
        long delay = spec.path("delay_ms").asLong(0);
        String modeText = spec.path("mode").asText("before");
        Mode mode = switch (modeText) {
            case "before" -> Mode.BEFORE;
            case "after_apply" -> Mode.AFTER_APPLY;
            default -> throw ApiError.invalid("mode must be before or after_apply", "mode");
        };
        if (status != 0 && (status < 400 || status > 599)) {
            throw ApiError.invalid("status must be 0 (delay only) or an HTTP error status", "status");
        }
        if (status == 0 && delay <= 0) {
            throw ApiError.invalid("status 0 needs delay_ms", "delay_ms");
        }
        if (times < 1) {
            throw ApiError.invalid("times must be at least 1", "times");
        }
        Rule r = new Rule(method, Pattern.compile(path), status, mode, delay, times);
        rules.add(r);
        return r;
    }

    /** Takes one use of the first rule matching this request, or null. */
    synchronized Rule take(String method, String path) {
        for (Iterator<Rule> it = rules.iterator(); it.hasNext();) {
            Rule r = it.next();
            if ((r.method.equals("*") || r.method.equals(method)) && r.path.matcher(path).find()) {
                if (--r.remaining <= 0) {
                    it.remove();
                }
                return r;
            }
        }
        return null;
    }

    synchronized void clear() {
        rules.clear();
    }

    synchronized ArrayNode describe() {
        ArrayNode out = Json.array();
        for (Rule r : rules) {
            ObjectNode o = out.addObject();
            o.put("method", r.method);
            o.put("path", r.path.pattern());
            o.put("status", r.status);
            o.put("mode", r.mode.name().toLowerCase(java.util.Locale.ROOT));
            o.put("delay_ms", r.delayMs);
            o.put("times", r.remaining);
        }
        return out;
    }
}
