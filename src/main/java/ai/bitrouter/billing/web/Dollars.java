package ai.bitrouter.billing.web;

import java.math.BigDecimal;

/**
 * Formats an amount the API already rounded ({@code money.Rounding.toWireMicroUsd}) as dollars with all six decimal
 * places, so the page shows exactly the integer the API returns: "$1,234.567890" is 1234567890 micro-USD. Only the
 * decimal point moves; nothing is rounded here.
 */
public final class Dollars {
    private static final int MICRO_DIGITS = 6;

    private Dollars() {
    }

    public static String of(long microUsd) {
        String plain = BigDecimal.valueOf(microUsd).movePointLeft(MICRO_DIGITS).abs().toPlainString();
        int dot = plain.indexOf('.');
        String whole = dot < 0 ? plain : plain.substring(0, dot);
        String fraction = dot < 0 ? "" : plain.substring(dot + 1);
        fraction = (fraction + "000000").substring(0, MICRO_DIGITS);
        StringBuilder grouped = new StringBuilder();
        for (int i = 0; i < whole.length(); i++) {
            if (i > 0 && (whole.length() - i) % 3 == 0) {
                grouped.append(',');
            }
            grouped.append(whole.charAt(i));
        }
        return (microUsd < 0 ? "-$" : "$") + grouped + "." + fraction;
    }
}
