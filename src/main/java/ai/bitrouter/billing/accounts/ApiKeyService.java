package ai.bitrouter.billing.accounts;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    /** A key that authenticated: what the request may do and on behalf of whom. */
    public record Authenticated(String keyId, String namespaceId, UUID accountId, String ownerSubject,
            Set<String> scopes) {
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
        // The namespace row lock makes the cap exact when keys are created concurrently.
        em.createNativeQuery("SELECT id FROM namespaces WHERE id = ?1 FOR UPDATE", String.class)
                .setParameter(1, namespaceId)
                .getSingleResult();
        long active = ApiKey.count("namespaceId = ?1 and revokedAt is null", namespaceId);
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
     */
    @Transactional
    public Optional<ApiKey> revoke(String namespaceId, String keyId) {
        int updated = em.createNativeQuery("""
                UPDATE api_keys SET revoked_at = now() WHERE id = ?1 AND namespace_id = ?2 AND revoked_at IS NULL""")
                .setParameter(1, keyId)
                .setParameter(2, namespaceId)
                .executeUpdate();
        if (updated == 0) {
            return Optional.empty();
        }
        ApiKey key = ApiKey.findById(keyId);
        em.refresh(key);
        return Optional.of(key);
    }

    /**
     * Checks a presented key: one primary-key read, the hash compared in constant time. On success the key's
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
                           (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale
                    FROM api_keys k
                    JOIN namespaces n ON n.id = k.namespace_id
                    JOIN accounts a ON a.id = n.account_id
                    WHERE k.id = ? AND k.revoked_at IS NULL""")) {
                ps.setString(1, credential.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !credential.matches(rs.getBytes(1))) {
                        return Optional.empty();
                    }
                    Array scopes = rs.getArray(3);
                    result = new Authenticated(credential.id(), rs.getString(2),
                            rs.getObject(4, UUID.class), rs.getString(5),
                            Set.copyOf(Arrays.asList((String[]) scopes.getArray())));
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
