package ai.bitrouter.billing.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which requests the API-key mechanism claims; everything else is left to OIDC. */
class ApiKeyAuthenticationMechanismTest {
    private static final String KEY = "brk_0123456789abcdefghjk." + "A".repeat(43);

    @Test
    void aBearerApiKeyIsClaimed() {
        assertEquals(KEY, ApiKeyAuthenticationMechanism.presentedKey("Bearer " + KEY, null));
        assertEquals(KEY, ApiKeyAuthenticationMechanism.presentedKey("bearer  " + KEY + " ", null));
        assertEquals("brk_malformed", ApiKeyAuthenticationMechanism.presentedKey("Bearer brk_malformed", null));
    }

    @Test
    void xApiKeyIsUsedOnlyWithoutAnAuthorizationHeader() {
        assertEquals(KEY, ApiKeyAuthenticationMechanism.presentedKey(null, KEY));
        assertEquals("garbage", ApiKeyAuthenticationMechanism.presentedKey(null, " garbage "));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey("Bearer eyJhbGciOi.x.y", KEY));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey(null, " "));
    }

    @Test
    void otherCredentialsAreLeftToOidc() {
        assertNull(ApiKeyAuthenticationMechanism.presentedKey(null, null));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey("Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig", null));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey("Basic " + KEY, null));
    }
}
