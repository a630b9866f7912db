-- Metering reads the grants of every account in a batch with account_id = ANY(...): the exclusion constraint's GiST
-- index cannot serve that, so each batch scanned the whole table (~8 ms per batch on the benchmark, and growing with
-- every grant ever made). A plain btree on the account serves it and the admin's per-account listing.
CREATE INDEX discount_grants_account_idx ON discount_grants (account_id);
