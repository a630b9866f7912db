package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class InFlightIdsTest {

    @Test
    void aLaterClaimIsToldWhichIdsAnEarlierOneHolds() {
        assertEquals(Set.of(), ids.claim(earlier, List.of("a", "b")));
        assertEquals(Set.of("b"), ids.claim(later, List.of("b", "c")));
    }

    private final InFlightIds ids = new InFlightIds();
    private final Object earlier = new Object();
    private final Object later = new Object();

    /** Two batches in flight that share "b": the earlier holds a and b, the later c (and defers on b). */
    private void twoOverlappingBatches() {
        ids.claim(earlier, List.of("a", "b"));
        ids.claim(later, List.of("b", "c"));
    }

    @Test
    void releaseFreesOnlyTheReleasersOwnIds() {
        twoOverlappingBatches();
        // The later batch ends first: "b" is still the earlier one's.
        ids.release(later, List.of("b", "c"));
        assertEquals(Set.of("b"), ids.claim(new Object(), List.of("b", "c")));
        assertEquals(3, ids.size());
    }

    @Test
    void afterBothEndNothingIsHeldAndNothingIsContested() {
        twoOverlappingBatches();
        ids.release(earlier, List.of("a", "b"));
        ids.release(later, List.of("b", "c"));
        assertEquals(0, ids.size());
        assertEquals(Set.of(), ids.claim(new Object(), List.of("a", "b", "c")));
    }
}
