package ai.bitrouter.billing.invoicing.stripe;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies Stripe's {@code Stripe-Signature} header over the raw request bytes: {@code t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "t.body">[,v1=...]}. Stricter than stripe-java's own check: a timestamp too far in the FUTURE is
 * refused as well as a stale one, and any of several secrets may match (rotation). The body must be the bytes as
 * received: a body re-serialised by a JSON filter no longer matches, by design.
 */
public final class WebhookSignature {

    private WebhookSignature() {
    }

    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    public static void verify(byte[] body, String header, List<String> secrets, Instant now, Duration tolerance)
            throws Invalid {
        if (header == null || header.isBlank()) {
            throw new Invalid("missing Stripe-Signature header");
        }
        if (secrets.isEmpty()) {
            throw new Invalid("no webhook secret is configured");
        }
        Long t = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = part.substring(0, eq).strip();
            String v = part.substring(eq + 1).strip();
            if (k.equals("t")) {
                try {
                    t = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new Invalid("the signature timestamp is not a number");
                }
            } else if (k.equals("v1")) {
                try {
                    signatures.add(HexFormat.of().parseHex(v));
                } catch (IllegalArgumentException e) {
                    // A malformed v1 cannot match; others may.
                }
            }
        }
        if (t == null) {
            throw new Invalid("the signature has no timestamp");
        }
        if (signatures.isEmpty()) {
            throw new Invalid("the signature has no v1 value");
        }
        long skew = Math.abs(now.getEpochSecond() - t);
        if (skew > tolerance.toSeconds()) {
            throw new Invalid("the signature timestamp is " + skew + " s away from now, beyond the tolerance of "
                    + tolerance.toSeconds() + " s");
        }
        byte[] signed = signedPayload(t, body);
        for (String secret : secrets) {
            byte[] expected = hmac(secret, signed);
            for (byte[] candidate : signatures) {
                if (MessageDigest.isEqual(expected, candidate)) {
                    return;
                }
            }
        }
        throw new Invalid("no signature matches");
    }

    /** What the sender signs; public so the stand-in's tests and ours sign the same way. */
    public static String sign(String secret, long timestamp, byte[] body) {
        return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(hmac(secret, signedPayload(timestamp, body)));
    }

    private static byte[] signedPayload(long t, byte[] body) {
        byte[] prefix = (t + ".").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(body, 0, all, prefix.length, body.length);
        return all;
    }

    private static byte[] hmac(String secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
