package ai.bitrouter.billing.metering;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Accumulates priced ledger rows into {@code usage_daily} deltas, then applies them in one upsert. Keys are applied
 * in sorted order so that two transactions touching the same rows lock them in the same order (no deadlock).
 */
final class DailyRollup {

    record Key(String namespaceId, LocalDate day, String servedModelId, String providerId, String variant,
            String apiKeyId, String discountKind, String pricingState) implements Comparable<Key> {
        // Field by field: building two strings per comparison showed up in the ingestion profile.
        private static final Comparator<Key> ORDER = Comparator.comparing(Key::namespaceId).thenComparing(Key::day)
                .thenComparing(Key::servedModelId).thenComparing(Key::providerId).thenComparing(Key::variant)
                .thenComparing(Key::apiKeyId).thenComparing(Key::discountKind).thenComparing(Key::pricingState);

        @Override
        public int compareTo(Key o) {
            return ORDER.compare(this, o);
        }
    }

    private static final class Sums {
        UUID accountId;
        long requests, prompt, completion, uncached, cacheRead, cacheWrite, output, reasoning;
        BigDecimal list = BigDecimal.ZERO;
        BigDecimal charge = BigDecimal.ZERO;
    }

    // Hashed while adding (one per event), sorted once when applied (one per key).
    private final Map<Key, Sums> sums = new HashMap<>();

    void add(Key key, UUID accountId, long prompt, long completion, long uncached, long cacheRead, long cacheWrite,
            long output, long reasoning, BigDecimal list, BigDecimal charge) {
        Sums s = sums.computeIfAbsent(key, k -> new Sums());
        s.accountId = accountId;
        s.requests++;
        s.prompt += prompt;
        s.completion += completion;
        s.uncached += uncached;
        s.cacheRead += cacheRead;
        s.cacheWrite += cacheWrite;
        s.output += output;
        s.reasoning += reasoning;
        s.list = s.list.add(list);
        s.charge = s.charge.add(charge);
    }

    boolean isEmpty() {
        return sums.isEmpty();
    }

    private static final String UPSERT = """
            INSERT INTO usage_daily AS d (namespace_id, day, served_model_id, provider_id, variant, api_key_id,
                discount_kind, pricing_state, account_id, requests, prompt_tokens, completion_tokens,
                uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                list_micro_usd, charge_micro_usd)
            SELECT t.ns, t.day::date, t.model, t.provider, t.variant, t.api_key, t.kind, t.state, t.account::uuid,
                   t.requests::bigint, t.prompt::bigint, t.completion::bigint, t.uncached::bigint, t.cache_read::bigint,
                   t.cache_write::bigint, t.output::bigint, t.reasoning::bigint, t.list::numeric, t.charge::numeric
            FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                        ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                        ?::text[])
                 AS t(ns, day, model, provider, variant, api_key, kind, state, account, requests, prompt, completion,
                      uncached, cache_read, cache_write, output, reasoning, list, charge)
            ON CONFLICT (namespace_id, day, served_model_id, provider_id, variant, api_key_id, discount_kind, pricing_state)
            DO UPDATE SET requests = d.requests + EXCLUDED.requests,
                          prompt_tokens = d.prompt_tokens + EXCLUDED.prompt_tokens,
                          completion_tokens = d.completion_tokens + EXCLUDED.completion_tokens,
                          uncached_input_tokens = d.uncached_input_tokens + EXCLUDED.uncached_input_tokens,
                          cache_read_tokens = d.cache_read_tokens + EXCLUDED.cache_read_tokens,
                          cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
                          output_tokens = d.output_tokens + EXCLUDED.output_tokens,
                          reasoning_tokens = d.reasoning_tokens + EXCLUDED.reasoning_tokens,
                          list_micro_usd = d.list_micro_usd + EXCLUDED.list_micro_usd,
                          charge_micro_usd = d.charge_micro_usd + EXCLUDED.charge_micro_usd
            """;

    void apply(Connection c) throws SQLException {
        if (sums.isEmpty()) {
            return;
        }
        int n = sums.size();
        String[][] cols = new String[19][n];
        int i = 0;
        List<Map.Entry<Key, Sums>> sorted = new ArrayList<>(sums.entrySet());
        sorted.sort(Map.Entry.comparingByKey());
        for (Map.Entry<Key, Sums> e : sorted) {
            Key k = e.getKey();
            Sums s = e.getValue();
            List<String> row = List.of(k.namespaceId(), k.day().toString(), k.servedModelId(), k.providerId(), k.variant(),
                    k.apiKeyId(), k.discountKind(), k.pricingState(), s.accountId.toString(), Long.toString(s.requests),
                    Long.toString(s.prompt), Long.toString(s.completion), Long.toString(s.uncached),
                    Long.toString(s.cacheRead), Long.toString(s.cacheWrite), Long.toString(s.output),
                    Long.toString(s.reasoning), s.list.toPlainString(), s.charge.toPlainString());
            for (int col = 0; col < row.size(); col++) {
                cols[col][i] = row.get(col);
            }
            i++;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            for (int col = 0; col < cols.length; col++) {
                ps.setArray(col + 1, c.createArrayOf("text", cols[col]));
            }
            ps.executeUpdate();
        }
    }
}
