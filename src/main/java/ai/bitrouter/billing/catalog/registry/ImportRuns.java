package ai.bitrouter.billing.catalog.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The record of every import attempt ({@code catalog_import_runs}), including rejected and failed ones. */
@ApplicationScoped
public class ImportRuns {

    public static final String REJECTED = "rejected";
    public static final String FAILED = "failed";

    @Inject
    DataSource dataSource;

    public record Run(Long id, @JsonProperty("started_at") Instant startedAt,
                      @JsonProperty("finished_at") Instant finishedAt, String trigger, String origin,
                      @JsonProperty("requested_by") String requestedBy, String outcome,
                      @JsonProperty("version_id") String versionId, String error, JsonNode report) {
    }

    /** In its own transaction, so a failed import is still recorded. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void record(Run run) {
        String sql = "INSERT INTO catalog_import_runs (started_at, finished_at, trigger, origin, requested_by, "
                + "outcome, version_id, error, report) "
                + "VALUES (?::timestamptz, ?::timestamptz, ?, ?, ?, ?, ?, ?, ?::jsonb)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, run.startedAt().toString());
            ps.setString(2, run.finishedAt().toString());
            ps.setString(3, run.trigger());
            ps.setString(4, run.origin());
            ps.setString(5, run.requestedBy());
            ps.setString(6, run.outcome());
            ps.setString(7, run.versionId());
            ps.setString(8, run.error());
            ps.setString(9, run.report() == null ? null : RegistryJson.MAPPER.writeValueAsString(run.report()));
            ps.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("recording a catalog import run failed", e);
        }
    }

    /** Newest first. */
    public List<Run> recent(int limit) {
        String sql = "SELECT * FROM catalog_import_runs ORDER BY started_at DESC, id DESC LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, limit);
            List<Run> runs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String report = rs.getString("report");
                    runs.add(new Run(rs.getLong("id"), instant(rs, "started_at"), instant(rs, "finished_at"),
                            rs.getString("trigger"), rs.getString("origin"), rs.getString("requested_by"),
                            rs.getString("outcome"), rs.getString("version_id"), rs.getString("error"),
                            report == null ? null : RegistryJson.MAPPER.readTree(report)));
                }
            }
            return runs;
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("reading catalog import runs failed", e);
        }
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }
}
