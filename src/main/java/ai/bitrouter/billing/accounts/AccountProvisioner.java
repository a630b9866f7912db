package ai.bitrouter.billing.accounts;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Creates the billing account of a Keycloak user and its first namespace, exactly once however many sign-ins race.
 *
 * <p>Idempotency comes from the unique constraints ({@code accounts.owner_subject},
 * {@code namespaces (account_id, name)}), never from a read before the write: two concurrent first sign-ins both
 * insert, the database keeps one row, and both read the same row back. Under READ COMMITTED a conflicting
 * {@code INSERT ... ON CONFLICT DO NOTHING} waits for the other transaction to commit, and the following
 * {@code SELECT} (a new snapshot) sees its row.
 */
@ApplicationScoped
public class AccountProvisioner {

    /** The account a subject bills to and the namespace its tokens are bound to (its oldest one). */
    public record Provisioned(UUID accountId, String namespaceId) {
    }

    /** The name of the namespace created with an account. */
    public static final String FIRST_NAMESPACE_NAME = "default";

    @Inject
    EntityManager em;

    /**
     * The subject's account and first namespace, creating them if needed.
     *
     * <p>The account's e-mail becomes the Stripe customer's e-mail (invoices are sent there), so only an address
     * Keycloak has verified is recorded: anyone can type someone else's address at sign-up. An unverified one is
     * ignored and the account has no e-mail until a sign-in whose token says {@code email_verified}; then it is
     * filled in once (an e-mail already on the account is never replaced from a token).
     */
    @Transactional
    public Provisioned provision(String subject, String email, boolean emailVerified) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a subject is required");
        }
        String verified = emailVerified && email != null && !email.isBlank() ? email : null;
        // The DO UPDATE only ever fills a missing e-mail, so a sign-in without a verified one locks nothing.
        em.createNativeQuery("""
                INSERT INTO accounts (id, owner_subject, email) VALUES (?1, ?2, ?3)
                ON CONFLICT (owner_subject) DO UPDATE SET email = excluded.email
                 WHERE accounts.email IS NULL AND excluded.email IS NOT NULL""")
                .setParameter(1, UUID.randomUUID())
                .setParameter(2, subject)
                .setParameter(3, verified)
                .executeUpdate();
        UUID accountId = (UUID) em.createNativeQuery("SELECT id FROM accounts WHERE owner_subject = ?1", UUID.class)
                .setParameter(1, subject)
                .getSingleResult();
        // Only an account without any namespace gets one; racing inserts collide on (account_id, name).
        em.createNativeQuery("""
                INSERT INTO namespaces (id, account_id, name)
                SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM namespaces WHERE account_id = ?2)
                ON CONFLICT (account_id, name) DO NOTHING""")
                .setParameter(1, Ids.namespaceId())
                .setParameter(2, accountId)
                .setParameter(3, FIRST_NAMESPACE_NAME)
                .executeUpdate();
        return new Provisioned(accountId, firstNamespaceOf(accountId).orElseThrow());
    }

    /** The account and first namespace of a subject that already signed in, without creating anything. */
    @Transactional
    public Optional<Provisioned> find(String subject) {
        return em.createNativeQuery("""
                SELECT a.id, n.id FROM accounts a JOIN namespaces n ON n.account_id = a.id
                WHERE a.owner_subject = ?1 ORDER BY n.created_at, n.id LIMIT 1""", Object[].class)
                .setParameter(1, subject)
                .getResultStream()
                .map(row -> new Provisioned((UUID) ((Object[]) row)[0], (String) ((Object[]) row)[1]))
                .findFirst();
    }

    private Optional<String> firstNamespaceOf(UUID accountId) {
        return em.createNativeQuery(
                "SELECT id FROM namespaces WHERE account_id = ?1 ORDER BY created_at, id LIMIT 1", String.class)
                .setParameter(1, accountId)
                .getResultStream()
                .map(String.class::cast)
                .findFirst();
    }
}
