package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.money.Percentage;
import ai.bitrouter.billing.pricing.ModelPattern;
import ai.bitrouter.billing.pricing.PricingPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/** Pricing policy versions from {@code pricing_policy_versions}; a handful of rows, read whole. */
@ApplicationScoped
public class PolicyStore {

    @Inject
    DataSource dataSource;

    public List<PricingPolicy> all() {
        String sql = "SELECT id, effective_from, self_hosted_provider_id, closed_family_patterns, "
                + "default_open_discount, custom_discount_cap FROM pricing_policy_versions ORDER BY effective_from";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<PricingPolicy> policies = new ArrayList<>();
            while (rs.next()) {
                Array patterns = rs.getArray("closed_family_patterns");
                List<ModelPattern> families = Arrays.stream((String[]) patterns.getArray()).map(ModelPattern::new)
                        .toList();
                policies.add(new PricingPolicy(rs.getString("id"),
                        rs.getObject("effective_from", OffsetDateTime.class).toInstant(),
                        rs.getString("self_hosted_provider_id"), families,
                        Percentage.of(rs.getBigDecimal("default_open_discount")),
                        Percentage.of(rs.getBigDecimal("custom_discount_cap"))));
            }
            return policies;
        } catch (SQLException e) {
            throw new IllegalStateException("reading pricing policy versions failed", e);
        }
    }
}
