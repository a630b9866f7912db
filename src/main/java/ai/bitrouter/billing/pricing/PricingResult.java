package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Money;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How one request was priced, complete enough to explain the charge later and to price it again.
 *
 * @param state             outcome; only {@link PricingState#COMPUTED} charges are owed
 * @param reason            why the state is not {@code computed}
 * @param charge            exact amount owed; zero when not charged, absent when unknown or invalid, so an
 *                          unpriced request can never be mistaken for a free one
 * @param listAmount        the same usage at the list rates (official price for discounted self-hosted traffic)
 * @param discount          discount taken off the list rates, its kind and why
 * @param priceBasis        which catalog price the list rates came from
 * @param listRates         list rates after tier selection, tier inheritance and the reasoning fallback
 * @param effectiveRates    rates actually charged per bucket (list rates less the discount)
 * @param contextTierAbove  threshold of the context tier applied, absent on base rates
 * @param buckets           the normalised token buckets; absent when the usage was invalid
 * @param requestedModel    the requested id parsed into model and variant
 * @param catalogVersionId  catalog version the price was read from
 * @param policyVersionId   pricing policy version applied
 * @param anomaly           a closed family requested with {@code :discount}: no eligible supply should exist
 */
public record PricingResult(String requestId, PricingState state, Optional<String> reason, Optional<Money> charge,
                            Optional<Money> listAmount, DiscountDecision discount, Optional<PriceBasis> priceBasis,
                            Optional<Rates> listRates, Optional<Rates> effectiveRates, OptionalLong contextTierAbove,
                            Optional<Buckets> buckets, ModelRef requestedModel, String catalogVersionId,
                            String policyVersionId, boolean anomaly) {

    public PricingResult {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(charge, "charge");
        Objects.requireNonNull(listAmount, "listAmount");
        Objects.requireNonNull(discount, "discount");
        Objects.requireNonNull(priceBasis, "priceBasis");
        Objects.requireNonNull(listRates, "listRates");
        Objects.requireNonNull(effectiveRates, "effectiveRates");
        Objects.requireNonNull(contextTierAbove, "contextTierAbove");
        Objects.requireNonNull(buckets, "buckets");
        Objects.requireNonNull(requestedModel, "requestedModel");
        Objects.requireNonNull(catalogVersionId, "catalogVersionId");
        Objects.requireNonNull(policyVersionId, "policyVersionId");
        if (charge.isPresent() != (state == PricingState.COMPUTED || state == PricingState.NOT_CHARGED)) {
            throw new IllegalArgumentException("a " + state.wireName() + " result cannot carry charge " + charge);
        }
    }

    /** What the discount saved the customer: list amount less charge, when both are known. */
    public Optional<Money> discountAmount() {
        return charge.flatMap(c -> listAmount.map(l -> l.minus(c)));
    }
}
