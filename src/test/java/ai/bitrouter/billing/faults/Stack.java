package ai.bitrouter.billing.faults;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/** The test stack's server addresses, as the devstack handed them to the in-process application. */
record Stack(String jdbcUrl, String dbUser, String dbPassword, String dbOwnerUser, String dbOwnerPassword,
        String bootstrap, String oidcUrl) {
    static Stack current() {
        Config c = ConfigProvider.getConfig();
        String user = c.getOptionalValue("quarkus.datasource.username", String.class).orElse("postgres");
        String password = c.getOptionalValue("quarkus.datasource.password", String.class).orElse("postgres");
        // The service's runtime role and the migrations' owner role (docs/security.md), as production has them.
        return new Stack(c.getValue("quarkus.datasource.jdbc.url", String.class), user, password,
                c.getOptionalValue("quarkus.flyway.username", String.class).orElse(user),
                c.getOptionalValue("quarkus.flyway.password", String.class).orElse(password),
                c.getValue("kafka.bootstrap.servers", String.class),
                c.getValue("quarkus.oidc.auth-server-url", String.class));
    }
}
