package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.pricing.Rates;

/** The effective rates a ledger row keeps: exact decimal strings, in the registry's field order, missing ones left out. */
class LedgerRowTest {

    @Test
    void everyRateIsWrittenAsItsExactDecimalStringScaleIncluded() {
        Rates rates = new Rates(new BigDecimal("0.450000"), new BigDecimal("0.1125"), new BigDecimal("0"),
                new BigDecimal("1.875"), new BigDecimal("2.5E+1"));
        assertEquals("{\"no_cache\":\"0.450000\",\"cache_read\":\"0.1125\",\"cache_write\":\"0\",\"text\":\"1.875\","
                + "\"reasoning\":\"25\"}", LedgerRow.ratesJson(rates));
    }

    @Test
    void aMissingRateIsLeftOutNotWrittenAsZero() {
        assertEquals("{\"cache_read\":\"0.03\",\"reasoning\":\"4\"}",
                LedgerRow.ratesJson(new Rates(null, new BigDecimal("0.03"), null, null, new BigDecimal("4"))));
        assertEquals("{\"text\":\"0.6\"}", LedgerRow.ratesJson(new Rates(null, null, null, new BigDecimal("0.6"), null)));
        assertEquals("{}", LedgerRow.ratesJson(Rates.NONE));
    }
}
