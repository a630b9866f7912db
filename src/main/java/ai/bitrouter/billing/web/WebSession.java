package ai.bitrouter.billing.web;

import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.jwt.JsonWebToken;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.AccountProvisioner;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.security.Caller;
import ai.bitrouter.billing.security.CallerContext;
import ai.bitrouter.billing.security.NamespaceAccess;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.security.Roles;
import jakarta.transaction.Transactional;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * The person signed in to the pages. The web tenant's identity is a Keycloak ID token of the same user as the CLI's
 * access token, so {@link CallerContext} and {@link NamespaceAccess} resolve it to the same account by
 * {@code owner_subject}: the pages apply exactly the API's tenant rules.
 */
@RequestScoped
public class WebSession {

    @Inject
    SecurityIdentity identity;

    @Inject
    CallerContext callers;

    @Inject
    NamespaceAccess access;

    @Inject
    AccountProvisioner provisioner;

    @Inject
    CsrfTokens csrf;

    public Caller caller() {
        return callers.caller();
    }

    public String username() {
        Caller c = caller();
        return c.username() != null ? c.username() : c.email() != null ? c.email() : c.subject();
    }

    public boolean isAdmin() {
        return caller().hasRole(Roles.BILLING_ADMIN);
    }

    /**
     * The person's account and namespaces, created on the first visit exactly as the CLI's first sign-in creates
     * them (idempotent on {@code owner_subject}), so it does not matter which the person uses first.
     */
    @Transactional
    public Account account() {
        Optional<Account> existing = access.account();
        if (existing.isPresent()) {
            return existing.get();
        }
        Caller c = caller();
        provisioner.provision(c.subject(), c.email(), c.emailVerified());
        return Account.<Account> findByOwner(c.subject()).orElseThrow();
    }

    /**
     * The account's namespaces, oldest first (the first is the CLI's "me"). Read by account id rather than through
     * {@code NamespaceAccess.visible()}, which caches "no account" for the request and so would miss the namespace
     * created by a first visit; the rule is the same: exactly the namespaces of the account the subject owns.
     */
    @Transactional
    public List<Namespace> namespaces() {
        return Namespace.ofAccount(account().id);
    }

    /** The namespace if the caller's account owns it; otherwise the API's 404 (unknown and foreign alike). */
    public Namespace requireOwned(String nsid) {
        return namespaces().stream().filter(n -> n.id.equals(nsid)).findFirst()
                .orElseThrow(() -> ApiException.notFound("namespace not found"));
    }

    public String csrfToken() {
        return csrf.tokenFor(caller().subject(), session());
    }

    public boolean csrfMatches(String presented) {
        return csrf.matches(caller().subject(), session(), presented);
    }

    /** Keycloak's session id: a new sign-in gets new CSRF tokens. */
    private String session() {
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            Object sid = jwt.getClaim("sid");
            if (sid != null) {
                return sid.toString();
            }
            return jwt.getIssuedAtTime() + ":" + jwt.getTokenID();
        }
        return "";
    }
}
