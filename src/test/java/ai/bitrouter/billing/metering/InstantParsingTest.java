package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The parser's fast path for event times must agree with {@link Instant#parse} on everything, accepted or not. */
class InstantParsingTest {

    @Test
    void agreesWithInstantParseOnRandomTimesWithEveryFractionLength() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 250_000_000_000L),
                    random.nextInt(1_000_000_000));
            String iso = t.toString(); // 0, 3, 6 or 9 fraction digits
            int digits = random.nextInt(10);
            String text = iso.substring(0, 19) + (digits == 0 ? "" : "." + String.format("%09d", t.getNano())
                    .substring(0, digits)) + "Z";
            if (text.charAt(4) != '-') {
                continue; // years beyond four digits are Instant.parse's alone
            }
            assertEquals(Instant.parse(text), UsageEventParser.parseInstant(text), text);
        }
    }

    @Test
    void edgesOfTheCalendarAgree() {
        for (String text : List.of("2024-02-29T23:59:59.999999999Z", "2000-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
                "1969-12-31T23:59:59.9Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-12-31T23:59:59.999999Z",
                "2026-11-02T10:00:00.1Z")) {
            assertEquals(Instant.parse(text), UsageEventParser.parseInstant(text), text);
        }
    }

    @Test
    void otherFormsTakeTheGeneralParserAndGetItsAnswer() {
        // Lower case, an offset, an empty fraction, a leap second, and 24:00 (the next midnight) are all Instant.parse's.
        for (String text : List.of("2026-11-02t10:00:00z", "2026-11-02T10:00:00+01:00", "2026-11-02T10:00:00.Z",
                "2016-12-31T23:59:60Z", "2026-11-02T24:00:00Z")) {
            assertEquals(Instant.parse(text), UsageEventParser.parseInstant(text), text);
        }
    }

    @Test
    void whatInstantParseRefusesIsRefused() {
        for (String text : List.of("2026-02-29T10:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
                "2026-11-02T10:60:00Z", "2026-11-02T10:00:00.1234567890Z",
                "2026-11-02 10:00:00Z", "2026-11-02T10:00:00", "2026-1x-02T10:00:00Z", "2026-11-02T10:00:00.12a4Z")) {
            assertThrows(DateTimeException.class, () -> Instant.parse(text), "control: " + text);
            assertThrows(DateTimeException.class, () -> UsageEventParser.parseInstant(text), text);
        }
    }
}
