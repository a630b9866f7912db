package ai.bitrouter.billing.catalog;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on messages, which must name what is wrong and where. */
public final class Texts {

    private Texts() {
    }

    public static void assertContains(String actual, String... parts) {
        for (String part : parts) {
            assertTrue(actual != null && actual.contains(part), () -> "expected \"" + part + "\" in: " + actual);
        }
    }
}
