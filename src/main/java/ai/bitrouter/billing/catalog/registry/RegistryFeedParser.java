package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.pricing.Price;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a whole registry feed before any of it is used: a feed with any problem is rejected whole
 * ({@link FeedRejectedException} lists every problem), so a half-read feed can never become a catalog.
 * Fields billing does not use are ignored, so the registry can add descriptive fields freely.
 */
public final class RegistryFeedParser {

    /** The registry's canonical id: a lower-case {@code <org>/<model>} slug. */
    private static final Pattern MODEL_ID =
            Pattern.compile("[a-z0-9]([a-z0-9._-]*[a-z0-9])?/[a-z0-9]([a-z0-9._-]*[a-z0-9])?");
    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z][a-z0-9-]*");

    public static final String MODELS_FILE = "models.json";
    public static final String PROVIDERS_FILE = "providers.json";

    public RegistryFeed parse(String modelsJson, String providersJson) {
        return parse(RegistryJson.read(MODELS_FILE, modelsJson), RegistryJson.read(PROVIDERS_FILE, providersJson));
    }

    public RegistryFeed parse(JsonNode modelsDoc, JsonNode providersDoc) {
        FeedProblems problems = new FeedProblems();
        List<RegistryFeed.Model> models = new ArrayList<>();
        List<RegistryFeed.Provider> providers = new ArrayList<>();
        JsonNode modelData = data(modelsDoc, MODELS_FILE, problems);
        JsonNode providerData = data(providersDoc, PROVIDERS_FILE, problems);
        if (modelData != null && modelData.isEmpty()) {
            // An empty list would withdraw every model at once; far likelier a broken feed than a real change.
            problems.add(MODELS_FILE, "data lists no models");
        }
        Set<String> modelIds = new HashSet<>();
        for (int i = 0; modelData != null && i < modelData.size(); i++) {
            model(modelData.get(i), MODELS_FILE + " data[" + i + "]", modelIds, problems).ifPresent(models::add);
        }
        Set<String> providerIds = new HashSet<>();
        for (int i = 0; providerData != null && i < providerData.size(); i++) {
            provider(providerData.get(i), PROVIDERS_FILE + " data[" + i + "]", providerIds, problems)
                    .ifPresent(providers::add);
        }
        problems.throwIfAny("registry feed");
        return new RegistryFeed(models, providers);
    }

    private static JsonNode data(JsonNode doc, String file, FeedProblems problems) {
        JsonNode data = doc.isObject() ? doc.get("data") : null;
        if (data == null || !data.isArray()) {
            problems.add(file, "expected an object {\"data\": [...]}");
            return null;
        }
        return data;
    }

    private static Optional<RegistryFeed.Model> model(JsonNode node, String at, Set<String> seen,
                                                      FeedProblems problems) {
        if (!node.isObject()) {
            problems.add(at, "a model must be an object");
            return Optional.empty();
        }
        String id = id(node, "id", MODEL_ID, "a lower-case '<org>/<model>' id", at, seen, problems);
        String where = id == null ? at : at + " (" + id + ")";
        String name = optionalText(node, "name", where, problems);
        String family = optionalText(node, "family", where, problems);
        Boolean openWeights = optionalBoolean(node, "open_weights", where, problems);
        List<RegistryFeed.Listing> listings =
                listings(node, "providers", "provider", PROVIDER_ID, "a provider id", where, problems);
        return id == null ? Optional.empty()
                : Optional.of(new RegistryFeed.Model(id, name == null ? id : name, family, openWeights, listings));
    }

    private static Optional<RegistryFeed.Provider> provider(JsonNode node, String at, Set<String> seen,
                                                            FeedProblems problems) {
        if (!node.isObject()) {
            problems.add(at, "a provider must be an object");
            return Optional.empty();
        }
        String id = id(node, "id", PROVIDER_ID, "a lower-case provider id", at, seen, problems);
        String where = id == null ? at : at + " (" + id + ")";
        String displayName = optionalText(node, "display_name", where, problems);
        String name = optionalText(node, "name", where, problems);
        String kind = optionalText(node, "kind", where, problems);
        String status = optionalText(node, "status", where, problems);
        Boolean byok = optionalBoolean(node, "byok", where, problems);
        List<RegistryFeed.Listing> listings = listings(node, "models", "id", MODEL_ID, "a model id", where, problems);
        String shown = displayName != null ? displayName : name != null ? name : id;
        return id == null ? Optional.empty()
                : Optional.of(new RegistryFeed.Provider(id, shown, kind, status, byok, listings));
    }

    private static List<RegistryFeed.Listing> listings(JsonNode node, String field, String idField, Pattern idPattern,
                                                       String idDescription, String at, FeedProblems problems) {
        List<RegistryFeed.Listing> listings = new ArrayList<>();
        JsonNode array = node.get(field);
        if (array == null || array.isNull()) {
            return listings;
        }
        if (!array.isArray()) {
            problems.add(at + "." + field, "must be an array");
            return listings;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode entry = array.get(i);
            String entryAt = at + "." + field + "[" + i + "]";
            if (!entry.isObject()) {
                problems.add(entryAt, "must be an object");
                continue;
            }
            String id = id(entry, idField, idPattern, idDescription, entryAt, seen, problems);
            String where = id == null ? entryAt : entryAt + " (" + id + ")";
            JsonNode pricing = entry.get("pricing");
            Price price = pricing == null || pricing.isNull() ? null
                    : PricingParser.parse(pricing, where + ".pricing", problems);
            if (id != null) {
                listings.add(new RegistryFeed.Listing(id, Optional.ofNullable(price)));
            }
        }
        return listings;
    }

    private static String id(JsonNode node, String field, Pattern pattern, String description, String at,
                             Set<String> seen, FeedProblems problems) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            problems.add(at, "missing " + field + " (" + description + ")");
            return null;
        }
        String id = value.textValue();
        if (!pattern.matcher(id).matches()) {
            problems.add(at + "." + field, "'" + id + "' is not " + description);
            return null;
        }
        if (!seen.add(id)) {
            problems.add(at + "." + field, "duplicate id '" + id + "'");
            return null;
        }
        return id;
    }

    private static String optionalText(JsonNode node, String field, String at, FeedProblems problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.textValue().isBlank()) {
            problems.add(at + "." + field, "must be a non-empty string, got " + value);
            return null;
        }
        return value.textValue();
    }

    private static Boolean optionalBoolean(JsonNode node, String field, String at, FeedProblems problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            problems.add(at + "." + field, "must be true or false, got " + value);
            return null;
        }
        return value.booleanValue();
    }
}
