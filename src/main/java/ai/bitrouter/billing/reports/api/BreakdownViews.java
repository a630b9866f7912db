package ai.bitrouter.billing.reports.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.common.api.ApiError;
import ai.bitrouter.billing.reports.Breakdown;
import ai.bitrouter.billing.reports.CsvExports;
import ai.bitrouter.billing.reports.Dimension;
import ai.bitrouter.billing.reports.FocusCsv;
import ai.bitrouter.billing.reports.ReportWindow;
import ai.bitrouter.billing.reports.UsageReports;
import ai.bitrouter.billing.security.Caller;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * The wire form of a breakdown (JSON) and of its CSV export, shared by the namespace and the account endpoints.
 * Fields are an allow-list: the group's key, counts, and the customer's own amounts. Never provider cost or margin,
 * never an internal id other than the caller's own namespace and key ids.
 */
final class BreakdownViews {
    static final String CSV = "text/csv";

    /** What the three amounts mean, in every response, so a reader of the JSON does not need the docs. */
    static final Map<String, String> AMOUNTS_EXPLAINED = explained();

    private static Map<String, String> explained() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("list_micro_usd", "the usage at the official (catalog) price, before any discount");
        m.put("discount_micro_usd", "list less charged: what discounts (e.g. the self-hosted discount) took off");
        m.put("charged_micro_usd", "what you pay for the usage, as invoiced; 0 for requests that were not charged");
        m.put("rounding", "integer micro-USD; totals are the exact sums rounded half-up once, rows are allocated so they"
                + " add up to the totals exactly; *_exact fields carry the unrounded decimal amounts");
        return Map.copyOf(m);
    }

    private BreakdownViews() {
    }

    public record BreakdownView(Instant from, Instant to, @JsonProperty("group_by") List<String> groupBy,
            String currency, List<Map<String, Object>> rows, Map<String, Object> totals,
            @JsonProperty("amounts_explained") Map<String, String> amountsExplained) {
    }

    static BreakdownView view(Breakdown b) {
        List<Map<String, Object>> rows = b.rows().stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            r.key().forEach((d, v) -> m.put(d.wireName(), v));
            amounts(m, r.amounts(), r.wire());
            return m;
        }).toList();
        Map<String, Object> totals = new LinkedHashMap<>();
        amounts(totals, b.totals(), b.totalsWire());
        return new BreakdownView(b.window().from(), b.window().to(),
                b.groupBy().stream().map(Dimension::wireName).toList(), "USD", rows, totals, AMOUNTS_EXPLAINED);
    }

    private static void amounts(Map<String, Object> m, Breakdown.Amounts a, Breakdown.Wire w) {
        m.put("requests", a.requests());
        m.put("prompt_tokens", a.promptTokens());
        m.put("completion_tokens", a.completionTokens());
        m.put("uncached_input_tokens", a.uncachedInputTokens());
        m.put("cache_read_tokens", a.cacheReadTokens());
        m.put("cache_write_tokens", a.cacheWriteTokens());
        m.put("output_tokens", a.outputTokens());
        m.put("reasoning_tokens", a.reasoningTokens());
        m.put("list_micro_usd", w.listMicroUsd());
        m.put("discount_micro_usd", w.discountMicroUsd());
        m.put("charged_micro_usd", w.chargedMicroUsd());
        // Strings, so no JSON parser turns an exact decimal into a double.
        m.put("list_micro_usd_exact", a.listMicroUsd().toPlainString());
        m.put("discount_micro_usd_exact", a.discountMicroUsd().toPlainString());
        m.put("charged_micro_usd_exact", a.chargedMicroUsd().toPlainString());
    }

    /**
     * A CSV download. The rows are written to a temp file first, on the exports pool, so no connection is held while
     * the client reads; the response then streams the file. Another export of the same account still running is a 429,
     * an instance at its export limit a 503, both with Retry-After (reports.CsvExports).
     */
    static Response csv(CsvExports exports, SecurityIdentity identity, String filename, List<String> header,
            CsvExports.Body body) {
        // The tenant is the account, named by its owner's subject, as for the report rate limit: a person's token and
        // every API key of the account share the one slot.
        String tenant = Caller.of(identity).map(c -> "sub:" + c.subject())
                .orElseThrow(() -> new IllegalStateException("an export without an authenticated caller"));
        CsvExports.Export export;
        try {
            export = exports.write(tenant, header, body);
        } catch (CsvExports.Refused e) {
            long seconds = Math.max(1, e.retryAfter().toSeconds());
            return Response.fromResponse(ApiError.response(e.status(), e.getMessage()))
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds)).build();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the export", e);
        }
        try {
            StreamingOutput out = export::sendTo;
            return Response.ok(out, CSV + "; charset=utf-8; header=present")
                    .header("Content-Disposition", "attachment; filename=\"" + filename + "\"")
                    .header("Content-Length", Long.toString(export.bytes()))
                    .header("Cache-Control", "no-store")
                    .build();
        } catch (RuntimeException e) {
            export.discard();
            throw e;
        }
    }

    static Response breakdownCsv(CsvExports exports, SecurityIdentity identity, UsageReports reports,
            UsageReports.Scope scope, ReportWindow window, List<Dimension> groupBy, String namespaceId,
            String filenameStem) {
        return csv(exports, identity, filenameStem + "-" + day(window.from()) + "-" + day(window.to()) + ".csv",
                FocusCsv.BREAKDOWN_HEADER, csv -> reports.streamBreakdown(scope, window, groupBy,
                        line -> csv.row(FocusCsv.breakdownRow(line, window, namespaceId))));
    }

    static String day(Instant t) {
        return t.toString().substring(0, 10);
    }
}
