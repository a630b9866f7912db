package ai.bitrouter.billing.money;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PercentageTest {

    @Test
    void fractionsAreExact() {
        assertEquals(0, new BigDecimal("0.25").compareTo(Percentage.of(25).fraction()));
        assertEquals(0, new BigDecimal("0.75").compareTo(Percentage.of(25).remainingFraction()));
        assertEquals(0, new BigDecimal("0.8765").compareTo(Percentage.of("12.35").remainingFraction()));
    }

    @Test
    void onlyZeroToHundredIsAPercentage() {
        assertThrows(IllegalArgumentException.class, () -> Percentage.of(-1));
        assertThrows(IllegalArgumentException.class, () -> Percentage.of("100.0001"));
        assertEquals(Percentage.of(100), Percentage.of("100.000"));
        assertTrue(Percentage.of(0).isZero());
        assertFalse(Percentage.of("0.01").isZero());
    }

    @Test
    void equalValuesAreEqualWhateverTheirScale() {
        assertEquals(Percentage.of(25), Percentage.of("25.00"));
        assertEquals("25%", Percentage.of("25.00").toString());
    }

    @Test
    void maxAndMin() {
        Percentage quarter = Percentage.of(25);
        Percentage forty = Percentage.of(40);
        assertSame(forty, quarter.max(forty));
        assertSame(quarter, quarter.min(forty));
        assertSame(forty, forty.max(quarter));
    }
}
