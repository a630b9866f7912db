package ai.bitrouter.billing.metering;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Accumulates priced ledger rows into {@code usage_daily} deltas, then applies them in one upsert, in the caller's
 * transaction. The deltas reach PostgreSQL by binary {@code COPY} into a temporary table that empties itself at
 * commit; the upsert reads it in key order so that two transactions touching the same rows lock them in the same
 * order (no deadlock).
 */
final class DailyRollup {

    record Key(String namespaceId, LocalDate day, String servedModelId, String providerId, String variant,
            String apiKeyId, String discountKind, String pricingState) {
    }

    private static final class Sums {
        UUID accountId;
        long requests, prompt, completion, uncached, cacheRead, cacheWrite, output, reasoning;
        BigDecimal list = BigDecimal.ZERO;
        BigDecimal charge = BigDecimal.ZERO;
    }

    // Hashed while adding (one per event); PostgreSQL sorts the keys when they are applied.
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

    private static final String KEY = "namespace_id, day, served_model_id, provider_id, variant, api_key_id, "
            + "discount_kind, pricing_state";
    private static final String COLUMNS = KEY + ", account_id, requests, prompt_tokens, completion_tokens, "
            + "uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, "
            + "list_micro_usd, charge_micro_usd";

    // Once per connection in effect (IF NOT EXISTS is a catalog lookup); stated in every batch rather than remembered,
    // so that a connection that lost its session (a restarted server, a pooler) can never make a batch fail forever.
    // ON COMMIT DELETE ROWS empties the file in place at commit: no dead rows, no catalog change per batch.
    private static final String STAGE = """
            CREATE TEMPORARY TABLE IF NOT EXISTS usage_daily_batch (
                namespace_id text, day date, served_model_id text, provider_id text, variant text, api_key_id text,
                discount_kind text, pricing_state text, account_id uuid, requests bigint, prompt_tokens bigint,
                completion_tokens bigint, uncached_input_tokens bigint, cache_read_tokens bigint,
                cache_write_tokens bigint, output_tokens bigint, reasoning_tokens bigint, list_micro_usd numeric,
                charge_micro_usd numeric) ON COMMIT DELETE ROWS""";

    private static final String COPY = "COPY usage_daily_batch (" + COLUMNS + ") FROM STDIN (FORMAT binary)";

    // Binary COPY rather than 19 text arrays through unnest(): on the ingestion benchmark pgjdbc's array encoding and
    // the Java-side sort of the keys were 13% of the ingest threads' time, and PostgreSQL parsed and cast every value.
    // The staged rows are consumed by the same statement (DELETE ... RETURNING), so that a second rollup applied in
    // the same transaction cannot add them again.
    private static final String UPSERT = "WITH staged AS (DELETE FROM usage_daily_batch RETURNING *) "
            + "INSERT INTO usage_daily AS d (" + COLUMNS + ") SELECT " + COLUMNS + " FROM staged ORDER BY " + KEY
            + " ON CONFLICT (" + KEY + ") DO UPDATE SET "
            + """
            requests = d.requests + EXCLUDED.requests,
                prompt_tokens = d.prompt_tokens + EXCLUDED.prompt_tokens,
                completion_tokens = d.completion_tokens + EXCLUDED.completion_tokens,
                uncached_input_tokens = d.uncached_input_tokens + EXCLUDED.uncached_input_tokens,
                cache_read_tokens = d.cache_read_tokens + EXCLUDED.cache_read_tokens,
                cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
                output_tokens = d.output_tokens + EXCLUDED.output_tokens,
                reasoning_tokens = d.reasoning_tokens + EXCLUDED.reasoning_tokens,
                list_micro_usd = d.list_micro_usd + EXCLUDED.list_micro_usd,
                charge_micro_usd = d.charge_micro_usd + EXCLUDED.charge_micro_usd""";

    void apply(Connection c) throws SQLException {
        if (sums.isEmpty()) {
            return;
        }
        if (c.getAutoCommit()) {
            // The staged rows would be gone at the COPY's own commit, and the rollup must commit with the ledger.
            throw new IllegalStateException("the daily rollup is applied inside the ledger's transaction");
        }
        try (Statement s = c.createStatement()) {
            s.execute(STAGE);
        }
        CopyBinary.copyIn(c, COPY, copy -> sums.forEach((k, s) -> copy.row(19).text(k.namespaceId()).date(k.day())
                .text(k.servedModelId()).text(k.providerId()).text(k.variant()).text(k.apiKeyId())
                .text(k.discountKind()).text(k.pricingState()).uuid(s.accountId).int8(s.requests).int8(s.prompt)
                .int8(s.completion).int8(s.uncached).int8(s.cacheRead).int8(s.cacheWrite).int8(s.output)
                .int8(s.reasoning).numeric(s.list).numeric(s.charge)));
        try (Statement s = c.createStatement()) {
            s.executeUpdate(UPSERT);
        }
    }
}
