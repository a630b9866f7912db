package ai.bitrouter.billing.reports;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import ai.bitrouter.billing.common.api.ApiException;

/**
 * What a usage breakdown may be grouped by. Each dimension is a column of the daily rollup and of the ledger, so
 * whole days come from the rollup and partial days from the ledger with the same grouping. The SQL expressions are
 * constants here, never built from a request: a {@code group_by} value only selects one of them.
 */
public enum Dimension {
    DAY("day", "day"),
    MODEL("model", "served_model_id"),
    PROVIDER("provider", "provider_id"),
    API_KEY("api_key", "api_key_id"),
    VARIANT("variant", "variant"),
    DISCOUNT_KIND("discount_kind", "discount_kind"),
    /** Only across an account: a namespace report has one namespace. */
    NAMESPACE("namespace", "namespace_id");

    private final String wireName;
    final String column;

    Dimension(String wireName, String column) {
        this.wireName = wireName;
        this.column = column;
    }

    public String wireName() {
        return wireName;
    }

    /** Allowed on a single namespace's breakdown. */
    public static final Set<Dimension> NAMESPACE_SCOPE = Set.of(DAY, MODEL, PROVIDER, API_KEY, VARIANT, DISCOUNT_KIND);
    /** Allowed on an account-wide breakdown. */
    public static final Set<Dimension> ACCOUNT_SCOPE = Set.of(values());

    /**
     * {@code group_by} as repeated parameters, comma-separated values, or both; order kept, duplicates dropped;
     * none means by day. Anything not in {@code allowed} is a 400 naming the allowed values.
     */
    public static List<Dimension> parse(List<String> params, Set<Dimension> allowed) {
        Set<Dimension> out = new LinkedHashSet<>();
        for (String param : params == null ? List.<String> of() : params) {
            for (String part : param.split(",")) {
                String name = part.trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                Dimension d = Arrays.stream(values()).filter(v -> v.wireName.equals(name) && allowed.contains(v))
                        .findFirst().orElseThrow(() -> ApiException.badRequest("group_by must be one or more of "
                                + allowedNames(allowed) + " (repeated or comma separated)"));
                out.add(d);
            }
        }
        return out.isEmpty() ? List.of(DAY) : List.copyOf(new ArrayList<>(out));
    }

    private static String allowedNames(Set<Dimension> allowed) {
        return Arrays.stream(values()).filter(allowed::contains).map(Dimension::wireName)
                .collect(Collectors.joining(", "));
    }
}
