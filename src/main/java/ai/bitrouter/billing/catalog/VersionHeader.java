package ai.bitrouter.billing.catalog;

import java.time.Instant;
import java.util.Objects;

/** A catalog version's identity and provenance, without its content. */
public record VersionHeader(String id, Instant effectiveFrom, String predecessorId, String source,
                            String contentSha256, String note, String createdBy, Instant createdAt) {

    public static final String SOURCE_SEED = "seed";
    public static final String SOURCE_REGISTRY = "registry";
    public static final String SOURCE_ADMIN = "admin";

    public VersionHeader {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(contentSha256, "contentSha256");
    }
}
