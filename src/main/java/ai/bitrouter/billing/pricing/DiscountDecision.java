package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Percentage;
import java.util.Objects;

/** The discount taken off the list rates, which kind it is, and a stable code saying why. */
public record DiscountDecision(Percentage percentage, DiscountKind kind, String why) {

    public DiscountDecision {
        Objects.requireNonNull(percentage, "percentage");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(why, "why");
        if (kind == DiscountKind.NONE && !percentage.isZero()) {
            throw new IllegalArgumentException("kind none with a discount of " + percentage);
        }
    }

    static DiscountDecision none(String why) {
        return new DiscountDecision(Percentage.ZERO, DiscountKind.NONE, why);
    }
}
