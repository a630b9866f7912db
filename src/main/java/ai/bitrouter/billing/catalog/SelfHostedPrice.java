package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.money.Percentage;
import ai.bitrouter.billing.pricing.ContextTier;
import ai.bitrouter.billing.pricing.Price;

/** What self-hosted open-model traffic is charged: the official price less a discount, base and tiers alike. */
public final class SelfHostedPrice {

    private SelfHostedPrice() {
    }

    public static Price of(Price official, Percentage discount) {
        return new Price(official.base().discountedBy(discount), official.contextTiers().stream()
                .map(t -> new ContextTier(t.aboveInputTokens(), t.rates().discountedBy(discount))).toList());
    }
}
