package ai.bitrouter.billing.reports;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.bitrouter.billing.money.MicroUsdAllocator;

/**
 * Usage of a scope over a window, grouped by {@link Dimension}s: rows in key order, and totals that are the exact sum
 * of the rows. Amounts are kept exact (micro-USD, as the ledger has them); {@link Wire} has the integer micro-USD
 * the API shows, where the totals are the exact sums rounded half-up once and the rows are allocated by largest
 * remainder so that they still add up to the totals exactly.
 *
 * <p>List is the usage at the official (catalog) price before any discount; charged is what the customer pays;
 * discount is the difference. A request that was not charged (failed, or not billable) counts in {@code requests}
 * with zero amounts.
 */
public record Breakdown(ReportWindow window, List<Dimension> groupBy, List<Row> rows, Amounts totals, Wire totalsWire) {

    /** Request and token counts and exact amounts (micro-USD) of one group, or of all. */
    public record Amounts(long requests, long promptTokens, long completionTokens, long uncachedInputTokens,
            long cacheReadTokens, long cacheWriteTokens, long outputTokens, long reasoningTokens, BigDecimal listMicroUsd,
            BigDecimal chargedMicroUsd) {
        public static final Amounts ZERO = new Amounts(0, 0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO);

        public BigDecimal discountMicroUsd() {
            return listMicroUsd.subtract(chargedMicroUsd);
        }

        /** The five non-overlapping token buckets added up: what FOCUS calls the consumed quantity. */
        public long bucketTokens() {
            return uncachedInputTokens + cacheReadTokens + cacheWriteTokens + outputTokens + reasoningTokens;
        }

        public Amounts plus(Amounts o) {
            return new Amounts(requests + o.requests, promptTokens + o.promptTokens, completionTokens + o.completionTokens,
                    uncachedInputTokens + o.uncachedInputTokens, cacheReadTokens + o.cacheReadTokens,
                    cacheWriteTokens + o.cacheWriteTokens, outputTokens + o.outputTokens,
                    reasoningTokens + o.reasoningTokens, listMicroUsd.add(o.listMicroUsd),
                    chargedMicroUsd.add(o.chargedMicroUsd));
        }
    }

    /**
     * Integer micro-USD as shown. Charged and discount are each allocated from their exact values; list is their sum,
     * so list = discount + charged holds on every row and on the totals, and no discount is ever shown negative.
     */
    public record Wire(long listMicroUsd, long discountMicroUsd, long chargedMicroUsd) {
    }

    /** One group as the database returns it: the group's key (null where the value is absent) and its amounts. */
    public record Line(Map<Dimension, String> key, Amounts amounts) {
    }

    public record Row(Map<Dimension, String> key, Amounts amounts, Wire wire) {
    }

    static Breakdown of(ReportWindow window, List<Dimension> groupBy, List<Line> lines) {
        Amounts totals = Amounts.ZERO;
        List<BigDecimal> charged = new ArrayList<>(lines.size());
        List<BigDecimal> discount = new ArrayList<>(lines.size());
        for (Line line : lines) {
            totals = totals.plus(line.amounts());
            charged.add(line.amounts().chargedMicroUsd());
            discount.add(line.amounts().discountMicroUsd());
        }
        MicroUsdAllocator.Allocation c = MicroUsdAllocator.allocate(charged);
        MicroUsdAllocator.Allocation d = MicroUsdAllocator.allocate(discount);
        List<Row> rows = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            long ci = c.rows().get(i);
            long di = d.rows().get(i);
            rows.add(new Row(lines.get(i).key(), lines.get(i).amounts(), new Wire(ci + di, di, ci)));
        }
        return new Breakdown(window, List.copyOf(groupBy), List.copyOf(rows), totals,
                new Wire(c.total() + d.total(), d.total(), c.total()));
    }
}
