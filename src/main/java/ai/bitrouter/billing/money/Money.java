package ai.bitrouter.billing.money;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * An exact amount of US dollars, held as micro-USD (µUSD). The catalog quotes USD per million tokens,
 * which is the same number as µUSD per token, so a charge is a plain sum of {@code tokens × rate}
 * without unit conversion.
 *
 * <p>Arithmetic is exact: nothing here rounds except the two explicit conversions that delegate to
 * {@link Rounding}. The value is kept in a canonical form (no trailing zeros, scale never negative) so that
 * {@code equals} means "same amount" and {@code 700} equals {@code 700.000}.
 */
public record Money(BigDecimal microUsd) implements Comparable<Money> {

    public static final Money ZERO = new Money(BigDecimal.ZERO);

    public Money {
        Objects.requireNonNull(microUsd, "microUsd");
        microUsd = canonical(microUsd);
    }

    public static Money ofMicroUsd(BigDecimal microUsd) {
        return new Money(microUsd);
    }

    public static Money ofMicroUsd(long microUsd) {
        return new Money(BigDecimal.valueOf(microUsd));
    }

    public static Money ofUsd(BigDecimal usd) {
        return new Money(usd.movePointRight(6));
    }

    public static Money ofCents(long cents) {
        return new Money(BigDecimal.valueOf(cents).movePointRight(4));
    }

    /** The cost of {@code tokens} at {@code microUsdPerToken}, i.e. at a catalog rate in USD per 1M tokens. */
    public static Money ofTokens(long tokens, BigDecimal microUsdPerToken) {
        return new Money(microUsdPerToken.multiply(BigDecimal.valueOf(tokens)));
    }

    public static Money sum(Iterable<Money> amounts) {
        BigDecimal total = BigDecimal.ZERO;
        for (Money amount : amounts) {
            total = total.add(amount.microUsd);
        }
        return new Money(total);
    }

    public Money plus(Money other) {
        return new Money(microUsd.add(other.microUsd));
    }

    public Money minus(Money other) {
        return new Money(microUsd.subtract(other.microUsd));
    }

    public Money times(long factor) {
        return new Money(microUsd.multiply(BigDecimal.valueOf(factor)));
    }

    /** This amount less {@code discount} percent; exact, because a percentage is a finite decimal. */
    public Money discountedBy(Percentage discount) {
        return new Money(microUsd.multiply(discount.remainingFraction()));
    }

    public int signum() {
        return microUsd.signum();
    }

    public boolean isZero() {
        return microUsd.signum() == 0;
    }

    /** Exact USD, for display or storage in a USD column; no rounding. */
    public BigDecimal toUsd() {
        return canonical(microUsd.movePointLeft(6));
    }

    /** Integer µUSD for JSON wire formats ({@code *_micro_usd}); rounded half-up, see {@link Rounding}. */
    public long toWireMicroUsd() {
        return Rounding.toWireMicroUsd(microUsd);
    }

    /** Whole cents, rounded half-even; only an invoice total is ever rounded this way. */
    public long toCents() {
        return Rounding.toCents(microUsd);
    }

    @Override
    public int compareTo(Money other) {
        return microUsd.compareTo(other.microUsd);
    }

    @Override
    public String toString() {
        return microUsd.toPlainString() + " µUSD";
    }

    private static BigDecimal canonical(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
