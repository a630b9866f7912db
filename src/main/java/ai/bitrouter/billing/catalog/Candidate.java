package ai.bitrouter.billing.catalog;

import java.util.List;
import java.util.Objects;

/** A catalog about to be published, with the warnings found while building it. */
public record Candidate(CatalogSnapshot snapshot, List<SyncWarning> warnings) {

    public Candidate {
        Objects.requireNonNull(snapshot, "snapshot");
        warnings = List.copyOf(warnings);
    }
}
