package ai.bitrouter.billing.catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.function.Function;

/** The differences between two catalogs, compared by value (0.95 equals 0.950). */
public final class CatalogDiff {

    private CatalogDiff() {
    }

    public static SyncReport.Changes between(CatalogSnapshot before, CatalogSnapshot after) {
        return new SyncReport.Changes(
                section(before.models(), after.models(), id -> Map.of("id", id), CatalogDiff::model),
                section(before.providers(), after.providers(), id -> Map.of("id", id), CatalogDiff::provider),
                section(before.offers(), after.offers(),
                        k -> OrderedMap.of("model", k.modelId(), "provider", k.providerId()),
                        price -> price.map(PriceJson::of).orElse(null)),
                section(before.official(), after.official(), id -> Map.of("model", id), CatalogDiff::official));
    }

    private static <K extends Comparable<K>, V> SyncReport.Section section(
            SortedMap<K, V> before, SortedMap<K, V> after, Function<K, Map<String, Object>> id,
            Function<V, Object> render) {
        List<Map<String, Object>> added = new ArrayList<>();
        List<Map<String, Object>> removed = new ArrayList<>();
        List<Map<String, Object>> changed = new ArrayList<>();
        TreeSet<K> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (K key : keys) {
            Map<String, Object> entry = new LinkedHashMap<>(id.apply(key));
            if (!before.containsKey(key)) {
                entry.put("new", render.apply(after.get(key)));
                added.add(entry);
            } else if (!after.containsKey(key)) {
                entry.put("old", render.apply(before.get(key)));
                removed.add(entry);
            } else {
                Object old = render.apply(before.get(key));
                Object now = render.apply(after.get(key));
                if (!Objects.equals(old, now)) {
                    entry.put("old", old);
                    entry.put("new", now);
                    changed.add(entry);
                }
            }
        }
        return new SyncReport.Section(added, removed, changed);
    }

    private static Object model(ModelInfo m) {
        return OrderedMap.of("name", m.name(), "family", m.family(), "open_weights", m.openWeights());
    }

    private static Object provider(ProviderInfo p) {
        return OrderedMap.of("name", p.name(), "kind", p.kind(), "status", p.status(), "byok", p.byok());
    }

    private static Object official(OfficialEntry o) {
        return OrderedMap.of("source", o.source().wireName(), "basis_provider", o.basisProviderId(),
                "pricing", PriceJson.of(o.price()));
    }
}
