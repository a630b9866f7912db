package ai.bitrouter.billing.testsupport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A connection as the schema's owner, the role Flyway migrates as (the devstack gives tests its credentials as
 * {@code quarkus.flyway.username/password}). For tests that must do what the service's runtime role cannot: set up a
 * test-only trigger, or show that the owner can and the service cannot.
 */
public final class OwnerDb {
    private OwnerDb() {
    }

    public static String user() {
        return ConfigProvider.getConfig().getValue("quarkus.flyway.username", String.class);
    }

    public static Connection connect() throws SQLException {
        Config c = ConfigProvider.getConfig();
        Properties p = new Properties();
        p.setProperty("user", user());
        p.setProperty("password", c.getValue("quarkus.flyway.password", String.class));
        Connection connection = new org.postgresql.Driver().connect(
                c.getValue("quarkus.datasource.jdbc.url", String.class), p);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL JDBC URL");
        }
        return connection;
    }
}
