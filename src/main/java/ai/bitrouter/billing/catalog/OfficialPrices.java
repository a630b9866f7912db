package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.PricingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides each model's official price, in this order: an admin-set price (kept until an admin changes it);
 * the vendor's own listing; the self-hosted listing divided by (1 − the policy's default open discount),
 * marked derived; otherwise none.
 */
public final class OfficialPrices {

    private OfficialPrices() {
    }

    /** Replaces every official price of {@code catalog} and returns the warnings met on the way. */
    public static List<SyncWarning> apply(CatalogSnapshot.Builder catalog, VendorProviders vendors,
                                          PricingPolicy policy, Map<String, OfficialEntry> adminPrices) {
        List<SyncWarning> warnings = new ArrayList<>();
        catalog.clearOfficial();
        for (String modelId : catalog.models().keySet()) {
            OfficialEntry admin = adminPrices.get(modelId);
            if (admin != null && admin.source() == OfficialSource.ADMIN) {
                catalog.official(modelId, admin);
                continue;
            }
            Optional<String> vendor = vendors.providerFor(modelId);
            if (vendor.isEmpty()) {
                warnings.add(new SyncWarning(SyncWarning.NO_VENDOR_PROVIDER, modelId, null,
                        "no first-party provider is known for organisation '" + VendorProviders.organisationOf(modelId)
                                + "'; the official price can only be derived from the self-hosted price"));
            }
            Optional<Price> vendorPrice = vendor.flatMap(v -> listed(catalog, modelId, v));
            String selfHosted = policy.selfHostedProviderId();
            if (vendorPrice.isPresent()) {
                catalog.official(modelId, new OfficialEntry(vendorPrice.get(), OfficialSource.VENDOR, vendor.get()));
            } else {
                listed(catalog, modelId, selfHosted).ifPresent(p -> catalog.official(modelId, new OfficialEntry(
                        p.undiscountedBy(policy.defaultOpenDiscount()), OfficialSource.DERIVED, selfHosted)));
            }
        }
        return warnings;
    }

    private static Optional<Price> listed(CatalogSnapshot.Builder catalog, String modelId, String providerId) {
        return catalog.offers().getOrDefault(new OfferKey(modelId, providerId), Optional.empty());
    }
}
