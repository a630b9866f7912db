package ai.bitrouter.billing.catalog;

import ai.bitrouter.billing.pricing.ContextTier;
import ai.bitrouter.billing.pricing.Price;
import ai.bitrouter.billing.pricing.Rates;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The rows of one version's content: written in JDBC batches, read back into the same snapshot. */
@ApplicationScoped
public class CatalogRows {

    private static final String RATES = "no_cache, cache_read, cache_write, output_text, reasoning";

    void write(Connection c, String versionId, CatalogSnapshot s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO catalog_providers "
                + "(version_id, provider_id, name, kind, status, byok) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (ProviderInfo p : s.providers().values()) {
                ps.setString(1, versionId);
                ps.setString(2, p.id());
                ps.setString(3, p.name());
                ps.setString(4, p.kind());
                ps.setString(5, p.status());
                setBoolean(ps, 6, p.byok());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO catalog_models "
                + "(version_id, model_id, name, family, open_weights) VALUES (?, ?, ?, ?, ?)")) {
            for (ModelInfo m : s.models().values()) {
                ps.setString(1, versionId);
                ps.setString(2, m.id());
                ps.setString(3, m.name());
                ps.setString(4, m.family());
                setBoolean(ps, 5, m.openWeights());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        writeOffers(c, versionId, s);
        writeOfficial(c, versionId, s);
    }

    private void writeOffers(Connection c, String versionId, CatalogSnapshot s) throws SQLException {
        try (PreparedStatement offers = c.prepareStatement("INSERT INTO catalog_offers (version_id, model_id, "
                + "provider_id, has_pricing, " + RATES + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement tiers = c.prepareStatement("INSERT INTO catalog_offer_tiers (version_id, model_id, "
                     + "provider_id, above_input_tokens, " + RATES + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<OfferKey, Optional<Price>> e : s.offers().entrySet()) {
                Price price = e.getValue().orElse(null);
                offers.setString(1, versionId);
                offers.setString(2, e.getKey().modelId());
                offers.setString(3, e.getKey().providerId());
                offers.setBoolean(4, price != null);
                setRates(offers, 5, price == null ? Rates.NONE : price.base());
                offers.addBatch();
                for (ContextTier tier : price == null ? List.<ContextTier>of() : price.contextTiers()) {
                    tiers.setString(1, versionId);
                    tiers.setString(2, e.getKey().modelId());
                    tiers.setString(3, e.getKey().providerId());
                    tiers.setLong(4, tier.aboveInputTokens());
                    setRates(tiers, 5, tier.rates());
                    tiers.addBatch();
                }
            }
            offers.executeBatch();
            tiers.executeBatch();
        }
    }

    private void writeOfficial(Connection c, String versionId, CatalogSnapshot s) throws SQLException {
        try (PreparedStatement official = c.prepareStatement("INSERT INTO catalog_official_prices (version_id, "
                + "model_id, source, derived, basis_provider_id, " + RATES + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement tiers = c.prepareStatement("INSERT INTO catalog_official_price_tiers (version_id, "
                     + "model_id, above_input_tokens, " + RATES + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<String, OfficialEntry> e : s.official().entrySet()) {
                OfficialEntry o = e.getValue();
                official.setString(1, versionId);
                official.setString(2, e.getKey());
                official.setString(3, o.source().wireName());
                official.setBoolean(4, o.source() == OfficialSource.DERIVED);
                official.setString(5, o.basisProviderId());
                setRates(official, 6, o.price().base());
                official.addBatch();
                for (ContextTier tier : o.price().contextTiers()) {
                    tiers.setString(1, versionId);
                    tiers.setString(2, e.getKey());
                    tiers.setLong(3, tier.aboveInputTokens());
                    setRates(tiers, 4, tier.rates());
                    tiers.addBatch();
                }
            }
            official.executeBatch();
            tiers.executeBatch();
        }
    }

    CatalogSnapshot read(Connection c, String versionId) throws SQLException {
        CatalogSnapshot.Builder b = new CatalogSnapshot.Builder();
        try (ResultSet rs = select(c, "SELECT * FROM catalog_providers WHERE version_id = ?", versionId)) {
            while (rs.next()) {
                b.provider(new ProviderInfo(rs.getString("provider_id"), rs.getString("name"), rs.getString("kind"),
                        rs.getString("status"), getBoolean(rs, "byok")));
            }
        }
        try (ResultSet rs = select(c, "SELECT * FROM catalog_models WHERE version_id = ?", versionId)) {
            while (rs.next()) {
                b.model(new ModelInfo(rs.getString("model_id"), rs.getString("name"), rs.getString("family"),
                        getBoolean(rs, "open_weights")));
            }
        }
        Map<String, List<ContextTier>> offerTiers = tiers(c, "SELECT model_id || ' ' || provider_id AS k, * FROM "
                + "catalog_offer_tiers WHERE version_id = ? ORDER BY above_input_tokens", versionId);
        try (ResultSet rs = select(c, "SELECT * FROM catalog_offers WHERE version_id = ?", versionId)) {
            while (rs.next()) {
                String model = rs.getString("model_id");
                String provider = rs.getString("provider_id");
                Optional<Price> price = rs.getBoolean("has_pricing")
                        ? Optional.of(new Price(rates(rs), offerTiers.getOrDefault(model + " " + provider, List.of())))
                        : Optional.empty();
                b.offer(model, provider, price);
            }
        }
        Map<String, List<ContextTier>> officialTiers = tiers(c, "SELECT model_id AS k, * FROM "
                + "catalog_official_price_tiers WHERE version_id = ? ORDER BY above_input_tokens", versionId);
        try (ResultSet rs = select(c, "SELECT * FROM catalog_official_prices WHERE version_id = ?", versionId)) {
            while (rs.next()) {
                String model = rs.getString("model_id");
                Price price = new Price(rates(rs), officialTiers.getOrDefault(model, List.of()));
                b.official(model, new OfficialEntry(price, OfficialSource.fromWire(rs.getString("source")),
                        rs.getString("basis_provider_id")));
            }
        }
        return b.build();
    }

    private static Map<String, List<ContextTier>> tiers(Connection c, String sql, String versionId)
            throws SQLException {
        Map<String, List<ContextTier>> tiers = new HashMap<>();
        try (ResultSet rs = select(c, sql, versionId)) {
            while (rs.next()) {
                tiers.computeIfAbsent(rs.getString("k"), k -> new ArrayList<>())
                        .add(new ContextTier(rs.getLong("above_input_tokens"), rates(rs)));
            }
        }
        return tiers;
    }

    private static ResultSet select(Connection c, String sql, String versionId) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setString(1, versionId);
        // The statement is closed with its result set (closeOnCompletion), so callers manage one resource.
        ps.closeOnCompletion();
        return ps.executeQuery();
    }

    private static Rates rates(ResultSet rs) throws SQLException {
        return new Rates(rs.getBigDecimal("no_cache"), rs.getBigDecimal("cache_read"),
                rs.getBigDecimal("cache_write"), rs.getBigDecimal("output_text"), rs.getBigDecimal("reasoning"));
    }

    private static void setRates(PreparedStatement ps, int first, Rates r) throws SQLException {
        BigDecimal[] values = {r.noCache(), r.cacheRead(), r.cacheWrite(), r.text(), r.reasoning()};
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                ps.setNull(first + i, Types.NUMERIC);
            } else {
                ps.setBigDecimal(first + i, values[i]);
            }
        }
    }

    private static void setBoolean(PreparedStatement ps, int index, Boolean value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BOOLEAN);
        } else {
            ps.setBoolean(index, value);
        }
    }

    private static Boolean getBoolean(ResultSet rs, String column) throws SQLException {
        boolean value = rs.getBoolean(column);
        return rs.wasNull() ? null : value;
    }
}
