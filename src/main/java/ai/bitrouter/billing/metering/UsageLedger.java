package ai.bitrouter.billing.metering;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The append-only usage ledger. One statement appends a whole batch ({@code INSERT ... SELECT FROM unnest(...)
 * ON CONFLICT DO NOTHING RETURNING}): the primary key decides what is new, and only what is new reaches the daily
 * rollup, in the same transaction. Called inside the caller's transaction.
 */
@ApplicationScoped
public class UsageLedger {

    @Inject
    DataSource dataSource;

    public record Appended(int inserted, int duplicates, int conflicts, int parked) {
    }

    private static final String[] COLUMNS = { "request_id", "namespace_id", "account_id::uuid", "api_key_id",
            "model_requested", "variant", "served_model_id", "provider_id", "status", "error_code", "funding_source",
            "streamed::boolean", "started_at::timestamptz", "completed_at::timestamptz", "event_time::timestamptz",
            "prompt_tokens::bigint", "completion_tokens::bigint", "cache_read_tokens::bigint",
            "cache_write_tokens::bigint", "reasoning_tokens::bigint", "uncached_input_tokens::bigint",
            "output_tokens::bigint", "pricing_state", "pricing_reason", "charge_micro_usd::numeric",
            "list_micro_usd::numeric", "discount_kind", "discount_percent::numeric", "price_basis",
            "context_tier_above::bigint", "effective_rates::jsonb", "catalog_version", "policy_version",
            "anomaly::boolean", "priced_at::timestamptz", "payload_sha256", "kafka_partition::integer",
            "kafka_offset::bigint" };

    private static final String INSERT = buildInsert();

    private static String buildInsert() {
        StringBuilder names = new StringBuilder();
        StringBuilder select = new StringBuilder();
        StringBuilder arrays = new StringBuilder();
        StringBuilder aliases = new StringBuilder();
        for (int i = 0; i < COLUMNS.length; i++) {
            String[] parts = COLUMNS[i].split("::");
            String sep = i == 0 ? "" : ", ";
            names.append(sep).append(parts[0]);
            String ref = "t.c" + i;
            select.append(sep).append(parts[0].equals("payload_sha256") ? "decode(" + ref + ", 'hex')"
                    : parts.length > 1 ? ref + "::" + parts[1] : ref);
            arrays.append(sep).append("?::text[]");
            aliases.append(sep).append("c").append(i);
        }
        return "INSERT INTO usage_records (" + names + ") SELECT " + select + " FROM unnest(" + arrays + ") AS t("
                + aliases + ") ON CONFLICT (request_id) DO NOTHING RETURNING request_id";
    }

    public Appended append(List<PricedEvent> events) {
        if (events.isEmpty()) {
            return new Appended(0, 0, 0, 0);
        }
        String now = java.time.Instant.now().toString();
        String[][] cols = new String[COLUMNS.length][events.size()];
        List<LedgerRow> rows = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            PricedEvent p = events.get(i);
            UsageEvent e = p.event();
            LedgerRow row = LedgerRow.of(p.result(), e.promptTokens(), e.cacheReadTokens(), e.cacheWriteTokens(),
                    e.completionTokens(), e.reasoningTokens());
            rows.add(row);
            String[] v = { e.requestId(), e.namespaceId(), p.accountId().toString(), e.apiKeyId(), e.model(),
                    p.result().requestedModel().variant().map(x -> x.suffix()).orElse(null), e.servedModelId(),
                    e.providerId(), e.status(), e.errorCode(), e.fundingSource(), str(e.streamed()), str(e.startedAt()),
                    str(e.completedAt()), e.time().toString(), Long.toString(e.promptTokens()),
                    Long.toString(e.completionTokens()), Long.toString(e.cacheReadTokens()),
                    Long.toString(e.cacheWriteTokens()), Long.toString(e.reasoningTokens()),
                    Long.toString(row.uncachedInput()), Long.toString(row.output()), row.state(), row.reason(),
                    plain(row.charge()), plain(row.list()), row.discountKind(), plain(row.discountPercent()),
                    row.priceBasis(), str(row.tierAbove()), row.effectiveRatesJson(), row.catalogVersion(),
                    row.policyVersion(), Boolean.toString(row.anomaly()), row.priced() ? now : null,
                    LedgerRow.hex(e.payloadSha256()), str(p.partition()), str(p.offset()) };
            for (int c = 0; c < v.length; c++) {
                cols[c][i] = v[c];
            }
        }
        try (Connection c = dataSource.getConnection()) {
            Set<String> inserted = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (int col = 0; col < cols.length; col++) {
                    ps.setArray(col + 1, c.createArrayOf("text", cols[col]));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        inserted.add(rs.getString(1));
                    }
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
        }
    }

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
