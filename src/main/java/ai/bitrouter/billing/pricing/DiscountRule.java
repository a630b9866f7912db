package ai.bitrouter.billing.pricing;

import static ai.bitrouter.billing.pricing.PricingReasons.DISCOUNT_CLOSED_FAMILY;
import static ai.bitrouter.billing.pricing.PricingReasons.DISCOUNT_CUSTOM;
import static ai.bitrouter.billing.pricing.PricingReasons.DISCOUNT_CUSTOM_CAPPED;
import static ai.bitrouter.billing.pricing.PricingReasons.DISCOUNT_CUSTOM_NOT_DEEPER;
import static ai.bitrouter.billing.pricing.PricingReasons.DISCOUNT_DEFAULT_OPEN;
import static ai.bitrouter.billing.pricing.PricingReasons.DISCOUNT_NOT_SELF_HOSTED;
import static ai.bitrouter.billing.pricing.PricingReasons.DISCOUNT_NO_CUSTOM_GRANT;

import ai.bitrouter.billing.money.Percentage;
import java.util.Optional;

/** Which discount a billable request gets. */
final class DiscountRule {

    private DiscountRule() {
    }

    static DiscountDecision decide(PricingPolicy policy, boolean closedFamily, boolean selfHosted, ModelRef requested,
                                   Optional<Percentage> customDiscount) {
        if (closedFamily) {
            return DiscountDecision.none(DISCOUNT_CLOSED_FAMILY);
        }
        if (!selfHosted) {
            return DiscountDecision.none(DISCOUNT_NOT_SELF_HOSTED);
        }
        Percentage standard = policy.defaultOpenDiscount();
        if (!requested.isDiscountVariant()) {
            return new DiscountDecision(standard, DiscountKind.SELF_HOSTED_DEFAULT, DISCOUNT_DEFAULT_OPEN);
        }
        if (customDiscount.isEmpty()) {
            return new DiscountDecision(standard, DiscountKind.SELF_HOSTED_DEFAULT, DISCOUNT_NO_CUSTOM_GRANT);
        }
        Percentage granted = customDiscount.get();
        Percentage capped = granted.min(policy.customDiscountCap());
        // Replaces the default only when deeper; stacking 25% and 40% would exceed the promised "up to 50%".
        if (capped.compareTo(standard) <= 0) {
            return new DiscountDecision(standard, DiscountKind.SELF_HOSTED_DEFAULT, DISCOUNT_CUSTOM_NOT_DEEPER);
        }
        String why = capped.compareTo(granted) < 0 ? DISCOUNT_CUSTOM_CAPPED : DISCOUNT_CUSTOM;
        return new DiscountDecision(capped, DiscountKind.CUSTOM, why);
    }
}
