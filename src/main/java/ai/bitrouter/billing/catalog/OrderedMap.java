package ai.bitrouter.billing.catalog;

import java.util.LinkedHashMap;
import java.util.Map;

/** A JSON object written as alternating keys and values, keeping the order they were given in. */
final class OrderedMap {

    private OrderedMap() {
    }

    static Map<String, Object> of(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
