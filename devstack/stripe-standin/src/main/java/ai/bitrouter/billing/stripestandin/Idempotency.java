package ai.bitrouter.billing.stripestandin;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Stripe's idempotent requests: the first result for (API key, Idempotency-Key) is kept for 24 hours and replayed
 * for a retry with the same parameters; other parameters are an {@code idempotency_error}; a retry while the first
 * is still executing is a 409. Callers hold the stand-in's lock.
 */
final class Idempotency {
    static final long RETENTION_SECONDS = 24 * 3600;

    record Saved(String fingerprint, int status, String body, String requestId, long savedAt) {
    }

    private final Map<String, Saved> saved = new HashMap<>();
    private final Set<String> inFlight = new HashSet<>();

    static String scope(String apiKey, String key) {
        return apiKey + "\u0000" + key;
    }

    /** The saved result, after dropping every key past its retention. */
    Saved lookup(String scope, long now) {
        prune(now);
        return saved.get(scope);
    }

    boolean begin(String scope) {
        return inFlight.add(scope);
    }

    void end(String scope) {
        inFlight.remove(scope);
    }

    void save(String scope, Saved result) {
        saved.put(scope, result);
    }

    void prune(long now) {
        for (Iterator<Saved> it = saved.values().iterator(); it.hasNext();) {
            if (it.next().savedAt() <= now - RETENTION_SECONDS) {
                it.remove();
            }
        }
    }

    void expireAll() {
        saved.clear();
    }

    int inFlight() {
        return inFlight.size();
    }

    int size() {
        return saved.size();
    }
}
