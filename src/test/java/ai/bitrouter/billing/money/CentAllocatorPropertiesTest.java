package ai.bitrouter.billing.money;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.bitrouter.billing.money.CentAllocator.Allocation;
import java.math.BigDecimal;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CentAllocatorPropertiesTest {

    private static final BigDecimal ONE_CENT_IN_MICRO_USD = BigDecimal.valueOf(10_000);

    @Provide
    Arbitrary<List<Money>> lines() {
        // Half-cent and quarter-cent amounts are mixed in so that remainder ties actually occur.
        Arbitrary<BigDecimal> anyAmount = Arbitraries.bigDecimals()
                .between(BigDecimal.ZERO, new BigDecimal("100000000"))
                .ofScale(8);
        Arbitrary<BigDecimal> tieProne = Arbitraries.of("5000", "15000", "2500", "7500", "0").map(BigDecimal::new);
        return Arbitraries.oneOf(anyAmount, tieProne).map(Money::ofMicroUsd).list().ofMaxSize(40);
    }

    @Property
    void linesSumExactlyToTheRoundedTotal(@ForAll("lines") List<Money> lines) {
        Allocation allocation = CentAllocator.allocate(lines);
        assertEquals(Money.sum(lines).toCents(), allocation.totalCents());
        assertEquals(allocation.totalCents(), allocation.lineCents().stream().mapToLong(Long::longValue).sum());
        assertEquals(lines.size(), allocation.lineCents().size());
    }

    @Property
    void everyLineIsWithinLessThanOneCentOfItsExactAmount(@ForAll("lines") List<Money> lines) {
        List<Long> cents = CentAllocator.allocate(lines).lineCents();
        for (int i = 0; i < lines.size(); i++) {
            BigDecimal allocated = BigDecimal.valueOf(cents.get(i)).multiply(ONE_CENT_IN_MICRO_USD);
            BigDecimal gap = allocated.subtract(lines.get(i).microUsd()).abs();
            assertTrue(gap.compareTo(ONE_CENT_IN_MICRO_USD) < 0, "line " + i + " is off by " + gap + " µUSD");
        }
    }

    @Property
    void theSameLinesAlwaysGiveTheSameCents(@ForAll("lines") List<Money> lines) {
        assertEquals(CentAllocator.allocate(lines), CentAllocator.allocate(List.copyOf(lines)));
    }
}
