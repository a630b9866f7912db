package ai.bitrouter.billing.stripestandin;

import java.security.SecureRandom;

/** Stripe-like identifiers: a type prefix and random alphanumerics ({@code cus_}, {@code in_}, {@code il_}, ...). */
final class Ids {
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    static String next(String prefix) {
        return prefix + "_" + random(24);
    }

    static String random(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** Stripe's per-customer invoice number prefix: eight upper-case letters and digits. */
    static String invoicePrefix() {
        StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(36)));
        }
        return sb.toString();
    }
}
