package ai.bitrouter.billing.security;

import java.util.Set;

/**
 * The API scopes, named exactly as in the contract and in the realm ({@code deploy/keycloak/bitrouter-realm.json},
 * which decides who may receive which). Constants so that a typo in {@link RequireScope} is a compile error.
 */
public final class Scopes {
    public static final String INFERENCE_INVOKE = "inference:invoke";
    public static final String USAGE_READ = "usage:read";
    public static final String KEYS_READ = "keys:read";
    public static final String KEYS_WRITE = "keys:write";
    public static final String BILLING_READ = "billing:read";
    public static final String BILLING_WRITE = "billing:write";
    public static final String POLICY_READ = "policy:read";
    public static final String POLICY_WRITE = "policy:write";
    public static final String BYOK_READ = "byok:read";
    public static final String BYOK_WRITE = "byok:write";
    public static final String NAMESPACE_READ = "namespace:read";
    public static final String NAMESPACE_WRITE = "namespace:write";
    public static final String USER_WRITE = "user:write";
    public static final String CLIENTS_WRITE = "clients:write";
    /**
     * Operator power: every endpoint for {@link Roles#BILLING_ADMIN} also needs it ({@link ScopeEnforcement}). An
     * optional client scope in the realm, never a default one, so an admin's everyday CLI token (the default
     * scopes) cannot grant discounts; the admin asks for it when they mean to act as one
     * ({@code --scope billing:admin}).
     */
    public static final String BILLING_ADMIN = "billing:admin";

    /**
     * What an API key may carry: every customer scope. The operator scopes ({@code user:write},
     * {@code clients:write}, {@code billing:admin}) are excluded: a key has no role, and operator actions must stay tied to a person.
     */
    public static final Set<String> GRANTABLE_TO_API_KEYS = Set.of(INFERENCE_INVOKE, USAGE_READ, KEYS_READ,
            KEYS_WRITE, BILLING_READ, BILLING_WRITE, POLICY_READ, POLICY_WRITE, BYOK_READ, BYOK_WRITE, NAMESPACE_READ,
            NAMESPACE_WRITE);

    public static final Set<String> ALL;

    static {
        var all = new java.util.HashSet<>(GRANTABLE_TO_API_KEYS);
        all.add(USER_WRITE);
        all.add(CLIENTS_WRITE);
        all.add(BILLING_ADMIN);
        ALL = Set.copyOf(all);
    }

    private Scopes() {
    }
}
