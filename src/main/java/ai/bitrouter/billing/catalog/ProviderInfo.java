package ai.bitrouter.billing.catalog;

import java.util.Objects;

/**
 * A provider as the registry describes it. {@code kind} (first_party, gateway, ...), {@code status} and
 * {@code byok} are the registry's words and may be absent (null).
 */
public record ProviderInfo(String id, String name, String kind, String status, Boolean byok) {

    public ProviderInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
    }

    /** Stands in for a provider a model names but the provider list does not describe. */
    public static ProviderInfo undescribed(String id) {
        return new ProviderInfo(id, id, null, null, null);
    }
}
