package ai.bitrouter.billing.testsupport;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import javax.sql.DataSource;

/** Accounts, namespaces and grants written straight to the database, for tests that need a tenant of their own. */
public final class TestAccounts {
    private TestAccounts() {
    }

    public record Tenant(UUID accountId, String namespaceId) {
    }

    public static Tenant create(DataSource db) {
        return create(db, "ns_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26));
    }

    /** With a namespace id chosen by the test, e.g. one its events already named before it existed. */
    public static Tenant create(DataSource db, String ns) {
        UUID account = UUID.randomUUID();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO accounts (id, owner_subject, email, display_name) VALUES (?, ?, ?, ?)")) {
                ps.setObject(1, account);
                ps.setString(2, "test-" + account);
                ps.setString(3, account + "@test.local");
                ps.setString(4, "Test " + account);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO namespaces (id, account_id, name) VALUES (?, ?, ?)")) {
                ps.setString(1, ns);
                ps.setObject(2, account);
                ps.setString(3, "default");
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new Tenant(account, ns);
    }

    public static void grant(DataSource db, UUID account, BigDecimal percent, Instant startsAt, Instant endsAt) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO discount_grants (id, account_id, percent, reason, project_url, granted_by, starts_at, ends_at)
                        VALUES (?, ?, ?, 'test', 'https://example.org/project', 'test', ?, ?)""")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, account);
            ps.setBigDecimal(3, percent);
            ps.setTimestamp(4, Timestamp.from(startsAt));
            ps.setTimestamp(5, endsAt == null ? null : Timestamp.from(endsAt));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
