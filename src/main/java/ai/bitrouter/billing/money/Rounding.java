package ai.bitrouter.billing.money;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Every rounding rule of the product. Nothing else in the code base calls {@code setScale} or
 * {@code divide} with a rounding mode on an amount or a rate, so a change of rule is a change here.
 */
public final class Rounding {

    /** Micro-USD per cent: amounts are micro-USD, invoices are cents. */
    private static final int MICRO_USD_PER_CENT_EXPONENT = 4;

    /**
     * Decimal places kept on a rate that had to be divided (a derived official price). Twelve places of
     * micro-USD per token is far below anything a billion-token request could surface as a cent.
     */
    public static final int DERIVED_RATE_SCALE = 12;

    private Rounding() {
    }

    /**
     * The SDK reads integer micro-USD; the exact amount is rounded half-up once, where it is displayed,
     * so that a half micro-dollar is never silently dropped in the customer's favour or against them twice.
     */
    public static long toWireMicroUsd(BigDecimal exactMicroUsd) {
        return exactMicroUsd.setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /**
     * An invoice total is rounded half-even so that, across many invoices, rounding does not drift in
     * either party's favour.
     */
    public static long toCents(BigDecimal exactMicroUsd) {
        return exactMicroUsd.movePointLeft(MICRO_USD_PER_CENT_EXPONENT)
                .setScale(0, RoundingMode.HALF_EVEN)
                .longValueExact();
    }

    /** Whole cents not above the amount: the starting point of the largest-remainder allocation. */
    static BigDecimal floorCents(BigDecimal exactMicroUsd) {
        return exactMicroUsd.movePointLeft(MICRO_USD_PER_CENT_EXPONENT).setScale(0, RoundingMode.FLOOR);
    }

    /** Whole micro-USD not above the amount: the starting point of {@link MicroUsdAllocator}. */
    static BigDecimal floorMicroUsd(BigDecimal exactMicroUsd) {
        return exactMicroUsd.setScale(0, RoundingMode.FLOOR);
    }

    static BigDecimal exactCents(BigDecimal exactMicroUsd) {
        return exactMicroUsd.movePointLeft(MICRO_USD_PER_CENT_EXPONENT);
    }

    /**
     * A rate obtained by division (e.g. the self-hosted price divided by 0.75) may not terminate; it is
     * kept at {@link #DERIVED_RATE_SCALE} places, half-even, then trailing zeros are dropped so that an
     * exact quotient (0.7125 / 0.75 = 0.95) reads exactly as the vendor would have written it.
     */
    public static BigDecimal derivedRate(BigDecimal dividend, BigDecimal divisor) {
        return dividend.divide(divisor, DERIVED_RATE_SCALE, RoundingMode.HALF_EVEN).stripTrailingZeros();
    }
}
