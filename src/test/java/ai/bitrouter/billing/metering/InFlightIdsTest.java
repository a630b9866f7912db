package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class InFlightIdsTest {

    @Test
    void aLaterClaimIsToldWhichIdsAnEarlierOneHolds() {
        InFlightIds ids = new InFlightIds();
        Object earlier = new Object();
        Object later = new Object();
        assertEquals(Set.of(), ids.claim(earlier, List.of("a", "b")));
        assertEquals(Set.of("b"), ids.claim(later, List.of("b", "c")));
    }

    @Test
    void releaseFreesOnlyTheReleasersOwnIds() {
        InFlightIds ids = new InFlightIds();
        Object earlier = new Object();
        Object later = new Object();
        ids.claim(earlier, List.of("a", "b"));
        ids.claim(later, List.of("b", "c"));
        // The later batch ends first: "b" is still the earlier one's.
        ids.release(later, List.of("b", "c"));
        assertEquals(Set.of("b"), ids.claim(new Object(), List.of("b", "c")));
        assertEquals(3, ids.size());
    }

    @Test
    void afterBothEndNothingIsHeldAndNothingIsContested() {
        InFlightIds ids = new InFlightIds();
        Object earlier = new Object();
        Object later = new Object();
        ids.claim(earlier, List.of("a", "b"));
        ids.claim(later, List.of("b", "c"));
        ids.release(earlier, List.of("a", "b"));
        ids.release(later, List.of("b", "c"));
        assertEquals(0, ids.size());
        assertEquals(Set.of(), ids.claim(new Object(), List.of("a", "b", "c")));
    }
}
