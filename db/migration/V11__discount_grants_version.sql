-- Metering prices every batch with the grants in force, and used to read the grants of the batch's ~1,000 accounts
-- for each batch (7 ms of database time per batch on the benchmark, the third largest statement). Grants change a
-- few times a day, so metering now keeps all of them in memory and only reads this one-row counter per batch: every
-- statement that changes discount_grants bumps it in the same transaction, so the new value becomes visible exactly
-- when the change does, on every instance, and the next batch reloads the grants.
CREATE TABLE discount_grants_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint  NOT NULL
);
INSERT INTO discount_grants_version (singleton, version) VALUES (true, 0);

CREATE FUNCTION discount_grants_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE discount_grants_version SET version = version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER discount_grants_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON discount_grants
    FOR EACH STATEMENT EXECUTE FUNCTION discount_grants_bump_version();
