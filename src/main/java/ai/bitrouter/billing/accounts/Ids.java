package ai.bitrouter.billing.accounts;

import java.security.SecureRandom;

/**
 * Random identifiers in lower-case Crockford base32 (no i, l, o, u): unambiguous when read aloud or copied from a
 * terminal, and safe in paths, headers and the {@code brk_<id>.<secret>} key format.
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Namespace ids: {@code ns_} + 26 characters (130 random bits), the id routers and the CLI carry. */
    public static final String NAMESPACE_PATTERN = "ns_[0-9a-z]{26}";

    private Ids() {
    }

    public static String namespaceId() {
        return "ns_" + random(26);
    }

    /** The public part of an API key: 20 characters (100 bits), so ids never collide in practice. */
    public static String apiKeyId() {
        return random(20);
    }

    static String random(int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
