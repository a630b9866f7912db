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
import ai.bitrouter.billing.security.Roles;
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
    public Account account() {
        Optional<Account> existing = access.account();
        if (existing.isPresent()) {
            return existing.get();
        }
        Caller c = caller();
        provisioner.provision(c.subject(), c.email());
        return Account.<Account> findByOwner(c.subject()).orElseThrow();
    }

    /** The caller's namespaces, oldest first (the first is the CLI's "me"). */
    public List<Namespace> namespaces() {
        account();
        return access.visible();
    }

    /** The namespace if the caller owns it; otherwise the API's 404. */
    public Namespace requireOwned(String nsid) {
        return access.requireOwned(nsid);
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
