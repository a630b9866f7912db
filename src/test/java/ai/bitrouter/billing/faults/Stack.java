package ai.bitrouter.billing.faults;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/** The test stack's server addresses, as the devstack handed them to the in-process application. */
record Stack(String jdbcUrl, String dbUser, String dbPassword, String bootstrap, String oidcUrl) {
    static Stack current() {
        Config c = ConfigProvider.getConfig();
        return new Stack(c.getValue("quarkus.datasource.jdbc.url", String.class),
                c.getOptionalValue("quarkus.datasource.username", String.class).orElse("postgres"),
                c.getOptionalValue("quarkus.datasource.password", String.class).orElse("postgres"),
                c.getValue("kafka.bootstrap.servers", String.class),
                c.getValue("quarkus.oidc.auth-server-url", String.class));
    }
}
