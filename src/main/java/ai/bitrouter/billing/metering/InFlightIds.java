package ai.bitrouter.billing.metering;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The request ids that ledger transactions of this instance are writing right now, each with the transaction that
 * claimed it first. Two batches are in flight at a time, and a router's re-send often lands in the other one: without
 * this, the later batch's {@code COPY} reached the id the earlier one had inserted but not yet committed, waited for
 * that commit, failed on the primary key and was undone (on the benchmark, 66 of 172 {@code COPY} attempts). Knowing
 * the contested ids up front, the later batch leaves them out of its {@code COPY} and writes them with
 * {@code ON CONFLICT DO NOTHING}, which waits for the earlier transaction and then inserts nothing (or the row, if
 * that one rolled back).
 *
 * <p>This is an optimisation only: the primary key still decides, and writers in other instances are still met by
 * the ledger's retry. A batch claims all of its ids in one step, so a batch only ever defers to batches that claimed
 * before it and two batches never wait on each other.
 */
final class InFlightIds {
    private final ConcurrentHashMap<String, Object> owners = new ConcurrentHashMap<>();

    /** Claims the ids for {@code owner}; returns those another in-flight owner claimed first. */
    synchronized Set<String> claim(Object owner, Collection<String> ids) {
        Set<String> contested = new HashSet<>();
        for (String id : ids) {
            Object previous = owners.putIfAbsent(id, owner);
            if (previous != null && previous != owner) {
                contested.add(id);
            }
        }
        return contested;
    }

    /** Releases what {@code owner} claimed (and only that), once its transaction has ended either way. */
    void release(Object owner, Collection<String> ids) {
        for (String id : ids) {
            owners.remove(id, owner);
        }
    }

    int size() {
        return owners.size();
    }
}
