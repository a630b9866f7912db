package ai.bitrouter.billing.money;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.bitrouter.billing.money.CentAllocator.Allocation;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class CentAllocatorTest {

    private static Money micro(String value) {
        return Money.ofMicroUsd(new BigDecimal(value));
    }

    @Test
    void linesAddUpToTheRoundedTotalNotToTheSumOfRoundedLines() {
        // Each line alone rounds to 0 cents; together they are 1.5 cents, which rounds half-even to 2.
        Allocation allocation = CentAllocator.allocate(List.of(micro("5000"), micro("5000"), micro("5000")));
        assertEquals(2, allocation.totalCents());
        assertEquals(List.of(1L, 1L, 0L), allocation.lineCents());
    }

    @Test
    void largestRemainderGetsTheCentFirst() {
        // 1.2 + 2.7 + 3.1 = 7.0 cents; floors 1 + 2 + 3 = 6; the missing cent goes to the 0.7 remainder.
        Allocation allocation = CentAllocator.allocate(List.of(micro("12000"), micro("27000"), micro("31000")));
        assertEquals(7, allocation.totalCents());
        assertEquals(List.of(1L, 3L, 3L), allocation.lineCents());
    }

    @Test
    void tiesGoToTheEarlierLineSoTheResultIsReproducible() {
        // 0.5 + 0.5 = 1 cent exactly: one line gets it, always the first.
        List<Money> lines = List.of(micro("5000"), micro("5000"));
        assertEquals(List.of(1L, 0L), CentAllocator.allocate(lines).lineCents());
        assertEquals(CentAllocator.allocate(lines), CentAllocator.allocate(List.copyOf(lines)));
    }

    @Test
    void aTotalRoundedDownLeavesTheFloors() {
        // 0.25 + 0.2 = 0.45 cent, rounds to 0.
        Allocation allocation = CentAllocator.allocate(List.of(micro("2500"), micro("2000")));
        assertEquals(0, allocation.totalCents());
        assertEquals(List.of(0L, 0L), allocation.lineCents());
    }

    @Test
    void exactCentsAreKeptAsTheyAre() {
        Allocation allocation = CentAllocator.allocate(List.of(micro("4500000"), micro("1012500"), micro("810000")));
        assertEquals(632, allocation.totalCents());
        assertEquals(List.of(450L, 101L, 81L), allocation.lineCents());
    }

    @Test
    void aNegativeLineFloorsTowardsMinusInfinity() {
        // A credit of -0.3 cent and a charge of 1.6 cents: total 1.3 → 1; floors are -1 and 1 (remainders 0.7
        // and 0.6), so the missing cent goes to the credit, which lands on 0.
        Allocation allocation = CentAllocator.allocate(List.of(micro("-3000"), micro("16000")));
        assertEquals(1, allocation.totalCents());
        assertEquals(List.of(0L, 1L), allocation.lineCents());
    }

    @Test
    void noLinesNoCents() {
        Allocation allocation = CentAllocator.allocate(List.of());
        assertEquals(0, allocation.totalCents());
        assertEquals(List.of(), allocation.lineCents());
    }
}
