package ai.bitrouter.billing.catalog.registry;

import ai.bitrouter.billing.pricing.Price;
import java.util.List;
import java.util.Optional;

/**
 * A registry feed ({@code models.json} + {@code providers.json}) that passed validation: ids well-formed and
 * unique, rates exact and non-negative, tiers ascending. Only the fields billing uses are kept.
 */
public record RegistryFeed(List<Model> models, List<Provider> providers, List<Skipped> skipped) {

    public RegistryFeed {
        models = List.copyOf(models);
        providers = List.copyOf(providers);
        skipped = List.copyOf(skipped);
    }

    public RegistryFeed(List<Model> models, List<Provider> providers) {
        this(models, providers, List.of());
    }

    /**
     * An entry left out because something in it could not be read. {@code file} says which document; in
     * {@code models.json} a null {@code provider} means the whole model entry, otherwise one offer; either id may be
     * null where the entry's own id could not be read.
     */
    public record Skipped(String file, String model, String provider, String reason) {
    }

    /** A provider's listing of a model; an empty price means listed without pricing. */
    public record Listing(String id, Optional<Price> price) {
    }

    /** A model with its listings, {@code Listing.id} being the provider's id. */
    public record Model(String id, String name, String family, Boolean openWeights, List<Listing> providers) {
    }

    /** A provider with its listings, {@code Listing.id} being the model's id. */
    public record Provider(String id, String name, String kind, String status, Boolean byok, List<Listing> models) {
    }
}
