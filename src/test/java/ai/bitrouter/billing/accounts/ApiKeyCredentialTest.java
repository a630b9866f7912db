package ai.bitrouter.billing.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ApiKeyCredentialTest {

    @Test
    void aGeneratedKeyParsesBackAndMatchesOnlyItsOwnHash() {
        ApiKeyCredential key = ApiKeyCredential.generate();
        assertTrue(key.plaintext().matches("brk_[0-9a-z]{20}\\.[A-Za-z0-9_-]{43}"), key.plaintext());
        ApiKeyCredential parsed = ApiKeyCredential.parse(key.plaintext()).orElseThrow();
        assertEquals(key, parsed);
        assertTrue(parsed.matches(key.secretSha256()));
        assertFalse(parsed.matches(ApiKeyCredential.generate().secretSha256()));
        assertFalse(parsed.matches(null));
        assertEquals(32, key.secretSha256().length);
    }

    @Test
    void keysAreUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ApiKeyCredential k = ApiKeyCredential.generate();
            assertTrue(seen.add(k.id()));
            assertTrue(seen.add(k.secret()));
        }
    }

    @Test
    void anythingNotShapedLikeAKeyIsRejectedBeforeAnyLookup() {
        String good = ApiKeyCredential.generate().plaintext();
        for (String bad : new String[] { null, "", "brk_", "brk_abc.def", good.replace("brk_", "brx_"),
                good.substring(0, good.length() - 1), good + "A", good.replace('.', '_'),
                good.toUpperCase(), "brk_" + "i".repeat(20) + "." + "A".repeat(43) }) {
            assertTrue(ApiKeyCredential.parse(bad).isEmpty(), String.valueOf(bad));
        }
    }

    @Test
    void theSecretNeverAppearsInToString() {
        ApiKeyCredential key = ApiKeyCredential.generate();
        assertFalse(key.toString().contains(key.secret()));
        assertNotEquals(key.plaintext(), key.toString());
    }
}
