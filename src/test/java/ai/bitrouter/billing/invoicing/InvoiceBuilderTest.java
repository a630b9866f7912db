package ai.bitrouter.billing.invoicing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.invoicing.InvoiceBuilder.Draft;
import ai.bitrouter.billing.invoicing.InvoiceBuilder.Kind;
import ai.bitrouter.billing.invoicing.InvoiceBuilder.Line;
import ai.bitrouter.billing.money.Money;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class InvoiceBuilderTest {

    static final BillingPeriod OCT = BillingPeriod.of(YearMonth.of(2026, 10));
    static final BillingPeriod SEP = BillingPeriod.of(YearMonth.of(2026, 9));
    static final UsageGroup.TokenTotals T = new UsageGroup.TokenTotals(10, 2, 1, 5, 3);

    static UsageGroup g(BillingPeriod p, String model, String kind, long requests, String charge) {
        Money c = Money.ofMicroUsd(new BigDecimal(charge));
        return new UsageGroup(p, model, kind, requests, T, c.plus(Money.ofMicroUsd(100)), c);
    }

    @Test
    void onePerModelAndDiscountKindThenLateUsageNamingItsMonth() {
        Draft d = InvoiceBuilder.build(OCT, List.of(
                g(SEP, "moonshotai/kimi-k2.6", "self_hosted_default", 2, "1000000"),
                g(OCT, "moonshotai/kimi-k2.6", "custom", 3, "810000"),
                g(OCT, "anthropic/claude-sonnet-4.6", "none", 1, "4500000"),
                g(OCT, "moonshotai/kimi-k2.6", "self_hosted_default", 4, "1012500")));
        List<Line> lines = d.lines();
        assertEquals(4, lines.size());
        assertEquals(List.of("anthropic/claude-sonnet-4.6", "moonshotai/kimi-k2.6", "moonshotai/kimi-k2.6",
                "moonshotai/kimi-k2.6"), lines.stream().map(Line::model).toList());
        assertEquals(List.of(Kind.USAGE, Kind.USAGE, Kind.USAGE, Kind.LATE_USAGE),
                lines.stream().map(Line::kind).toList());
        assertEquals("Late usage for 2026-09: moonshotai/kimi-k2.6 (self-hosted, 25% off official price)",
                lines.get(3).description());
        assertEquals(List.of(1, 2, 3, 4), lines.stream().map(Line::lineNo).toList());
        // 1.00 + 0.81 + 4.50 + 1.0125 = 7.3225 USD -> 732 cents (half-even of 732.25)
        assertEquals(732, d.totalCents());
        assertEquals(d.totalCents(), lines.stream().mapToLong(Line::amountCents).sum());
        assertEquals(new BigDecimal("7322500"), d.exactTotal().microUsd());
        assertEquals(10, lines.stream().mapToLong(Line::requests).sum());
    }

    @Test
    void halfCentTotalsRoundToEvenOnceNotPerLine() {
        // Two lines of 0.5 cent each: per-line rounding would give 0 + 0 (half-even) or 1 + 1 (half-up);
        // the total is 1 cent exactly and the lines must add up to it.
        Draft d = InvoiceBuilder.build(OCT, List.of(g(OCT, "a", "none", 1, "5000"), g(OCT, "b", "none", 1, "5000")));
        assertEquals(1, d.totalCents());
        assertEquals(List.of(1L, 0L), d.lines().stream().map(Line::amountCents).toList(), "tie goes to the first");
        // 2.5 cents total rounds half-even to 2.
        Draft e = InvoiceBuilder.build(OCT, List.of(g(OCT, "a", "none", 1, "25000")));
        assertEquals(2, e.totalCents());
    }

    @Test
    void aboveTheLineLimitDiscountKindsMergeFirstThenModels() {
        List<UsageGroup> usage = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            usage.add(g(OCT, "m" + m, "none", 1, "10000"));
            usage.add(g(OCT, "m" + m, "custom", 1, "20000"));
        }
        usage.add(g(SEP, "m0", "none", 1, "30000"));
        Draft byModel = InvoiceBuilder.build(OCT, usage, 4);
        assertEquals(4, byModel.lines().size());
        assertNull(byModel.lines().get(0).discountKind());
        assertEquals("m0", byModel.lines().get(0).model());
        assertEquals(2, byModel.lines().get(0).requests());
        Draft byMonth = InvoiceBuilder.build(OCT, usage, 2);
        assertEquals(2, byMonth.lines().size());
        assertEquals("LLM usage, all models", byMonth.lines().get(0).description());
        assertEquals("Late usage for 2026-09: LLM usage, all models", byMonth.lines().get(1).description());
        assertEquals(12, byMonth.totalCents());
        for (UsageGroup u : usage) {
            assertEquals(u.period().equals(OCT) ? 1 : 2, byMonth.lineOf(u));
        }
        assertThrows(IllegalArgumentException.class, () -> InvoiceBuilder.build(OCT, usage, 1));
    }

    @Test
    void usageOfALaterMonthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> InvoiceBuilder.build(SEP,
                List.of(g(OCT, "a", "none", 1, "1"))));
    }

    @Test
    void periodsAreUtcCalendarMonthsByEventTime() {
        assertEquals(YearMonth.of(2026, 10), BillingPeriod.containing(Instant.parse("2026-10-31T23:59:59.999999Z"))
                .month());
        assertEquals(YearMonth.of(2026, 11), BillingPeriod.containing(Instant.parse("2026-11-01T00:00:00Z")).month());
        assertEquals(YearMonth.of(2028, 2), BillingPeriod.containing(Instant.parse("2028-02-29T12:00:00Z")).month());
        assertEquals(Instant.parse("2028-03-01T00:00:00Z"), BillingPeriod.parse("2028-02").end());
        assertThrows(IllegalArgumentException.class, () -> BillingPeriod.parse("2026-13"));
        assertThrows(IllegalArgumentException.class, () -> BillingPeriod.parse("Oct 2026"));
    }

    // --- properties (RELIABILITY F 28) -------------------------------------------------------------------------

    @Provide
    Arbitrary<List<UsageGroup>> usage() {
        Arbitrary<BillingPeriod> period = Arbitraries.of(OCT, SEP, BillingPeriod.of(YearMonth.of(2026, 8)));
        Arbitrary<String> model = Arbitraries.of("moonshotai/kimi-k2.6", "anthropic/claude-sonnet-4.6",
                "openai/gpt-5.4", "qwen/qwen3.6-plus", "deepseek/deepseek-v3.2");
        Arbitrary<String> kind = Arbitraries.of("none", "self_hosted_default", "custom");
        Arbitrary<BigDecimal> charge = Arbitraries.oneOf(
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("50000000")).ofScale(6),
                Arbitraries.of("5000", "15000", "2500", "0").map(BigDecimal::new));
        Arbitrary<Long> requests = Arbitraries.longs().between(1, 1000);
        return Combinators.combine(period, model, kind, requests, charge)
                .as((p, m, k, r, c) -> new UsageGroup(p, m, k, r, T, Money.ofMicroUsd(c), Money.ofMicroUsd(c)))
                .list().ofMaxSize(60)
                .map(InvoiceBuilderTest::distinctKeys);
    }

    private static List<UsageGroup> distinctKeys(List<UsageGroup> groups) {
        Set<String> seen = new HashSet<>();
        List<UsageGroup> out = new ArrayList<>();
        for (UsageGroup g : groups) {
            if (seen.add(g.period() + "|" + g.model() + "|" + g.discountKind())) {
                out.add(g);
            }
        }
        return out;
    }

    @Property
    void invoiceTotalIsTheExactSumRoundedOnceAndLinesAddUpToIt(@ForAll("usage") List<UsageGroup> usage,
            @ForAll("maxLines") int maxLines) {
        Draft d = InvoiceBuilder.build(OCT, usage, maxLines);
        Money exact = Money.sum(usage.stream().map(UsageGroup::charge).toList());
        assertEquals(exact, d.exactTotal());
        assertEquals(exact.toCents(), d.totalCents());
        assertEquals(d.totalCents(), d.lines().stream().mapToLong(Line::amountCents).sum());
        assertTrue(d.lines().size() <= maxLines);
        assertEquals(usage.stream().mapToLong(UsageGroup::requests).sum(),
                d.lines().stream().mapToLong(Line::requests).sum(), "every request on exactly one line");
        for (UsageGroup u : usage) {
            Line line = d.lines().get(d.lineOf(u) - 1);
            assertEquals(u.period(), line.usagePeriod());
            assertEquals(u.period().equals(OCT) ? Kind.USAGE : Kind.LATE_USAGE, line.kind());
        }
    }

    @Provide
    Arbitrary<Integer> maxLines() {
        return Arbitraries.of(3, 8, 250);
    }

    @Property
    void rebuildingFromTheSameUsageInAnyOrderGivesIdenticalLines(@ForAll("usage") List<UsageGroup> usage) {
        List<UsageGroup> shuffled = new ArrayList<>(usage);
        Collections.reverse(shuffled);
        assertEquals(InvoiceBuilder.build(OCT, usage).lines(), InvoiceBuilder.build(OCT, shuffled).lines());
    }
}
