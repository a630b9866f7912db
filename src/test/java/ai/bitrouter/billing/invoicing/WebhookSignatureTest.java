package ai.bitrouter.billing.invoicing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.invoicing.stripe.WebhookSignature;
import ai.bitrouter.billing.invoicing.stripe.WebhookSignature.Invalid;

/** RELIABILITY D 21, the signature part. */
class WebhookSignatureTest {

    static final String SECRET = "whsec_test_one";
    static final byte[] BODY = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\"}".getBytes(StandardCharsets.UTF_8);
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    static final Duration TOL = Duration.ofMinutes(5);

    static void verify(byte[] body, String header, List<String> secrets) throws Invalid {
        WebhookSignature.verify(body, header, secrets, NOW, TOL);
    }

    @Test
    void aCorrectSignatureIsAccepted() {
        String h = WebhookSignature.sign(SECRET, NOW.getEpochSecond(), BODY);
        assertDoesNotThrow(() -> verify(BODY, h, List.of(SECRET)));
    }

    @Test
    void wrongSecretOrChangedBodyIsRefused() {
        String h = WebhookSignature.sign("whsec_other", NOW.getEpochSecond(), BODY);
        Invalid e = assertThrows(Invalid.class, () -> verify(BODY, h, List.of(SECRET)));
        assertTrue(e.getMessage().contains("no signature matches"));
        String good = WebhookSignature.sign(SECRET, NOW.getEpochSecond(), BODY);
        // The same JSON re-serialised with a space is different bytes: refused.
        byte[] reserialised = "{\"id\": \"evt_1\",\"type\":\"invoice.paid\"}".getBytes(StandardCharsets.UTF_8);
        assertThrows(Invalid.class, () -> verify(reserialised, good, List.of(SECRET)));
    }

    @Test
    void staleAndFutureTimestampsAreRefused() {
        String stale = WebhookSignature.sign(SECRET, NOW.getEpochSecond() - 301, BODY);
        assertTrue(assertThrows(Invalid.class, () -> verify(BODY, stale, List.of(SECRET))).getMessage()
                .contains("tolerance"));
        String future = WebhookSignature.sign(SECRET, NOW.getEpochSecond() + 301, BODY);
        assertThrows(Invalid.class, () -> verify(BODY, future, List.of(SECRET)));
        String edge = WebhookSignature.sign(SECRET, NOW.getEpochSecond() - 300, BODY);
        assertDoesNotThrow(() -> verify(BODY, edge, List.of(SECRET)));
    }

    @Test
    void duringRotationEitherSignatureAndEitherSecretMatch() {
        long t = NOW.getEpochSecond();
        String oldSig = WebhookSignature.sign("whsec_old", t, BODY);
        String newSig = WebhookSignature.sign("whsec_new", t, BODY);
        String both = oldSig + "," + newSig.substring(newSig.indexOf("v1="));
        assertDoesNotThrow(() -> verify(BODY, both, List.of("whsec_new")));
        assertDoesNotThrow(() -> verify(BODY, both, List.of("whsec_old")));
        assertDoesNotThrow(() -> verify(BODY, oldSig, List.of("whsec_new", "whsec_old")));
        assertThrows(Invalid.class, () -> verify(BODY, both, List.of("whsec_neither")));
    }

    @Test
    void malformedHeadersAreRefused() {
        assertThrows(Invalid.class, () -> verify(BODY, null, List.of(SECRET)));
        assertThrows(Invalid.class, () -> verify(BODY, "", List.of(SECRET)));
        assertThrows(Invalid.class, () -> verify(BODY, "v1=abcd", List.of(SECRET)));
        assertThrows(Invalid.class, () -> verify(BODY, "t=" + NOW.getEpochSecond(), List.of(SECRET)));
        assertThrows(Invalid.class, () -> verify(BODY, "t=soon,v1=ab", List.of(SECRET)));
        assertThrows(Invalid.class, () -> verify(BODY, "t=" + NOW.getEpochSecond() + ",v1=zz", List.of(SECRET)));
        String h = WebhookSignature.sign(SECRET, NOW.getEpochSecond(), BODY);
        assertThrows(Invalid.class, () -> verify(BODY, h, List.of()));
    }
}
