package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Money;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * Prices one request. Stateless and deterministic: the same request, catalog version and policy version
 * always give the same result, which is what makes re-pricing a parked request safe.
 *
 * <p>Checks run in this order. Invalid token counts first: such an event goes to the dead-letter path and is
 * never priced, even if it also failed, because its counts cannot be trusted for reports either. Then
 * non-succeeded and BYOK requests, which are recorded at zero. Then the price: official rate less the
 * discount for an open model served by the self-hosted provider, otherwise the serving provider's listed rate.
 */
public final class PricingEngine {

    public PricingResult price(PricingRequest request, CatalogView catalog, PricingPolicy policy) {
        ModelRef requested = ModelRef.parse(request.requestedModel());
        boolean closedFamily = policy.isClosedFamily(request.servedModelId());
        Outcome outcome = new Outcome(request.requestId(), requested, catalog.versionId(), policy.versionId(),
                closedFamily && requested.isDiscountVariant());

        Optional<String> invalid = request.usage().invalidReason();
        if (invalid.isPresent()) {
            return outcome.unpriced(PricingState.INVALID, invalid.get(), Optional.empty());
        }
        Buckets buckets = request.usage().toBuckets();
        if (request.status() != RequestStatus.SUCCEEDED) {
            return outcome.notCharged(PricingReasons.NOT_SUCCEEDED, buckets);
        }
        if (request.fundingSource() == FundingSource.BYOK) {
            return outcome.notCharged(PricingReasons.BYOK, buckets);
        }

        boolean selfHosted = policy.isSelfHosted(request.providerId());
        boolean officialBasis = selfHosted && !closedFamily;
        Optional<BasedPrice> price = officialBasis
                ? catalog.officialPrice(request.servedModelId()).map(o -> new BasedPrice(o.price(),
                        o.derived() ? PriceBasis.OFFICIAL_DERIVED : PriceBasis.OFFICIAL))
                : catalog.listedPrice(request.servedModelId(), request.providerId())
                        .map(p -> new BasedPrice(p, PriceBasis.PROVIDER_LISTED));
        if (price.isEmpty()) {
            String reason = officialBasis ? PricingReasons.MISSING_OFFICIAL_PRICE : PricingReasons.MISSING_LISTED_PRICE;
            return outcome.unpriced(PricingState.UNKNOWN, reason, Optional.of(buckets));
        }

        DiscountDecision discount = DiscountRule.decide(policy, closedFamily, selfHosted, requested,
                request.customDiscount());
        long promptTokens = request.usage().promptTokens();
        Price chosen = price.get().price();
        OptionalLong tier = chosen.tierFor(promptTokens)
                .map(t -> OptionalLong.of(t.aboveInputTokens())).orElse(OptionalLong.empty());
        Rates listRates = chosen.ratesFor(promptTokens).withReasoningResolved();
        Rates effectiveRates = listRates.discountedBy(discount.percentage());
        Priced priced = new Priced(price.get().basis(), discount, listRates, effectiveRates, tier, buckets);

        List<Bucket> missing = missingRates(buckets, listRates);
        if (!missing.isEmpty()) {
            String reason = PricingReasons.MISSING_RATE_PREFIX
                    + missing.stream().map(Bucket::code).collect(Collectors.joining(","));
            return outcome.priced(PricingState.UNKNOWN, Optional.of(reason), Optional.empty(), Optional.empty(), priced);
        }
        return outcome.priced(PricingState.COMPUTED, Optional.empty(),
                Optional.of(amount(buckets, effectiveRates)), Optional.of(amount(buckets, listRates)), priced);
    }

    /** Buckets that hold tokens but have no rate; an empty bucket needs none. */
    private static List<Bucket> missingRates(Buckets buckets, Rates rates) {
        List<Bucket> missing = new ArrayList<>();
        for (Bucket bucket : Bucket.values()) {
            if (buckets.tokens(bucket) > 0 && rates.rateFor(bucket) == null) {
                missing.add(bucket);
            }
        }
        return missing;
    }

    private static Money amount(Buckets buckets, Rates rates) {
        Money total = Money.ZERO;
        for (Bucket bucket : Bucket.values()) {
            long tokens = buckets.tokens(bucket);
            if (tokens > 0) {
                total = total.plus(Money.ofTokens(tokens, rates.rateFor(bucket)));
            }
        }
        return total;
    }

    private record BasedPrice(Price price, PriceBasis basis) {
    }

    private record Priced(PriceBasis basis, DiscountDecision discount, Rates listRates, Rates effectiveRates,
                          OptionalLong tier, Buckets buckets) {
    }

    /** The fields every result of one request shares, so each exit states only what differs. */
    private record Outcome(String requestId, ModelRef requested, String catalogVersionId, String policyVersionId,
                           boolean anomaly) {

        PricingResult unpriced(PricingState state, String reason, Optional<Buckets> buckets) {
            return new PricingResult(requestId, state, Optional.of(reason), Optional.empty(), Optional.empty(),
                    DiscountDecision.none(PricingReasons.DISCOUNT_NOT_PRICED), Optional.empty(), Optional.empty(),
                    Optional.empty(), OptionalLong.empty(), buckets, requested, catalogVersionId, policyVersionId,
                    anomaly);
        }

        PricingResult notCharged(String reason, Buckets buckets) {
            return new PricingResult(requestId, PricingState.NOT_CHARGED, Optional.of(reason), Optional.of(Money.ZERO),
                    Optional.of(Money.ZERO), DiscountDecision.none(PricingReasons.DISCOUNT_NOT_PRICED),
                    Optional.empty(), Optional.empty(), Optional.empty(), OptionalLong.empty(), Optional.of(buckets),
                    requested, catalogVersionId, policyVersionId, anomaly);
        }

        PricingResult priced(PricingState state, Optional<String> reason, Optional<Money> charge,
                             Optional<Money> listAmount, Priced priced) {
            return new PricingResult(requestId, state, reason, charge, listAmount, priced.discount(),
                    Optional.of(priced.basis()), Optional.of(priced.listRates()), Optional.of(priced.effectiveRates()),
                    priced.tier(), Optional.of(priced.buckets()), requested, catalogVersionId, policyVersionId,
                    anomaly);
        }
    }
}
