package ai.bitrouter.billing.metering;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/** The one transactional step of ingestion: a batch of parsed events becomes usage records, or nothing does. */
@ApplicationScoped
public class UsageIngestService {

    @Inject
    UsageRecordWriter writer;

    /** Returns how many of the events were new (the rest were already recorded). */
    @Transactional
    public int record(List<UsageRecordWriter.Positioned> events) {
        return writer.insert(events);
    }
}
