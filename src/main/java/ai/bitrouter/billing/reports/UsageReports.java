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
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Reads usage for reports from the same tables invoicing reads: whole UTC days from the daily rollup, the partial
 * days at either end of a window from the ledger itself. Amounts come back exact; rounding is the caller's, once.
 * Reports count priced requests (charged or not charged); parked ones join when they are priced.
 */
@ApplicationScoped
public class UsageReports {

    @Inject
    DataSource dataSource;

    public record Totals(BigDecimal chargeMicroUsd, long promptTokens, long completionTokens, long requests) {
        static final Totals ZERO = new Totals(BigDecimal.ZERO, 0, 0, 0);

        Totals plus(Totals o) {
            return new Totals(chargeMicroUsd.add(o.chargeMicroUsd), promptTokens + o.promptTokens,
                    completionTokens + o.completionTokens, requests + o.requests);
        }
    }

    /** Usage of one namespace in [from, to). */
    public Totals totals(String namespaceId, Instant from, Instant to) {
        LocalDate firstWholeDay = LocalDate.ofInstant(from, ZoneOffset.UTC);
        if (!firstWholeDay.atStartOfDay().toInstant(ZoneOffset.UTC).equals(from)) {
            firstWholeDay = firstWholeDay.plusDays(1);
        }
        LocalDate endWholeDay = LocalDate.ofInstant(to, ZoneOffset.UTC); // exclusive
        Instant wholeStart = firstWholeDay.atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant wholeEnd = endWholeDay.atStartOfDay().toInstant(ZoneOffset.UTC);
        try (Connection c = dataSource.getConnection()) {
            if (!firstWholeDay.isBefore(endWholeDay)) {
                return fromLedger(c, namespaceId, from, to); // no whole day inside: the ledger alone
            }
            return fromLedger(c, namespaceId, from, wholeStart)
                    .plus(fromRollup(c, namespaceId, firstWholeDay, endWholeDay))
                    .plus(fromLedger(c, namespaceId, wholeEnd, to));
        } catch (SQLException e) {
            throw new IllegalStateException("usage totals", e);
        }
    }

    private static Totals fromLedger(Connection c, String ns, Instant from, Instant to) throws SQLException {
        if (!from.isBefore(to)) {
            return Totals.ZERO;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce(sum(charge_micro_usd), 0), coalesce(sum(prompt_tokens), 0),
                       coalesce(sum(completion_tokens), 0), count(*)
                FROM usage_records
                WHERE namespace_id = ? AND event_time >= ? AND event_time < ? AND charge_micro_usd IS NOT NULL""")) {
            ps.setString(1, ns);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            return totals(ps);
        }
    }

    private static Totals fromRollup(Connection c, String ns, LocalDate from, LocalDate to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce(sum(charge_micro_usd), 0), coalesce(sum(prompt_tokens), 0),
                       coalesce(sum(completion_tokens), 0), coalesce(sum(requests), 0)
                FROM usage_daily WHERE namespace_id = ? AND day >= ? AND day < ?""")) {
            ps.setString(1, ns);
            ps.setObject(2, from);
            ps.setObject(3, to);
            return totals(ps);
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
}
