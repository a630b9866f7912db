package ai.bitrouter.billing.accounts;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The billing entity: owned by one Keycloak subject, invoiced monthly, owner of namespaces. */
@Entity
@Table(name = "accounts")
public class Account extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "owner_subject", nullable = false, unique = true)
    public String ownerSubject;

    public String email;

    @Column(name = "display_name")
    public String displayName;

    @Column(nullable = false)
    public String status = "active";

    @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
    public Instant createdAt;

    public static Optional<Account> findByOwner(String subject) {
        return find("ownerSubject", subject).firstResultOptional();
    }
}
