package ai.bitrouter.billing.pricing;

import java.util.Optional;

/**
 * One version of the model catalog, as the engine needs to read it. The caller picks the version in effect
 * at the event's time; the engine never asks for "the current" catalog.
 */
public interface CatalogView {

    /** Recorded on every charge so it can be explained and re-priced later. */
    String versionId();

    /** The price a provider lists for serving a model, if any. */
    Optional<Price> listedPrice(String modelId, String providerId);

    /** The model's official price (its vendor's, or derived), if any. */
    Optional<OfficialPrice> officialPrice(String modelId);
}
