package ai.bitrouter.billing.catalog;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What an import (or an admin change) did to the catalog: the version it created or found unchanged, what was
 * added, removed and changed (old → new) relative to the version it was built on, and the warnings. Rates are
 * exact decimal strings in the registry's shape.
 */
public record SyncReport(String outcome, @JsonProperty("version_id") String versionId,
                         @JsonProperty("previous_version_id") String previousVersionId,
                         @JsonProperty("effective_from") String effectiveFrom,
                         @JsonProperty("content_sha256") String contentSha256, Totals totals, Changes changes,
                         List<SyncWarning> warnings) {

    public static final String CREATED = "created";
    public static final String UNCHANGED = "unchanged";

    /** Sizes of the resulting catalog. */
    public record Totals(int models, int providers, int offers, @JsonProperty("priced_offers") int pricedOffers,
                         @JsonProperty("official_prices") int officialPrices) {

        public static Totals of(CatalogSnapshot s) {
            return new Totals(s.models().size(), s.providers().size(), s.offers().size(),
                    (int) s.offers().values().stream().filter(p -> p.isPresent()).count(), s.official().size());
        }
    }

    public record Changes(Section models, Section providers, Section prices,
                          @JsonProperty("official_prices") Section officialPrices) {

        @JsonIgnore
        public boolean isEmpty() {
            return models.isEmpty() && providers.isEmpty() && prices.isEmpty() && officialPrices.isEmpty();
        }
    }

    /** Entries identify their subject (e.g. model and provider); a changed entry also has "old" and "new". */
    public record Section(List<Map<String, Object>> added, List<Map<String, Object>> removed,
                          List<Map<String, Object>> changed) {

        @JsonIgnore
        public boolean isEmpty() {
            return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
        }
    }
}
