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

import javax.sql.DataSource;

import ai.bitrouter.billing.money.Percentage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Reads the custom discounts granted to accounts, as they were in force at a given instant. Read fresh for every
 * batch (one indexed query) rather than cached, so a grant or a revocation applies to the very next event it
 * concerns on every instance, and a late event still meets the grant of its own time. A grant revoked before it
 * started never applies (see {@link DiscountGrantAdmin#revoke}).
 */
@ApplicationScoped
public class DiscountGrants {

    @Inject
    DataSource dataSource;

    public record Grant(UUID accountId, Percentage percent, Instant startsAt, Instant endsAt) {
        boolean inForceAt(Instant t) {
            return !t.isBefore(startsAt) && (endsAt == null || t.isBefore(endsAt));
        }
    }

    /** Every grant of these accounts, indexed so that {@link InForce#at} is a scan of a handful of rows. */
    public InForce forAccounts(Collection<UUID> accountIds) {
        Map<UUID, List<Grant>> byAccount = new HashMap<>();
        if (accountIds.isEmpty()) {
            return new InForce(byAccount);
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        """
                        SELECT account_id, percent, starts_at, ends_at FROM discount_grants
                        WHERE account_id = ANY (?) AND NOT coalesce(revoked_at <= starts_at, false)""")) {
            ps.setArray(1, c.createArrayOf("uuid", accountIds.stream().distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID account = rs.getObject(1, UUID.class);
                    BigDecimal percent = rs.getBigDecimal(2);
                    Timestamp ends = rs.getTimestamp(4);
                    byAccount.computeIfAbsent(account, k -> new ArrayList<>()).add(new Grant(account,
                            Percentage.of(percent), rs.getTimestamp(3).toInstant(), ends == null ? null : ends.toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading discount grants failed", e);
        }
        return new InForce(byAccount);
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
