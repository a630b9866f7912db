package ai.bitrouter.billing.reports;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV exports laid out after the FinOps FOCUS specification where a column fits (names in FOCUS's PascalCase;
 * custom columns with the {@code x_} prefix FOCUS reserves for them). Costs are in USD (BillingCurrency), exact:
 * the ledger's micro-USD moved six places, never rounded, so a column's sum equals the ledger's and the JSON
 * breakdown's exact total. docs/reports.md lists every column and its meaning.
 */
public final class FocusCsv {
    static final String SERVICE_NAME = "BitRouter Cloud";
    static final String SERVICE_CATEGORY = "AI and Machine Learning";
    static final String PROVIDER_NAME = "BitRouter";
    static final String CURRENCY = "USD";
    static final String USAGE = "Usage";
    static final String TOKENS = "Tokens";

    private FocusCsv() {
    }

    private static final List<String> COMMON = List.of("ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency",
            "ChargeCategory", "ServiceName", "ServiceCategory", "ProviderName", "PublisherName", "ResourceId",
            "SubAccountId", "ConsumedQuantity", "ConsumedUnit", "ListCost", "BilledCost", "EffectiveCost",
            "x_DiscountCost");

    private static final List<String> TOKEN_COLUMNS = List.of("x_PromptTokens", "x_CompletionTokens",
            "x_UncachedInputTokens", "x_CacheReadTokens", "x_CacheWriteTokens", "x_OutputTokens", "x_ReasoningTokens");

    public static final List<String> BREAKDOWN_HEADER = concat(COMMON, List.of("x_Requests"), TOKEN_COLUMNS,
            List.of("x_ApiKeyId", "x_Variant", "x_DiscountKind"));

    public static final List<String> REQUEST_HEADER = concat(COMMON, List.of("x_RequestId", "x_EventTime", "x_Status",
            "x_PricingState", "x_ModelRequested", "x_Variant", "x_ApiKeyId", "x_DiscountKind", "x_DiscountPercent",
            "x_FundingSource", "x_Streamed"), TOKEN_COLUMNS);

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return List.copyOf(all);
    }

    /** Micro-USD to USD, exactly (a decimal point move, no rounding). */
    static BigDecimal usd(BigDecimal microUsd) {
        if (microUsd == null) {
            return null;
        }
        BigDecimal usd = microUsd.movePointLeft(6).stripTrailingZeros();
        return usd.signum() == 0 ? BigDecimal.ZERO : usd;
    }

    /**
     * A breakdown row. The charge period is the row's UTC day clipped to the window when grouped by day, otherwise the
     * window. {@code namespaceId} fills SubAccountId when the report is of one namespace.
     */
    public static List<Object> breakdownRow(Breakdown.Line line, ReportWindow window, String namespaceId) {
        var k = line.key();
        var a = line.amounts();
        Instant start = window.from();
        Instant end = window.to();
        if (k.get(Dimension.DAY) != null) {
            Instant dayStart = LocalDate.parse(k.get(Dimension.DAY)).atStartOfDay().toInstant(ZoneOffset.UTC);
            Instant dayEnd = dayStart.plusSeconds(86_400);
            start = dayStart.isAfter(start) ? dayStart : start;
            end = dayEnd.isBefore(end) ? dayEnd : end;
        }
        String subAccount = k.containsKey(Dimension.NAMESPACE) ? k.get(Dimension.NAMESPACE) : namespaceId;
        List<Object> row = new ArrayList<>(BREAKDOWN_HEADER.size());
        row.addAll(List.of(start.toString(), end.toString(), CURRENCY, USAGE, SERVICE_NAME, SERVICE_CATEGORY,
                PROVIDER_NAME));
        row.add(k.get(Dimension.PROVIDER));
        row.add(k.get(Dimension.MODEL));
        row.add(subAccount);
        row.add(a.bucketTokens());
        row.add(TOKENS);
        row.add(usd(a.listMicroUsd()));
        row.add(usd(a.chargedMicroUsd()));
        row.add(usd(a.chargedMicroUsd()));
        row.add(usd(a.discountMicroUsd()));
        row.add(a.requests());
        row.addAll(List.of(a.promptTokens(), a.completionTokens(), a.uncachedInputTokens(), a.cacheReadTokens(),
                a.cacheWriteTokens(), a.outputTokens(), a.reasoningTokens()));
        row.add(k.get(Dimension.API_KEY));
        row.add(k.get(Dimension.VARIANT));
        row.add(k.get(Dimension.DISCOUNT_KIND));
        return row;
    }

    /**
     * A request log row. The charge period is the request's UTC day (the period its rollup and invoice bill it in);
     * x_EventTime is the instant. A parked request (pricing state unknown) has empty costs: not yet priced is not free.
     */
    public static List<Object> requestRow(UsageReports.RequestRow r) {
        Instant dayStart = LocalDate.ofInstant(r.eventTime(), ZoneOffset.UTC).atStartOfDay().toInstant(ZoneOffset.UTC);
        BigDecimal charged = r.chargeMicroUsd();
        BigDecimal list = charged == null ? null : r.listMicroUsd() == null ? charged : r.listMicroUsd();
        long consumed = r.uncachedInputTokens() + r.cacheReadTokens() + r.cacheWriteTokens() + r.outputTokens()
                + r.reasoningTokens();
        List<Object> row = new ArrayList<>(REQUEST_HEADER.size());
        row.addAll(List.of(dayStart.toString(), dayStart.plusSeconds(86_400).toString(), CURRENCY, USAGE, SERVICE_NAME,
                SERVICE_CATEGORY, PROVIDER_NAME));
        row.add(r.providerId());
        row.add(r.servedModelId());
        row.add(r.namespaceId());
        row.add(consumed);
        row.add(TOKENS);
        row.add(usd(list));
        row.add(usd(charged));
        row.add(usd(charged));
        row.add(charged == null ? null : usd(list.subtract(charged)));
        row.add(r.requestId());
        row.add(r.eventTime().toString());
        row.add(r.status());
        row.add(r.pricingState());
        row.add(r.modelRequested());
        row.add(r.variant());
        row.add(r.apiKeyId());
        row.add(r.discountKind());
        row.add(r.discountPercent());
        row.add(r.fundingSource());
        row.add(r.streamed());
        row.addAll(List.of(r.promptTokens(), r.completionTokens(), r.uncachedInputTokens(), r.cacheReadTokens(),
                r.cacheWriteTokens(), r.outputTokens(), r.reasoningTokens()));
        return row;
    }
}
