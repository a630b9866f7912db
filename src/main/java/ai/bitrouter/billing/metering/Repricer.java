package ai.bitrouter.billing.metering;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.common.scheduling.ClusterLock;
import ai.bitrouter.billing.discounts.DiscountGrants;
import ai.bitrouter.billing.pricing.PricingResult;
import ai.bitrouter.billing.pricing.PricingState;
import ai.bitrouter.billing.pricing.TokenUsage;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Prices parked rows (state {@code unknown}: a rate or price was missing) once the catalog can. Runs on a schedule,
 * so a catalog change is picked up without anyone asking, and on an admin request. Rows are claimed with
 * {@code FOR UPDATE SKIP LOCKED}, so several instances can run it at once without pricing a row twice.
 */
@ApplicationScoped
public class Repricer {
    private static final Logger LOG = Logger.getLogger(Repricer.class);

    @Inject
    DataSource dataSource;

    @Inject
    UsagePricer pricer;

    @Inject
    DiscountGrants grants;

    @Inject
    MeteringConfig config;

    @Inject
    MeterRegistry metrics;

    @Inject
    ClusterLock lock;

    @Inject
    AuditLog audit;

    /** The cluster-lock name of the scheduled run. */
    public static final String JOB = "metering-reprice";

    public record Outcome(int repriced, long stillParked) {
    }

    @Scheduled(every = "${bitrouter.metering.reprice-every:30s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        // SKIP LOCKED already keeps instances from pricing a row twice; the lock keeps them from all walking the
        // parked rows every tick for nothing.
        lock.runScheduled(JOB, () -> {
            Outcome o = repriceAll(AuditLog.Actor.system(JOB), false);
            if (o.repriced() > 0) {
                LOG.infof("re-priced %d parked usage rows; %d still parked", o.repriced(), o.stillParked());
            }
        });
    }

    /**
     * Re-prices everything that can be priced now; rows that still cannot stay parked. Each chunk that re-prices rows
     * writes its audit row ({@code usage.reprice}, by {@code actor}) in the chunk's own transaction, so re-priced rows
     * are never committed without their trace. A run that re-priced nothing is recorded only if {@code recordEmpty}
     * (an admin asked for it; the schedule's empty ticks would drown the trail).
     */
    public Outcome repriceAll(AuditLog.Actor actor, boolean recordEmpty) {
        int total = 0;
        Instant after = Instant.EPOCH;
        String afterId = "";
        while (true) {
            Pass pass = pass(actor, after, afterId);
            total += pass.repriced();
            if (pass.examined() < config.repriceBatchSize()) {
                break;
            }
            after = pass.lastTime();
            afterId = pass.lastId();
        }
        metrics.counter("billing.usage.events", "outcome", "repriced", "reason", "none").increment(total);
        long stillParked = parkedCount();
        if (total == 0 && recordEmpty) {
            QuarkusTransaction.requiringNew().run(() -> audit.record(actor, AuditLog.USAGE_REPRICE, "usage", null,
                    null, Map.of("repriced", 0, "still_parked", stillParked), "nothing could be re-priced"));
        }
        return new Outcome(total, stillParked);
    }

    private record Pass(int examined, int repriced, Instant lastTime, String lastId) {
    }

    private record ParkedRow(String requestId, String namespaceId, UUID accountId, String apiKeyId, String model,
            String variant, UsagePricer.Facts facts) {
    }

    /** One chunk in its own transaction, walking parked rows in (event_time, request_id) order. */
    private Pass pass(AuditLog.Actor actor, Instant after, String afterId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            try (Connection c = dataSource.getConnection()) {
                List<ParkedRow> rows = claim(c, after, afterId);
                if (rows.isEmpty()) {
                    return new Pass(0, 0, after, afterId);
                }
                DiscountGrants.InForce discounts = grants.forAccounts(rows.stream().map(ParkedRow::accountId).toList());
                DailyRollup rollup = new DailyRollup();
                int repriced = 0;
                try (PreparedStatement update = c.prepareStatement("""
                        UPDATE usage_records SET pricing_state = ?, pricing_reason = ?, charge_micro_usd = ?::numeric,
                            list_micro_usd = ?::numeric, discount_kind = ?, discount_percent = ?::numeric,
                            price_basis = ?, context_tier_above = ?, effective_rates = ?::jsonb, catalog_version = ?,
                            policy_version = ?, anomaly = ?, priced_at = now()
                        WHERE request_id = ? AND pricing_state = 'unknown'""")) {
                    for (ParkedRow r : rows) {
                        PricingResult result = pricer.reprice(r.facts(), discounts.at(r.accountId(), r.facts().eventTime()));
                        if (result.state() == PricingState.UNKNOWN || result.state() == PricingState.INVALID) {
                            continue;
                        }
                        TokenUsage u = r.facts().usage();
                        LedgerRow row = LedgerRow.of(result, u.promptTokens(), u.cacheReadTokens(), u.cacheWriteTokens(),
                                u.completionTokens(), u.reasoningTokens());
                        int i = 1;
                        update.setString(i++, row.state());
                        update.setString(i++, row.reason());
                        update.setString(i++, row.charge().toPlainString());
                        update.setString(i++, row.list().toPlainString());
                        update.setString(i++, row.discountKind());
                        update.setString(i++, row.discountPercent().toPlainString());
                        update.setString(i++, row.priceBasis());
                        update.setObject(i++, row.tierAbove());
                        update.setString(i++, row.effectiveRatesJson());
                        update.setString(i++, row.catalogVersion());
                        update.setString(i++, row.policyVersion());
                        update.setBoolean(i++, row.anomaly());
                        update.setString(i++, r.requestId());
                        update.addBatch();
                        rollup.add(new DailyRollup.Key(r.namespaceId(), LedgerRow.day(r.facts().eventTime()),
                                orEmpty(r.facts().servedModelId()), orEmpty(r.facts().providerId()), orEmpty(r.variant()),
                                orEmpty(r.apiKeyId()), row.discountKind(), row.state()), r.accountId(), u.promptTokens(),
                                u.completionTokens(), row.uncachedInput(), u.cacheReadTokens(), u.cacheWriteTokens(),
                                row.output(), u.reasoningTokens(), row.list(), row.charge());
                        repriced++;
                    }
                    if (repriced > 0) {
                        update.executeBatch();
                    }
                }
                rollup.apply(c);
                ParkedRow last = rows.get(rows.size() - 1);
                if (repriced > 0) {
                    audit.record(actor, AuditLog.USAGE_REPRICE, "usage", null, null,
                            Map.of("repriced", repriced, "through_request_id", last.requestId()),
                            "re-priced " + repriced + " of " + rows.size() + " parked rows in this chunk");
                }
                return new Pass(rows.size(), repriced, last.facts().eventTime(), last.requestId());
            }
        });
    }

    private List<ParkedRow> claim(Connection c, Instant after, String afterId) throws SQLException {
        List<ParkedRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT request_id, namespace_id, account_id, api_key_id, model_requested, variant, served_model_id,
                       provider_id, status, funding_source, event_time, prompt_tokens, completion_tokens,
                       cache_read_tokens, cache_write_tokens, reasoning_tokens
                FROM usage_records
                WHERE pricing_state = 'unknown' AND (event_time, request_id) > (?, ?)
                ORDER BY event_time, request_id
                LIMIT ?
                FOR UPDATE SKIP LOCKED""")) {
            ps.setTimestamp(1, Timestamp.from(after));
            ps.setString(2, afterId);
            ps.setInt(3, config.repriceBatchSize());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant time = rs.getTimestamp(11).toInstant();
                    TokenUsage usage = new TokenUsage(rs.getLong(12), rs.getLong(13), rs.getLong(14), rs.getLong(15),
                            rs.getLong(16));
                    UsagePricer.Facts facts = new UsagePricer.Facts(rs.getString(1), rs.getString(5), rs.getString(7),
                            rs.getString(8), rs.getString(9), rs.getString(10), usage, time);
                    rows.add(new ParkedRow(rs.getString(1), rs.getString(2), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getString(5), rs.getString(6), facts));
                }
            }
        }
        return rows;
    }

    /** Parked rows by reason, for the admin view and alerts. */
    public Map<String, Long> parkedByReason() {
        Map<String, Long> byReason = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT coalesce(pricing_reason, 'unknown'), count(*) FROM usage_records
                        WHERE pricing_state = 'unknown' GROUP BY 1 ORDER BY 2 DESC, 1""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                byReason.put(rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return byReason;
    }

    long parkedCount() {
        return parkedByReason().values().stream().mapToLong(Long::longValue).sum();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
