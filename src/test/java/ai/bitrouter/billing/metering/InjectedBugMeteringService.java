package ai.bitrouter.billing.metering;

import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.transaction.Transactional;

/**
 * The metering service with a bug that a test can plant: while armed, a batch holding the chosen request id fails
 * with an exception nobody planned for, every time, as a real bug would. Inert unless armed (one volatile read per
 * batch), so the other tests, which share this application, run the real thing.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class InjectedBugMeteringService extends MeteringService {
    private volatile String failOn;

    void arm(String requestId) {
        failOn = requestId;
    }

    void disarm() {
        failOn = null;
    }

    @Override
    @Transactional
    public UsageLedger.Appended append(List<PricedEvent> events) {
        String id = failOn;
        if (id != null) {
            for (PricedEvent p : events) {
                if (p.event().requestId().equals(id)) {
                    throw new IllegalStateException("injected bug for " + id);
                }
            }
        }
        return super.append(events);
    }
}
