package ai.bitrouter.billing.invoicing;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.audit.AuditLog;
import ai.bitrouter.billing.common.scheduling.ClusterLock;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The monthly invoice run. For a closed month: draft an invoice for every account with unbilled charged usage up to
 * the month's end (late usage of earlier months included, on its own lines), then push every draft and every push
 * an earlier run left unfinished. Running it twice, or after a crash at any point, yields the same invoices: the
 * drafts are unique per account and month, the pushes resumable (see {@link InvoicePusher}). One instance at a time
 * runs it (PostgreSQL advisory lock, {@link ClusterLock}).
 */
@ApplicationScoped
public class MonthClose {

    private static final Logger LOG = Logger.getLogger(MonthClose.class);

    @Inject
    InvoiceStore store;

    @Inject
    InvoicePusher pusher;

    @Inject
    InvoicingConfig config;

    @Inject
    MeterRegistry meters;

    Clock clock = Clock.systemUTC();

    public record Report(String period, int drafted, int finalized, @JsonProperty("retry_later") int retryLater,
            @JsonProperty("needs_attention") List<String> needsAttention) {
    }

    /** The job's name for the cluster lock and for {@code bitrouter.scheduling.disabled-jobs}. */
    public static final String JOB = "invoicing-month-close";

    @Inject
    ClusterLock lock;

    @Inject
    AuditLog audit;

    @Scheduled(cron = "{bitrouter.invoicing.close-cron}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        lock.runScheduled(JOB, () -> {
            Report r = close(dueAt(clock.instant()), AuditLog.Actor.system(JOB));
            if (r.drafted() + r.finalized() + r.retryLater() + r.needsAttention().size() > 0) {
                LOG.infof("month close %s: %d drafted, %d finalized, %d to retry, %d need a person", r.period(),
                        r.drafted(), r.finalized(), r.retryLater(), r.needsAttention().size());
            }
        });
    }

    /**
     * An admin's close: under the same cluster lock as the schedule, so it never runs beside another instance's.
     * Empty if another run holds the lock right now.
     */
    public java.util.Optional<Report> closeExclusively(BillingPeriod period) {
        return closeExclusively(period, AuditLog.Actor.system(JOB));
    }

    /** As {@link #closeExclusively(BillingPeriod)}, each draft audited as {@code actor}'s. */
    public java.util.Optional<Report> closeExclusively(BillingPeriod period, AuditLog.Actor actor) {
        Report[] out = new Report[1];
        boolean ran = lock.runExclusively(JOB, () -> out[0] = close(period, actor));
        return ran ? java.util.Optional.of(out[0]) : java.util.Optional.empty();
    }

    /** The month that is due at {@code now}: the last one that ended at least the grace period ago. */
    public BillingPeriod dueAt(Instant now) {
        return BillingPeriod.containing(now.minus(config.grace())).previous();
    }

    public Report closeDue(Instant now) {
        return close(dueAt(now));
    }

    public Report close(BillingPeriod period) {
        return close(period, AuditLog.Actor.system(JOB));
    }

    /**
     * Closes {@code period}. Each invoice drafted writes its audit row ({@code invoice.close}, by {@code actor}) in
     * the transaction that claims its usage; the pushes that follow are Stripe calls, outside any transaction, and
     * leave their trace on the invoice (status, attempt, last error).
     */
    public synchronized Report close(BillingPeriod period, AuditLog.Actor actor) {
        if (period.end().isAfter(clock.instant())) {
            throw new IllegalArgumentException("the period " + period + " has not ended yet");
        }
        int drafted = 0;
        for (UUID account : store.accountsToBill(period)) {
            if (store.draft(account, period, d -> audit.record(actor, AuditLog.INVOICE_CLOSE, "invoice",
                    d.invoiceId().toString(), null, d, "drafted for " + d.period())).isPresent()) {
                drafted++;
            }
        }
        int finalized = 0;
        int retry = 0;
        List<String> attention = new ArrayList<>();
        for (UUID id : store.toPush()) {
            InvoicePusher.Outcome o;
            try {
                o = pusher.push(id);
            } catch (RuntimeException e) {
                // A bug or a database error on one invoice must not keep every other account unbilled.
                LOG.errorf(e, "pushing invoice %s failed unexpectedly", id);
                store.pushError(id, "unexpected: " + e, false);
                o = InvoicePusher.Outcome.RETRY_LATER;
            }
            switch (o) {
                case FINALIZED -> finalized++;
                case RETRY_LATER -> retry++;
                case NEEDS_ATTENTION -> attention.add(id.toString());
                default -> {
                }
            }
            meters.counter("billing.invoices.pushed", "outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                    .increment();
        }
        return new Report(period.toString(), drafted, finalized, retry, List.copyOf(attention));
    }
}
