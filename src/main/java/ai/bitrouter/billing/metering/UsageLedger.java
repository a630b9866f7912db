package ai.bitrouter.billing.metering;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.postgresql.PGConnection;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * The append-only usage ledger. A batch is written in the caller's transaction: one query finds which of its ids
 * are already recorded (redeliveries, re-sends), the rest go in with one {@code COPY}, and only what was inserted
 * reaches the daily rollup, in the same transaction. The primary key on {@code request_id} is what guarantees that
 * an id is recorded once: the lookup only lets the common case use {@code COPY}, and a race it cannot see (the
 * other batch in flight, or another instance, inserting the same id in between) makes {@code COPY} fail; the batch
 * then looks again and copies what is still new, and after {@value #COPY_ATTEMPTS} such races it is written with
 * {@code INSERT ... ON CONFLICT DO NOTHING}. The race with this instance's own other batch in flight is known in
 * advance ({@link InFlightIds}): ids that batch is writing go straight to {@code ON CONFLICT}, not into the {@code COPY}.
 */
@ApplicationScoped
public class UsageLedger {

    @Inject
    DataSource dataSource;

    @Inject
    TransactionSynchronizationRegistry transactions;

    private final InFlightIds inFlight = new InFlightIds();

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
    private static final String COPY = "COPY usage_records (" + String.join(", ",
            Arrays.stream(COLUMNS).map(col -> col.split("::")[0]).toList()) + ") FROM STDIN (FORMAT binary)";
    private static final String UNIQUE_VIOLATION = "23505";
    /** COPY attempts (each after a fresh look at what is recorded) before the batch goes in with ON CONFLICT. */
    private static final int COPY_ATTEMPTS = 3;

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
        // Whole microseconds: what the timestamp column keeps, so that the binary COPY writes it exactly.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        // Sorted by request id: two batches written at the same time take their index locks in the same order.
        List<PricedEvent> sorted = new ArrayList<>(events);
        sorted.sort((a, b) -> a.event().requestId().compareTo(b.event().requestId()));
        // The first occurrence of an id in the batch is the one that may be inserted; later ones are repeats of it.
        Map<String, PricedEvent> firsts = new LinkedHashMap<>();
        List<PricedEvent> repeats = new ArrayList<>();
        for (PricedEvent p : sorted) {
            if (firsts.putIfAbsent(p.event().requestId(), p) != null) {
                repeats.add(p);
            }
        }
        Set<String> contested = claimUntilTransactionEnds(firsts.keySet());
        try (Connection c = dataSource.getConnection()) {
            // The pool's statement timeout is for requests; a batch that is only slow must be written, not failed and
            // redelivered until it is dead-lettered (docs/operations.md, "Connection pools").
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL statement_timeout = 0");
            }
            Map<String, byte[]> recorded = recorded(c, firsts.keySet());
            List<PricedEvent> fresh = new ArrayList<>(firsts.size());
            List<PricedEvent> copyable = new ArrayList<>(firsts.size());
            List<String[]> deferred = new ArrayList<>();
            for (PricedEvent p : firsts.values()) {
                if (recorded.containsKey(p.event().requestId())) {
                    repeats.add(p);
                } else {
                    fresh.add(p);
                    if (contested.contains(p.event().requestId())) {
                        deferred.add(values(p, now.toString()));
                    } else {
                        copyable.add(p);
                    }
                }
            }
            Set<String> inserted = insert(c, copyable, now);
            if (!deferred.isEmpty()) {
                // Ids the other batch in flight is writing: this waits for its commit, then inserts what it did not.
                inserted.addAll(insertOnConflict(c, deferred));
            }
            if (inserted.size() < fresh.size()) {
                // Lost a race with another writer of the same ids: what it wrote is the recorded version.
                List<String> lost = new ArrayList<>();
                for (PricedEvent p : fresh) {
                    if (!inserted.contains(p.event().requestId())) {
                        repeats.add(p);
                        lost.add(p.event().requestId());
                    }
                }
                recorded.putAll(recorded(c, lost));
            }
            DailyRollup rollup = new DailyRollup();
            int parked = 0;
            for (PricedEvent p : fresh) {
                if (inserted.contains(p.event().requestId())) {
                    LedgerRow row = p.row();
                    if (row.priced()) {
                        addToRollup(rollup, p, row);
                    } else {
                        parked++;
                    }
                    recorded.put(p.event().requestId(), p.event().payloadSha256());
                }
            }
            rollup.apply(c);
            int conflicts = recordConflicts(c, repeats, recorded);
            return new Appended(inserted.size(), repeats.size() - conflicts, conflicts, parked);
        } catch (SQLException e) {
            throw new LedgerException(e);
        }
    }

    /**
     * Claims the batch's ids against the other batch in flight until this transaction ends; returns the ids that
     * batch holds. Outside a transaction (never in the consumer) nothing is claimed.
     */
    private Set<String> claimUntilTransactionEnds(Set<String> ids) {
        if (transactions.getTransactionKey() == null) {
            return Set.of();
        }
        Object owner = new Object();
        List<String> claimed = List.copyOf(ids);
        // Registered before claiming: if the transaction cannot take it, nothing has been claimed that would stay held.
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                inFlight.release(owner, claimed);
            }
        });
        return inFlight.claim(owner, claimed);
    }

    /**
     * Writes rows whose ids were not in the ledger a moment ago. {@code COPY} is the fast path (on the benchmark it
     * costs PostgreSQL far less per row than a parameterised insert). The primary key still decides: if another
     * transaction inserted one of these ids in between, {@code COPY} fails with a unique violation and is undone to a
     * savepoint; the ids recorded meanwhile are dropped and the rest copied again. The last attempt uses
     * {@code ON CONFLICT DO NOTHING}, which reports the ids it really inserted. Returns the ids inserted.
     */
    private Set<String> insert(Connection c, List<PricedEvent> fresh, Instant now) throws SQLException {
        List<PricedEvent> candidates = fresh;
        for (int attempt = 1; !candidates.isEmpty(); attempt++) {
            // Savepoints as SQL: the pool refuses JDBC's rollback(Savepoint) on a connection enlisted in a transaction.
            execute(c, "SAVEPOINT ledger_copy");
            try {
                copy(c, candidates, now);
                execute(c, "RELEASE SAVEPOINT ledger_copy");
                Set<String> ids = new HashSet<>();
                candidates.forEach(p -> ids.add(p.event().requestId()));
                return ids;
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                execute(c, "ROLLBACK TO SAVEPOINT ledger_copy");
                if (attempt == COPY_ATTEMPTS) {
                    List<String[]> values = new ArrayList<>(candidates.size());
                    for (PricedEvent p : candidates) {
                        values.add(values(p, now.toString()));
                    }
                    return insertOnConflict(c, values);
                }
                // A unique violation is raised only once the other writer committed, so a second look sees its rows:
                // typically a re-send of the same event in the other batch in flight. Copy what is still new.
                Set<String> taken = recorded(c, candidates.stream().map(p -> p.event().requestId()).toList()).keySet();
                candidates = candidates.stream().filter(p -> !taken.contains(p.event().requestId())).toList();
            }
        }
        return new HashSet<>();
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void copy(Connection c, List<PricedEvent> candidates, Instant now) throws SQLException {
        CopyBinary.copyIn(c, COPY, copy -> write(copy, candidates, now));
    }

    private static void write(CopyBinary copy, List<PricedEvent> candidates, Instant now) {
        for (PricedEvent p : candidates) {
            UsageEvent e = p.event();
            LedgerRow row = p.row();
            // In COLUMNS order.
            copy.row(COLUMNS.length).text(e.requestId()).text(e.namespaceId()).uuid(p.accountId()).text(e.apiKeyId())
                    .text(e.model()).text(row.variant()).text(e.servedModelId()).text(e.providerId()).text(e.status())
                    .text(e.errorCode()).text(e.fundingSource()).bool(e.streamed()).timestamptz(e.startedAt())
                    .timestamptz(e.completedAt()).timestamptz(e.time()).int8(e.promptTokens())
                    .int8(e.completionTokens()).int8(e.cacheReadTokens()).int8(e.cacheWriteTokens())
                    .int8(e.reasoningTokens()).int8(row.uncachedInput()).int8(row.output()).text(row.state())
                    .text(row.reason()).numeric(row.charge()).numeric(row.list()).text(row.discountKind())
                    .numeric(row.discountPercent()).text(row.priceBasis()).int8(row.tierAbove())
                    .jsonb(row.effectiveRatesJson()).text(row.catalogVersion()).text(row.policyVersion())
                    .bool(row.anomaly()).timestamptz(row.priced() ? now : null).bytea(e.payloadSha256())
                    .int4(p.partition()).int8(p.offset());
        }
    }

    private static Set<String> insertOnConflict(Connection c, List<String[]> values) throws SQLException {
        String[][] cols = new String[COLUMNS.length][values.size()];
        for (int i = 0; i < values.size(); i++) {
            for (int col = 0; col < COLUMNS.length; col++) {
                cols[col][i] = values.get(i)[col];
            }
        }
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
        return inserted;
    }

    /** One ledger row as the columns' text input forms, in {@link #COLUMNS} order. */
    private static String[] values(PricedEvent p, String now) {
        UsageEvent e = p.event();
        LedgerRow row = p.row();
        return new String[] { e.requestId(), e.namespaceId(), p.accountId().toString(), e.apiKeyId(), e.model(),
                row.variant(), e.servedModelId(),
                e.providerId(), e.status(), e.errorCode(), e.fundingSource(), str(e.streamed()), str(e.startedAt()),
                str(e.completedAt()), e.time().toString(), Long.toString(e.promptTokens()),
                Long.toString(e.completionTokens()), Long.toString(e.cacheReadTokens()),
                Long.toString(e.cacheWriteTokens()), Long.toString(e.reasoningTokens()),
                Long.toString(row.uncachedInput()), Long.toString(row.output()), row.state(), row.reason(),
                plain(row.charge()), plain(row.list()), row.discountKind(), plain(row.discountPercent()),
                row.priceBasis(), str(row.tierAbove()), row.effectiveRatesJson(), row.catalogVersion(),
                row.policyVersion(), Boolean.toString(row.anomaly()), row.priced() ? now : null,
                LedgerRow.hex(e.payloadSha256()), str(p.partition()), str(p.offset()) };
    }

    /** Those of the given request ids that are in the ledger (the dead-letter replay skips them). */
    public Set<String> recordedIds(Collection<String> ids) {
        try (Connection c = dataSource.getConnection()) {
            return recorded(c, ids).keySet();
        } catch (SQLException e) {
            throw new IllegalStateException("looking up recorded request ids failed", e);
        }
    }

    /** The payload digests of those of the given ids that are already in the ledger. */
    private static Map<String, byte[]> recorded(Connection c, Collection<String> ids) throws SQLException {
        Map<String, byte[]> recorded = new HashMap<>();
        if (ids.isEmpty()) {
            return recorded;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT request_id, payload_sha256 FROM usage_records WHERE request_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recorded.put(rs.getString(1), rs.getBytes(2));
                }
            }
        }
        return recorded;
    }

    private static void addToRollup(DailyRollup rollup, PricedEvent p, LedgerRow row) {
        UsageEvent e = p.event();
        rollup.add(new DailyRollup.Key(e.namespaceId(), LedgerRow.day(e.time()), orEmpty(e.servedModelId()),
                orEmpty(e.providerId()), orEmpty(row.variant()),
                orEmpty(e.apiKeyId()), row.discountKind(), row.state()), p.accountId(), e.promptTokens(),
                e.completionTokens(), row.uncachedInput(), e.cacheReadTokens(), e.cacheWriteTokens(), row.output(),
                e.reasoningTokens(), row.list(), row.charge());
    }

    /** Re-sent ids whose payload differs from the recorded one: kept for a person, never silently dropped. */
    private int recordConflicts(Connection c, List<PricedEvent> repeats, Map<String, byte[]> recorded)
            throws SQLException {
        int conflicts = 0;
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO usage_conflicts (request_id, payload_sha256, payload, kafka_partition, kafka_offset)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            for (PricedEvent p : repeats) {
                byte[] stored = recorded.get(p.event().requestId());
                if (stored != null && !Arrays.equals(stored, p.event().payloadSha256())) {
                    ps.setString(1, p.event().requestId());
                    ps.setBytes(2, p.event().payloadSha256());
                    // Text only here, for a person to read: the parser accepted nothing but valid UTF-8.
                    ps.setString(3, new String(p.payload(), StandardCharsets.UTF_8));
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
