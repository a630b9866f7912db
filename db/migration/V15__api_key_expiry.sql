-- API keys may carry an expiry: a key used after expires_at is refused like a revoked one (401). Null is a key
-- that lives until it is revoked, which is what every key created before this migration is.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;

-- Revoking a key also revokes the active keys it minted, transitively (docs/security.md): created_by is
-- 'key:<id>' for those, and this index finds them without reading the namespace's other keys.
CREATE INDEX api_keys_created_by_idx ON api_keys (created_by) WHERE revoked_at IS NULL;
