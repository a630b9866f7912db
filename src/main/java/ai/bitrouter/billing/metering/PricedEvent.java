package ai.bitrouter.billing.metering;

import java.util.UUID;

import ai.bitrouter.billing.pricing.PricingResult;

/** An accepted event, with its account, the pricing result and the ledger columns derived from it. */
public record PricedEvent(UsageEvent event, byte[] payload, Integer partition, Long offset, UUID accountId,
        PricingResult result, LedgerRow row) {

    PricedEvent(UsageEvent e, byte[] payload, Integer partition, Long offset, UUID accountId, PricingResult result) {
        this(e, payload, partition, offset, accountId, result, LedgerRow.of(result, e.promptTokens(),
                e.cacheReadTokens(), e.cacheWriteTokens(), e.completionTokens(), e.reasoningTokens()));
    }
}
