-- The ledger's (account_id, event_time) index served one statement, the monthly draft of an account's invoice, and
-- cost every ingested row an index insertion (16% of a COPY into usage_records in the lab, on the hot path of
-- metering). The draft now finds an account's rows through its namespaces and the (namespace_id, event_time) index
-- that reports use anyway: an account's rows are exactly the rows of its namespaces, since a namespace never changes
-- account (no code path updates namespaces.account_id; the draft still checks usage_records.account_id).
DROP INDEX IF EXISTS usage_records_account_time_idx;
