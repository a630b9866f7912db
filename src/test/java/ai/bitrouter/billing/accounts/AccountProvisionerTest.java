package ai.bitrouter.billing.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Provisioning is idempotent under concurrency by the database's unique constraints: however many first sign-ins
 * of one person race, there is one account and one namespace, and all of them get the same ones back.
 */
@QuarkusTest
class AccountProvisionerTest {

    @Inject
    AccountProvisioner provisioner;

    @Test
    void concurrentFirstSignInsCreateOneAccountAndOneNamespace() throws Exception {
        String subject = "race-" + UUID.randomUUID();
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AccountProvisioner.Provisioned>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return provisioner.provision(subject, "race@test.bitrouter.local", true);
                }));
            }
            start.countDown();
            Set<AccountProvisioner.Provisioned> distinct = new HashSet<>();
            for (Future<AccountProvisioner.Provisioned> f : results) {
                distinct.add(f.get(60, TimeUnit.SECONDS));
            }
            assertEquals(1, distinct.size(), distinct.toString());
            AccountProvisioner.Provisioned p = distinct.iterator().next();
            assertTrue(p.namespaceId().matches(Ids.NAMESPACE_PATTERN), p.namespaceId());
            assertEquals(1L, count("SELECT count(*) FROM accounts WHERE owner_subject = ?1", subject));
            assertEquals(1L, count("SELECT count(*) FROM namespaces WHERE account_id = ?1", p.accountId()));
            assertEquals(p, provisioner.find(subject).orElseThrow());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAccountThatAlreadyHasANamespaceKeepsItsOwn() {
        String subject = "existing-" + UUID.randomUUID();
        UUID accountId = UUID.randomUUID();
        String namespaceId = Ids.namespaceId();
        QuarkusTransaction.requiringNew().run(() -> {
            Account a = new Account();
            a.id = accountId;
            a.ownerSubject = subject;
            a.persist();
            Namespace n = new Namespace();
            n.id = namespaceId;
            n.accountId = accountId;
            n.name = "production";
            n.persist();
        });
        assertEquals(new AccountProvisioner.Provisioned(accountId, namespaceId),
                provisioner.provision(subject, "someone@test.bitrouter.local", true));
        assertEquals(1L, count("SELECT count(*) FROM namespaces WHERE account_id = ?1", accountId));
    }

    @Test
    void differentPeopleGetDifferentAccountsAndNothingIsFoundBeforeTheFirstSignIn() {
        String first = "first-" + UUID.randomUUID();
        String second = "second-" + UUID.randomUUID();
        assertTrue(provisioner.find(first).isEmpty());
        AccountProvisioner.Provisioned a = provisioner.provision(first, null, false);
        AccountProvisioner.Provisioned b = provisioner.provision(second, null, false);
        assertTrue(!a.accountId().equals(b.accountId()) && !a.namespaceId().equals(b.namespaceId()));
        assertThrows(IllegalArgumentException.class, () -> provisioner.provision(" ", null, false));
    }

    private static long count(String sql, Object parameter) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Account.getEntityManager()
                .createNativeQuery(sql).setParameter(1, parameter).getSingleResult()).longValue());
    }
}
