package ai.bitrouter.billing.discounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.money.Percentage;
import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Metering keeps the grants in memory and trusts them only as long as the counter that every change bumps (V11) has
 * not moved: these are the cases where a stale copy would bill the wrong discount.
 */
@QuarkusTest
class DiscountGrantsCacheTest {
    static final Instant T = Instant.parse("2026-11-02T10:00:00Z");

    @Inject
    DiscountGrants grants;

    @Inject
    DataSource db;

    private Optional<Percentage> at(UUID account, Instant t) {
        return grants.forAccounts(List.of(account)).at(account, t);
    }

    @Test
    void aCommittedGrantIsSeenByTheNextLookupAndNothingIsReloadedWhileNothingChanges() {
        UUID account = TestAccounts.create(db).accountId();
        assertEquals(Optional.empty(), at(account, T));
        long reloads = grants.reloads();
        assertEquals(Optional.empty(), at(account, T));
        assertEquals(reloads, grants.reloads(), "no change, so no reload");

        TestAccounts.grant(db, account, new BigDecimal("40"), T.minusSeconds(3600), null);
        assertEquals(Optional.of(Percentage.of(new BigDecimal("40"))), at(account, T));
        assertEquals(Optional.empty(), at(account, T.minusSeconds(3601)), "before the grant started");
        assertTrue(grants.reloads() > reloads, "the change was noticed by a reload");
    }

    @Test
    void aGrantNotYetCommittedIsNotAppliedAndItsCommitIs() throws Exception {
        UUID account = TestAccounts.create(db).accountId();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO discount_grants (id, account_id, percent, reason, granted_by, starts_at)
                    VALUES (?, ?, 30, 'test', 'test', ?)""")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, account);
                ps.setTimestamp(3, Timestamp.from(T.minusSeconds(60)));
                ps.executeUpdate();
            }
            assertEquals(Optional.empty(), at(account, T), "uncommitted");
            c.commit();
        }
        assertEquals(Optional.of(Percentage.of(new BigDecimal("30"))), at(account, T));
    }

    @Test
    void anEndOrARevocationBeforeTheStartIsAppliedToTheNextLookup() throws Exception {
        UUID ended = TestAccounts.create(db).accountId();
        UUID neverStarted = TestAccounts.create(db).accountId();
        TestAccounts.grant(db, ended, new BigDecimal("45"), T.minusSeconds(3600), null);
        TestAccounts.grant(db, neverStarted, new BigDecimal("20"), T.minusSeconds(3600), null);
        assertEquals(Optional.of(Percentage.of(new BigDecimal("45"))), at(ended, T));
        assertEquals(Optional.of(Percentage.of(new BigDecimal("20"))), at(neverStarted, T));

        try (Connection c = db.getConnection();
                PreparedStatement end = c.prepareStatement(
                        "UPDATE discount_grants SET ends_at = ?, revoked_at = ? WHERE account_id = ?");
                PreparedStatement revoke = c.prepareStatement(
                        "UPDATE discount_grants SET revoked_at = starts_at - interval '1 second' WHERE account_id = ?")) {
            end.setTimestamp(1, Timestamp.from(T));
            end.setTimestamp(2, Timestamp.from(T));
            end.setObject(3, ended);
            assertEquals(1, end.executeUpdate());
            revoke.setObject(1, neverStarted);
            assertEquals(1, revoke.executeUpdate());
        }
        assertEquals(Optional.empty(), at(ended, T), "[starts_at, ends_at): the end instant is no longer covered");
        assertEquals(Optional.of(Percentage.of(new BigDecimal("45"))), at(ended, T.minusNanos(1000)));
        assertEquals(Optional.empty(), at(neverStarted, T), "revoked before it started: never applies");
    }
}
