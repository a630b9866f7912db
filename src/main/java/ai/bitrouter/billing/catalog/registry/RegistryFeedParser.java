package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.pricing.Price;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Validates a registry feed before any of it is used. Only a structurally broken feed (a document that is not
 * {@code {"data": [...]}}, or no model that can be read) is rejected whole ({@link FeedRejectedException} lists every
 * problem), so a half-read feed can never become a catalog. Anything smaller is the entry's own problem: a model,
 * offer or provider entry that cannot be read exactly is left out and listed in {@link RegistryFeed#skipped()} with
 * the reason, and the rest of the feed imports. A price is never guessed: an unreadable rate skips its offer.
 * Fields billing does not use are ignored, so the registry can add descriptive fields freely (both the frozen
 * provider-registry layout and the bitrouter/bitrouter {@code dist/registry} layout read the same way).
 */
public final class RegistryFeedParser {

    /** The registry's canonical id: a lower-case {@code <org>/<model>} slug. */
    private static final Pattern MODEL_ID =
            Pattern.compile("[a-z0-9]([a-z0-9._-]*[a-z0-9])?/[a-z0-9]([a-z0-9._-]*[a-z0-9])?");
    /** Lower-case; the dist/registry layout has regional ids such as {@code alibaba_cn}. */
    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z][a-z0-9_-]*");

    public static final String MODELS_FILE = "models.json";
    public static final String PROVIDERS_FILE = "providers.json";

    public RegistryFeed parse(String modelsJson, String providersJson) {
        return parse(RegistryJson.read(MODELS_FILE, modelsJson), RegistryJson.read(PROVIDERS_FILE, providersJson));
    }

    public RegistryFeed parse(JsonNode modelsDoc, JsonNode providersDoc) {
        FeedProblems problems = new FeedProblems();
        List<RegistryFeed.Model> models = new ArrayList<>();
        List<RegistryFeed.Provider> providers = new ArrayList<>();
        List<RegistryFeed.Skipped> skipped = new ArrayList<>();
        JsonNode modelData = data(modelsDoc, MODELS_FILE, problems);
        JsonNode providerData = data(providersDoc, PROVIDERS_FILE, problems);
        if (modelData != null && modelData.isEmpty()) {
            // An empty list would withdraw every model at once; far likelier a broken feed than a real change.
            problems.add(MODELS_FILE, "data lists no models");
        }
        Set<String> modelIds = new HashSet<>();
        for (int i = 0; modelData != null && i < modelData.size(); i++) {
            model(modelData.get(i), MODELS_FILE + " data[" + i + "]", modelIds, skipped).ifPresent(models::add);
        }
        if (modelData != null && !modelData.isEmpty() && models.isEmpty()) {
            problems.add(MODELS_FILE, "not one of the " + modelData.size() + " models could be read");
        }
        Set<String> providerIds = new HashSet<>();
        for (int i = 0; providerData != null && i < providerData.size(); i++) {
            provider(providerData.get(i), PROVIDERS_FILE + " data[" + i + "]", providerIds, skipped)
                    .ifPresent(providers::add);
        }
        problems.throwIfAny("registry feed");
        return new RegistryFeed(models, providers, skipped);
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
                                                      List<RegistryFeed.Skipped> skipped) {
        FeedProblems problems = new FeedProblems();
        if (!node.isObject()) {
            skipped.add(new RegistryFeed.Skipped(MODELS_FILE, null, null, at + ": a model must be an object"));
            return Optional.empty();
        }
        String id = id(node, "id", MODEL_ID, "a lower-case '<org>/<model>' id", at, seen, problems);
        String where = id == null ? at : at + " (" + id + ")";
        String name = optionalText(node, "name", where, problems);
        String family = optionalText(node, "family", where, problems);
        // open_weights decides the open-model discount: an entry whose value is unreadable is not priced at a guess.
        Boolean openWeights = optionalBoolean(node, "open_weights", where, problems);
        if (id == null || !problems.isEmpty()) {
            skipped.add(new RegistryFeed.Skipped(MODELS_FILE, id == null ? textOrNull(node, "id") : id, null,
                    problems.joined()));
            return Optional.empty();
        }
        List<RegistryFeed.Listing> listings = listings(node, "providers", "provider", PROVIDER_ID, "a provider id",
                where, listing -> new RegistryFeed.Skipped(MODELS_FILE, id, listing.id, listing.reason), skipped);
        return Optional.of(new RegistryFeed.Model(id, name == null ? id : name, family, openWeights, listings));
    }

    private static Optional<RegistryFeed.Provider> provider(JsonNode node, String at, Set<String> seen,
                                                            List<RegistryFeed.Skipped> skipped) {
        FeedProblems problems = new FeedProblems();
        if (!node.isObject()) {
            skipped.add(new RegistryFeed.Skipped(PROVIDERS_FILE, null, null, at + ": a provider must be an object"));
            return Optional.empty();
        }
        String id = id(node, "id", PROVIDER_ID, "a lower-case provider id", at, seen, problems);
        String where = id == null ? at : at + " (" + id + ")";
        String displayName = optionalText(node, "display_name", where, problems);
        String name = optionalText(node, "name", where, problems);
        String kind = optionalText(node, "kind", where, problems);
        String status = optionalText(node, "status", where, problems);
        Boolean byok = optionalBoolean(node, "byok", where, problems);
        if (id == null || !problems.isEmpty()) {
            skipped.add(new RegistryFeed.Skipped(PROVIDERS_FILE, null, id == null ? textOrNull(node, "id") : id,
                    problems.joined()));
            return Optional.empty();
        }
        List<RegistryFeed.Listing> listings = listings(node, "models", "id", MODEL_ID, "a model id", where,
                listing -> new RegistryFeed.Skipped(PROVIDERS_FILE, listing.id, id, listing.reason), skipped);
        String shown = displayName != null ? displayName : name != null ? name : id;
        return Optional.of(new RegistryFeed.Provider(id, shown, kind, status, byok, listings));
    }

    /** A listing that could not be read: its id as written (may be null) and why. */
    private record BadListing(String id, String reason) {
    }

    private static List<RegistryFeed.Listing> listings(JsonNode node, String field, String idField, Pattern idPattern,
                                                       String idDescription, String at,
                                                       Function<BadListing, RegistryFeed.Skipped> skip,
                                                       List<RegistryFeed.Skipped> skipped) {
        List<RegistryFeed.Listing> listings = new ArrayList<>();
        JsonNode array = node.get(field);
        if (array == null || array.isNull()) {
            return listings;
        }
        if (!array.isArray()) {
            skipped.add(skip.apply(new BadListing(null, at + "." + field + ": must be an array")));
            return listings;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode entry = array.get(i);
            String entryAt = at + "." + field + "[" + i + "]";
            if (!entry.isObject()) {
                skipped.add(skip.apply(new BadListing(null, entryAt + ": must be an object")));
                continue;
            }
            FeedProblems problems = new FeedProblems();
            String id = id(entry, idField, idPattern, idDescription, entryAt, seen, problems);
            String where = id == null ? entryAt : entryAt + " (" + id + ")";
            JsonNode pricing = entry.get("pricing");
            Price price = pricing == null || pricing.isNull() ? null
                    : PricingParser.parse(pricing, where + ".pricing", problems);
            if (id == null || !problems.isEmpty()) {
                skipped.add(skip.apply(new BadListing(id == null ? textOrNull(entry, idField) : id,
                        problems.joined())));
                continue;
            }
            listings.add(new RegistryFeed.Listing(id, Optional.ofNullable(price)));
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

    /** An id as written, for the report of an entry whose id did not pass; null when it is not text at all. */
    private static String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
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
