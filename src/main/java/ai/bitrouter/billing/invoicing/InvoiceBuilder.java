package ai.bitrouter.billing.invoicing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import ai.bitrouter.billing.money.CentAllocator;
import ai.bitrouter.billing.money.Money;

/**
 * Turns an account's unbilled usage into invoice lines (PRICING.md "Invoices"): one line per model and discount
 * kind for the invoice's own month, separate "late usage" lines naming their month for usage of months already
 * invoiced. The total is the exact sum rounded half-even to cents once; line amounts are allocated by
 * {@link CentAllocator} so they add up to it exactly. Plain Java, deterministic: the same usage gives the same
 * lines in the same order, so a rebuilt draft is identical.
 *
 * <p>Stripe takes at most 250 lines per invoice. Above the limit, lines are grouped further, coarsest last: first
 * the discount kinds of a model are merged, then every model of a month becomes one line.
 */
public final class InvoiceBuilder {

    /** Stripe's limit on the lines of one invoice. */
    public static final int STRIPE_MAX_LINES = 250;

    private InvoiceBuilder() {
    }

    public enum Kind {
        USAGE, LATE_USAGE;

        public String wireName() {
            return this == USAGE ? "usage" : "late_usage";
        }
    }

    /** How finely usage is split into lines. */
    enum Grain {
        MODEL_AND_DISCOUNT, MODEL, MONTH
    }

    /** The line a group of usage went to, so the ledger's requests can be tied to their line. */
    public record Line(int lineNo, Kind kind, BillingPeriod usagePeriod, String model, String discountKind,
            String description, long requests, UsageGroup.TokenTotals tokens, Money list, Money exact,
            long amountCents) {
    }

    public record Draft(BillingPeriod period, List<Line> lines, Money exactTotal, long totalCents,
            Map<GroupKey, Integer> lineOfGroup) {

        public int lineOf(UsageGroup g) {
            Integer line = lineOfGroup.get(GroupKey.of(g));
            if (line == null) {
                throw new IllegalArgumentException("usage group not on this draft: " + GroupKey.of(g));
            }
            return line;
        }
    }

    public record GroupKey(BillingPeriod period, String model, String discountKind) {
        static GroupKey of(UsageGroup g) {
            return new GroupKey(g.period(), g.model(), g.discountKind());
        }
    }

    public static Draft build(BillingPeriod invoicePeriod, List<UsageGroup> usage) {
        return build(invoicePeriod, usage, STRIPE_MAX_LINES);
    }

    public static Draft build(BillingPeriod invoicePeriod, List<UsageGroup> usage, int maxLines) {
        if (maxLines < 1) {
            throw new IllegalArgumentException("maxLines must be at least 1");
        }
        for (UsageGroup g : usage) {
            if (g.period().compareTo(invoicePeriod) > 0) {
                throw new IllegalArgumentException("usage of " + g.period() + " cannot be billed on the invoice of "
                        + invoicePeriod);
            }
        }
        for (Grain grain : Grain.values()) {
            Map<LineKey, Acc> lines = group(invoicePeriod, usage, grain);
            if (lines.size() <= maxLines) {
                return draft(invoicePeriod, lines, usage, grain);
            }
        }
        throw new IllegalArgumentException("usage spans more than " + maxLines + " months; it cannot fit one invoice");
    }

    private record LineKey(BillingPeriod period, String model, String discountKind) {
    }

    private static final class Acc {
        long requests;
        UsageGroup.TokenTotals tokens = UsageGroup.TokenTotals.ZERO;
        Money list = Money.ZERO;
        Money exact = Money.ZERO;
    }

    private static LineKey keyAt(UsageGroup g, Grain grain) {
        return switch (grain) {
            case MODEL_AND_DISCOUNT -> new LineKey(g.period(), g.model(), g.discountKind());
            case MODEL -> new LineKey(g.period(), g.model(), null);
            case MONTH -> new LineKey(g.period(), null, null);
        };
    }

    /** The invoice's own month first, then late months oldest first; within a month by model, then discount. */
    private static Comparator<LineKey> order(BillingPeriod invoicePeriod) {
        return Comparator.comparing((LineKey k) -> !k.period().equals(invoicePeriod))
                .thenComparing(LineKey::period)
                .thenComparing(LineKey::model, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(LineKey::discountKind, Comparator.nullsFirst(Comparator.naturalOrder()));
    }

    private static Map<LineKey, Acc> group(BillingPeriod invoicePeriod, List<UsageGroup> usage, Grain grain) {
        List<UsageGroup> sorted = new ArrayList<>(usage);
        sorted.sort(Comparator.comparing((UsageGroup g) -> keyAt(g, grain), order(invoicePeriod)));
        Map<LineKey, Acc> lines = new LinkedHashMap<>();
        for (UsageGroup g : sorted) {
            Acc acc = lines.computeIfAbsent(keyAt(g, grain), k -> new Acc());
            acc.requests = Math.addExact(acc.requests, g.requests());
            acc.tokens = acc.tokens.plus(g.tokens());
            acc.list = acc.list.plus(g.list());
            acc.exact = acc.exact.plus(g.charge());
        }
        return lines;
    }

    private static Draft draft(BillingPeriod invoicePeriod, Map<LineKey, Acc> grouped, List<UsageGroup> usage,
            Grain grain) {
        List<Money> exacts = grouped.values().stream().map(a -> a.exact).toList();
        CentAllocator.Allocation cents = CentAllocator.allocate(exacts);
        List<Line> lines = new ArrayList<>(grouped.size());
        Map<LineKey, Integer> numberOf = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<LineKey, Acc> e : grouped.entrySet()) {
            LineKey k = e.getKey();
            Acc a = e.getValue();
            int lineNo = i + 1;
            Kind kind = k.period().equals(invoicePeriod) ? Kind.USAGE : Kind.LATE_USAGE;
            lines.add(new Line(lineNo, kind, k.period(), k.model(), k.discountKind(),
                    describe(kind, k), a.requests, a.tokens, a.list, a.exact, cents.lineCents().get(i)));
            numberOf.put(k, lineNo);
            i++;
        }
        Map<GroupKey, Integer> lineOfGroup = new LinkedHashMap<>();
        for (UsageGroup g : usage) {
            lineOfGroup.put(GroupKey.of(g), Objects.requireNonNull(numberOf.get(keyAt(g, grain))));
        }
        return new Draft(invoicePeriod, List.copyOf(lines), Money.sum(exacts), cents.totalCents(),
                Map.copyOf(lineOfGroup));
    }

    /** What the customer reads on the Stripe invoice; late usage names the month it belongs to. */
    static String describe(Kind kind, LineKey k) {
        StringBuilder s = new StringBuilder();
        if (kind == Kind.LATE_USAGE) {
            s.append("Late usage for ").append(k.period()).append(": ");
        }
        s.append(k.model() == null ? "LLM usage, all models" : k.model());
        if (k.discountKind() != null) {
            switch (k.discountKind()) {
                case "self_hosted_default" -> s.append(" (self-hosted, 25% off official price)");
                case "custom" -> s.append(" (open-source project discount)");
                default -> {
                }
            }
        }
        return s.toString();
    }
}
