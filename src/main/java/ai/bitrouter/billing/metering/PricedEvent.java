package ai.bitrouter.billing.metering;

import java.util.UUID;

import ai.bitrouter.billing.pricing.PricingResult;

/** An accepted event, with its account and the pricing result, ready for the ledger. */
public record PricedEvent(UsageEvent event, String payload, Integer partition, Long offset, UUID accountId,
        PricingResult result) {
}
