package ai.bitrouter.billing.web.admin;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.fasterxml.jackson.annotation.JsonProperty;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Read-only: the parked (unpriced) ledger rows themselves, optionally of one reason, oldest first, for the admin
 * page and its JSON twin. Counts by reason and re-pricing stay with {@code metering.Repricer}. The row carries no
 * prompt or response, only what identifies the request and why it waits.
 */
@ApplicationScoped
public class ParkedEvents {

    @Inject
    DataSource dataSource;

    public record ParkedEvent(@JsonProperty("request_id") String requestId,
            @JsonProperty("namespace_id") String namespaceId, @JsonProperty("event_time") Instant eventTime,
            @JsonProperty("model_requested") String modelRequested,
            @JsonProperty("served_model_id") String servedModelId, @JsonProperty("provider_id") String providerId,
            String reason) {
    }

    public List<ParkedEvent> list(String reason, int limit, int offset) {
        String sql = """
                SELECT request_id, namespace_id, event_time, model_requested, served_model_id, provider_id,
                       coalesce(pricing_reason, 'unknown')
                FROM usage_records WHERE pricing_state = 'unknown'"""
                + (reason == null ? "" : " AND coalesce(pricing_reason, 'unknown') = ?")
                + " ORDER BY event_time, request_id LIMIT ? OFFSET ?";
        List<ParkedEvent> events = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (reason != null) {
                ps.setString(i++, reason);
            }
            ps.setInt(i++, limit);
            ps.setInt(i, offset);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new ParkedEvent(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("listing parked events failed", e);
        }
        return events;
    }
}
