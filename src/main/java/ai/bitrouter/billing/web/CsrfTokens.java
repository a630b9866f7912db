package ai.bitrouter.billing.web;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Per-session CSRF tokens of the admin forms: HMAC-SHA256 of the Keycloak session ({@code sid}) and the user. A page
 * embeds the token in every form; a POST without the token of the poster's own session is refused. The token needs
 * no server-side state and changes with every sign-in. (The session cookie is also SameSite=Lax, so a cross-site
 * POST does not even carry it; this is the second lock.)
 */
@ApplicationScoped
public class CsrfTokens {
    private static final String ALGORITHM = "HmacSHA256";

    private final byte[] key;

    @Inject
    public CsrfTokens(WebConfig config) {
        this.key = config.csrfSecret().filter(s -> !s.isBlank()).map(s -> s.getBytes(StandardCharsets.UTF_8))
                .orElseGet(CsrfTokens::randomKey);
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    public String tokenFor(String subject, String session) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            byte[] digest = mac.doFinal(("csrf\n" + subject + "\n" + session).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** Constant-time comparison, so the check leaks nothing about how much of a guess was right. */
    public boolean matches(String subject, String session, String presented) {
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(tokenFor(subject, session).getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }
}
