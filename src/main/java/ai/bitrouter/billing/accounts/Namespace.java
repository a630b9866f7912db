package ai.bitrouter.billing.accounts;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A workspace of an account; usage events and API keys belong to one. */
@Entity
@Table(name = "namespaces")
public class Namespace extends PanacheEntityBase {
    @Id
    public String id;

    @Column(name = "account_id", nullable = false)
    public UUID accountId;

    @Column(nullable = false)
    public String name;

    @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
    public Instant createdAt;

    /** Oldest first: the first one is the namespace a sign-in binds its tokens to. */
    public static List<Namespace> ofAccount(UUID accountId) {
        return list("accountId = ?1 order by createdAt, id", accountId);
    }

    public static Optional<Namespace> firstOf(UUID accountId) {
        return find("accountId = ?1 order by createdAt, id", accountId).firstResultOptional();
    }
}
