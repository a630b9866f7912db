package ai.bitrouter.billing.metering;

import java.time.Instant;
import java.util.Optional;

import ai.bitrouter.billing.catalog.CatalogService;
import ai.bitrouter.billing.money.Percentage;
import ai.bitrouter.billing.pricing.CatalogView;
import ai.bitrouter.billing.pricing.FundingSource;
import ai.bitrouter.billing.pricing.ModelRef;
import ai.bitrouter.billing.pricing.PricingEngine;
import ai.bitrouter.billing.pricing.PricingRequest;
import ai.bitrouter.billing.pricing.PricingResult;
import ai.bitrouter.billing.pricing.PricingState;
import ai.bitrouter.billing.pricing.RequestStatus;
import ai.bitrouter.billing.pricing.TokenUsage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Feeds a usage row to the pure pricing engine with the catalog and policy in force at the event's time. */
@ApplicationScoped
public class UsagePricer {
    private final PricingEngine engine = new PricingEngine();

    @Inject
    CatalogService catalog;

    /** The facts of one request the engine needs, whether they come from a fresh event or a parked ledger row. */
    public record Facts(String requestId, String requestedModel, String servedModelId, String providerId,
            String status, String fundingSource, TokenUsage usage, Instant eventTime) {

        static Facts of(UsageEvent e) {
            return new Facts(e.requestId(), e.model(), e.servedModelId(), e.providerId(), e.status(), e.fundingSource(),
                    new TokenUsage(e.promptTokens(), e.completionTokens(), e.cacheReadTokens(), e.cacheWriteTokens(),
                            e.reasoningTokens()),
                    e.time());
        }
    }

    /** Priced at the catalog version in effect at the event's time. */
    public PricingResult price(Facts f, Optional<Percentage> customDiscount) {
        return price(f, customDiscount, catalog.at(f.eventTime()));
    }

    /**
     * For a parked row: the catalog of its own time if that can price it now (an admin fixed that version's
     * official price), else the current catalog, which is where a rate that was missing gets added.
     */
    public PricingResult reprice(Facts f, Optional<Percentage> customDiscount) {
        PricingResult atEventTime = price(f, customDiscount);
        if (atEventTime.state() != PricingState.UNKNOWN) {
            return atEventTime;
        }
        return catalog.versionAt(Instant.now())
                .filter(current -> !current.versionId().equals(atEventTime.catalogVersionId()))
                .map(current -> price(f, customDiscount, current))
                .filter(r -> r.state() != PricingState.UNKNOWN)
                .orElse(atEventTime);
    }

    private PricingResult price(Facts f, Optional<Percentage> customDiscount, CatalogView view) {
        // A failed request may name no served model or provider; it is not charged either way.
        String served = f.servedModelId() != null ? f.servedModelId() : ModelRef.parse(f.requestedModel()).modelId();
        String provider = f.providerId() != null ? f.providerId() : "";
        PricingRequest request = new PricingRequest(f.requestId(), f.requestedModel(), served, provider,
                RequestStatus.fromWire(f.status()), FundingSource.fromWire(f.fundingSource()), f.usage(), f.eventTime(),
                customDiscount);
        return engine.price(request, view, catalog.policyAt(f.eventTime()));
    }
}
