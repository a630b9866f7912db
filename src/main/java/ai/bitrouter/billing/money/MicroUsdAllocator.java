package ai.bitrouter.billing.money;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Integer micro-USD for the rows of a report that add up exactly to the total shown, where the total is the exact
 * sum rounded half-up once ({@link Rounding#toWireMicroUsd}), never a sum of rounded rows.
 *
 * <p>Largest remainder, as {@link CentAllocator} does for invoice cents: each row starts at its amount floored to
 * a whole micro-USD; the micro-USD still missing to reach the total go one each to the rows with the largest
 * fractional remainder, ties to the earlier row (the caller's order makes the result reproducible). Every row ends
 * within less than one micro-USD of its exact amount.
 */
public final class MicroUsdAllocator {

    private MicroUsdAllocator() {
    }

    public record Allocation(long total, List<Long> rows) {
        public Allocation {
            rows = List.copyOf(rows);
        }
    }

    public static Allocation allocate(List<BigDecimal> exactRows) {
        int size = exactRows.size();
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal floorSum = BigDecimal.ZERO;
        long[] rows = new long[size];
        BigDecimal[] remainders = new BigDecimal[size];
        for (int i = 0; i < size; i++) {
            BigDecimal exact = exactRows.get(i);
            BigDecimal floor = Rounding.floorMicroUsd(exact);
            rows[i] = floor.longValueExact();
            remainders[i] = exact.subtract(floor);
            sum = sum.add(exact);
            floorSum = floorSum.add(floor);
        }
        long total = Rounding.toWireMicroUsd(sum);
        // The shortfall is the half-up rounding of the summed remainders: never negative, never more than the number
        // of rows with a positive remainder.
        int shortfall = BigDecimal.valueOf(total).subtract(floorSum).intValueExact();
        if (shortfall > 0) {
            List<Integer> order = IntStream.range(0, size).boxed()
                    .sorted(Comparator.comparing((Integer i) -> remainders[i]).reversed()
                            .thenComparing(Comparator.naturalOrder()))
                    .toList();
            for (int k = 0; k < shortfall; k++) {
                rows[order.get(k)]++;
            }
        }
        return new Allocation(total, java.util.Arrays.stream(rows).boxed().toList());
    }
}
