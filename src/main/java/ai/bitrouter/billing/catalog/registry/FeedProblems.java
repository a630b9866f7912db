package ai.bitrouter.billing.catalog.registry;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem of a feed, each with where it is, so one rejection names them all. */
final class FeedProblems {

    /** Beyond this a feed is clearly broken; listing more helps nobody. */
    private static final int LIMIT = 100;

    private final List<String> problems = new ArrayList<>();

    void add(String where, String what) {
        if (problems.size() < LIMIT) {
            problems.add(where + ": " + what);
        }
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    int size() {
        return problems.size();
    }

    /** Every problem in one line, for a report entry. */
    String joined() {
        return String.join("; ", problems);
    }

    void throwIfAny(String subject) {
        if (!problems.isEmpty()) {
            throw new FeedRejectedException(subject, problems);
        }
    }
}
