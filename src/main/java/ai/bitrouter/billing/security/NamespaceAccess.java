package ai.bitrouter.billing.security;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.common.api.ApiException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * Which account and namespaces the caller of the current request may touch. Every endpoint with a
 * {@code {nsid}} in its path resolves it here, never by a query of its own, so tenant isolation is one rule:
 *
 * <ul>
 * <li>a person's token reaches the namespaces of the account it owns (the account whose {@code owner_subject} is
 * the token's {@code sub});</li>
 * <li>an API key reaches its own namespace only;</li>
 * <li>{@code me} is the key's namespace, or the first (oldest) namespace of the person's account: the one the
 * sign-in bound its tokens to;</li>
 * <li>anything else, an unknown id or another account's, is the same 404, so existence does not leak.</li>
 * </ul>
 * Operators get no exception here: admin endpoints look data up by id under {@code @RolesAllowed}.
 */
@RequestScoped
public class NamespaceAccess {
    public static final String ME = "me";
    static final String NOT_FOUND = "namespace not found";

    @Inject
    CallerContext callers;

    private Optional<Account> account;

    /** The namespace {@code nsidOrMe} if the caller may use it; otherwise 404 {@code not_found}. */
    @Transactional
    public Namespace requireOwned(String nsidOrMe) {
        Caller caller = callers.caller();
        if (nsidOrMe == null || nsidOrMe.isBlank()) {
            throw ApiException.notFound(NOT_FOUND);
        }
        if (caller.apiKey().isPresent()) {
            String keyNamespace = caller.apiKey().get().namespaceId();
            if (!ME.equals(nsidOrMe) && !keyNamespace.equals(nsidOrMe)) {
                throw ApiException.notFound(NOT_FOUND);
            }
            return Namespace.<Namespace> findByIdOptional(keyNamespace)
                    .orElseThrow(() -> ApiException.notFound(NOT_FOUND));
        }
        UUID accountId = account().map(a -> a.id).orElseThrow(() -> ApiException.notFound(NOT_FOUND));
        if (ME.equals(nsidOrMe)) {
            return Namespace.firstOf(accountId).orElseThrow(() -> ApiException.notFound(NOT_FOUND));
        }
        return Namespace.<Namespace> findByIdOptional(nsidOrMe)
                .filter(n -> accountId.equals(n.accountId))
                .orElseThrow(() -> ApiException.notFound(NOT_FOUND));
    }

    /**
     * The id of namespace {@code nsidOrMe} if the caller may use it, otherwise 404: the rule of {@link #requireOwned},
     * for endpoints that need only the id (reports). For an API key it costs no query: authenticating the key, earlier
     * in this request, read it joined to its namespace and account, so the namespace exists and is the key's.
     */
    public String requireOwnedId(String nsidOrMe) {
        Optional<ApiKeyPrincipal> key = callers.caller().apiKey();
        if (key.isEmpty()) {
            return requireOwned(nsidOrMe).id;
        }
        String keyNamespace = key.get().namespaceId();
        if (nsidOrMe == null || (!ME.equals(nsidOrMe) && !keyNamespace.equals(nsidOrMe))) {
            throw ApiException.notFound(NOT_FOUND);
        }
        return keyNamespace;
    }

    /** The ids of {@link #visible()}, oldest first; for an API key its one namespace, without a query. */
    public List<String> visibleIds() {
        Optional<ApiKeyPrincipal> key = callers.caller().apiKey();
        return key.isPresent() ? List.of(key.get().namespaceId()) : visible().stream().map(n -> n.id).toList();
    }

    /** The namespaces the caller may use, oldest first: all of its account's, or the key's one. */
    @Transactional
    public List<Namespace> visible() {
        Caller caller = callers.caller();
        if (caller.apiKey().isPresent()) {
            return Namespace.<Namespace> findByIdOptional(caller.apiKey().get().namespaceId()).stream().toList();
        }
        return account().map(a -> Namespace.ofAccount(a.id)).orElse(List.of());
    }

    /** The account the caller bills to; empty for a person who never completed a sign-in through this service. */
    @Transactional
    public Optional<Account> account() {
        if (account == null) {
            Caller caller = callers.caller();
            account = caller.apiKeyAccountId().isPresent()
                    ? Account.<Account> findByIdOptional(caller.apiKeyAccountId().get())
                    : Account.findByOwner(caller.subject());
        }
        return account;
    }

    /** The caller's account, or 404 when there is none yet (account-level endpoints such as billing). */
    public Account requireAccount() {
        return account().orElseThrow(() -> ApiException.notFound("no billing account yet: sign in with the CLI first"));
    }
}
