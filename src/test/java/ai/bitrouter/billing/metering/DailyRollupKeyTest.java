package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Rollup keys are applied in this order so that two batches lock shared rows in the same order: the order must be
 * total over all eight fields (a field left out would let two different keys tie) and field by field in key order.
 */
class DailyRollupKeyTest {

    private static final DailyRollup.Key BASE = new DailyRollup.Key("ns_a", LocalDate.parse("2026-12-01"), "m", "p", "",
            "", "none", "computed");

    @Test
    void everyFieldTakesPartAndEarlierFieldsDecideFirst() {
        List<DailyRollup.Key> larger = new ArrayList<>();
        larger.add(new DailyRollup.Key("ns_b", BASE.day(), "a", "a", "", "", "a", "a"));
        larger.add(new DailyRollup.Key("ns_a", BASE.day().plusDays(1), "a", "a", "", "", "a", "a"));
        larger.add(new DailyRollup.Key("ns_a", BASE.day(), "n", "a", "", "", "a", "a"));
        larger.add(new DailyRollup.Key("ns_a", BASE.day(), "m", "q", "", "", "a", "a"));
        larger.add(new DailyRollup.Key("ns_a", BASE.day(), "m", "p", "discount", "", "a", "a"));
        larger.add(new DailyRollup.Key("ns_a", BASE.day(), "m", "p", "", "k1", "a", "a"));
        larger.add(new DailyRollup.Key("ns_a", BASE.day(), "m", "p", "", "", "open_model", "a"));
        larger.add(new DailyRollup.Key("ns_a", BASE.day(), "m", "p", "", "", "none", "not_charged"));
        for (DailyRollup.Key k : larger) {
            assertTrue(BASE.compareTo(k) < 0, () -> BASE + " before " + k);
            assertTrue(k.compareTo(BASE) > 0, () -> k + " after " + BASE);
        }
        assertEquals(0, BASE.compareTo(new DailyRollup.Key("ns_a", LocalDate.parse("2026-12-01"), "m", "p", "", "",
                "none", "computed")));
    }
}
