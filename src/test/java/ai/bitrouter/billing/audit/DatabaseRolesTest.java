package ai.bitrouter.billing.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.OwnerDb;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The service connects as a role that owns nothing (docs/security.md, "Database roles"): it cannot drop or disable
 * the audit log's triggers, change or remove audit rows, or alter any table. The schema's owner, whom Flyway
 * migrates as, owns every table. Run against the devstack's PostgreSQL, which has both roles as production does.
 */
@QuarkusTest
class DatabaseRolesTest {

    @Inject
    DataSource db;

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void theServiceIsNotTheOwnerOfAnyTableAndTheOwnerIsTheMigrationsRole() throws Exception {
        try (Connection c = db.getConnection()) {
            String runtime = one(c, "SELECT current_user");
            assertNotEquals(OwnerDb.user(), runtime);
            assertEquals("false", one(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
            assertEquals("0", one(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                    + "AND tableowner = current_user"));
            assertEquals(OwnerDb.user(), one(c, "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'"));
            assertEquals(OwnerDb.user(), one(c, "SELECT tableowner FROM pg_tables WHERE tablename = 'usage_records'"));
            // What it may do on the audit log: append and read, nothing else.
            assertEquals("t t f f f", one(c, """
                    SELECT concat_ws(' ', has_table_privilege('audit_log', 'INSERT'),
                           has_table_privilege('audit_log', 'SELECT'), has_table_privilege('audit_log', 'UPDATE'),
                           has_table_privilege('audit_log', 'DELETE'), has_table_privilege('audit_log', 'TRUNCATE'))"""));
        }
    }

    @Test
    void theServiceCannotDropOrDisableTheAuditTriggersNorAlterOrDropTables() throws Exception {
        List<String> refused = List.of(
                "DROP TRIGGER audit_log_no_update_or_delete ON audit_log",
                "DROP TRIGGER audit_log_no_truncate ON audit_log",
                "ALTER TABLE audit_log DISABLE TRIGGER ALL",
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete",
                "DROP FUNCTION audit_log_append_only() CASCADE",
                "ALTER TABLE audit_log ADD COLUMN sneaky text",
                "ALTER TABLE usage_records DROP CONSTRAINT usage_records_pkey",
                "DROP TABLE audit_log",
                "TRUNCATE usage_records",
                "CREATE TABLE public.sneaky (x int)");
        for (String sql : refused) {
            SQLException e = assertThrows(SQLException.class, () -> {
                try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                    st.execute(sql);
                }
            }, sql);
            // 42501 insufficient_privilege (or "must be owner of ...", which PostgreSQL reports with it too)
            assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
        }
        try (Connection c = db.getConnection()) {
            assertEquals("2", one(c, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                    + "AND tgname IN ('audit_log_no_update_or_delete', 'audit_log_no_truncate') AND tgenabled = 'O'"));
        }
    }

    @Test
    void theOwnerCanAlterWhatTheServiceCannot() throws Exception {
        // The control of the test above: the statements are refused for the role, not because they are wrong.
        try (Connection c = OwnerDb.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            try {
                st.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete");
                st.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete");
            } finally {
                c.rollback();
            }
        }
        try (Connection c = db.getConnection()) {
            assertTrue(Boolean.parseBoolean(one(c, "SELECT has_table_privilege('usage_records', 'UPDATE')::text")));
        }
    }
}
