package ai.bitrouter.billing.metering;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import ai.bitrouter.billing.discounts.DiscountGrants;
import ai.bitrouter.billing.pricing.PricingResult;
import ai.bitrouter.billing.pricing.PricingState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * Turns parsed usage events into ledger rows. {@link #prepare} decides, without writing, what each event is:
 * accepted (priced, not charged, or parked as unpriced) or rejected with a reason for the dead-letter topic.
 * {@link #append} writes the accepted ones in one transaction.
 */
@ApplicationScoped
public class MeteringService {
    /** The dead-letter reason of an event that made the service fail in a way nobody planned for (a bug). */
    public static final String UNPROCESSABLE = "unprocessable";

    @Inject
    NamespaceResolver namespaces;

    @Inject
    DiscountGrants grants;

    @Inject
    UsagePricer pricer;

    @Inject
    UsageLedger ledger;

    @Inject
    MeteringConfig config;

    /** {@code payload}: the record value as received (valid UTF-8, or the parser would have refused it). */
    public record Incoming(UsageEvent event, byte[] payload, Integer partition, Long offset) {
    }

    public record Rejected(Incoming source, String reason, String detail) {
    }

    public record Prepared(List<PricedEvent> accepted, List<Rejected> rejected) {
    }

    public Prepared prepare(List<Incoming> batch) {
        Map<String, UUID> accounts = namespaces.accounts(batch.stream().map(i -> i.event().namespaceId()).toList());
        DiscountGrants.InForce discounts = grants.forAccounts(accounts.values());
        Instant latestAllowed = Instant.now().plus(config.maxFutureSkew());
        List<PricedEvent> accepted = new ArrayList<>(batch.size());
        List<Rejected> rejected = new ArrayList<>();
        for (Incoming in : batch) {
            UsageEvent e = in.event();
            UUID account = accounts.get(e.namespaceId());
            if (account == null) {
                // Never billed to a default tenant: kept on the dead-letter topic until the namespace is sorted out.
                rejected.add(new Rejected(in, "unknown_namespace", "namespace " + e.namespaceId() + " does not exist"));
                continue;
            }
            if (e.time().isAfter(latestAllowed)) {
                rejected.add(new Rejected(in, "time_in_future", "time " + e.time() + " is more than "
                        + config.maxFutureSkew() + " ahead"));
                continue;
            }
            PricingResult result;
            try {
                result = pricer.price(UsagePricer.Facts.of(e), discounts.at(account, e.time()));
            } catch (RuntimeException failure) {
                // A cache miss may read the catalog: the database being away is the batch's to wait for. Anything
                // else failed on this event's facts (e.g. nothing in force at its time) and is this event's alone.
                if (IngestFailure.of(failure) == IngestFailure.TRANSIENT) {
                    throw failure;
                }
                rejected.add(new Rejected(in, UNPROCESSABLE, IngestFailure.describe(failure)));
                continue;
            }
            if (result.state() == PricingState.INVALID) {
                rejected.add(new Rejected(in, result.reason().orElse("invalid"), "token counts overlap"));
                continue;
            }
            accepted.add(new PricedEvent(e, in.payload(), in.partition(), in.offset(), account, result));
        }
        return new Prepared(accepted, rejected);
    }

    @Transactional
    public UsageLedger.Appended append(List<PricedEvent> events) {
        return ledger.append(events);
    }
}
