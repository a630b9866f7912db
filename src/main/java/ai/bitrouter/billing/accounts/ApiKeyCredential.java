package ai.bitrouter.billing.accounts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The wire form of an API key, {@code brk_<id>.<secret>}: {@code <id>} is the public, indexed part (20 base32
 * characters, see {@link Ids}), {@code <secret>} 32 random bytes in unpadded base64url (43 characters).
 *
 * <p>A 256-bit random secret cannot be guessed or brute-forced offline, so one SHA-256 is the right stored form:
 * a password hash (bcrypt, PBKDF2) would only add latency to every authenticated request.
 */
public record ApiKeyCredential(String id, String secret) {
    public static final String PREFIX = "brk_";
    private static final Pattern FORMAT = Pattern.compile("brk_([0-9a-hjkmnp-tv-z]{20})\\.([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new key with a fresh id and secret. */
    public static ApiKeyCredential generate() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return new ApiKeyCredential(Ids.apiKeyId(), Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** The key a caller presented, if it has the key's shape at all. */
    public static Optional<ApiKeyCredential> parse(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        var m = FORMAT.matcher(presented.trim());
        return m.matches() ? Optional.of(new ApiKeyCredential(m.group(1), m.group(2))) : Optional.empty();
    }

    public String plaintext() {
        return PREFIX + id + "." + secret;
    }

    public byte[] secretSha256() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Constant-time comparison with a stored hash, so response timing says nothing about how much matched. */
    public boolean matches(byte[] storedSha256) {
        return storedSha256 != null && MessageDigest.isEqual(secretSha256(), storedSha256);
    }

    /** Never the secret: records print their components, and credentials end up in logs by accident. */
    @Override
    public String toString() {
        return "ApiKeyCredential[id=" + id + ", secret=***]";
    }
}
