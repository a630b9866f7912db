package ai.bitrouter.billing.catalog.registry;

import java.util.List;

/** A feed that cannot be imported at all; nothing of it is used and the catalog in force stays. */
public class FeedRejectedException extends RuntimeException {

    /** How many problems the message names; the rest are counted. */
    private static final int SHOWN = 10;

    private final List<String> problems;

    public FeedRejectedException(List<String> problems) {
        this("registry feed", problems);
    }

    /** {@code subject} names what was rejected, e.g. "registry feed" or "pricing". */
    public FeedRejectedException(String subject, List<String> problems) {
        super(describe(subject, problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String describe(String subject, List<String> problems) {
        StringBuilder text = new StringBuilder(subject).append(" rejected, ").append(problems.size())
                .append(problems.size() == 1 ? " problem: " : " problems: ");
        text.append(String.join("; ", problems.subList(0, Math.min(SHOWN, problems.size()))));
        if (problems.size() > SHOWN) {
            text.append("; and ").append(problems.size() - SHOWN).append(" more");
        }
        return text.toString();
    }
}
