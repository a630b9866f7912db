package ai.bitrouter.billing.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which provider is a model organisation's own (first-party) supply: the organisation is the part of the model
 * id before the slash ({@code qwen/qwen3.6-plus} → {@code qwen} → provider {@code alibaba}). The registry does
 * not state this link, so it is kept as data in {@code catalog/vendor-providers.json}, read off the registry
 * (see docs/catalog.md); an organisation missing from it has no vendor price.
 */
public final class VendorProviders {

    public static final String RESOURCE = "catalog/vendor-providers.json";

    private final Map<String, String> byOrganisation;

    public VendorProviders(Map<String, String> byOrganisation) {
        this.byOrganisation = Map.copyOf(byOrganisation);
    }

    public static VendorProviders load() {
        try (InputStream in = VendorProviders.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            JsonNode organisations = new ObjectMapper().readTree(in).path("organisations");
            Map<String, String> map = new TreeMap<>();
            organisations.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
            return new VendorProviders(map);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    public static String organisationOf(String modelId) {
        int slash = modelId.indexOf('/');
        return slash < 0 ? modelId : modelId.substring(0, slash);
    }

    public Optional<String> providerFor(String modelId) {
        return Optional.ofNullable(byOrganisation.get(organisationOf(modelId)));
    }
}
