package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The rollup's upsert against the real PostgreSQL: deltas add to what is there, exactly (numeric scale included), a
 * second rollup in the same transaction adds only its own deltas, and a rolled-back one leaves nothing behind for the
 * next transaction on that connection (a retried batch must not count twice).
 */
@QuarkusTest
class DailyRollupTest {

    @Inject
    DataSource db;

    @Test
    void twoRollupsInOneTransactionAddTheirOwnDeltasOnce() throws Exception {
        String ns = freshNamespace();
        UUID account = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            try (Connection c = db.getConnection()) {
                DailyRollup first = new DailyRollup();
                first.add(key(ns, "2026-12-01"), account, 100, 10, 100, 0, 0, 10, 0, new BigDecimal("1.5"),
                        new BigDecimal("1.125"));
                first.add(key(ns, "2026-12-01"), account, 50, 5, 50, 0, 0, 5, 0, new BigDecimal("0.75"),
                        new BigDecimal("0.5625"));
                first.add(key(ns, "2026-12-02"), account, 7, 3, 7, 0, 0, 3, 0, new BigDecimal("0.000001"),
                        new BigDecimal("0"));
                first.apply(c);
                DailyRollup second = new DailyRollup();
                second.add(key(ns, "2026-12-01"), account, 1, 1, 1, 0, 0, 1, 0, new BigDecimal("0.01"),
                        new BigDecimal("0.0075"));
                second.apply(c);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(List.of("2026-12-01|3|151|16|2.26|1.6950", "2026-12-02|1|7|3|0.000001|0"), rows(ns));
    }

    @Test
    void aRolledBackRollupAddsNothingAndTheConnectionGoesOn() throws Exception {
        String ns = freshNamespace();
        UUID account = UUID.randomUUID();
        // One connection for both transactions, as the pool hands it from one batch to the next.
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            DailyRollup undone = new DailyRollup();
            undone.add(key(ns, "2026-12-01"), account, 999, 999, 999, 0, 0, 999, 0, new BigDecimal("9"),
                    new BigDecimal("9"));
            undone.apply(c);
            c.rollback();
            DailyRollup kept = new DailyRollup();
            kept.add(key(ns, "2026-12-01"), account, 2, 1, 2, 0, 0, 1, 0, new BigDecimal("0.2"), new BigDecimal("0.1"));
            kept.apply(c);
            c.commit();
            c.setAutoCommit(true);
        }
        assertEquals(List.of("2026-12-01|1|2|1|0.2|0.1"), rows(ns));
    }

    /** Rows of its own in the shared rollup table, whatever other tests wrote. */
    private static String freshNamespace() {
        return "ns_rollup_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static DailyRollup.Key key(String ns, String day) {
        return new DailyRollup.Key(ns, LocalDate.parse(day), "moonshotai/kimi-k2.6", "bitrouter", "", "", "none",
                "computed");
    }

    private List<String> rows(String ns) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT day, requests, prompt_tokens, completion_tokens, list_micro_usd, charge_micro_usd
                        FROM usage_daily WHERE namespace_id = ? ORDER BY day""")) {
            ps.setString(1, ns);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1) + "|" + rs.getLong(2) + "|" + rs.getLong(3) + "|" + rs.getLong(4) + "|"
                            + rs.getBigDecimal(5).toPlainString() + "|" + rs.getBigDecimal(6).toPlainString());
                }
            }
        }
        return rows;
    }
}
