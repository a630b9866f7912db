package ai.bitrouter.billing.money;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Turns exact invoice line amounts into whole cents that add up to the invoice total, where the total is
 * the exact sum rounded half-even once (never a sum of rounded lines).
 *
 * <p>Largest remainder: each line starts at its amount floored to cents; the cents still missing to reach
 * the total go one each to the lines with the largest fractional remainder. Ties go to the earlier line, so
 * the caller's line order (e.g. sorted by model id) makes the result reproducible. Every line ends within
 * less than one cent of its exact amount, because a line only gains a cent when its remainder is positive.
 */
public final class CentAllocator {

    private CentAllocator() {
    }

    public record Allocation(long totalCents, List<Long> lineCents) {
        public Allocation {
            lineCents = List.copyOf(lineCents);
        }
    }

    public static Allocation allocate(List<Money> exactLines) {
        long totalCents = Money.sum(exactLines).toCents();
        int size = exactLines.size();
        List<BigDecimal> floors = new ArrayList<>(size);
        List<BigDecimal> remainders = new ArrayList<>(size);
        BigDecimal floorSum = BigDecimal.ZERO;
        for (Money line : exactLines) {
            BigDecimal floor = Rounding.floorCents(line.microUsd());
            floors.add(floor);
            remainders.add(Rounding.exactCents(line.microUsd()).subtract(floor));
            floorSum = floorSum.add(floor);
        }
        // The shortfall equals the half-even rounding of the summed remainders, so it is never negative and
        // never more than the number of lines with a positive remainder.
        int shortfall = BigDecimal.valueOf(totalCents).subtract(floorSum).intValueExact();
        List<Integer> order = IntStream.range(0, size).boxed()
                .sorted(Comparator.comparing((Integer i) -> remainders.get(i)).reversed()
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
        long[] cents = new long[size];
        for (int i = 0; i < size; i++) {
            cents[i] = floors.get(i).longValueExact();
        }
        for (int k = 0; k < shortfall; k++) {
            cents[order.get(k)]++;
        }
        List<Long> result = new ArrayList<>(size);
        for (long c : cents) {
            result.add(c);
        }
        return new Allocation(totalCents, result);
    }
}
