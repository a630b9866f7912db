package ai.bitrouter.billing.invoicing;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A billing period: a calendar month in UTC, by event time (PRICING.md "Invoices"). An event at
 * 23:59:59.999999 on the last day belongs to that month; midnight UTC of the 1st belongs to the next one.
 */
public record BillingPeriod(YearMonth month) implements Comparable<BillingPeriod> {

    public static BillingPeriod of(YearMonth month) {
        return new BillingPeriod(month);
    }

    public static BillingPeriod containing(Instant instant) {
        return new BillingPeriod(YearMonth.from(instant.atZone(ZoneOffset.UTC)));
    }

    public static BillingPeriod startingOn(LocalDate firstDay) {
        if (firstDay.getDayOfMonth() != 1) {
            throw new IllegalArgumentException("a billing period starts on the 1st, not " + firstDay);
        }
        return new BillingPeriod(YearMonth.from(firstDay));
    }

    /** {@code 2026-10}; anything else is an {@link IllegalArgumentException} naming the expected form. */
    public static BillingPeriod parse(String text) {
        try {
            return new BillingPeriod(YearMonth.parse(text));
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IllegalArgumentException("a billing period is written YYYY-MM, e.g. 2026-10");
        }
    }

    public LocalDate firstDay() {
        return month.atDay(1);
    }

    /** The first day of the next period: the period is [firstDay, endExclusive). */
    public LocalDate endExclusive() {
        return month.plusMonths(1).atDay(1);
    }

    public Instant start() {
        return firstDay().atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public Instant end() {
        return endExclusive().atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public BillingPeriod previous() {
        return new BillingPeriod(month.minusMonths(1));
    }

    public BillingPeriod next() {
        return new BillingPeriod(month.plusMonths(1));
    }

    @Override
    public int compareTo(BillingPeriod other) {
        return month.compareTo(other.month);
    }

    @Override
    public String toString() {
        return month.toString();
    }
}
