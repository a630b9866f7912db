package ai.bitrouter.billing.metering;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Namespace id → owning account, for the ingestion hot path. A namespace never changes account, so a found mapping
 * is cached for good; an unknown id is not cached (it may be created a moment later) and costs one query per batch.
 */
@ApplicationScoped
public class NamespaceResolver {
    private final Map<String, UUID> known = new ConcurrentHashMap<>();

    @Inject
    DataSource dataSource;

    /** The accounts of the given namespaces; unknown namespaces are absent from the result. */
    public Map<String, UUID> accounts(Collection<String> namespaceIds) {
        Map<String, UUID> result = new HashMap<>();
        List<String> missing = namespaceIds.stream().distinct().filter(id -> {
            UUID account = known.get(id);
            if (account != null) {
                result.put(id, account);
                return false;
            }
            return true;
        }).toList();
        if (missing.isEmpty()) {
            return result;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id, account_id FROM namespaces WHERE id = ANY (?)")) {
            Array ids = c.createArrayOf("text", missing.toArray());
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID account = rs.getObject(2, UUID.class);
                    known.put(rs.getString(1), account);
                    result.put(rs.getString(1), account);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("looking up namespaces failed", e);
        }
        return result;
    }
}
