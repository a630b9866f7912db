package ai.bitrouter.billing.security;

import java.security.Principal;
import java.util.Set;
import java.util.UUID;

/**
 * The principal of a request authenticated with an API key: the key, its namespace, the account it bills and that
 * account's status when the key was checked (for {@link AccountStatusEnforcement}).
 */
public record ApiKeyPrincipal(String keyId, String namespaceId, UUID accountId, String ownerSubject,
        Set<String> scopes, String accountStatus) implements Principal {

    @Override
    public String getName() {
        return "key:" + keyId;
    }
}
