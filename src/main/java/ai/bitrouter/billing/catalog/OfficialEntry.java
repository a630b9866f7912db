package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.OfficialPrice;
import ai.bitrouter.billing.pricing.Price;
import java.util.Objects;

/**
 * A model's official price with its provenance: {@code basisProviderId} is the provider whose listing it was
 * taken from (the vendor's, or the self-hosted one it was derived from); absent for an admin-set price.
 */
public record OfficialEntry(Price price, OfficialSource source, String basisProviderId) {

    public OfficialEntry {
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(source, "source");
        if ((source == OfficialSource.ADMIN) != (basisProviderId == null)) {
            throw new IllegalArgumentException("an official price has a basis provider unless an admin set it");
        }
    }

    public static OfficialEntry admin(Price price) {
        return new OfficialEntry(price, OfficialSource.ADMIN, null);
    }

    public OfficialPrice toOfficialPrice() {
        return new OfficialPrice(price, source == OfficialSource.DERIVED);
    }
}
