package ai.bitrouter.billing.metering;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
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
        // Field by field, written out: a chain of Comparator.thenComparing lambdas showed in the ingestion profile
        // (its inner calls see eight different comparators, so the JIT does not inline them).
        @Override
        public int compareTo(Key o) {
            int c;
            if ((c = namespaceId.compareTo(o.namespaceId)) != 0 || (c = day.compareTo(o.day)) != 0
                    || (c = servedModelId.compareTo(o.servedModelId)) != 0
                    || (c = providerId.compareTo(o.providerId)) != 0 || (c = variant.compareTo(o.variant)) != 0
                    || (c = apiKeyId.compareTo(o.apiKeyId)) != 0 || (c = discountKind.compareTo(o.discountKind)) != 0) {
                return c;
            }
            return pricingState.compareTo(o.pricingState);
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

    // Counts go as binary int8 arrays and days as int4 epoch days; text is left for the key's strings, the account and
    // the two amounts (the driver has no binary form for a numeric array). Nineteen text arrays cost the ingest threads
    // a Long.toString per count and the driver's quoting of every element (2.8 -> 2.5 core-s per benchmark run).
    private static final String UPSERT = """
            INSERT INTO usage_daily AS d (namespace_id, day, served_model_id, provider_id, variant, api_key_id,
                discount_kind, pricing_state, account_id, requests, prompt_tokens, completion_tokens,
                uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                list_micro_usd, charge_micro_usd)
            SELECT t.ns, DATE '1970-01-01' + t.day, t.model, t.provider, t.variant, t.api_key, t.kind, t.state,
                   t.account::uuid, t.requests, t.prompt, t.completion, t.uncached, t.cache_read, t.cache_write, t.output,
                   t.reasoning, t.list::numeric, t.charge::numeric
            FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                        ?::text[], ?::int4[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[],
                        ?::int8[])
                 AS t(ns, model, provider, variant, api_key, kind, state, account, list, charge, day, requests, prompt,
                      completion, uncached, cache_read, cache_write, output, reasoning)
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
        // In the statement's unnest order: ten text columns, the days, eight counts.
        String[][] texts = new String[10][n];
        int[] days = new int[n];
        long[][] counts = new long[8][n];
        List<Map.Entry<Key, Sums>> sorted = new ArrayList<>(sums.entrySet());
        sorted.sort(Map.Entry.comparingByKey());
        for (int i = 0; i < n; i++) {
            Key k = sorted.get(i).getKey();
            Sums s = sorted.get(i).getValue();
            texts[0][i] = k.namespaceId();
            texts[1][i] = k.servedModelId();
            texts[2][i] = k.providerId();
            texts[3][i] = k.variant();
            texts[4][i] = k.apiKeyId();
            texts[5][i] = k.discountKind();
            texts[6][i] = k.pricingState();
            texts[7][i] = s.accountId.toString();
            texts[8][i] = s.list.toPlainString();
            texts[9][i] = s.charge.toPlainString();
            days[i] = Math.toIntExact(k.day().toEpochDay());
            counts[0][i] = s.requests;
            counts[1][i] = s.prompt;
            counts[2][i] = s.completion;
            counts[3][i] = s.uncached;
            counts[4][i] = s.cacheRead;
            counts[5][i] = s.cacheWrite;
            counts[6][i] = s.output;
            counts[7][i] = s.reasoning;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            int p = 1;
            for (String[] column : texts) {
                ps.setArray(p++, c.createArrayOf("text", column));
            }
            // Primitive arrays: the driver sends them in PostgreSQL's binary array format.
            ps.setObject(p++, days);
            for (long[] column : counts) {
                ps.setObject(p++, column);
            }
            ps.executeUpdate();
        }
    }
}
