package ai.bitrouter.billing.discounts;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import ai.bitrouter.billing.money.Percentage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The custom discounts granted to accounts, as they were in force at a given instant. Metering asks for every batch,
 * and grants change a few times a day, so all of them are kept in memory and checked against a one-row counter that
 * every change to {@code discount_grants} bumps in its own transaction ({@code V11}): a batch costs one primary-key
 * read, and a grant or a revocation applies to the very next batch after its commit, on every instance, as when the
 * grants were read afresh for each batch. A late event still meets the grant of its own time, since the whole
 * history is kept. A grant revoked before it started never applies (see {@link DiscountGrantAdmin#revoke}).
 */
@ApplicationScoped
public class DiscountGrants {

    @Inject
    DataSource dataSource;

    /** The grants as of one counter value; replaced whole, never changed, so readers need no lock. */
    private record Snapshot(long version, Map<UUID, List<Grant>> byAccount) {
    }

    private volatile Snapshot cached;
    private final AtomicLong reloads = new AtomicLong();

    public record Grant(UUID accountId, Percentage percent, Instant startsAt, Instant endsAt) {
        boolean inForceAt(Instant t) {
            return !t.isBefore(startsAt) && (endsAt == null || t.isBefore(endsAt));
        }
    }

    /** The grants of these accounts, indexed so that {@link InForce#at} is a scan of a handful of rows. */
    public InForce forAccounts(Collection<UUID> accountIds) {
        if (accountIds.isEmpty()) {
            return new InForce(Map.of());
        }
        try (Connection c = dataSource.getConnection()) {
            Snapshot s = cached;
            if (s == null || s.version() != version(c)) {
                s = load(c);
                cached = s;
            }
            return new InForce(s.byAccount());
        } catch (SQLException e) {
            throw new IllegalStateException("reading discount grants failed", e);
        }
    }

    /** How many times the grants were read in full (the counter had moved); for tests. */
    long reloads() {
        return reloads.get();
    }

    private static long version(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM discount_grants_version");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("discount_grants_version has no row (see V11__discount_grants_version.sql)");
            }
            return rs.getLong(1);
        }
    }

    /** The counter and the grants in one statement, so both come from the same snapshot of the database. */
    private Snapshot load(Connection c) throws SQLException {
        reloads.incrementAndGet();
        Map<UUID, List<Grant>> byAccount = new HashMap<>();
        long version = -1;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT v.version, g.account_id, g.percent, g.starts_at, g.ends_at
                FROM discount_grants_version v
                LEFT JOIN discount_grants g ON NOT coalesce(g.revoked_at <= g.starts_at, false)""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                version = rs.getLong(1);
                UUID account = rs.getObject(2, UUID.class);
                if (account == null) {
                    continue; // no grant at all: the outer join's one row
                }
                BigDecimal percent = rs.getBigDecimal(3);
                Timestamp ends = rs.getTimestamp(5);
                byAccount.computeIfAbsent(account, k -> new ArrayList<>()).add(new Grant(account,
                        Percentage.of(percent), rs.getTimestamp(4).toInstant(), ends == null ? null : ends.toInstant()));
            }
        }
        if (version < 0) {
            throw new SQLException("discount_grants_version has no row (see V11__discount_grants_version.sql)");
        }
        byAccount.replaceAll((k, v) -> List.copyOf(v));
        return new Snapshot(version, Map.copyOf(byAccount));
    }

    public static final class InForce {
        private final Map<UUID, List<Grant>> byAccount;

        InForce(Map<UUID, List<Grant>> byAccount) {
            this.byAccount = byAccount;
        }

        /** The account's custom discount at {@code t}; the database guarantees at most one grant is in force. */
        public Optional<Percentage> at(UUID accountId, Instant t) {
            for (Grant g : byAccount.getOrDefault(accountId, List.of())) {
                if (g.inForceAt(t)) {
                    return Optional.of(g.percent());
                }
            }
            return Optional.empty();
        }
    }
}
