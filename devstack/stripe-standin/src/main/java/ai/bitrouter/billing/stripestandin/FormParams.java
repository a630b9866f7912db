package ai.bitrouter.billing.stripestandin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Stripe's form encoding with nested brackets ({@code metadata[k]=v}, {@code lines[0][amount]=5},
 * {@code enabled_events[]=x}) decoded into a tree of {@code Map<String,Object>}, {@code List<Object>} and
 * {@code String}. Maps whose keys are all indexes become lists, except under {@code metadata}, where "0" is an
 * ordinary key.
 */
final class FormParams {
    private final Map<String, Object> root;
    /** The decoded pairs sorted, so two requests with the same parameters in another order compare equal. */
    private final String canonical;

    private FormParams(Map<String, Object> root, String canonical) {
        this.root = root;
        this.canonical = canonical;
    }

    static FormParams parse(String encoded) {
        Map<String, Object> root = new LinkedHashMap<>();
        TreeMap<String, List<String>> sorted = new TreeMap<>();
        if (encoded != null && !encoded.isEmpty()) {
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                sorted.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                put(root, segments(key), value);
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) listify(root, null);
        return new FormParams(tree, sorted.toString());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static List<String> segments(String key) {
        List<String> out = new ArrayList<>();
        int open = key.indexOf('[');
        if (open < 0) {
            out.add(key);
            return out;
        }
        out.add(key.substring(0, open));
        int i = open;
        while (i < key.length() && key.charAt(i) == '[') {
            int close = key.indexOf(']', i);
            if (close < 0) {
                throw ApiError.invalid("Invalid parameter name: " + key, key);
            }
            out.add(key.substring(i + 1, close));
            i = close + 1;
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> node, List<String> path, String value) {
        Map<String, Object> current = node;
        for (int i = 0; i < path.size(); i++) {
            String seg = path.get(i);
            if (seg.isEmpty()) {
                // "a[]": append, numbered after what is there.
                seg = Integer.toString(current.size());
            }
            if (i == path.size() - 1) {
                current.put(seg, value);
            } else {
                Object next = current.get(seg);
                if (!(next instanceof Map)) {
                    next = new LinkedHashMap<String, Object>();
                    current.put(seg, next);
                }
                current = (Map<String, Object>) next;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Object listify(Object node, String key) {
        if (!(node instanceof Map)) {
            return node;
        }
        Map<String, Object> map = (Map<String, Object>) node;
        Map<String, Object> converted = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map.entrySet()) {
            converted.put(e.getKey(), "metadata".equals(e.getKey()) ? e.getValue() : listify(e.getValue(), e.getKey()));
        }
        if (!converted.isEmpty() && key != null && converted.keySet().stream().allMatch(k -> k.matches("\\d{1,6}"))) {
            TreeMap<Integer, Object> byIndex = new TreeMap<>();
            converted.forEach((k, v) -> byIndex.put(Integer.parseInt(k), v));
            return new ArrayList<>(byIndex.values());
        }
        return converted;
    }

    Map<String, Object> tree() {
        return root;
    }

    String canonical() {
        return canonical;
    }

    boolean has(String key) {
        return root.containsKey(key);
    }

    String string(String key) {
        Object v = root.get(key);
        return v instanceof String s && !s.isEmpty() ? s : null;
    }

    String required(String key) {
        String v = string(key);
        if (v == null) {
            throw ApiError.invalid("Missing required param: " + key + ".", key).validation();
        }
        return v;
    }

    Long integer(String key) {
        return toLong(root.get(key), key);
    }

    Boolean bool(String key) {
        return toBool(root.get(key), key);
    }

    static Long toLong(Object v, String param) {
        if (v == null || (v instanceof String s && s.isEmpty())) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw ApiError.invalid("Invalid integer: " + param, param).validation();
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw ApiError.invalid("Invalid integer: " + s, param).validation();
        }
    }

    static Boolean toBool(Object v, String param) {
        if (v == null || (v instanceof String s && s.isEmpty())) {
            return null;
        }
        if ("true".equals(v)) {
            return true;
        }
        if ("false".equals(v)) {
            return false;
        }
        throw ApiError.invalid("Invalid boolean: " + v, param).validation();
    }

    /** {@code metadata[k]=v} as a map; an empty value deletes the key on update, as Stripe does. */
    @SuppressWarnings("unchecked")
    static Map<String, String> metadata(Object v, String param) {
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || (v instanceof String s && s.isEmpty())) {
            return out;
        }
        if (!(v instanceof Map)) {
            throw ApiError.invalid("Invalid object", param).validation();
        }
        for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw ApiError.invalid("Invalid metadata value for key " + e.getKey(), param).validation();
            }
            if (e.getKey().length() > 40) {
                throw ApiError.invalid("Metadata keys can have up to 40 characters. You passed in a key of length "
                        + e.getKey().length() + ".", param).validation();
            }
            if (s.length() > 500) {
                throw ApiError.invalid("Metadata values can have up to 500 characters, but you passed in a value that is "
                        + s.length() + " characters.", param).validation();
            }
            out.put(e.getKey(), s);
        }
        if (out.size() > 50) {
            throw ApiError.invalid("You can specify up to 50 keys in metadata.", param).validation();
        }
        return out;
    }
}
