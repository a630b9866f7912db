package ai.bitrouter.billing.money;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.money.MicroUsdAllocator.Allocation;

class MicroUsdAllocatorTest {

    private static List<BigDecimal> amounts(String... values) {
        return java.util.Arrays.stream(values).map(BigDecimal::new).toList();
    }

    @Test
    void rowsAddUpToTheTotalRoundedOnceNotToTheSumOfRoundedRows() {
        // 0.7125 x 3 = 2.1375 -> 2; rounded one by one the rows would show 1 + 1 + 1 = 3.
        Allocation a = MicroUsdAllocator.allocate(amounts("0.7125", "0.7125", "0.7125"));
        assertEquals(2, a.total());
        assertEquals(List.of(1L, 1L, 0L), a.rows());
    }

    @Test
    void theLargestRemainderGetsTheMicroDollarFirstAndHalfRoundsUp() {
        // 1.2 + 2.7 + 3.6 = 7.5 -> 8 (half-up); floors 6; the two missing go to .7 and .6.
        Allocation a = MicroUsdAllocator.allocate(amounts("1.2", "2.7", "3.6"));
        assertEquals(8, a.total());
        assertEquals(List.of(1L, 3L, 4L), a.rows());
        assertEquals(new Allocation(0, List.of()), MicroUsdAllocator.allocate(List.of()));
    }

    @Test
    void randomRowsAlwaysSumToTheOnceRoundedTotalAndStayWithinOneMicroDollar() {
        Random random = new Random(42);
        for (int run = 0; run < 2_000; run++) {
            List<BigDecimal> rows = new ArrayList<>();
            int n = 1 + random.nextInt(40);
            BigDecimal sum = BigDecimal.ZERO;
            for (int i = 0; i < n; i++) {
                BigDecimal v = BigDecimal.valueOf(random.nextInt(5_000_000), random.nextInt(8));
                rows.add(v);
                sum = sum.add(v);
            }
            Allocation a = MicroUsdAllocator.allocate(rows);
            assertEquals(Rounding.toWireMicroUsd(sum), a.total());
            assertEquals(a.total(), a.rows().stream().mapToLong(Long::longValue).sum());
            for (int i = 0; i < n; i++) {
                BigDecimal diff = BigDecimal.valueOf(a.rows().get(i)).subtract(rows.get(i)).abs();
                assertTrue(diff.compareTo(BigDecimal.ONE) < 0, () -> "row off by " + diff);
            }
        }
    }
}
