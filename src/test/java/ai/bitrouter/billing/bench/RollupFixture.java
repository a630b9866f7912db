package ai.bitrouter.billing.bench;

/** The reports benchmarks' daily rollup, built from seeded ledger rows with one statement instead of by metering. */
public final class RollupFixture {

    private RollupFixture() {
    }

    /**
     * Builds {@code usage_daily} from the ledger rows that match {@code condition}, grouped as metering groups them
     * ({@code RollupFixtureTest} holds the two to the same rows).
     */
    public static String rollupFromLedger(String condition) {
        return """
                INSERT INTO usage_daily (namespace_id, day, served_model_id, provider_id, variant, api_key_id,
                    discount_kind, pricing_state, account_id, requests, prompt_tokens, completion_tokens,
                    uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                    list_micro_usd, charge_micro_usd)
                """ + rollupOfLedger(condition);
    }

    /**
     * The rollup rows of the priced ledger rows that match {@code condition}, in {@code usage_daily}'s column order.
     * ("WHERE" is outside the text block: a text block drops the space before its closing quotes, which once glued the
     * keyword to the condition and broke both report benchmarks' seeds.)
     */
    public static String rollupOfLedger(String condition) {
        return """
                SELECT namespace_id, (event_time AT TIME ZONE 'UTC')::date, coalesce(served_model_id, ''),
                       coalesce(provider_id, ''), coalesce(variant, ''), coalesce(api_key_id, ''), discount_kind,
                       pricing_state, account_id, count(*), sum(prompt_tokens), sum(completion_tokens),
                       sum(uncached_input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens),
                       sum(reasoning_tokens), sum(list_micro_usd), sum(charge_micro_usd)
                FROM usage_records
                """ + "WHERE charge_micro_usd IS NOT NULL AND (" + condition + ")\nGROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9";
    }
}
