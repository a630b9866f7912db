package ai.bitrouter.billing.security;

import java.security.Principal;
import java.util.Set;
import java.util.UUID;

/** The principal of a request authenticated with an API key: the key, its namespace and the account it bills. */
public record ApiKeyPrincipal(String keyId, String namespaceId, UUID accountId, String ownerSubject,
        Set<String> scopes) implements Principal {

    @Override
    public String getName() {
        return "key:" + keyId;
    }
}
