package ai.bitrouter.billing.metering;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Writes usage records in one JDBC batch per consumer batch. Duplicates are resolved by the primary key
 * ({@code ON CONFLICT DO NOTHING}), never by a read before the write.
 */
@ApplicationScoped
public class UsageRecordWriter {
    private static final String INSERT = """
            INSERT INTO usage_records (request_id, namespace_id, api_key_id, model_requested, served_model_id,
                provider_id, status, error_code, funding_source, prompt_tokens, completion_tokens, cache_read_tokens,
                cache_write_tokens, reasoning_tokens, streamed, started_at, completed_at, event_time, payload_sha256,
                kafka_partition, kafka_offset)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (request_id) DO NOTHING
            """;

    @Inject
    DataSource dataSource;

    public record Positioned(UsageEvent event, Integer partition, Long offset) {
    }

    /** Inserts the batch inside the caller's transaction; returns how many rows were new. */
    public int insert(List<Positioned> batch) {
        if (batch.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (Positioned p : batch) {
                UsageEvent e = p.event();
                int i = 1;
                ps.setString(i++, e.requestId());
                ps.setString(i++, e.namespaceId());
                ps.setString(i++, e.apiKeyId());
                ps.setString(i++, e.model());
                ps.setString(i++, e.servedModelId());
                ps.setString(i++, e.providerId());
                ps.setString(i++, e.status());
                ps.setString(i++, e.errorCode());
                ps.setString(i++, e.fundingSource());
                ps.setLong(i++, e.promptTokens());
                ps.setLong(i++, e.completionTokens());
                ps.setLong(i++, e.cacheReadTokens());
                ps.setLong(i++, e.cacheWriteTokens());
                ps.setLong(i++, e.reasoningTokens());
                if (e.streamed() == null) {
                    ps.setNull(i++, Types.BOOLEAN);
                } else {
                    ps.setBoolean(i++, e.streamed());
                }
                ps.setTimestamp(i++, ts(e.startedAt()));
                ps.setTimestamp(i++, ts(e.completedAt()));
                ps.setTimestamp(i++, ts(e.time()));
                ps.setBytes(i++, e.payloadSha256());
                if (p.partition() == null) {
                    ps.setNull(i++, Types.INTEGER);
                } else {
                    ps.setInt(i++, p.partition());
                }
                if (p.offset() == null) {
                    ps.setNull(i++, Types.BIGINT);
                } else {
                    ps.setLong(i++, p.offset());
                }
                ps.addBatch();
            }
            int inserted = 0;
            for (int n : ps.executeBatch()) {
                inserted += Math.max(n, 0);
            }
            return inserted;
        } catch (SQLException e) {
            throw new IllegalStateException("writing usage records failed", e);
        }
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
