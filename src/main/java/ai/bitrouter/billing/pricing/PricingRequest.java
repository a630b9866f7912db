package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Percentage;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine needs to know about one request: its final, successful attempt (model served, provider
 * that served it), what the customer asked for (the requested id may carry a variant suffix), and the
 * account's custom discount already resolved for {@code eventTime} (empty when none was in force).
 */
public record PricingRequest(String requestId, String requestedModel, String servedModelId, String providerId,
                             RequestStatus status, FundingSource fundingSource, TokenUsage usage,
                             Instant eventTime, Optional<Percentage> customDiscount) {

    public PricingRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(requestedModel, "requestedModel");
        Objects.requireNonNull(servedModelId, "servedModelId");
        Objects.requireNonNull(providerId, "providerId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(fundingSource, "fundingSource");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(eventTime, "eventTime");
        customDiscount = customDiscount == null ? Optional.empty() : customDiscount;
    }
}
