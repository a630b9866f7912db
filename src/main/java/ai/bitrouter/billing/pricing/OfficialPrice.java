package ai.bitrouter.billing.pricing;

import java.util.Objects;

/**
 * A model's official price: its vendor's listed price, or, when the vendor lists none, one derived from the
 * self-hosted price ({@code derived = true}) so that reports can tell the two apart.
 */
public record OfficialPrice(Price price, boolean derived) {

    public OfficialPrice {
        Objects.requireNonNull(price, "price");
    }
}
