package ai.bitrouter.billing.reports;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

import ai.bitrouter.billing.common.api.ApiException;

/**
 * A report's time window [from, to): RFC 3339 UTC instants, {@code to} defaulting to now and {@code from} to 30 days
 * before {@code to}; at most 366 days (longer spans are more than one request may ask of the database).
 */
public record ReportWindow(Instant from, Instant to) {
    public static final Duration DEFAULT = Duration.ofDays(30);
    public static final Duration MAX = Duration.ofDays(366);

    public ReportWindow {
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("from must be before to");
        }
        if (Duration.between(from, to).compareTo(MAX) > 0) {
            throw ApiException.badRequest("the window may span at most " + MAX.toDays() + " days");
        }
    }

    /** From query parameters (either may be null); bad values are a 400 in the error envelope. */
    public static ReportWindow parse(String fromParam, String toParam) {
        Instant to = toParam == null ? Instant.now().truncatedTo(ChronoUnit.SECONDS) : time("to", toParam);
        Instant from = fromParam == null ? to.minus(DEFAULT) : time("from", fromParam);
        return new ReportWindow(from, to);
    }

    private static Instant time(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an RFC 3339 UTC time, e.g. 2026-11-01T00:00:00Z");
        }
    }
}
