package ai.bitrouter.billing.web;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Read-only queries the usage page needs and {@code reports.UsageReports} does not offer (yet): spend per UTC day,
 * per served model and per discount kind from the daily rollup, and the request log with filters. Amounts come back
 * exact; the page rounds each figure once through {@code money.Rounding}, as the API does. Every query is limited
 * to the namespace ids it is given, which the caller took from {@code NamespaceAccess}.
 */
@ApplicationScoped
public class UsageQueries {

    /** The reports' pool (see application.properties): a page view never takes a connection ingestion needs. */
    @Inject
    @io.quarkus.agroal.DataSource("reports")
    DataSource dataSource;

    public record ModelTotal(String model, long requests, long promptTokens, long completionTokens,
            BigDecimal chargeMicroUsd) {
    }

    public record DiscountTotal(String kind, BigDecimal listMicroUsd, BigDecimal chargeMicroUsd) {
        public BigDecimal savedMicroUsd() {
            return listMicroUsd.subtract(chargeMicroUsd);
        }
    }

    /** Filters of the request log; null means any. {@code to} is exclusive. */
    public record RequestFilter(String model, String status, Instant from, Instant to) {
    }

    public record RequestRow(String requestId, String namespaceId, Instant eventTime, String status,
            String modelRequested, String servedModelId, String providerId, long promptTokens, long completionTokens,
            String pricingState, BigDecimal chargeMicroUsd, String discountKind) {
    }

    /** Exact spend per UTC day in [from, to), days without usage left out. */
    public Map<LocalDate, BigDecimal> dailySpend(List<String> namespaces, LocalDate from, LocalDate to) {
        Map<LocalDate, BigDecimal> days = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT day, sum(charge_micro_usd) FROM usage_daily
                        WHERE namespace_id = ANY (?) AND day >= ? AND day < ?
                        GROUP BY day ORDER BY day""")) {
            ps.setArray(1, ids(c, namespaces));
            ps.setObject(2, from);
            ps.setObject(3, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    days.put(rs.getObject(1, LocalDate.class), rs.getBigDecimal(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("daily spend", e);
        }
        return days;
    }

    /** Served models by exact spend in [from, to), largest first. */
    public List<ModelTotal> topModels(List<String> namespaces, LocalDate from, LocalDate to, int limit) {
        List<ModelTotal> models = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT served_model_id, sum(requests), sum(prompt_tokens), sum(completion_tokens),
                               sum(charge_micro_usd) AS charge
                        FROM usage_daily
                        WHERE namespace_id = ANY (?) AND day >= ? AND day < ?
                        GROUP BY served_model_id ORDER BY charge DESC, served_model_id LIMIT ?""")) {
            ps.setArray(1, ids(c, namespaces));
            ps.setObject(2, from);
            ps.setObject(3, to);
            ps.setInt(4, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    models.add(new ModelTotal(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            rs.getBigDecimal(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("top models", e);
        }
        return models;
    }

    /** What each kind of discount took off the list price in [from, to); kinds that saved nothing are left out. */
    public List<DiscountTotal> discounts(List<String> namespaces, LocalDate from, LocalDate to) {
        List<DiscountTotal> kinds = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT discount_kind, sum(list_micro_usd), sum(charge_micro_usd) FROM usage_daily
                        WHERE namespace_id = ANY (?) AND day >= ? AND day < ? AND discount_kind <> 'none'
                        GROUP BY discount_kind ORDER BY discount_kind""")) {
            ps.setArray(1, ids(c, namespaces));
            ps.setObject(2, from);
            ps.setObject(3, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    DiscountTotal d = new DiscountTotal(rs.getString(1), rs.getBigDecimal(2), rs.getBigDecimal(3));
                    if (d.savedMicroUsd().signum() != 0) {
                        kinds.add(d);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("discounts applied", e);
        }
        return kinds;
    }

    /** Newest first, like the API's request log; {@code model} matches the requested or the served model. */
    public List<RequestRow> requests(List<String> namespaces, RequestFilter f, int limit, int offset) {
        StringBuilder sql = new StringBuilder("""
                SELECT request_id, namespace_id, event_time, status, model_requested, served_model_id, provider_id,
                       prompt_tokens, completion_tokens, pricing_state, charge_micro_usd, discount_kind
                FROM usage_records WHERE namespace_id = ANY (?)""");
        List<Object> args = new ArrayList<>();
        if (f.model() != null) {
            sql.append(" AND (model_requested = ? OR served_model_id = ?)");
            args.add(f.model());
            args.add(f.model());
        }
        if (f.status() != null) {
            sql.append(" AND status = ?");
            args.add(f.status());
        }
        if (f.from() != null) {
            sql.append(" AND event_time >= ?");
            args.add(Timestamp.from(f.from()));
        }
        if (f.to() != null) {
            sql.append(" AND event_time < ?");
            args.add(Timestamp.from(f.to()));
        }
        sql.append(" ORDER BY event_time DESC, request_id DESC LIMIT ? OFFSET ?");
        args.add(limit);
        args.add(offset);
        List<RequestRow> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setArray(1, ids(c, namespaces));
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 2, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new RequestRow(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8),
                            rs.getLong(9), rs.getString(10), rs.getBigDecimal(11), rs.getString(12)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("request log", e);
        }
        return rows;
    }

    private static Array ids(Connection c, List<String> namespaces) throws SQLException {
        return c.createArrayOf("text", namespaces.toArray());
    }
}
