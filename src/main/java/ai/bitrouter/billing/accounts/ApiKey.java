package ai.bitrouter.billing.accounts;

import java.time.Instant;
import java.util.List;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * An API key of a namespace. The secret itself is never stored, only its SHA-256 ({@link ApiKeyCredential}); the
 * plain key exists once, in the response that created it.
 */
@Entity
@Table(name = "api_keys")
public class ApiKey extends PanacheEntityBase {
    @Id
    public String id;

    @Column(name = "namespace_id", nullable = false, updatable = false)
    public String namespaceId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false, columnDefinition = "text[]")
    public String[] scopes;

    @Column(name = "secret_sha256", nullable = false, updatable = false)
    public byte[] secretSha256;

    @Column(name = "created_by", nullable = false, updatable = false)
    public String createdBy;

    @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
    public Instant createdAt;

    @Column(name = "last_used_at", insertable = false, updatable = false)
    public Instant lastUsedAt;

    /** Null: valid until revoked. After this instant the key is refused like a revoked one. */
    @Column(name = "expires_at", updatable = false)
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    public static List<ApiKey> activeOf(String namespaceId) {
        return list("namespaceId = ?1 and revokedAt is null order by createdAt, id", namespaceId);
    }
}
