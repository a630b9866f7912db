package ai.bitrouter.billing.money;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class RoundingTest {

    @Test
    void anExactQuotientKeepsItsOwnDigits() {
        assertEquals(new BigDecimal("0.95"), Rounding.derivedRate(new BigDecimal("0.7125"), new BigDecimal("0.75")));
        assertEquals(new BigDecimal("4"), Rounding.derivedRate(new BigDecimal("3.00"), new BigDecimal("0.75")));
    }

    @Test
    void aRepeatingQuotientIsKeptAtTwelvePlacesHalfEven() {
        assertEquals(new BigDecimal("1.333333333333"), Rounding.derivedRate(BigDecimal.ONE, new BigDecimal("0.75")));
        assertEquals(new BigDecimal("2.666666666667"), Rounding.derivedRate(new BigDecimal("2"), new BigDecimal("0.75")));
    }
}
