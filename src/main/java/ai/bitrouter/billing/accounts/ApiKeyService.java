package ai.bitrouter.billing.accounts;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import ai.bitrouter.billing.common.api.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/** Creating, listing, revoking and checking the API keys of namespaces. */
@ApplicationScoped
public class ApiKeyService {

    /** Active keys per namespace: enough for every router and CI job, small enough to list without paging. */
    public static final int MAX_ACTIVE_KEYS_PER_NAMESPACE = 100;

    /** A new key: the stored row, and the credential whose plaintext is shown once. */
    public record Created(ApiKey key, ApiKeyCredential credential) {
    }

    /**
     * A key that authenticated: what the request may do and on behalf of whom. {@code accountStatus} is read in the
     * same query as the key, so a suspended or closed account's keys are refused (403) from the next request on.
     */
    public record Authenticated(String keyId, String namespaceId, UUID accountId, String ownerSubject,
            Set<String> scopes, String accountStatus) {
    }

    /** A revoked key and the keys it had minted that were revoked with it (directly or through each other). */
    public record Revocation(ApiKey key, List<String> cascaded) {
    }

    @Inject
    EntityManager em;

    @Inject
    DataSource dataSource;

    /**
     * Stores a new key for {@code namespaceId} with exactly {@code scopes} (the caller checked they may be granted).
     * 409 when the namespace already has {@link #MAX_ACTIVE_KEYS_PER_NAMESPACE} active keys.
     */
    @Transactional
    public Created create(String namespaceId, String name, Collection<String> scopes, String createdBy) {
        return create(namespaceId, name, scopes, null, createdBy);
    }

    /** As {@link #create(String, String, Collection, String)}, for a key refused after {@code expiresAt} (null: never). */
    @Transactional
    public Created create(String namespaceId, String name, Collection<String> scopes, Instant expiresAt,
            String createdBy) {
        // The namespace row lock makes the cap exact when keys are created concurrently.
        em.createNativeQuery("SELECT id FROM namespaces WHERE id = ?1 FOR UPDATE", String.class)
                .setParameter(1, namespaceId)
                .getSingleResult();
        // An expired key can no longer be used, so it does not hold a place under the cap.
        long active = ApiKey.count("namespaceId = ?1 and revokedAt is null and (expiresAt is null or expiresAt > ?2)",
                namespaceId, Instant.now());
        if (active >= MAX_ACTIVE_KEYS_PER_NAMESPACE) {
            throw ApiException.conflict("this namespace already has " + MAX_ACTIVE_KEYS_PER_NAMESPACE
                    + " active API keys; revoke one first");
        }
        ApiKeyCredential credential = ApiKeyCredential.generate();
        ApiKey key = new ApiKey();
        key.id = credential.id();
        key.namespaceId = namespaceId;
        key.name = name;
        key.scopes = scopes.stream().sorted().distinct().toArray(String[]::new);
        key.secretSha256 = credential.secretSha256();
        key.createdBy = createdBy;
        key.expiresAt = expiresAt;
        key.persist();
        em.flush();
        em.refresh(key); // created_at is the database's
        return new Created(key, credential);
    }

    @Transactional
    public List<ApiKey> active(String namespaceId) {
        return ApiKey.activeOf(namespaceId);
    }

    /**
     * Revokes an active key of {@code namespaceId}; empty when there is none with that id there (unknown, already
     * revoked, or another namespace's: the caller cannot tell these apart). One conditional UPDATE, so two
     * concurrent revocations cannot both report success.
     *
     * <p>The active keys the key minted ({@code created_by = 'key:<id>'}), and those they minted in turn, are revoked
     * in the same transaction: a leaked key's holder may have minted keys with it, and revoking the leaked key must
     * not leave them working. An expired key still counts as a minter (expiry does not undo what it minted).
     */
    @Transactional
    public Optional<Revocation> revoke(String namespaceId, String keyId) {
        int updated = em.createNativeQuery("""
                UPDATE api_keys SET revoked_at = now() WHERE id = ?1 AND namespace_id = ?2 AND revoked_at IS NULL""")
                .setParameter(1, keyId)
                .setParameter(2, namespaceId)
                .executeUpdate();
        if (updated == 0) {
            return Optional.empty();
        }
        // Keys mint only in their own namespace, so the descendants are in it too; the namespace condition keeps
        // a created_by text that happens to match from reaching further. UNION (not ALL) ends on a cycle.
        @SuppressWarnings("unchecked")
        List<String> cascaded = em.createNativeQuery("""
                WITH RECURSIVE minted(id) AS (
                    SELECT id FROM api_keys WHERE created_by = 'key:' || ?1 AND namespace_id = ?2
                    UNION
                    SELECT k.id FROM api_keys k JOIN minted m ON k.created_by = 'key:' || m.id
                     WHERE k.namespace_id = ?2
                )
                UPDATE api_keys SET revoked_at = now()
                 WHERE id IN (SELECT id FROM minted) AND revoked_at IS NULL
                RETURNING id""", String.class)
                .setParameter(1, keyId)
                .setParameter(2, namespaceId)
                .getResultList();
        ApiKey key = ApiKey.findById(keyId);
        em.refresh(key);
        return Optional.of(new Revocation(key, cascaded.stream().sorted().toList()));
    }

    /**
     * Checks a presented key: one primary-key read (joined to its account, for the account's status), the hash
     * compared in constant time. A revoked key and a key past its {@code expires_at} are not found. On success the key's
     * {@code last_used_at} is written at most about once a minute (a write per request would double the cost of
     * every authenticated call); a failed attempt writes nothing.
     */
    public Optional<Authenticated> authenticate(String presented) {
        Optional<ApiKeyCredential> parsed = ApiKeyCredential.parse(presented);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        ApiKeyCredential credential = parsed.get();
        try (Connection c = dataSource.getConnection()) {
            Authenticated result;
            boolean touch;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT k.secret_sha256, k.namespace_id, k.scopes, n.account_id, a.owner_subject,
                           (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale,
                           a.status
                    FROM api_keys k
                    JOIN namespaces n ON n.id = k.namespace_id
                    JOIN accounts a ON a.id = n.account_id
                    WHERE k.id = ? AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())""")) {
                ps.setString(1, credential.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !credential.matches(rs.getBytes(1))) {
                        return Optional.empty();
                    }
                    Array scopes = rs.getArray(3);
                    result = new Authenticated(credential.id(), rs.getString(2),
                            rs.getObject(4, UUID.class), rs.getString(5),
                            Set.copyOf(Arrays.asList((String[]) scopes.getArray())), rs.getString(7));
                    touch = rs.getBoolean(6);
                }
            }
            if (touch) {
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE api_keys SET last_used_at = now()
                        WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')""")) {
                    ps.setString(1, credential.id());
                    ps.executeUpdate();
                }
            }
            return Optional.of(result);
        } catch (SQLException e) {
            throw new IllegalStateException("API key lookup failed", e);
        }
    }
}
