package ai.bitrouter.billing.reports;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import ai.bitrouter.billing.common.api.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Reads usage for reports from the same tables invoicing reads: whole UTC days from the daily rollup, the partial
 * days at either end of a window from the ledger itself. Amounts come back exact; rounding is the caller's, once.
 * Reports count priced requests (charged or not charged); parked ones join when they are priced.
 */
@ApplicationScoped
public class UsageReports {

    /** The "reports" pool: short reads with a short statement timeout, never one ingestion needs. */
    @Inject
    @io.quarkus.agroal.DataSource("reports")
    DataSource dataSource;

    /**
     * The "exports" pool: long cursor reads into a temp file ({@link CsvExports}), few at once, so that exports
     * cannot take the connections of the JSON reports either.
     */
    @Inject
    @io.quarkus.agroal.DataSource("exports")
    DataSource exports;

    public record Totals(BigDecimal chargeMicroUsd, long promptTokens, long completionTokens, long requests) {
        static final Totals ZERO = new Totals(BigDecimal.ZERO, 0, 0, 0);

        Totals plus(Totals o) {
            return new Totals(chargeMicroUsd.add(o.chargeMicroUsd), promptTokens + o.promptTokens,
                    completionTokens + o.completionTokens, requests + o.requests);
        }
    }

    /**
     * Usage of one namespace in [from, to): the whole UTC days from the rollup, the partial days at either end from the
     * ledger, in one statement (one round trip: this is the CLI's most frequent report).
     */
    public Totals totals(String namespaceId, Instant from, Instant to) {
        Split split = Split.of(from, to);
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT coalesce(sum(charge), 0), coalesce(sum(prompt), 0), coalesce(sum(completion), 0),
                               coalesce(sum(requests), 0)
                        FROM (SELECT sum(charge_micro_usd) AS charge, sum(prompt_tokens) AS prompt,
                                     sum(completion_tokens) AS completion, count(*) AS requests
                              FROM usage_records
                              WHERE namespace_id = ? AND charge_micro_usd IS NOT NULL
                                AND ((event_time >= ? AND event_time < ?) OR (event_time >= ? AND event_time < ?))
                              UNION ALL
                              SELECT sum(charge_micro_usd), sum(prompt_tokens), sum(completion_tokens), sum(requests)
                              FROM usage_daily WHERE namespace_id = ? AND day >= ? AND day < ?) parts""")) {
            ps.setString(1, namespaceId);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(split.headEnd()));
            ps.setTimestamp(4, Timestamp.from(split.tailStart()));
            ps.setTimestamp(5, Timestamp.from(to));
            ps.setString(6, namespaceId);
            ps.setObject(7, split.firstWholeDay());
            ps.setObject(8, split.endWholeDay());
            return totals(ps);
        } catch (SQLException e) {
            throw new IllegalStateException("usage totals", e);
        }
    }

    /**
     * A window cut into the whole UTC days the rollup answers, [firstWholeDay, endWholeDay), and the partial days
     * at either end the ledger answers, [from, headEnd) and [tailStart, to). Without a whole day inside, the ledger
     * answers it all and the day range is empty.
     */
    record Split(LocalDate firstWholeDay, LocalDate endWholeDay, Instant headEnd, Instant tailStart) {
        static Split of(Instant from, Instant to) {
            LocalDate firstWholeDay = LocalDate.ofInstant(from, ZoneOffset.UTC);
            if (!firstWholeDay.atStartOfDay().toInstant(ZoneOffset.UTC).equals(from)) {
                firstWholeDay = firstWholeDay.plusDays(1);
            }
            LocalDate endWholeDay = LocalDate.ofInstant(to, ZoneOffset.UTC); // exclusive
            if (!firstWholeDay.isBefore(endWholeDay)) {
                return new Split(firstWholeDay, firstWholeDay, to, to);
            }
            return new Split(firstWholeDay, endWholeDay, firstWholeDay.atStartOfDay().toInstant(ZoneOffset.UTC),
                    endWholeDay.atStartOfDay().toInstant(ZoneOffset.UTC));
        }
    }

    private static Totals totals(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Totals(rs.getBigDecimal(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
        }
    }

    /** One ledger row as reports show it: never a prompt or a response, never internal cost. */
    public record RequestRow(String requestId, String status, String modelRequested, String variant,
            String servedModelId, String providerId, String apiKeyId, long promptTokens, long completionTokens,
            long uncachedInputTokens, long cacheReadTokens, long cacheWriteTokens, long outputTokens,
            long reasoningTokens, String pricingState, BigDecimal chargeMicroUsd, BigDecimal listMicroUsd,
            String discountKind, BigDecimal discountPercent, String fundingSource, Boolean streamed, Instant eventTime,
            Instant startedAt, Instant completedAt, String namespaceId) {
    }

    private static final String ROW_COLUMNS = """
            request_id, status, model_requested, variant, served_model_id, provider_id, api_key_id, prompt_tokens,
            completion_tokens, uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
            reasoning_tokens, pricing_state, charge_micro_usd, list_micro_usd, discount_kind, discount_percent,
            funding_source, streamed, event_time, started_at, completed_at, namespace_id""";

    /** Newest first; the index on (namespace_id, event_time desc) serves it. */
    public List<RequestRow> requests(String namespaceId, int limit, int offset) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + ROW_COLUMNS + """
                         FROM usage_records WHERE namespace_id = ?
                        ORDER BY event_time DESC, request_id DESC LIMIT ? OFFSET ?""")) {
            ps.setString(1, namespaceId);
            ps.setInt(2, limit);
            ps.setInt(3, offset);
            List<RequestRow> rows = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(row(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("request log", e);
        }
    }

    public Optional<RequestRow> request(String requestId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + ROW_COLUMNS + " FROM usage_records WHERE request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("request lookup", e);
        }
    }

    private static RequestRow row(ResultSet rs) throws SQLException {
        return new RequestRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11),
                rs.getLong(12), rs.getLong(13), rs.getLong(14), rs.getString(15), rs.getBigDecimal(16),
                rs.getBigDecimal(17), rs.getString(18), rs.getBigDecimal(19), rs.getString(20),
                (Boolean) rs.getObject(21), instant(rs.getTimestamp(22)), instant(rs.getTimestamp(23)),
                instant(rs.getTimestamp(24)), rs.getString(25));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    // ---- Breakdowns and exports (issue #6) ----

    /**
     * Whose usage a report covers: namespace ids the caller was already allowed to see. Only a resource that resolved
     * them through {@code NamespaceAccess} (404 for anything not the caller's) may build one; this class trusts it.
     */
    public record Scope(List<String> namespaceIds) {
        public Scope {
            namespaceIds = List.copyOf(namespaceIds);
        }

        public static Scope namespace(String namespaceId) {
            return new Scope(List.of(namespaceId));
        }
    }

    /** Receives rows one at a time while a cursor is open (CSV export writes each straight to the response). */
    @FunctionalInterface
    public interface Sink<T> {
        void accept(T row) throws java.io.IOException;
    }

    /** Rows a JSON breakdown may have; larger ones are exports ({@code breakdown.csv}), which stream. */
    public static final int MAX_BREAKDOWN_ROWS = 5_000;
    /** Rows fetched per round trip by an export cursor: memory stays flat however long the window. */
    static final int FETCH_SIZE = 1_000;

    /**
     * Usage of {@code scope} in {@code window} grouped by {@code groupBy}, rows in key order, totals equal to the sum
     * of the rows (exactly, and on the wire after allocation). More than {@link #MAX_BREAKDOWN_ROWS} rows is a 400
     * {@link ApiException} that points to the CSV export.
     */
    public Breakdown breakdown(Scope scope, ReportWindow window, List<Dimension> groupBy) {
        List<Breakdown.Line> lines = new ArrayList<>();
        try {
            // At most 5,000 small rows: a plain statement, no cursor and so no transaction to end (one round trip).
            breakdownRows(scope, window, groupBy, false, line -> {
                if (lines.size() == MAX_BREAKDOWN_ROWS) {
                    throw ApiException.badRequest("the breakdown has more than " + MAX_BREAKDOWN_ROWS
                            + " rows: narrow the window or group_by, or export it as CSV (usage/breakdown.csv)");
                }
                lines.add(line);
            });
        } catch (java.io.IOException e) {
            throw new IllegalStateException("breakdown", e); // the collecting sink does no I/O
        }
        return Breakdown.of(window, groupBy, lines);
    }

    /**
     * The same rows as {@link #breakdown}, streamed from a read-only cursor without a row limit (exports). Whole UTC
     * days come from {@code usage_daily}, the partial days at either end from the ledger, in one query and one
     * grouping, so the two sources cannot disagree on a key.
     */
    public void streamBreakdown(Scope scope, ReportWindow window, List<Dimension> groupBy, Sink<Breakdown.Line> sink)
            throws java.io.IOException {
        breakdownRows(scope, window, groupBy, true, sink);
    }

    private void breakdownRows(Scope scope, ReportWindow window, List<Dimension> groupBy, boolean cursor,
            Sink<Breakdown.Line> sink) throws java.io.IOException {
        if (groupBy.isEmpty()) {
            throw new IllegalArgumentException("at least one dimension");
        }
        if (scope.namespaceIds().isEmpty()) {
            return;
        }
        Split split = Split.of(window.from(), window.to());
        String dims = groupBy.stream().map(d -> d.column).collect(Collectors.joining(", "));
        String sql = BREAKDOWN_SQL.formatted(dims, dims, dims);
        Object[] params = { scope.namespaceIds().toArray(String[]::new), split.firstWholeDay(), split.endWholeDay(),
                scope.namespaceIds().toArray(String[]::new), window.from(), split.headEnd(), split.tailStart(),
                window.to() };
        int n = groupBy.size();
        RowReader reader = rs -> {
            Map<Dimension, String> key = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String v = rs.getString(i + 1);
                key.put(groupBy.get(i), v == null || v.isEmpty() ? null : v);
            }
            sink.accept(new Breakdown.Line(Collections.unmodifiableMap(key), new Breakdown.Amounts(rs.getLong(n + 1),
                    rs.getLong(n + 2), rs.getLong(n + 3), rs.getLong(n + 4), rs.getLong(n + 5), rs.getLong(n + 6),
                    rs.getLong(n + 7), rs.getLong(n + 8), rs.getBigDecimal(n + 9), rs.getBigDecimal(n + 10))));
        };
        if (cursor) {
            readOnlyCursor(sql, params, reader);
        } else {
            query(sql, params, reader);
        }
    }

    // The ledger columns are coalesced to the rollup's conventions ('' for none; list = charge when no separate list
    // price was recorded) so a key is the same whichever source a day came from.
    private static final String BREAKDOWN_SQL = """
            WITH src AS (
                SELECT namespace_id, day, served_model_id, provider_id, api_key_id, variant, discount_kind, requests,
                       prompt_tokens, completion_tokens, uncached_input_tokens, cache_read_tokens, cache_write_tokens,
                       output_tokens, reasoning_tokens, list_micro_usd, charge_micro_usd
                FROM usage_daily
                WHERE namespace_id = ANY(?) AND day >= ? AND day < ?
                UNION ALL
                SELECT namespace_id, (event_time AT TIME ZONE 'UTC')::date, coalesce(served_model_id, ''),
                       coalesce(provider_id, ''), coalesce(api_key_id, ''), coalesce(variant, ''),
                       coalesce(discount_kind, ''), 1, prompt_tokens, completion_tokens, uncached_input_tokens,
                       cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                       coalesce(list_micro_usd, charge_micro_usd), charge_micro_usd
                FROM usage_records
                WHERE namespace_id = ANY(?) AND charge_micro_usd IS NOT NULL
                  AND ((event_time >= ? AND event_time < ?) OR (event_time >= ? AND event_time < ?))
            )
            SELECT %s, sum(requests)::bigint, sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint,
                   sum(uncached_input_tokens)::bigint, sum(cache_read_tokens)::bigint, sum(cache_write_tokens)::bigint,
                   sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(list_micro_usd),
                   sum(charge_micro_usd)
            FROM src GROUP BY %s ORDER BY %s""";

    /**
     * Every ledger row of one namespace in the window, oldest first, from a read-only cursor (the request log export).
     * Parked rows are included with their {@code unknown} state and no amounts.
     */
    public void streamRequests(String namespaceId, ReportWindow window, Sink<RequestRow> sink) throws java.io.IOException {
        readOnlyCursor("SELECT " + ROW_COLUMNS + """
                 FROM usage_records WHERE namespace_id = ? AND event_time >= ? AND event_time < ?
                ORDER BY event_time, request_id""", new Object[] { namespaceId, window.from(), window.to() },
                rs -> sink.accept(row(rs)));
    }

    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet rs) throws SQLException, java.io.IOException;
    }

    /** Runs a small query in one round trip: no cursor, so no transaction of its own. */
    private void query(String sql, Object[] params, RowReader reader) throws java.io.IOException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(c, ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reader.read(rs);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("usage report query", e);
        }
    }

    private static void bind(Connection c, PreparedStatement ps, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof String[] arr) {
                ps.setArray(i + 1, c.createArrayOf("text", arr));
            } else if (p instanceof Instant t) {
                ps.setTimestamp(i + 1, Timestamp.from(t));
            } else {
                ps.setObject(i + 1, p);
            }
        }
    }

    /**
     * Runs a query in a read-only transaction with a cursor ({@code fetchSize} needs autocommit off in PostgreSQL's
     * driver; otherwise it loads the whole result first). Only exports use it, on their own pool.
     */
    private void readOnlyCursor(String sql, Object[] params, RowReader reader) throws java.io.IOException {
        try (Connection c = exports.getConnection()) {
            boolean own = c.getAutoCommit();
            if (own) {
                c.setAutoCommit(false);
                c.setReadOnly(true);
            }
            try (PreparedStatement ps = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
                ps.setFetchSize(FETCH_SIZE);
                bind(c, ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        reader.read(rs);
                    }
                }
            } finally {
                if (own) {
                    c.rollback(); // nothing was written; ends the read-only transaction
                    c.setReadOnly(false);
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("usage report query", e);
        }
    }
}
