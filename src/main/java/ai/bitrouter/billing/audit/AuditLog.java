package ai.bitrouter.billing.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.catalog.SyncReport;
import ai.bitrouter.billing.metering.Repricer;
import ai.bitrouter.billing.security.Caller;
import ai.bitrouter.billing.security.CallerContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * The audit trail of admin actions. {@link #record} joins the caller's transaction, so an action and its audit row
 * commit or roll back together; the table refuses UPDATE, DELETE and TRUNCATE (V6), so rows are only ever appended.
 * The actor is the authenticated caller of the current request.
 */
@ApplicationScoped
public class AuditLog {

    /** Written by metering's dead-letter replay, after the broker acknowledged the re-published events. */
    public static final String DEAD_LETTER_REPLAY = "usage.dead_letter.replay";
    public static final String DISCOUNT_GRANT = "discount.grant";
    public static final String DISCOUNT_REVOKE = "discount.revoke";
    public static final String OFFICIAL_PRICE_SET = "catalog.official_price.set";
    public static final String CATALOG_IMPORT = "catalog.import";
    public static final String USAGE_REPRICE = "usage.reprice";
    public static final String INVOICE_REPUSH = "invoice.repush";
    public static final String INVOICE_CLOSE = "invoice.close";

    @Inject
    DataSource dataSource;

    @Inject
    CallerContext callers;

    @Inject
    ObjectMapper json;

    public record Entry(long id, Instant at, @JsonProperty("actor_subject") String actorSubject,
            @JsonProperty("actor_username") String actorUsername, String action,
            @JsonProperty("target_type") String targetType, @JsonProperty("target_id") String targetId,
            JsonNode before, JsonNode after, String detail) {
    }

    /** Filters of {@link #search}; null means "any". {@code actor} matches the subject or the username. */
    public record Query(String action, String targetId, String actor, Instant from, Instant to, int limit, int offset) {
    }

    /** Appends one row; {@code before} and {@code after} are any Jackson-serialisable values, or null. */
    @Transactional(Transactional.TxType.REQUIRED)
    public void record(String action, String targetType, String targetId, Object before, Object after, String detail) {
        Caller caller = callers.caller();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO audit_log (actor_subject, actor_username, action, target_type, target_id, before,
                                               after, detail)
                        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)""")) {
            ps.setString(1, caller.subject());
            ps.setString(2, caller.username());
            ps.setString(3, action);
            ps.setString(4, targetType);
            ps.setString(5, targetId);
            ps.setString(6, toJson(before));
            ps.setString(7, toJson(after));
            ps.setString(8, detail);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("writing the audit log failed", e);
        }
    }

    /**
     * A registry import run by an admin. The import publishes in its own transaction, so this row follows its
     * commit; an import that was refused raised before reaching here and leaves only its import-run record.
     */
    public SyncReport catalogImport(SyncReport report) {
        record(CATALOG_IMPORT, "catalog_version", report.versionId(),
                report.previousVersionId() == null ? null : new VersionRef(report.previousVersionId()), report,
                report.outcome());
        return report;
    }

    /** An official-price override: before and after are the old and new official entries of the model. */
    public SyncReport officialPriceSet(String modelId, SyncReport report) {
        JsonNode changes = json.valueToTree(report).path("changes").path("official_prices");
        JsonNode before = null;
        JsonNode after = null;
        for (JsonNode changed : changes.path("changed")) {
            before = changed.get("old");
            after = changed.get("new");
        }
        for (JsonNode added : changes.path("added")) {
            after = added;
        }
        record(OFFICIAL_PRICE_SET, "model", modelId, before, after,
                report.outcome() + (report.versionId() == null ? "" : " in catalog version " + report.versionId()));
        return report;
    }

    /** A re-pricing run: the counts are the whole story (each re-priced row records its own pricing). */
    public Repricer.Outcome repriced(Repricer.Outcome outcome) {
        record(USAGE_REPRICE, "usage", null, null, new RepriceCounts(outcome.repriced(), outcome.stillParked()), null);
        return outcome;
    }

    private record VersionRef(String version_id) {
    }

    private record RepriceCounts(long repriced, long still_parked) {
    }

    /** Newest first. */
    public List<Entry> search(Query q) {
        StringBuilder sql = new StringBuilder("""
                SELECT id, at, actor_subject, actor_username, action, target_type, target_id, before::text,
                       after::text, detail
                FROM audit_log WHERE true""");
        List<Object> args = new ArrayList<>();
        if (q.action() != null) {
            sql.append(" AND action = ?");
            args.add(q.action());
        }
        if (q.targetId() != null) {
            sql.append(" AND target_id = ?");
            args.add(q.targetId());
        }
        if (q.actor() != null) {
            sql.append(" AND (actor_subject = ? OR actor_username = ?)");
            args.add(q.actor());
            args.add(q.actor());
        }
        if (q.from() != null) {
            sql.append(" AND at >= ?");
            args.add(Timestamp.from(q.from()));
        }
        if (q.to() != null) {
            sql.append(" AND at < ?");
            args.add(Timestamp.from(q.to()));
        }
        sql.append(" ORDER BY at DESC, id DESC LIMIT ? OFFSET ?");
        args.add(q.limit());
        args.add(q.offset());
        List<Entry> entries = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), parse(rs.getString(8)),
                            parse(rs.getString(9)), rs.getString(10)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the audit log failed", e);
        }
        return entries;
    }

    private String toJson(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit value is not serialisable", e);
        }
    }

    private JsonNode parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit_log holds invalid JSON", e);
        }
    }
}
