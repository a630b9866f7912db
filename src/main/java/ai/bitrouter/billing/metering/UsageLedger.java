package ai.bitrouter.billing.metering;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.postgresql.PGConnection;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The append-only usage ledger. A batch is staged with {@code COPY} into a session-local temporary table, then
 * appended by one {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING}: the primary key decides what is
 * new, and only what is new reaches the daily rollup, in the same transaction. Called inside the caller's
 * transaction (the staging table empties itself at its commit or rollback).
 *
 * <p>COPY rather than one array parameter per column: on the benchmark (docs/benchmarks.md) it costs PostgreSQL
 * less per row and the client far less than encoding 38 arrays. The staged rows carry their position in the batch
 * and are appended in that order, so when a request id appears twice in one batch the first occurrence is the one
 * recorded, as before.
 */
@ApplicationScoped
public class UsageLedger {

    @Inject
    DataSource dataSource;

    public record Appended(int inserted, int duplicates, int conflicts, int parked) {
    }

    private static final String[] COLUMNS = { "request_id", "namespace_id", "account_id", "api_key_id",
            "model_requested", "variant", "served_model_id", "provider_id", "status", "error_code", "funding_source",
            "streamed", "started_at", "completed_at", "event_time", "prompt_tokens", "completion_tokens",
            "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "uncached_input_tokens", "output_tokens",
            "pricing_state", "pricing_reason", "charge_micro_usd", "list_micro_usd", "discount_kind",
            "discount_percent", "price_basis", "context_tier_above", "effective_rates", "catalog_version",
            "policy_version", "anomaly", "priced_at", "payload_sha256", "kafka_partition", "kafka_offset" };

    private static final String STAGE = "usage_records_in";

    /** Typed like the ledger (so COPY refuses what the ledger would), plus the position in the batch. */
    private static final String CREATE_STAGE = "CREATE TEMP TABLE IF NOT EXISTS " + STAGE
            + " (LIKE usage_records INCLUDING DEFAULTS, ord integer NOT NULL) ON COMMIT DELETE ROWS";

    private static final String COPY = "COPY " + STAGE + " (" + String.join(", ", COLUMNS) + ", ord) FROM STDIN";

    private static final String INSERT = "INSERT INTO usage_records (" + String.join(", ", COLUMNS) + ") SELECT "
            + String.join(", ", COLUMNS) + " FROM " + STAGE
            + " ORDER BY ord ON CONFLICT (request_id) DO NOTHING RETURNING request_id";

    public Appended append(List<PricedEvent> events) {
        if (events.isEmpty()) {
            return new Appended(0, 0, 0, 0);
        }
        String now = java.time.Instant.now().toString();
        CopyText copy = new CopyText(events.size() * 640);
        List<LedgerRow> rows = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            PricedEvent p = events.get(i);
            UsageEvent e = p.event();
            LedgerRow row = LedgerRow.of(p.result(), e.promptTokens(), e.cacheReadTokens(), e.cacheWriteTokens(),
                    e.completionTokens(), e.reasoningTokens());
            rows.add(row);
            copy.text(e.requestId()).text(e.namespaceId()).text(p.accountId().toString()).text(e.apiKeyId())
                    .text(e.model()).text(p.result().requestedModel().variant().map(x -> x.suffix()).orElse(null))
                    .text(e.servedModelId()).text(e.providerId()).text(e.status()).text(e.errorCode())
                    .text(e.fundingSource()).text(str(e.streamed())).text(str(e.startedAt())).text(str(e.completedAt()))
                    .text(e.time().toString()).number(e.promptTokens()).number(e.completionTokens())
                    .number(e.cacheReadTokens()).number(e.cacheWriteTokens()).number(e.reasoningTokens())
                    .number(row.uncachedInput()).number(row.output()).text(row.state()).text(row.reason())
                    .text(plain(row.charge())).text(plain(row.list())).text(row.discountKind())
                    .text(plain(row.discountPercent())).text(row.priceBasis()).text(str(row.tierAbove()))
                    .text(row.effectiveRatesJson()).text(row.catalogVersion()).text(row.policyVersion())
                    .text(Boolean.toString(row.anomaly())).text(row.priced() ? now : null).bytea(e.payloadSha256())
                    .text(str(p.partition())).text(str(p.offset())).number(i).endRow();
        }
        try (Connection c = dataSource.getConnection()) {
            if (c.getAutoCommit()) {
                // The staging table empties at every commit: outside a transaction it would be empty before the insert.
                throw new IllegalStateException("the usage ledger is appended inside a transaction");
            }
            try (Statement st = c.createStatement()) {
                st.execute(CREATE_STAGE);
            }
            c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY, copy.stream());
            Set<String> inserted = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(INSERT); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    inserted.add(rs.getString(1));
                }
            }
            DailyRollup rollup = new DailyRollup();
            List<PricedEvent> notInserted = new ArrayList<>();
            Set<String> counted = new HashSet<>();
            int parked = 0;
            for (int i = 0; i < events.size(); i++) {
                PricedEvent p = events.get(i);
                // The same id twice in one batch: the first occurrence is the inserted one.
                if (inserted.contains(p.event().requestId()) && counted.add(p.event().requestId())) {
                    LedgerRow row = rows.get(i);
                    if (row.priced()) {
                        addToRollup(rollup, p, row);
                    } else {
                        parked++;
                    }
                } else {
                    notInserted.add(p);
                }
            }
            rollup.apply(c);
            int conflicts = recordConflicts(c, notInserted);
            return new Appended(inserted.size(), notInserted.size() - conflicts, conflicts, parked);
        } catch (SQLException e) {
            throw new LedgerException(e);
        } catch (IOException e) {
            throw new LedgerException(new SQLException("staging the batch failed", "08000", e));
        }
    }

    /**
     * Rows in COPY's text format: tab between columns, newline after a row, {@code \N} for null, and backslash,
     * tab, newline and carriage return escaped inside values (router-supplied strings may hold any of them).
     */
    static final class CopyText {
        private final StringBuilder out;
        private boolean rowStarted;

        CopyText(int capacity) {
            out = new StringBuilder(capacity);
        }

        private void separate() {
            if (rowStarted) {
                out.append('\t');
            }
            rowStarted = true;
        }

        CopyText text(String v) {
            separate();
            if (v == null) {
                out.append("\\N");
                return this;
            }
            for (int i = 0; i < v.length(); i++) {
                char ch = v.charAt(i);
                switch (ch) {
                    case '\\' -> out.append("\\\\");
                    case '\t' -> out.append("\\t");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(ch);
                }
            }
            return this;
        }

        CopyText number(long v) {
            separate();
            out.append(v);
            return this;
        }

        /** bytea in hex form; its leading backslash is itself escaped for COPY. */
        CopyText bytea(byte[] v) {
            separate();
            if (v == null) {
                out.append("\\N");
                return this;
            }
            out.append("\\\\x");
            HEX.formatHex(out, v);
            return this;
        }

        CopyText endRow() {
            out.append('\n');
            rowStarted = false;
            return this;
        }

        InputStream stream() {
            return new ByteArrayInputStream(out.toString().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }

    private static final HexFormat HEX = HexFormat.of();

    private static void addToRollup(DailyRollup rollup, PricedEvent p, LedgerRow row) {
        UsageEvent e = p.event();
        rollup.add(new DailyRollup.Key(e.namespaceId(), LedgerRow.day(e.time()), orEmpty(e.servedModelId()),
                orEmpty(e.providerId()), p.result().requestedModel().variant().map(v -> v.suffix()).orElse(""),
                orEmpty(e.apiKeyId()), row.discountKind(), row.state()), p.accountId(), e.promptTokens(),
                e.completionTokens(), row.uncachedInput(), e.cacheReadTokens(), e.cacheWriteTokens(), row.output(),
                e.reasoningTokens(), row.list(), row.charge());
    }

    /** Re-sent ids whose payload differs from the recorded one: kept for a person, never silently dropped. */
    private int recordConflicts(Connection c, List<PricedEvent> candidates) throws SQLException {
        if (candidates.isEmpty()) {
            return 0;
        }
        Map<String, byte[]> recorded = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT request_id, payload_sha256 FROM usage_records WHERE request_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", candidates.stream().map(p -> p.event().requestId()).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recorded.put(rs.getString(1), rs.getBytes(2));
                }
            }
        }
        int conflicts = 0;
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO usage_conflicts (request_id, payload_sha256, payload, kafka_partition, kafka_offset)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            for (PricedEvent p : candidates) {
                byte[] stored = recorded.get(p.event().requestId());
                if (stored != null && !Arrays.equals(stored, p.event().payloadSha256())) {
                    ps.setString(1, p.event().requestId());
                    ps.setBytes(2, p.event().payloadSha256());
                    ps.setString(3, p.payload());
                    ps.setObject(4, p.partition());
                    ps.setObject(5, p.offset());
                    ps.addBatch();
                    conflicts++;
                }
            }
            if (conflicts > 0) {
                ps.executeBatch();
            }
        }
        return conflicts;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static String plain(BigDecimal d) {
        return d == null ? null : d.toPlainString();
    }

    /** A database failure while appending; the consumer decides whether to retry or isolate. */
    public static final class LedgerException extends RuntimeException {
        LedgerException(SQLException cause) {
            super(cause);
        }
    }
}
