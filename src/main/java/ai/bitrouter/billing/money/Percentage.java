package ai.bitrouter.billing.money;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A percentage between 0 and 100 inclusive, written as a percent ({@code 25} means 25%), which is how
 * admins grant discounts and how the pricing policy states them. Kept in canonical form so {@code 25} and
 * {@code 25.0} are the same value.
 */
public record Percentage(BigDecimal percent) implements Comparable<Percentage> {

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    public static final Percentage ZERO = new Percentage(BigDecimal.ZERO);

    public Percentage {
        Objects.requireNonNull(percent, "percent");
        if (percent.signum() < 0 || percent.compareTo(HUNDRED) > 0) {
            throw new IllegalArgumentException("a percentage must be within [0, 100], got " + percent);
        }
        BigDecimal stripped = percent.stripTrailingZeros();
        percent = stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    public static Percentage of(BigDecimal percent) {
        return new Percentage(percent);
    }

    public static Percentage of(String percent) {
        return new Percentage(new BigDecimal(percent));
    }

    public static Percentage of(long percent) {
        return new Percentage(BigDecimal.valueOf(percent));
    }

    /** 25% → 0.25. Exact: moving the decimal point never rounds. */
    public BigDecimal fraction() {
        return percent.movePointLeft(2);
    }

    /** 25% → 0.75, the factor a price is multiplied by once the discount is taken off. */
    public BigDecimal remainingFraction() {
        return BigDecimal.ONE.subtract(fraction());
    }

    public boolean isZero() {
        return percent.signum() == 0;
    }

    public Percentage max(Percentage other) {
        return compareTo(other) >= 0 ? this : other;
    }

    public Percentage min(Percentage other) {
        return compareTo(other) <= 0 ? this : other;
    }

    @Override
    public int compareTo(Percentage other) {
        return percent.compareTo(other.percent);
    }

    @Override
    public String toString() {
        return percent.toPlainString() + "%";
    }
}
