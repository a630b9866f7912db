package ai.bitrouter.billing.discounts;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.security.CallerContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * Granting, listing and revoking custom discounts (docs/admin.md). Each change and its audit row are one
 * transaction. "At most one grant in force per account at any instant" is the database's exclusion constraint: an
 * overlapping insert fails with SQLSTATE 23P01 and becomes a 409, so two admins granting at once cannot both win.
 */
@ApplicationScoped
public class DiscountGrantAdmin {

    /** The cap of the pricing policy on custom discounts: (0, 50]. The table's CHECK says the same. */
    static final BigDecimal MAX_PERCENT = BigDecimal.valueOf(50);

    private static final String EXCLUSION_VIOLATION = "23P01";
    private static final String CHECK_VIOLATION = "23514";

    @Inject
    DataSource dataSource;

    @Inject
    AuditLog audit;

    @Inject
    CallerContext callers;

    public enum State {
        SCHEDULED, ACTIVE, ENDED, REVOKED;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A grant as the admin API shows it; {@code percent} is a decimal string so no digit is lost in JSON. */
    public record GrantView(String id, @JsonProperty("account_id") String accountId, String percent, String reason,
            @JsonProperty("project_url") String projectUrl, @JsonProperty("granted_by") String grantedBy,
            @JsonProperty("starts_at") Instant startsAt, @JsonProperty("ends_at") Instant endsAt,
            @JsonProperty("created_at") Instant createdAt, @JsonProperty("revoked_at") Instant revokedAt,
            @JsonProperty("revoked_by") String revokedBy, State state) {
    }

    /** A validated request to grant; see {@link #validate}. */
    public record NewGrant(BigDecimal percent, String reason, String projectUrl, Optional<Instant> startsAt,
            Optional<Instant> endsAt) {
    }

    /** Checks what the API promises before touching the database: 400 for each rule broken. */
    public static NewGrant validate(BigDecimal percent, String reason, String projectUrl, Optional<Instant> startsAt,
            Optional<Instant> endsAt) {
        if (percent == null) {
            throw ApiException.badRequest("percent is required");
        }
        if (percent.signum() <= 0 || percent.compareTo(MAX_PERCENT) > 0) {
            throw ApiException.badRequest("percent must be greater than 0 and at most 50, got " + percent.toPlainString());
        }
        if (reason == null || reason.isBlank()) {
            throw ApiException.badRequest("reason is required");
        }
        if (projectUrl == null || projectUrl.isBlank()) {
            throw ApiException.badRequest("project_url is required");
        }
        if (!isHttpUrl(projectUrl.strip())) {
            throw ApiException.badRequest("project_url must be an http or https URL");
        }
        if (startsAt.isPresent() && endsAt.isPresent() && !endsAt.get().isAfter(startsAt.get())) {
            throw ApiException.badRequest("ends_at must be after starts_at");
        }
        return new NewGrant(percent, reason.strip(), projectUrl.strip(), startsAt, endsAt);
    }

    private static boolean isHttpUrl(String s) {
        try {
            URI uri = new URI(s);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** PostgreSQL keeps microseconds; an instant with more digits would read back different from what we return. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    @Transactional
    public GrantView grant(UUID accountId, NewGrant g) {
        Instant now = now();
        Instant starts = g.startsAt().map(t -> t.truncatedTo(ChronoUnit.MICROS)).orElse(now);
        Instant ends = g.endsAt().map(t -> t.truncatedTo(ChronoUnit.MICROS)).orElse(null);
        if (ends != null && !ends.isAfter(starts)) {
            throw ApiException.badRequest("ends_at must be after starts_at");
        }
        UUID id = UUID.randomUUID();
        String by = callers.caller().subject();
        try (Connection c = dataSource.getConnection()) {
            requireAccount(c, accountId);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO discount_grants (id, account_id, percent, reason, project_url, granted_by, starts_at,
                                                 ends_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                ps.setObject(1, id);
                ps.setObject(2, accountId);
                ps.setBigDecimal(3, g.percent());
                ps.setString(4, g.reason());
                ps.setString(5, g.projectUrl());
                ps.setString(6, by);
                ps.setTimestamp(7, Timestamp.from(starts));
                ps.setTimestamp(8, ends == null ? null : Timestamp.from(ends));
                ps.setTimestamp(9, Timestamp.from(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (EXCLUSION_VIOLATION.equals(e.getSQLState())) {
                    throw ApiException.conflict("the account already has a discount grant in force during part of "
                            + "that period; revoke it or choose a period that does not overlap");
                }
                if (CHECK_VIOLATION.equals(e.getSQLState())) {
                    throw ApiException.badRequest("the grant breaks a rule of the database: " + e.getMessage());
                }
                throw e;
            }
            GrantView created = find(c, accountId, id, false).orElseThrow();
            audit.record(AuditLog.DISCOUNT_GRANT, "discount_grant", id.toString(), null, created, g.reason());
            return created;
        } catch (SQLException e) {
            throw new IllegalStateException("granting a discount failed", e);
        }
    }

    /**
     * Ends a grant from now; the past is never rewritten. An active grant gets {@code ends_at = now}, so events timed
     * before now keep the discount (also when they arrive late) and later ones do not. A grant that has not started
     * yet keeps its dates and is marked revoked ({@code revoked_at <= starts_at}), which {@link DiscountGrants}
     * never applies: ending it "at its start" is impossible because the table requires {@code ends_at > starts_at}.
     */
    @Transactional
    public GrantView revoke(UUID accountId, UUID grantId) {
        Instant now = now();
        String by = callers.caller().subject();
        try (Connection c = dataSource.getConnection()) {
            requireAccount(c, accountId);
            GrantView before = find(c, accountId, grantId, true)
                    .orElseThrow(() -> ApiException.notFound("discount grant not found"));
            if (before.revokedAt() != null) {
                throw ApiException.conflict("the grant was already revoked at " + before.revokedAt());
            }
            if (before.endsAt() != null && !before.endsAt().isAfter(now)) {
                throw ApiException.conflict("the grant already ended at " + before.endsAt());
            }
            boolean started = before.startsAt().isBefore(now);
            try (PreparedStatement ps = c.prepareStatement(started
                    ? "UPDATE discount_grants SET ends_at = ?, revoked_at = ?, revoked_by = ? WHERE id = ?"
                    : "UPDATE discount_grants SET revoked_at = ?, revoked_by = ? WHERE id = ?")) {
                int i = 1;
                if (started) {
                    ps.setTimestamp(i++, Timestamp.from(now));
                }
                ps.setTimestamp(i++, Timestamp.from(now));
                ps.setString(i++, by);
                ps.setObject(i, grantId);
                ps.executeUpdate();
            }
            GrantView after = find(c, accountId, grantId, false).orElseThrow();
            audit.record(AuditLog.DISCOUNT_REVOKE, "discount_grant", grantId.toString(), before, after,
                    started ? "ended from now" : "revoked before it started");
            return after;
        } catch (SQLException e) {
            throw new IllegalStateException("revoking a discount failed", e);
        }
    }

    /** The account's grants, latest start first. */
    @Transactional
    public List<GrantView> list(UUID accountId) {
        try (Connection c = dataSource.getConnection()) {
            requireAccount(c, accountId);
            return query(c, "WHERE account_id = ? ORDER BY starts_at DESC, created_at DESC", false, accountId);
        } catch (SQLException e) {
            throw new IllegalStateException("listing discount grants failed", e);
        }
    }

    private static void requireAccount(Connection c, UUID accountId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM accounts WHERE id = ?")) {
            ps.setObject(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("account not found");
                }
            }
        }
    }

    private static Optional<GrantView> find(Connection c, UUID accountId, UUID grantId, boolean lock)
            throws SQLException {
        return query(c, "WHERE account_id = ? AND id = ?", lock, accountId, grantId).stream().findFirst();
    }

    private static List<GrantView> query(Connection c, String where, boolean lock, Object... args) throws SQLException {
        Instant now = now();
        List<GrantView> grants = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, account_id, percent, reason, project_url, granted_by, starts_at, ends_at, created_at,
                       revoked_at, revoked_by
                FROM discount_grants
                """ + where + (lock ? " FOR UPDATE" : ""))) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant starts = rs.getTimestamp(7).toInstant();
                    Instant ends = instant(rs.getTimestamp(8));
                    Instant revoked = instant(rs.getTimestamp(10));
                    grants.add(new GrantView(rs.getObject(1, UUID.class).toString(),
                            rs.getObject(2, UUID.class).toString(), plain(rs.getBigDecimal(3)), rs.getString(4),
                            rs.getString(5), rs.getString(6), starts, ends, instant(rs.getTimestamp(9)), revoked,
                            rs.getString(11), state(starts, ends, revoked, now)));
                }
            }
        }
        return grants;
    }

    static State state(Instant starts, Instant ends, Instant revoked, Instant now) {
        if (revoked != null && !revoked.isAfter(starts)) {
            return State.REVOKED;
        }
        if (starts.isAfter(now)) {
            return State.SCHEDULED;
        }
        if (ends != null && !ends.isAfter(now)) {
            return State.ENDED;
        }
        return State.ACTIVE;
    }

    private static String plain(BigDecimal percent) {
        return percent.stripTrailingZeros().toPlainString();
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
