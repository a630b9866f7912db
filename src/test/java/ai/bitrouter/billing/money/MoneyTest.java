package ai.bitrouter.billing.money;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MoneyTest {

    private static Money micro(String value) {
        return Money.ofMicroUsd(new BigDecimal(value));
    }

    @Test
    void equalAmountsAreEqualWhateverTheirScale() {
        assertEquals(micro("700"), micro("700.000000"));
        assertEquals(micro("700").hashCode(), micro("700.000000").hashCode());
        assertEquals(micro("7E+2"), Money.ofMicroUsd(700));
        assertEquals("700", micro("7E+2").microUsd().toPlainString());
    }

    @Test
    void keepsTwelveDecimalPlacesOfUsdAndMore() {
        Money tiny = Money.ofUsd(new BigDecimal("0.000000000001"));
        assertEquals(0, new BigDecimal("0.000001").compareTo(tiny.microUsd()));
        Money sum = tiny.times(3).plus(micro("0.0000001"));
        assertEquals(0, new BigDecimal("0.0000031").compareTo(sum.microUsd()));
        assertEquals(0, new BigDecimal("0.0000000000031").compareTo(sum.toUsd()));
    }

    @Test
    void tokensTimesRateIsExact() {
        assertEquals(micro("712.5"), Money.ofTokens(1_000, new BigDecimal("0.7125")));
        assertEquals(micro("0.000123"), Money.ofTokens(1, new BigDecimal("0.000123")));
        assertEquals(Money.ZERO, Money.ofTokens(0, new BigDecimal("9.99")));
    }

    @Test
    void discountIsExact() {
        assertEquals(micro("1012500"), micro("1350000").discountedBy(Percentage.of(25)));
        assertEquals(micro("810000"), micro("1350000").discountedBy(Percentage.of(40)));
        assertEquals(micro("0.6667"), micro("1").discountedBy(Percentage.of("33.33")));
        assertEquals(Money.ZERO, micro("123.45").discountedBy(Percentage.of(100)));
    }

    @Test
    void arithmetic() {
        assertEquals(micro("438"), Money.sum(List.of(micro("80"), micro("8"), micro("50"), micro("200"), micro("100"))));
        assertEquals(micro("337500"), micro("1350000").minus(micro("1012500")));
        assertEquals(-1, micro("1").minus(micro("2")).signum());
        assertEquals(Money.ZERO, Money.sum(List.of()));
    }

    @ParameterizedTest
    @CsvSource({
            "0.5, 1", "1.5, 2", "2.5, 3", "2.4999999, 2", "2.5000001, 3", "1012500, 1012500",
            "-0.5, -1", "0.4999999999999, 0"
    })
    void wireAmountsRoundHalfUpToIntegerMicroUsd(String exact, long wire) {
        assertEquals(wire, micro(exact).toWireMicroUsd());
    }

    @ParameterizedTest
    @CsvSource({
            // µUSD → cents: 10,000 µUSD is one cent.
            "5000, 0", "15000, 2", "25000, 2", "25000.0001, 3", "35000, 4", "4500000, 450", "1012500, 101",
            "1017500, 102", "9999.999, 1", "-5000, 0", "-15000, -2"
    })
    void centsRoundHalfEven(String exactMicroUsd, long cents) {
        assertEquals(cents, micro(exactMicroUsd).toCents());
    }

    @Test
    void conversionsFromUsdAndCents() {
        assertEquals(Money.ofMicroUsd(4_500_000), Money.ofUsd(new BigDecimal("4.50")));
        assertEquals(Money.ofMicroUsd(1_000_000), Money.ofCents(100));
        assertEquals(0, new BigDecimal("1.0125").compareTo(Money.ofMicroUsd(1_012_500).toUsd()));
        assertEquals(1234, Money.ofCents(1234).toCents());
    }

    @Test
    void wireConversionRefusesAmountsBeyondALong() {
        Money huge = micro("1E+19");
        assertThrows(ArithmeticException.class, huge::toWireMicroUsd);
    }

    @Test
    void ordering() {
        assertEquals(-1, micro("1.000001").compareTo(micro("1.00001")));
        assertEquals(0, micro("2").compareTo(micro("2.00")));
    }
}
