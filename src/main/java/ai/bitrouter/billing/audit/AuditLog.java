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

import ai.bitrouter.billing.security.Caller;
import ai.bitrouter.billing.security.CallerContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * The audit trail of admin actions. {@link #record} requires the caller's transaction and joins it, so an action and
 * its audit row commit or roll back together: each audited action writes its row in the transaction that makes its
 * change (docs/security.md lists them). The table refuses UPDATE, DELETE and TRUNCATE (V6 triggers), and the
 * service's database role may only INSERT and SELECT it and cannot drop those triggers (V14), so rows are only ever
 * appended. The actor is the authenticated caller of the current request, or the system for a scheduled run.
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
    /** All of the above, for the admin page's filter. */
    public static final List<String> ACTIONS = List.of(DISCOUNT_GRANT, DISCOUNT_REVOKE, OFFICIAL_PRICE_SET,
            CATALOG_IMPORT, USAGE_REPRICE, INVOICE_REPUSH, INVOICE_CLOSE, DEAD_LETTER_REPLAY);

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

    /**
     * Who did it: a person (their Keycloak subject and username) or, for a scheduled run, the system (subject
     * {@code system:<job>}, username {@code system}).
     */
    public record Actor(String subject, String username) {
        public static final String SYSTEM_USERNAME = "system";

        public static Actor system(String job) {
            return new Actor("system:" + job, SYSTEM_USERNAME);
        }
    }

    /** The caller of the current request, as an actor; take it on the request's thread, before the action. */
    public Actor currentActor() {
        Caller caller = callers.caller();
        return new Actor(caller.subject(), caller.username());
    }

    /** {@link #record(Actor, String, String, String, Object, Object, String)} by the caller of the current request. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String action, String targetType, String targetId, Object before, Object after, String detail) {
        record(currentActor(), action, targetType, targetId, before, after, detail);
    }

    /**
     * Appends one row in the caller's transaction, which must exist ({@code MANDATORY}: an audit row written in a
     * transaction of its own could commit without its action, or the action without it). {@code before} and
     * {@code after} are any Jackson-serialisable values, or null. A failed insert fails the action.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(Actor actor, String action, String targetType, String targetId, Object before, Object after,
            String detail) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO audit_log (actor_subject, actor_username, action, target_type, target_id, before,
                                               after, detail)
                        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)""")) {
            ps.setString(1, actor.subject());
            ps.setString(2, actor.username());
            ps.setString(3, action);
            ps.setString(4, targetType);
            ps.setString(5, targetId);
            ps.setString(6, toJson(before));
            ps.setString(7, toJson(after));
            ps.setString(8, detail);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("writing the audit log failed: " + e.getMessage(), e);
        }
    }

    /** A JSON tree of {@code value}, for callers that pick parts of a report for before/after. */
    public JsonNode tree(Object value) {
        return json.valueToTree(value);
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
